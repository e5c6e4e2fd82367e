/**
 * POST /auth0/log-stream: Auth0's Custom Webhook log stream in its three content formats. A login,
 * signup, deletion or Management API write to a user ends the cached copy of that user (the next
 * request looks the user up again); every refusal is problem+json.
 */
import type { EmulatorWithExtras } from '../src/sandbox/emulator/emulator.types';
import { describeWithRedis, startFleet, stopFleet, uniquePrefix, waitFor } from './support/redis';
import type { RedisClient, Replica } from './support/redis';
import { expectNoSecretLeaked, expectProblem, startStack } from './support/stack';
import type { Answer, Stack } from './support/stack';

const STREAM_TOKEN = 'Bearer log-stream-secret-0123456789';
const MIB = 1024 * 1024;

/** A log entry as Auth0's stream wraps it. */
function entry(data: Record<string, unknown>): Record<string, unknown> {
  return {
    log_id: `9002026${Math.random().toString().slice(2, 12)}`,
    data: { date: new Date().toISOString(), ...data },
  };
}

describe('POST /auth0/log-stream', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ AUTH0_LOG_STREAM_TOKEN: STREAM_TOKEN });
  });

  afterAll(async () => {
    expectNoSecretLeaked(stack);
    await stack.close();
  });

  const deliver = (body: string | Buffer, authorization: string | null = STREAM_TOKEN): Promise<Answer> =>
    stack.call('/auth0/log-stream', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(authorization === null ? {} : { authorization }),
      },
      body,
    });

  /** Looks `user` up through the service (cold or warm) and says how many lookups Auth0 saw. */
  const lookupsAfterCall = async (user: string): Promise<number> => {
    expect((await stack.call('/v1/identities', { token: stack.token(user) })).status).toBe(200);
    return stack.emulator.count('users');
  };

  /** Warms `user`, delivers `body`, and says whether the next request looked the user up again. */
  const dropsUser = async (user: string, body: string): Promise<boolean> => {
    const warm = await lookupsAfterCall(user);
    expect(await lookupsAfterCall(user)).toBe(warm);
    const answer = await deliver(body);
    expect(answer.status).toBe(204);
    expect(answer.text).toBe('');
    return (await lookupsAfterCall(user)) === warm + 1;
  };

  it('should drop a user named by a login event in a JSON array', async () => {
    const user = stack.emulator.addUser({ providers: ['github'] }).user_id;
    const other = stack.emulator.addUser({ providers: ['github'] }).user_id;
    await lookupsAfterCall(other);
    const body = JSON.stringify([entry({ type: 's', user_id: user }), entry({ type: 'f', user_id: other })]);
    expect(await dropsUser(user, body)).toBe(true);
    // the failed login named another user: still cached
    const before = stack.emulator.count('users');
    expect(await lookupsAfterCall(other)).toBe(before);
  });

  it('should drop a user named by a signup event in JSON lines', async () => {
    const user = stack.emulator.addUser({ providers: ['google'] }).user_id;
    const body = `${JSON.stringify(entry({ type: 'slo', user_id: 'github|1' }))}\n${JSON.stringify(entry({ type: 'ss', user_id: user }))}\n`;
    expect(await dropsUser(user, body)).toBe(true);
  });

  it('should drop a user named by a deletion event sent as one JSON object', async () => {
    const user = stack.emulator.addUser({ providers: ['facebook'] }).user_id;
    expect(await dropsUser(user, JSON.stringify(entry({ type: 'sdu', user_id: user })))).toBe(true);
  });

  it('should drop the user in the percent-encoded path of a Management API write', async () => {
    const user = stack.emulator.addUser({ providers: ['github'] }).user_id;
    const event = entry({
      type: 'sapi',
      description: 'Unlink an identity',
      details: {
        request: { method: 'delete', path: `/api/v2/users/${encodeURIComponent(user)}/identities/github/1` },
        response: { statusCode: 200 },
      },
    });
    expect(await dropsUser(user, JSON.stringify([event]))).toBe(true);
  });

  it('should keep users for events it does not act on', async () => {
    const user = stack.emulator.addUser({ providers: ['github'] }).user_id;
    const body = JSON.stringify([
      entry({ type: 'f', user_id: user }),
      entry({ type: 'sapi', details: { request: { method: 'patch', path: '/api/v2/clients/abc' } } }),
      entry({ type: 'sapi', details: { request: { method: 'post', path: '/api/v2/users' } } }),
    ]);
    expect(await dropsUser(user, body)).toBe(false);
  });

  it.each(['JSONARRAY', 'JSONLINES', 'JSONOBJECT'] as const)(
    "should drop the users of the emulated tenant's %s deliveries",
    async (format) => {
      const [signedIn, deleted] = [0, 1].map(() => stack.emulator.addUser({ providers: ['github'] }).user_id);
      const warm = [await lookupsAfterCall(signedIn), await lookupsAfterCall(deleted)][1];
      const statuses = await stack.emulator.postLogStream(
        [
          { type: 's', user_id: signedIn },
          { type: 'sdu', user_id: deleted },
        ],
        { url: `${stack.url}/auth0/log-stream`, authorization: STREAM_TOKEN, format },
      );
      expect(statuses).toEqual(format === 'JSONOBJECT' ? [204, 204] : [204]);
      expect(await lookupsAfterCall(signedIn)).toBe(warm + 1);
      expect(await lookupsAfterCall(deleted)).toBe(warm + 2);
    },
  );

  it('should answer a repeated delivery the same way', async () => {
    const user = stack.emulator.addUser({ providers: ['github'] }).user_id;
    const body = JSON.stringify([entry({ type: 's', user_id: user })]);
    expect((await deliver(body)).status).toBe(204);
    expect((await deliver(body)).status).toBe(204);
  });

  it.each([
    ['no Authorization', null, 'missing_token'],
    ['a wrong token', 'Bearer log-stream-secret-0123456780', 'invalid_token'],
    ['the token without its scheme', 'log-stream-secret-0123456789', 'invalid_token'],
  ])('should refuse %s with 401 problem+json', async (_name, authorization, code) => {
    const user = stack.emulator.addUser({ providers: ['github'] }).user_id;
    const warm = await lookupsAfterCall(user);
    expectProblem(
      await deliver(JSON.stringify([entry({ type: 's', user_id: user })]), authorization),
      401,
      code,
    );
    expect(await lookupsAfterCall(user)).toBe(warm);
  });

  it('should refuse a wrong token before reading a body over the limit', async () => {
    const answer = await deliver(Buffer.alloc(6 * MIB, 0x20), 'Bearer wrong');
    expectProblem(answer, 401, 'invalid_token');
  });

  it.each([
    ['not JSON', 'this is not json'],
    ['a JSON number', '42'],
    ['an array of numbers', '[1, 2]'],
    ['an empty body', ''],
    ['JSON lines with one broken line', '{"data":{"type":"s","user_id":"github|1"}}\n{"data":'],
  ])('should answer %s with 400 invalid_request', async (_name, body) => {
    expectProblem(await deliver(body), 400, 'invalid_request');
  });

  it('should take a delivery over 1 MiB and refuse one over 5 MiB with 413', async () => {
    const user = stack.emulator.addUser({ providers: ['github'] }).user_id;
    const filler = entry({ type: 'w', description: 'x'.repeat(2 * MIB) });
    const big = JSON.stringify([filler, entry({ type: 's', user_id: user })]);
    expect(await dropsUser(user, big)).toBe(true);
    const tooBig = JSON.stringify([entry({ type: 'w', description: 'x'.repeat(5 * MIB) })]);
    const answer = await deliver(tooBig);
    expectProblem(answer, 413, 'payload_too_large');
  });
});

