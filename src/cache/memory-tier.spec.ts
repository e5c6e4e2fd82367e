import { MemoryTier } from './memory-tier';

describe('MemoryTier', () => {
  it('gives a value until its expiry, then nothing', () => {
    const memory = new MemoryTier();
    const now = Date.now();
    memory.set('user:a', { id: 'a' }, 1_000);
    expect(memory.get('user:a', now + 999)).toEqual({ id: 'a' });
    expect(memory.get('user:a', now + 1_001)).toBeUndefined();
    // An expired entry is gone once read.
    expect(memory.size).toBe(0);
    expect(memory.get('user:b')).toBeUndefined();
  });

  it('forgets a deleted key, and a rewritten one takes the new value and expiry', () => {
    const memory = new MemoryTier();
    memory.set('k', 1, 1_000);
    memory.set('k', 2, 60_000);
    expect(memory.get('k', Date.now() + 30_000)).toBe(2);
    memory.delete('k');
    expect(memory.get('k')).toBeUndefined();
  });

  it('hands out values frozen, nested ones too: a reader cannot change what the next one reads', () => {
    const memory = new MemoryTier();
    memory.set('user:a', { identities: [{ provider: 'github', accessToken: 't' }] }, 60_000);
    const user = memory.get<{ identities: { accessToken: string }[] }>('user:a');
    expect(() => {
      (user as { identities: { accessToken: string }[] }).identities[0].accessToken = 'x';
    }).toThrow(TypeError);
    expect(() => user?.identities.push({ accessToken: 'y' })).toThrow(TypeError);
    expect(memory.get('user:a')).toEqual({ identities: [{ provider: 'github', accessToken: 't' }] });
  });

  it('stays bounded, dropping the oldest written first', () => {
    const memory = new MemoryTier(10);
    for (let i = 0; i < 10; i++) memory.set(`k${i}`, i, 60_000);
    memory.set('k0', 'rewritten', 60_000); // now the newest
    memory.set('k10', 10, 60_000);
    expect(memory.size).toBeLessThanOrEqual(10);
    expect(memory.get('k1')).toBeUndefined();
    expect(memory.get('k0')).toBe('rewritten');
    expect(memory.get('k10')).toBe(10);
    for (let i = 11; i < 100; i++) memory.set(`k${i}`, i, 60_000);
    expect(memory.size).toBeLessThanOrEqual(10);
    expect(memory.get('k99')).toBe(99);
  });
});
