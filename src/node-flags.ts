/**
 * The Node flags the product runs with, wherever this project starts it: the Dockerfile's CMD,
 * `npm run start:prod`, the sandbox launcher and the bench (a test keeps the first two equal to
 * this list). `node dist/main.js` alone still works; it only holds more memory under load.
 *
 * `--max-semi-space-size=4`: V8's young generation grows to 16 MB per semi-space under a steady
 * request load and keeps it; capped at 4 MB the service stays near 125 MB resident after a run
 * instead of about 160 MB (measured with `npm run bench`; figures in bench/NOTES.md).
 */
export const PRODUCT_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