describe('POST /auth0/log-stream without AUTH0_LOG_STREAM_TOKEN', () => {
  it('should be 404 not_found', async () => {
    const stack = await startStack();
    try {
      const answer = await stack.call('/auth0/log-stream', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer anything' },
        body: '[]',
      });
      expectProblem(answer, 404, 'not_found');
    } finally {
      await stack.close();
    }
  });
});

describeWithRedis('POST /auth0/log-stream on two replicas sharing Redis', () => {
  const prefix = uniquePrefix('log-stream');
  let emulator: EmulatorWithExtras;
  let replicas: Replica[] = [];
  let redis: RedisClient;

  beforeAll(async () => {
    ({ emulator, replicas, redis } = await startFleet(prefix, {
      AUTH0_LOG_STREAM_TOKEN: STREAM_TOKEN,
      IDENTITY_CACHE_TTL_S: '86400',
    }));
  }, 60_000);

  afterAll(() => stopFleet({ replicas, emulator, redis, prefix }));

  it('should drop the user on the other replica too: its next request looks the user up again', async () => {
    const [a, b] = replicas;
    const user = emulator.addUser({ providers: ['github'] }).user_id;
    const token = emulator.mintToken({ sub: user });
    emulator.resetCounters();
    for (const replica of [a, b, a, b]) expect((await replica.get('/v1/identities', token)).status).toBe(200);
    expect(emulator.count('users')).toBe(1);

    const delivered = await fetch(`${a.url}/auth0/log-stream`, {
      method: 'POST',
      headers: { authorization: STREAM_TOKEN, 'content-type': 'application/json' },
      body: JSON.stringify([entry({ type: 's', user_id: user })]),
    });
    expect(delivered.status).toBe(204);

    // b's memory copy goes when the invalidation reaches it (published before the 204)
    await waitFor('the other replica to look the user up again', async () => {
      expect((await b.get('/v1/identities', token)).status).toBe(200);
      return emulator.count('users') === 2;
    });
    expect((await a.get('/v1/identities', token)).status).toBe(200);
    expect(emulator.count('users')).toBe(2);
  });
});
