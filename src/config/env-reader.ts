/**
 * Reads and checks environment variables for `parseConfig`, collecting every problem instead of
 * stopping at the first, so one start-up reports all of them (one line per variable). It also
 * records each variable it was asked for, with its default, so the documentation's table of
 * variables can be checked against the code (`describeVariables`).
 */
import { createHash } from 'node:crypto';
import type { CacheKey } from '../cache/cache-key';

type Env = Record<string, string | undefined>;

/** One configuration problem: names the variable, never its (possibly secret) value. */
export interface ConfigProblem {
  variable: string;
  problem: string;
}

/** Every configuration problem found in one run; `variable` is the first one's. */
export class ConfigError extends Error {
  readonly variable: string;

  constructor(readonly problems: readonly ConfigProblem[]) {
    super(problems.map((p) => `${p.variable}: ${p.problem}`).join('\n'));
    this.variable = problems[0]?.variable ?? '';
  }

  /** one line per variable */
  lines(): string[] {
    return this.problems.map((p) => `${p.variable}: ${p.problem}`);
  }
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

export class EnvReader {
  private readonly problems: ConfigProblem[] = [];
  /** every variable read, with its default as the documentation states it (undefined: none) */
  readonly variables = new Map<string, string | undefined>();

  constructor(private readonly env: Env) {}

  /** The trimmed value, or undefined when unset or empty. */
  read(name: string, documentedDefault?: string): string | undefined {
    if (!this.variables.has(name) || documentedDefault !== undefined)
      this.variables.set(name, documentedDefault);
    const value = this.env[name]?.trim();
    return value === '' ? undefined : value;
  }

  /** Records a problem with `name` (the first one per variable wins: one line each). */
  fail(name: string, problem: string): void {
    if (!this.problems.some((p) => p.variable === name)) this.problems.push({ variable: name, problem });
  }

  failed(name: string): boolean {
    return this.problems.some((p) => p.variable === name);
  }

  /** Throws every problem found so far, if any. */
  throwIfAny(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }

  text(name: string, fallback: string): string {
    return this.read(name, fallback) ?? fallback;
  }

  required(name: string, hint = 'is required'): string {
    const value = this.read(name);
    if (value === undefined) this.fail(name, hint);
    return value ?? '';
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    return this.wholeNumber(name, this.read(name, String(fallback)), min, max) ?? fallback;
  }

  /** An unset whole number stays undefined (the feature is off). */
  optionalInteger(name: string, min: number, max: number): number | undefined {
    return this.wholeNumber(name, this.read(name), min, max);
  }

  private wholeNumber(name: string, raw: string | undefined, min: number, max: number): number | undefined {
    if (raw === undefined) return undefined;
    if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
      this.fail(name, `must be a whole number from ${min} to ${max}`);
      return undefined;
    }
    return Number(raw);
  }

  boolean(name: string, fallback: boolean): boolean {
    const raw = (this.read(name, String(fallback)) ?? String(fallback)).toLowerCase();
    if (!['true', 'false', '1', '0'].includes(raw)) this.fail(name, 'must be true or false');
    return raw === 'true' || raw === '1';
  }

  /** One of `allowed` (case-insensitive). */
  choice<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const raw = (this.read(name, fallback) ?? fallback).toLowerCase();
    if (allowed.includes(raw as T)) return raw as T;
    this.fail(name, `must be one of ${allowed.join(', ')}`);
    return fallback;
  }

  /** A comma list, trimmed, without empty items. */
  list(name: string): string[] {
    return (this.read(name) ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }

  /** An https:// URL (http:// only for a loopback host); required when there is no fallback. */
  url(name: string, fallback?: string): string {
    const raw = this.read(name, fallback) ?? fallback;
    if (raw === undefined) {
      this.fail(name, 'is required');
      return '';
    }
    return this.checkUrl(name, raw) ? raw : (fallback ?? '');
  }

  checkUrl(name: string, raw: string): boolean {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      this.fail(name, 'must be a URL');
      return false;
    }
    if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
      this.fail(name, 'must use https:// (http:// is accepted only for a loopback host)');
      return false;
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      this.fail(name, 'must be an https:// URL');
      return false;
    }
    return true;
  }

  /** Two variables that are set together or not at all. */
  pair(a: string, b: string): [string, string] | [undefined, undefined] {
    const [x, y] = [this.read(a), this.read(b)];
    if ((x === undefined) !== (y === undefined)) {
      this.fail(x === undefined ? a : b, `must be set together with ${x === undefined ? b : a}`);
      return [undefined, undefined];
    }
    return [x, y] as [string, string] | [undefined, undefined];
  }

  /** 32 bytes, base64 (a cache encryption key). */
  key(name: string): CacheKey | undefined {
    const raw = this.read(name);
    if (raw === undefined) return undefined;
    const key = Buffer.from(raw, 'base64');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(raw) || key.length !== 32) {
      this.fail(name, 'must be 32 random bytes, base64-encoded (openssl rand -base64 32)');
      return undefined;
    }
    return { key, id: createHash('sha256').update(key).digest('hex').slice(0, 8) };
  }
}
