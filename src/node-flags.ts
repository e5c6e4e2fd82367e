/**
 * The Node flags the product runs with, wherever this project starts it: the Dockerfile's CMD,
 * `npm run start:prod`, the sandbox launcher and the bench (a test keeps the first two equal to
 * this list). `node dist/main.js` alone still works; it only holds more memory under load.
 *
 * - `--max-semi-space-size=8`: V8's young generation grows to 16 MB per semi-space under a steady
 *   request load and keeps it; capped at 8 MB it holds 16 MB in all.
 * - `--heap-growing-percent=30`: the old generation is collected once it has grown 30 % past
 *   what the last full GC left, instead of up to several times that: under load the service's
 *   resident memory saw-tooths between ~120 and ~140 MB instead of ~120 and ~190 MB.
 * Against no flags: RSS peak 221–230 → ~143 MB. Against a 4 MB cap (the earlier setting): half the
 * young-generation collections, each copying about what is in flight, so −9 % CPU per warm request
 * (111 → 101 µs, 6 process pairs) for +7–8 MB of RSS; a 16 MB cap gave −14 % but a 158 MB peak
 * (`npm run bench -- --compare dist --compare-node-flags "…"`; bench/NOTES.md). The service
 * mostly waits on IdPs: memory a container can be sized for is worth more than the rest of that
 * CPU. A CPU-bound deployment may start `node dist/main.js` without them.
 */
export const PRODUCT_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=8', '--heap-growing-percent=30'];
