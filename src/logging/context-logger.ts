/**
 * The logger of the request path (upstream calls, the audit line): the same JSON lines as Nest's
 * `new Logger(context)` routed through nestjs-pino (`{"level","time",…,"context":"Upstream",…}`,
 * scrubbed like every line), written straight to the app's pino logger.
 *
 * Why not Nest's `Logger` there: each call went through Nest's buffering wrapper, nestjs-pino's two
 * argument-copying layers and only then pino's level check, about 3–4 µs per call even when the level
 * was off, three calls per proxied request. Here a call below LOG_LEVEL is one comparison, and one at
 * the level is one pino call on a child logger whose `context` binding is serialized once.
 *
 * Like Nest's `Logger`, the target is process-wide: the last app built in a process
 * ({@link useRootLogger}, called by createApp) owns it. Without one (a unit test, or an app given its
 * own LoggerService) lines go through Nest's `Logger` as before.
 */
import { Logger } from '@nestjs/common';
import type { Logger as Pino } from 'pino';
import { FixedLine } from './fixed-line';
import type { LineValue } from './fixed-line';
import type { RootLogger } from './root-logger';

let currentRoot: RootLogger | undefined;

/** The pino logger request-path lines go to from now on (undefined: Nest's `Logger`). */
export function useRootLogger(root: RootLogger | undefined): void {
  currentRoot = root;
}

type Level = 'debug' | 'info' | 'warn';
const NEST_METHOD = { debug: 'debug', info: 'log', warn: 'warn' } as const;

export class ContextLogger {
  private readonly nest: Logger;
  private boundTo: RootLogger | undefined;
  private child: Pino | undefined;

  constructor(private readonly context: string) {
    this.nest = new Logger(context);
  }

  /** Whether a line at `level` would be written: lets a caller skip building it. */
  enabled(level: Level): boolean {
    const target = this.target();
    return target === undefined || target.isLevelEnabled(level);
  }

  debug(fields: Record<string, unknown>, message: string): void {
    this.write('debug', fields, message);
  }

  info(fields: Record<string, unknown>, message: string): void {
    this.write('info', fields, message);
  }

  warn(fields: Record<string, unknown>, message: string): void {
    this.write('warn', fields, message);
  }

  /**
   * A writer of one line shape: fixed keys and message, at `level` (fixed-line.ts). The same line as
   * `info(fields, message)` (or `debug`, `warn`), assembled from parts prepared once.
   */
  fixedLine<K extends string>(
    level: Level,
    keys: readonly K[],
    message: string,
  ): (fields: Readonly<Record<K, LineValue>>) => void {
    const line = new FixedLine(keys, message);
    return (fields) => {
      const target = this.target();
      if (target === undefined) this.nest[NEST_METHOD[level]](fields, message);
      else line.write(target, level, fields);
    };
  }

  private write(level: Level, fields: Record<string, unknown>, message: string): void {
    const target = this.target();
    if (target === undefined) this.nest[NEST_METHOD[level]](fields, message);
    else target[level](fields, message);
  }

  private target(): Pino | undefined {
    if (this.boundTo !== currentRoot) {
      this.boundTo = currentRoot;
      this.child = currentRoot?.child({ context: this.context });
    }
    return this.child;
  }
}
