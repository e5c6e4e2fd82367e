/**
 * Standard output for log lines, written once per event-loop turn instead of once per line.
 *
 * A proxied request at LOG_LEVEL=info writes three lines (upstream call, audit, request), and
 * under load many requests finish in one turn of the event loop. Each synchronous `write(2)` cost
 * about 3 µs of system time (profile at info: `writeString`, about 5 % of the service's CPU).
 * Here a line is appended to a buffer and the buffer is written, still synchronously (pino's
 * sync SonicBoom, which retries EAGAIN and partial writes), by a `setImmediate` at the end of the
 * turn: the lines of one turn in one `write(2)`, in order, less than a turn later.
 *
 * Nothing waits on a timer: a line is on stdout before the event loop next waits for I/O, or at
 * once when the buffer passes MAX_PENDING. `flush` (pino's `logger.flush()`, called on close) and
 * the process's `exit` event write what is pending; a process killed outright (SIGKILL) loses the
 * lines of its last turn at most.
 */
import pino from 'pino';
import type { DestinationStream } from 'pino';

/** Past this many characters pending, write at once (bounds memory and the write's size). */
const MAX_PENDING = 64 * 1024;

type Sink = DestinationStream & { flushSync?: () => void };

export class TurnBatchedStdout implements DestinationStream {
  private pending = '';
  private scheduled = false;

  constructor(private readonly sink: Sink) {}

  write(line: string): void {
    this.pending += line;
    if (this.pending.length >= MAX_PENDING) this.drain();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.drainLater);
    }
  }

  /** Writes what is pending (pino's `logger.flush(cb)`). */
  flush(cb?: (err?: Error) => void): void {
    this.drain();
    cb?.();
  }

  /** Writes what is pending now; used on `exit`. */
  flushSync(): void {
    this.drain();
    this.sink.flushSync?.();
  }

  private readonly drainLater = (): void => {
    this.scheduled = false;
    this.drain();
  };

  private drain(): void {
    if (this.pending === '') return;
    const text = this.pending;
    this.pending = '';
    this.sink.write(text);
  }
}

let stdout: TurnBatchedStdout | undefined;

/** The process's one batched stdout (every app of a process shares fd 1, and one exit flush). */
export function batchedStdout(): TurnBatchedStdout {
  if (stdout === undefined) {
    const batched = new TurnBatchedStdout(pino.destination({ dest: 1, sync: true }));
    process.once('exit', () => batched.flushSync());
    stdout = batched;
  }
  return stdout;
}
