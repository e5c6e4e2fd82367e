/**
 * The Node flags the product runs with, wherever this project starts it: the Dockerfile's CMD,
 * `npm run start:prod`, the sandbox launcher and the bench (a test keeps the first two equal to
 * this list). `node dist/main.js` alone still works; it only holds more memory under load.
 *
 * - `--max-semi-space-size=4`: V8's young generation grows to 16 MB per semi-space under a steady
 *   request load and keeps it; capped at 4 MB it holds 8 MB in all.
 * - `--heap-growing-percent=30`: the old generation is collected once it has grown 30 % past
 *   what the last full GC left, instead of up to several times that: under load the service's
 *   resident memory saw-tooths between ~120 and ~135 MB instead of ~120 and ~190 MB.
 * Together, in A/Bs against no flags: +22–25 % CPU per request (147 → 179 and 201 → 251 µs),
 * RSS peak 221–230 → 135–136 MB (`npm run bench -- --compare dist --node-flags ""
 * --compare-node-flags "…"`; bench/NOTES.md). The service mostly waits on IdPs: memory a
 * container can be sized for is worth more than that CPU. A CPU-bound deployment may start
 * `node dist/main.js` without them.
 */
export const PRODUCT_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4', '--heap-growing-percent=30'];
