/**
 * The only reader of process.env. `.env` is read when present (values already in the
 * environment win); tests pass their environment explicitly and never read `.env`.
 */
import { existsSync } from 'node:fs';

export function readEnvironment(envFile = '.env'): Record<string, string | undefined> {
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  return { ...process.env };
}
