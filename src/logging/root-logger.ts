/**
 * The service's one pino logger: JSON lines at LOG_LEVEL on stdout (human-readable with
 * LOG_PRETTY), every line scrubbed of credentials (see redaction.ts). Nest's own `Logger` is routed
 * here through nestjs-pino's LoggerService (`createNestLogger`), so `new Logger('Audit')` and the
 * framework's messages become lines of this logger too.
 */
import { Logger as NestPinoLogger, PinoLogger } from 'nestjs-pino';
import pino from 'pino';
import type { DestinationStream, Logger as Pino } from 'pino';
import type { PrettyOptions } from 'pino-pretty';
import type { LogSettings } from './log-level';
import { scrub, serializeError, serializeReply, serializeRequest } from './redaction';
import { batchedStdout } from './batched-stdout';

export type RootLogger = Pino;

export function createRootLogger(log: LogSettings, destination?: DestinationStream): RootLogger {
  const target: DestinationStream = log.pretty
    ? loadPinoPretty()({
        destination: destination ?? 1,
        colorize: destination === undefined && process.stdout.isTTY,
        translateTime: 'SYS:HH:MM:ss.l',
        singleLine: true,
        messageFormat: '{context}: {msg}',
        ignore: 'pid,hostname,context',
      })
    : // Synchronous writes, one per BATCH_MS at most (batched-stdout.ts): on this 2-core
      // machine asynchronous ones (sonic-boom through the thread pool) measured slower on the
      // proxy path at level info, not faster.
      (destination ?? batchedStdout());
  return pino(
    {
      level: log.level,
      timestamp: isoTimeCached,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => scrub(object),
      },
      serializers: { req: serializeRequest, res: serializeReply, err: serializeError },
    },
    target,
  );
}

let lastMs = Number.NaN;
let lastTime = '';

/**
 * pino's `isoTime`, formatted once per millisecond: a proxied request writes three lines (upstream
 * call, audit, request) within the same few milliseconds, and `toISOString` was a sixth of the cost
 * of a line (measured at LOG_LEVEL=info).
 */
function isoTimeCached(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

/**
 * pino-pretty only when LOG_PRETTY asks for it: loading it costs about 10 MB of resident memory
 * (measured), which a JSON-logging service never uses.
 */
function loadPinoPretty(): (options: PrettyOptions) => DestinationStream {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('pino-pretty') as { default: (options: PrettyOptions) => DestinationStream }).default;
}

export function flushRootLogger(root: RootLogger): void {
  try {
    root.flush();
  } catch {
    // A destination without flush (a test's stream) or one already closed: nothing left to write.
  }
}

/**
 * nestjs-pino's PinoLogger reads a process-global root logger (set once, by the first app of the
 * process); this one is bound to the given app's logger, so several apps in one process (tests)
 * each write to their own destination.
 */
class BoundPinoLogger extends PinoLogger {
  constructor(private readonly root: RootLogger) {
    super({ pinoHttp: { logger: root } });
  }

  override get logger(): RootLogger {
    return this.root;
  }
}

/** Nest's start-up chatter (one line per module and route): debug, so info shows the service's own lines. */
const FRAMEWORK_CONTEXTS: ReadonlySet<unknown> = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

class ServiceLogger extends NestPinoLogger {
  override log(message: unknown, ...optionalParams: unknown[]): void {
    if (FRAMEWORK_CONTEXTS.has(optionalParams[optionalParams.length - 1]))
      this.debug(message, ...optionalParams);
    else super.log(message, ...optionalParams);
  }
}

/**
 * A Nest LoggerService writing to `root`, for `app.useLogger`. nestjs-pino's LoggerModule is not
 * imported: its request logging is pino-http middleware, which measured at ~40% of
 * throughput even when silent; request lines come from one Fastify hook instead
 * (request-log.hook.ts).
 */
export function createNestLogger(root: RootLogger): NestPinoLogger {
  return new ServiceLogger(new BoundPinoLogger(root), {});
}
