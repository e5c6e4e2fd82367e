import { setTimeout as sleep } from 'node:timers/promises';
import { BATCH_MS, BatchedStdout } from './batched-stdout';

function sink(): { writes: string[]; write: (bytes: Buffer) => void; flushSync: jest.Mock } {
  const writes: string[] = [];
  return { writes, write: (bytes) => writes.push(bytes.toString('utf8')), flushSync: jest.fn() };
}

describe('BatchedStdout', () => {
  it('writes the lines of BATCH_MS in one write, in order, BATCH_MS after the first', async () => {
    const target = sink();
    const out = new BatchedStdout(target);
    out.write('a\n');
    out.write('b\n');
    await new Promise((ok) => setImmediate(ok));
    out.write('c\n');
    expect(target.writes).toEqual([]);
    await sleep(BATCH_MS + 20);
    expect(target.writes).toEqual(['a\nb\nc\n']);
    out.write('d\n');
    await sleep(BATCH_MS + 20);
    expect(target.writes).toEqual(['a\nb\nc\n', 'd\n']);
  });

  it('writes at once past 64 KiB pending', () => {
    const target = sink();
    const out = new BatchedStdout(target);
    const line = `${'x'.repeat(1023)}\n`;
    for (let i = 0; i < 64; i++) out.write(line);
    expect(target.writes).toHaveLength(1);
    expect(target.writes[0]).toHaveLength(64 * 1024);
  });

  it('keeps lines whole and in order across batches, with multi-byte characters and a line larger than the buffer', () => {
    const target = sink();
    const out = new BatchedStdout(target);
    const lines = Array.from({ length: 300 }, (_, i) => `${i} ${'é€😀'.repeat(i * 7)}\n`);
    lines.splice(150, 0, `${'ü'.repeat(40_000)}\n`);
    for (const line of lines) out.write(line);
    out.flushSync();
    expect(target.writes.length).toBeGreaterThan(1);
    expect(target.writes.join('')).toBe(lines.join(''));
    for (const batch of target.writes) expect(batch.endsWith('\n')).toBe(true);
  });

  it('hands each batch over in its own bytes: a later line never changes one already given', () => {
    const given: Buffer[] = [];
    const out = new BatchedStdout({ write: (bytes) => given.push(bytes) });
    out.write('first\n');
    out.flush();
    out.write('second\n');
    out.flush();
    expect(given.map((bytes) => bytes.toString())).toEqual(['first\n', 'second\n']);
  });

  it('flush and flushSync write what is pending now', () => {
    const target = sink();
    const out = new BatchedStdout(target);
    out.write('a\n');
    const done = jest.fn();
    out.flush(done);
    expect(target.writes).toEqual(['a\n']);
    expect(done).toHaveBeenCalled();
    out.write('b\n');
    out.flushSync();
    expect(target.writes).toEqual(['a\n', 'b\n']);
    expect(target.flushSync).toHaveBeenCalled();
  });
});
