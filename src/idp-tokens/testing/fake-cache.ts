/** Test support for the token sources' unit specs; not part of the build (tsconfig.build.json). */
/** An in-memory stand-in for CacheService: what the token sources use of it, no TTL, no fleet. */
export function fakeCache() {
  const store = new Map<string, unknown>();
  const at = (kind: string, key: string): string => `${kind}:${key}`;
  return {
    store,
    get: jest.fn((kind: string, key: string) => Promise.resolve(store.get(at(kind, key)))),
    set: jest.fn((kind: string, key: string, value: unknown) => {
      store.set(at(kind, key), value);
      return Promise.resolve();
    }),
    delete: jest.fn((kind: string, key: string) => {
      store.delete(at(kind, key));
      return Promise.resolve();
    }),
    exclusive: jest.fn((_kind: string, _key: string, work: () => Promise<unknown>) => work()),
  };
}
