/**
 * Auth0's 429 answers: how long they ask us to wait, in ms (undefined when they do not say).
 * `retry-after` is delta seconds or an HTTP date (RFC 9110 §10.2.3); `x-ratelimit-reset` is Unix
 * epoch seconds. `retry-after` wins when both are usable.
 */
export function rateLimitWaitMs(
  headers: Record<string, string | string[] | undefined>,
  now = Date.now(),
): number | undefined {
  const retryAfter = first(headers['retry-after'])?.trim();
  if (retryAfter !== undefined) {
    if (/^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
    // Only a date that starts with a day name: Date.parse alone would read '1.5' or '3' as dates.
    if (/^[A-Za-z]{3}/.test(retryAfter)) {
      const date = Date.parse(retryAfter);
      if (!Number.isNaN(date)) return Math.max(0, date - now);
    }
  }
  const reset = first(headers['x-ratelimit-reset'])?.trim();
  if (reset !== undefined && /^\d+$/.test(reset)) return Math.max(0, Number(reset) * 1000 - now);
  return undefined;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
