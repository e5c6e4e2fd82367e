/**
 * What the bench loads: each target is a URL (with its token) and the process whose CPU time it
 * reports. The floor, the reference proxies, the service warm and with many users, and the two
 * builds of an A/B comparison.
 */
import type { Options as LoadOptions } from 'autocannon';
import type { Args } from './args';
import { DIST, PROXY_PATH } from './paths';
import { REFERENCE_KINDS } from './reference-proxy';
import type { ReferenceKind } from './reference-proxy';
import type { ServiceHandle } from './service';
import type { EmulatorHandle, ReferenceHandle } from './upstreams';

export interface Target {
  name: string;
  label: string;
  options: () => LoadOptions;
  countAuth0: boolean;
  /** the process whose CPU time per request is reported (the emulator for the floor) */
  pid: number;
  /** the Redis the target's service uses: its commands per round are counted */
  redisUrl?: string;
}

const FLOOR_LABEL = 'floor: GitHub `GET /user` from a plain node:http handler, direct';

const CEILING_LABELS: Record<ReferenceKind, string> = {
  fastify: 'bare Fastify + undici pass-through',
  http: 'bare `node:http` + undici pass-through',
  tcp: 'TCP pipe, no HTTP parsing',
};

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** Round-robin over the tokens, one per request, across all connections. */
function roundRobin(path: string, tokens: readonly string[]): LoadOptions['requests'] {
  let next = 0;
  return [
    {
      method: 'GET',
      path,
      setupRequest: (request) => ({ ...request, headers: bearer(tokens[next++ % tokens.length]) }),
    },
  ];
}

/** One request; throws unless it answers 200. */
export async function expectOk(url: string, token: string): Promise<void> {
  const response = await fetch(url, { headers: bearer(token) });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${text.slice(0, 300)}`);
}

/** The floor: GitHub's `GET /user` from the plain handler in the upstreams' process. */
export function floorTarget(emulator: EmulatorHandle, connections: number): Target {
  const { ready } = emulator;
  return {
    name: 'floor',
    label: FLOOR_LABEL,
    options: () => ({ url: ready.floorUrl, connections, headers: bearer(ready.floorToken) }),
    countAuth0: false,
    pid: emulator.child.pid ?? 0,
  };
}

/** The default run's targets: floor, reference, proxy warm, proxy many, and proxy Redis if it runs. */
export function benchTargets(
  emulator: EmulatorHandle,
  c: number,
  reference: ReferenceHandle,
  service: ServiceHandle,
  redisService?: { service: ServiceHandle; redisUrl: string },
): Target[] {
  const { ready } = emulator;
  const proxyUrl = `${service.url}${PROXY_PATH}`;
  return [
    floorTarget(emulator, c),
    {
      name: 'reference',
      label: 'reference: bare Fastify + undici pass-through, no auth or policy',
      options: () => ({ url: reference.url, connections: c }),
      countAuth0: false,
      pid: reference.proc.pid ?? 0,
    },
    {
      name: 'proxyWarm',
      label: `proxy warm: \`GET ${PROXY_PATH}\`, 1 user`,
      options: () => ({ url: proxyUrl, connections: c, headers: bearer(ready.warmToken) }),
      countAuth0: true,
      pid: service.proc.pid ?? 0,
    },
    {
      name: 'proxyMany',
      label: `proxy many users: same, ${ready.manyTokens.length.toLocaleString('en')} users round-robin`,
      options: () => ({
        url: service.url,
        connections: c,
        requests: roundRobin(PROXY_PATH, ready.manyTokens),
      }),
      countAuth0: true,
      pid: service.proc.pid ?? 0,
    },
    ...(redisService === undefined ? [] : [redisTarget(emulator, c, redisService)]),
  ];
}

/** Proxy warm on a second service with REDIS_URL set (two tiers, memory first). */
function redisTarget(
  emulator: EmulatorHandle,
  c: number,
  { service, redisUrl }: { service: ServiceHandle; redisUrl: string },
): Target {
  return {
    name: 'proxyRedis',
    label: `proxy warm with Redis: same as proxy warm, REDIS_URL set (memory first, Redis behind)`,
    options: () => ({
      url: `${service.url}${PROXY_PATH}`,
      connections: c,
      headers: bearer(emulator.ready.warmToken),
    }),
    countAuth0: true,
    pid: service.proc.pid ?? 0,
    redisUrl,
  };
}

/** `--ceiling`: the floor, then one target per bare proxy of reference-proxy.ts. */
export function ceilingTargets(emulator: EmulatorHandle, c: number, references: ReferenceHandle[]): Target[] {
  const { ready } = emulator;
  return [
    floorTarget(emulator, c),
    ...REFERENCE_KINDS.map((kind, i): Target => ({
      name: kind,
      label: `${kind}: ${CEILING_LABELS[kind]}`,
      options: () => ({ url: references[i].url, connections: c, headers: bearer(ready.floorToken) }),
      countAuth0: false,
      pid: references[i].proc.pid ?? 0,
    })),
  ];
}

/** `--compare`: proxy warm on this build and on the other one. */
export function compareTargets(
  args: Args,
  emulator: EmulatorHandle,
  builds: ReadonlyArray<{ name: string; service: ServiceHandle; redisUrl?: string }>,
  otherDist: string,
): Target[] {
  const { ready } = emulator;
  return builds.map(({ name, service, redisUrl }): Target => ({
    name,
    label:
      name === 'this'
        ? `this build (${DIST}; ${args.nodeFlags.join(' ') || 'no flags'})`
        : `other build (${otherDist}; ${(args.compareNodeFlags ?? args.nodeFlags).join(' ') || 'no flags'}${redisUrl ? '; REDIS_URL set' : ''})`,
    options: () => ({
      url: `${service.url}${PROXY_PATH}`,
      connections: args.connections,
      headers: bearer(ready.warmToken),
    }),
    countAuth0: false,
    pid: service.proc.pid ?? 0,
    redisUrl,
  }));
}
