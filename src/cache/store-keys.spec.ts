import { StoreKeys, storeKey } from './store-keys';

describe('StoreKeys', () => {
  it('names a key by its kind and SHA-256, never by the key itself', () => {
    const keys = new StoreKeys<'user' | 'recovery'>();
    const name = keys.of('user', 'github|2002');
    expect(name).toMatch(/^user:[A-Za-z0-9_-]{32}$/);
    expect(name).not.toContain('2002');
    expect(keys.of('user', 'github|2002')).toBe(name);
    expect(keys.of('recovery', 'github|2002')).toBe(storeKey('recovery', 'github|2002'));
    expect(keys.of('recovery', 'github|2002')).not.toBe(name);
  });

  it('stays bounded and still names every key the same way', () => {
    const keys = new StoreKeys<'user'>(10);
    const names = Array.from({ length: 35 }, (_, i) => keys.of('user', `u${i}`));
    expect(new Set(names).size).toBe(35);
    expect(names.map((_, i) => keys.of('user', `u${i}`))).toEqual(names);
    expect(
      (keys as unknown as { names: Map<string, Map<string, string>> }).names.get('user')?.size,
    ).toBeLessThanOrEqual(10);
  });
});
