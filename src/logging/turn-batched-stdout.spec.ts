import { TurnBatchedStdout } from './turn-batched-stdout';

function sink(): { writes: string[]; write: (text: string) => void; flushSync: jest.Mock } {
  const writes: string[] = [];
  return { writes, write: (text) => writes.push(text), flushSync: jest.fn() };
}

describe('TurnBatchedStdout', () => {
  it('writes the lines of one event-loop turn in one write, in order, at the end of the turn', async () => {
    const target = sink();
    const out = new TurnBatchedStdout(target);
    out.write('a\n');
    out.write('b\n');
    out.write('c\n');
    expect(target.writes).toEqual([]);
    await new Promise((ok) => setImmediate(ok));
    expect(target.writes).toEqual(['a\nb\nc\n']);
    out.write('d\n');
    await new Promise((ok) => setImmediate(ok));
    expect(target.writes).toEqual(['a\nb\nc\n', 'd\n']);
  });

  it('writes at once past 64 KiB pending', () => {
    const target = sink();
    const out = new TurnBatchedStdout(target);
    const line = `${'x'.repeat(1023)}\n`;
    for (let i = 0; i < 64; i++) out.write(line);
    expect(target.writes).toHaveLength(1);
    expect(target.writes[0]).toHaveLength(64 * 1024);
  });

  it('flush and flushSync write what is pending now', () => {
    const target = sink();
    const out = new TurnBatchedStdout(target);
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
