import { asAbortSignal, Cancellation } from './cancellation';

describe('Cancellation', () => {
  it('runs each listener once, on the first abort, with the reason kept', () => {
    const gone = new Cancellation();
    const heard: string[] = [];
    gone.addEventListener('abort', () => heard.push('a'));
    gone.addEventListener('abort', () => heard.push('b'));
    gone.abort('why');
    gone.abort('again');
    expect(heard).toEqual(['a', 'b']);
    expect(gone.aborted).toBe(true);
    expect(gone.reason).toBe('why');
  });

  it('does not run a removed listener, nor one added after the abort', () => {
    const gone = new Cancellation();
    const heard: string[] = [];
    const removed = (): number => heard.push('removed');
    gone.addEventListener('abort', removed);
    gone.addEventListener('abort', () => heard.push('kept'));
    gone.removeEventListener('abort', removed);
    gone.abort();
    gone.addEventListener('abort', () => heard.push('late'));
    expect(heard).toEqual(['kept']);
    expect(gone.reason).toBeInstanceOf(Error);
  });

  it('is followed by a real AbortSignal until released', () => {
    const gone = new Cancellation();
    const followed = asAbortSignal(gone);
    gone.abort('left');
    expect(followed.signal?.aborted).toBe(true);
    expect(followed.signal?.reason).toBe('left');

    const other = new Cancellation();
    const released = asAbortSignal(other);
    released.release();
    other.abort();
    expect(released.signal?.aborted).toBe(false);
  });
});
