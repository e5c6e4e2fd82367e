/**
 * Standard output for log lines, written at most every BATCH_MS instead of once per line.
 *
 * A proxied request at LOG_LEVEL=info writes three lines (upstream call, audit, request). Each
 * synchronous `write(2)` cost about 3 µs of system time (profile at info: `writeString`, about 5 %
 * of the service's CPU); one write per event-loop turn still cost ~4 µs per request under load,
 * as a turn often holds one request. Here a line is encoded into a byte buffer at once and the
 * buffer is written, still synchronously (pino's sync SonicBoom, which retries EAGAIN and partial
 * writes), BATCH_MS after its first line: the lines of those milliseconds in one `write(2)`, in
 * order.
 *
 * The timer does not hold the process open. A line is on stdout within BATCH_MS, or at once when
 * the buffer passes MAX_PENDING. `flush` (pino's `logger.flush()`, called on close) and the
 * process's `exit` event write what is pending; a process killed outright (SIGKILL) loses its last
 * BATCH_MS of lines at most.
 */
import pino from 'pino';
import type { DestinationStream } from 'pino';

/** Past this many bytes pending, write at once (bounds memory and the write's size). */
const MAX_PENDING = 64 * 1024;
/** The buffer's size: MAX_PENDING and room for the line that crosses it (a longer line goes alone). */
const CAPACITY = 96 * 1024;
/** The longest a line waits for the write that carries it. */
export const BATCH_MS = 10;

/** Where batches go: a stream of bytes (pino's SonicBoom in buffer mode). */
export interface ByteSink {
  write(bytes: Buffer): unknown;
  flushSync?: () => void;
}

export class BatchedStdout implements DestinationStream {
  private buffer = Buffer.allocUnsafeSlow(CAPACITY);
  private used = 0;
  private scheduled = false;

  constructor(private readonly sink: ByteSink) {}

  write(line: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    const most = line.length * 3;
    if (this.used + most > CAPACITY) this.drain();
    if (most > CAPACITY) {
      this.sink.write(Buffer.from(line, 'utf8'));
      return;
    }
    // Encoded at once: the line's string dies young (a string held for the batch's milliseconds
    // lived through young-generation collections and was copied, or promoted, with them).
    this.used += this.buffer.write(line, this.used, 'utf8');
    if (this.used >= MAX_PENDING) this.drain();
    else if (!this.scheduled) {
      this.scheduled = true;
      setTimeout(this.drainLater, BATCH_MS).unref();
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
    if (this.used === 0) return;
    // The sink may hold the bytes until written (EAGAIN on a full pipe): they go as they are, and
    // the next lines get a new buffer.
    const bytes = this.buffer.subarray(0, this.used);
    this.buffer = Buffer.allocUnsafeSlow(CAPACITY);
    this.used = 0;
    this.sink.write(bytes);
  }
}

let stdout: BatchedStdout | undefined;

/** The process's one batched stdout (every app of a process shares fd 1, and one exit flush). */
export function batchedStdout(): BatchedStdout {
  if (stdout === undefined) {
    const sink = pino.destination({ dest: 1, sync: true, contentMode: 'buffer' }) as unknown as ByteSink;
    const batched = new BatchedStdout(sink);
    process.once('exit', () => batched.flushSync());
    stdout = batched;
  }
  return stdout;
}
