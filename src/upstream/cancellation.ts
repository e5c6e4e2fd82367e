/**
 * Cancellation of an upstream call without an AbortController. Node's AbortController and
 * AbortSignal cost a few µs each to make (an EventTarget apiece), and the proxy needed two per
 * request: one for the caller going away, one per attempt for the deadline. undici accepts an
 * EventEmitter as `signal`, and the upstream client needs no more than {@link CallerSignal}.
 */
import { EventEmitter } from 'node:events';

/** What the upstream client reads of a caller's cancellation; an AbortSignal is one. */
export interface CallerSignal {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** A one-shot abort: listeners run once, on the first `abort`. */
export class Cancellation extends EventEmitter implements CallerSignal {
  aborted = false;
  reason: unknown = undefined;

  abort(reason: unknown = new Error('This operation was aborted')): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    this.once('abort', listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    this.removeListener('abort', listener);
  }
}

/** An AbortSignal that follows `signal`, for APIs that need a real one (cockatiel's retry policy). */
export function asAbortSignal(signal: CallerSignal | undefined): {
  signal: AbortSignal | undefined;
  release: () => void;
} {
  if (signal === undefined || signal instanceof AbortSignal) return { signal, release: () => undefined };
  const controller = new AbortController();
  if (signal.aborted) {
    controller.abort(signal.reason);
    return { signal: controller.signal, release: () => undefined };
  }
  const follow = (): void => controller.abort(signal.reason);
  signal.addEventListener('abort', follow, { once: true });
  return { signal: controller.signal, release: () => signal.removeEventListener('abort', follow) };
}
