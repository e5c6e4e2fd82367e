/**
 * The cold burst: a fresh service process takes 500 concurrent first requests from 100 users; the
 * emulator's counters say how many Auth0 calls (token and user lookups) it made for them.
 */
import { FLOOR_COUNT } from './emulator-child';
import { PROXY_PATH } from './paths';
import { startService, stopService } from './service';
import { percentile, round } from './stats';
import { bearer } from './targets';
import type { EmulatorHandle } from './upstreams';

export const COLD_REQUESTS = 500;

export interface ColdFigures {
  requests: number;
  users: number;
  elapsedMs: number;
  p50: number;
  p99: number;
  statuses: Record<string, number>;
  /** token calls from the service's start (it fetches the management token before serving) to the burst's end */
  tokenCalls: number;
  /** of which before the service answered ready */
  tokenCallsAtStartup: number;
  userLookups: number;
  jwksAtStartup: number;
  idpCalls: number;
}

export async function coldBurst(emulator: EmulatorHandle, env: Record<string, string>): Promise<ColdFigures> {
  const tokens = emulator.ready.coldTokens;
  const before = await emulator.counts();
  const service = await startService(env, { IDENTITY_CACHE_TTL_S: '3600' });
  const ready = await emulator.counts();
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const start = performance.now();
  await Promise.all(
    Array.from({ length: COLD_REQUESTS }, async (_, i) => {
      const t0 = performance.now();
      const status = await firstRequest(service.url, tokens[i % tokens.length]);
      latencies.push(performance.now() - t0);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }),
  );
  const elapsedMs = performance.now() - start;
  const after = await emulator.counts();
  await stopService(service);
  const delta = (endpoint: string): number => (after[endpoint] ?? 0) - (ready[endpoint] ?? 0);
  return {
    requests: COLD_REQUESTS,
    users: tokens.length,
    elapsedMs: round(elapsedMs, 1),
    p50: round(percentile(latencies, 50), 2),
    p99: round(percentile(latencies, 99), 2),
    statuses,
    tokenCalls: tokenCallsIn(after) - tokenCallsIn(before),
    tokenCallsAtStartup: tokenCallsIn(ready) - tokenCallsIn(before),
    userLookups: delta('users'),
    jwksAtStartup: (ready.jwks ?? 0) - (before.jwks ?? 0) + delta('jwks'),
    idpCalls: delta(FLOOR_COUNT),
  };
}

/** Token calls (client credentials and exchanges) the emulator has answered so far. */
function tokenCallsIn(counts: Record<string, number>): number {
  return (counts['token.client_credentials'] ?? 0) + (counts['token.exchange'] ?? 0);
}

/** One proxied request; its status, or the error's message when it got none. */
async function firstRequest(serviceUrl: string, token: string): Promise<string> {
  try {
    const response = await fetch(`${serviceUrl}${PROXY_PATH}`, { headers: bearer(token) });
    await response.arrayBuffer();
    return String(response.status);
  } catch (err) {
    return err instanceof Error ? err.message : 'error';
  }
}
