/** Where the bench finds the compiled service and writes its results, and the proxied path it loads. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
/** The compiled service (dist/): the bench runs from dist/bench/. */
export const DIST = resolve(__dirname, '..');
export const RESULTS = join(ROOT, 'bench', 'results');
export const { PRODUCT_NODE_FLAGS } = createRequire(__filename)(join(DIST, 'node-flags.js')) as {
  PRODUCT_NODE_FLAGS: readonly string[];
};
export const PROXY_PATH = '/v1/idp/github/api/user';

/** Writes a result as indented JSON to bench/results/<name>; returns the file's path. */
export function writeResult(name: string, result: unknown): string {
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, name);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

/** Today's date, YYYY-MM-DD, as the results files are named. */
export function today(): string {
  return new Date().toISOString().slice(0, 10);
}
