/**
 * Cancellation of an upstream call without an AbortController. Node's AbortController and
 * AbortSignal cost a few µs each to make (an EventTarget apiece), and the proxy needs two per
 * request: one for the caller going away, one per attempt for the deadline. undici accepts any
 * object with `addEventListener`/`removeEventListener` as `signal`, and the upstream client needs
 * no more than {@link CallerSignal}: a plain list of listeners, not even an EventEmitter (whose
 * set-up and listener bookkeeping showed in the warm path's profile).
 */

/** What the upstream client reads of a caller's cancellation; an AbortSignal is one. */
export interface CallerSignal {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** A one-shot abort: listeners run once, on the first `abort`. */
export class Cancellation implements CallerSignal {
  aborted = false;
  reason: unknown = undefined;
  private listeners: (() => void)[] | undefined;

  abort(reason: unknown = new Error('This operation was aborted')): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = undefined;
    for (const listener of listeners ?? []) listener();
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.aborted) return;
    (this.listeners ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const at = this.listeners?.indexOf(listener) ?? -1;
    if (at >= 0) this.listeners?.splice(at, 1);
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
