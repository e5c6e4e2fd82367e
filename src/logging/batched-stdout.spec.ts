import { setTimeout as sleep } from 'node:timers/promises';
import { BATCH_MS, BatchedStdout } from './batched-stdout';

function sink(): { writes: string[]; write: (text: string) => void; flushSync: jest.Mock } {
  const writes: string[] = [];
  return { writes, write: (text) => writes.push(text), flushSync: jest.fn() };
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
