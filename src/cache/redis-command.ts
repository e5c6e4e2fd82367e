/**
 * One command against a Redis that may be down, slow or refusing: what it answers instead of
 * throwing (`UNAVAILABLE`), how long it may take, and what of its failure may be logged.
 */

/** Every RedisStore operation's answer when Redis could not serve it (the cache then uses memory). */
export const UNAVAILABLE = Symbol('redis unavailable');
export type Unavailable = typeof UNAVAILABLE;

export class CommandTimeout extends Error {
  override name = 'CommandTimeout';
}

/**
 * node-redis's own command timeout stops at the write: a server that stalls after reading the
 * command (a paused process, a full network buffer) would hold the caller forever.
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CommandTimeout(`no answer in ${ms} ms`)), ms);
  });
  promise.catch(() => undefined); // its late failure, after the timeout, is nobody's business
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The error's code or name only: a message could carry the URL, and the URL a password. */
export function errorName(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { code, name } = error as { code?: unknown; name?: unknown };
    if (typeof code === 'string') return code;
    if (typeof name === 'string') return name;
  }
  return 'unknown';
}
