/** The bench's command line, parsed into `Args`. The options are described once, in bench.ts. */
import { resolve } from 'node:path';
import { PRODUCT_NODE_FLAGS } from './paths';

export interface Args {
  rounds: number;
  duration: number;
  connections: number;
  logLevel: string;
  soak?: number;
  profile?: number;
  ceiling: boolean;
  /** A/B: a copy of an earlier build's dist/ to run against this one (`dist` itself: this build) */
  compare?: string;
  /** A/B: fresh process pairs, each for `rounds` rounds (default 1) */
  restarts: number;
  /** A/B: the other side's Node flags (default: the same as this side's) */
  compareNodeFlags?: readonly string[];
  /** the floor answers without content-length (chunked), as many APIs do */
  chunked: boolean;
  /** `--profile`: the service with REDIS_URL; `--compare`: the other side with it (a private redis-server) */
  redis: boolean;
  /** the service's Node flags: the product's own (src/node-flags.ts) unless --node-flags says */
  nodeFlags: readonly string[];
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Reads an option's values off argv, left to right. */
class ArgReader {
  private i = 0;
  constructor(private readonly argv: readonly string[]) {}

  /** The next option, or undefined at the end. */
  next(): string | undefined {
    return this.argv[this.i++];
  }
  value(flag: string): string {
    const next = this.argv[this.i++];
    if (next === undefined) throw new Error(`${flag} needs a value`);
    return next;
  }
  positive(flag: string): number {
    const number = Number(this.value(flag));
    if (!Number.isFinite(number) || number <= 0) throw new Error(`${flag} needs a positive number`);
    return number;
  }
  nodeFlags(flag: string): string[] {
    return this.value(flag)
      .split(' ')
      .filter((f) => f !== '');
  }
}

export function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    rounds: 3,
    duration: 5,
    connections: 50,
    restarts: 1,
    logLevel: 'info',
    nodeFlags: PRODUCT_NODE_FLAGS,
    ceiling: false,
    chunked: false,
    redis: false,
  };
  const reader = new ArgReader(argv);
  for (let flag = reader.next(); flag !== undefined; flag = reader.next()) applyOption(args, flag, reader);
  return args;
}

function applyOption(args: Args, flag: string, reader: ArgReader): void {
  switch (flag) {
    case '--ceiling':
      args.ceiling = true;
      break;
    case '--chunked':
      args.chunked = true;
      break;
    case '--redis':
      args.redis = true;
      break;
    case '--compare':
      args.compare = resolve(reader.value(flag));
      break;
    case '--node-flags':
      args.nodeFlags = reader.nodeFlags(flag);
      break;
    case '--compare-node-flags':
      args.compareNodeFlags = reader.nodeFlags(flag);
      break;
    case '--log-level':
      args.logLevel = reader.value(flag);
      if (!LOG_LEVELS.includes(args.logLevel)) throw new Error('--log-level needs a pino level');
      break;
    case '--rounds':
      args.rounds = Math.round(reader.positive(flag));
      break;
    case '--duration':
      args.duration = reader.positive(flag);
      break;
    case '--restarts':
      args.restarts = Math.round(reader.positive(flag));
      break;
    case '--connections':
      args.connections = Math.round(reader.positive(flag));
      break;
    case '--soak':
      args.soak = reader.positive(flag);
      break;
    case '--profile':
      args.profile = reader.positive(flag);
      break;
    default:
      throw new Error(`unknown option ${flag}`);
  }
}
