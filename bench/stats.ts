/** Small arithmetic the bench's figures are made of: sums, medians, percentiles, rounding. */

export function sleep(ms: number): Promise<void> {
  return new Promise((ok) => setTimeout(ok, ms));
}
export function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
export function mean(values: number[]): number {
  return values.length === 0 ? NaN : sum(values) / values.length;
}
export function median(values: number[]): number {
  return percentile(values, 50);
}
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
