/** startEmulator: the emulated Auth0 tenant, Google, GitHub and Facebook APIs on loopback. */
import { createServer } from 'node:http';
import type { RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mintServiceToken, mintToken } from './context';
import type { Ctx } from './context';
import type {
  EmulatedUser,
  EmulatorOptions,
  EmulatorWithExtras,
  EndpointName,
  FaultSpec,
  MintOptions,
  ProviderName,
  UserSpec,
} from './emulator.types';
import { Faults } from './faults';
import type { Kit } from './http';
import { createListener, sendJson } from './http';
import {
  createFacebookListener,
  createGithubListener,
  createGoogleListener,
  createGooglePeopleListener,
} from './idp.servers';
import { createSigningKey, createSigningKeySync } from './jwt';
import { hex, providerOfConnection, Stats, World } from './state';
import { postLogEvents } from './log-stream';
import { createTenantListener, MANAGEMENT_SCOPE } from './tenant.server';

export type { EmulatorWithExtras } from './emulator.types';

export const SEED = {
  google: 'google-oauth2|1001',
  github: 'github|2002',
  facebook: 'facebook|3003',
  linked: 'auth0|4004',
  noToken: 'github|6006',
  vault: 'google-oauth2|7007',
} as const;

function seedUsers(world: World): void {
  world.addUser({ userId: SEED.google, providers: ['google'], name: 'Grace Google' });
  world.addUser({ userId: SEED.github, providers: ['github'], name: 'Gus GitHub' });
  world.addUser({ userId: SEED.facebook, providers: ['facebook'], name: 'Fiona Facebook' });
  world.addUser({ userId: SEED.linked, providers: ['auth0', 'google', 'github'], name: 'Linus Linked' });
  world.addUser({
    userId: SEED.noToken,
    providers: ['github'],
    withoutToken: ['github'],
    name: 'Nora NoToken',
  });
  world.addUser({
    userId: SEED.vault,
    providers: ['google'],
    withoutToken: ['google'],
    vault: ['google-oauth2', 'github'],
    name: 'Vera Vault',
  });
}

async function listen(listener: RequestListener, host: string, port: number): Promise<Server> {
  const server = createServer({ keepAliveTimeout: 10_000 }, listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

function urlOf(server: Server, host: string): string {
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return `http://${shown}:${port}`;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorWithExtras> {
  const host = options.host ?? '127.0.0.1';
  const [current, foreign] = await Promise.all([createSigningKey('emu'), createSigningKey('foreign')]);
  const kit: Kit = { stats: new Stats(), faults: new Faults(), timers: new Set() };
  const world = new World({
    idpTokenTtlS: options.idpTokenTtlS ?? 3600,
    enforceIdpTokenExpiry: options.enforceIdpTokenExpiry ?? false,
  });
  const secrets = options.secrets ?? {};
  const allowedRedirectUris = [...(options.allowedRedirectUris ?? [])];
  const allowedOrigins = new Set<string>();
  for (const uri of allowedRedirectUris) {
    try {
      allowedOrigins.add(new URL(uri).origin);
    } catch {
      // not a URL: exact matches only
    }
  }
  const ctx: Ctx = {
    kit,
    world,
    keys: { published: [current], current, foreign },
    tenantUrl: '',
    issuer: '',
    urls: { google: '', github: '', facebook: '', googleToken: '', googlePeople: '', attackerJwks: '' },
    audience: options.audience ?? 'https://idp-proxy.local/api',
    managementClient: {
      clientId: 'emu-management-client',
      clientSecret: secrets.managementClientSecret ?? `emu-mgmt-secret-${hex()}`,
    },
    tokenVaultClient: {
      clientId: 'emu-token-vault-client',
      clientSecret: secrets.tokenVaultClientSecret ?? `emu-vault-secret-${hex()}`,
    },
    googleClient: {
      clientId: 'emu-google-client.apps.googleusercontent.com',
      clientSecret: secrets.googleClientSecret ?? `GOCSPX-emu-${hex()}`,
    },
    facebookAppSecret: secrets.facebookAppSecret ?? `emu-fb-app-secret-${hex()}`,
    spaClientId: options.spaClientId ?? 'sandbox-spa',
    allowedRedirectUris,
    allowedOrigins,
    managementTokenTtlS: options.managementTokenTtlS ?? 86400,
    vaultTokenTtlS: options.vaultTokenTtlS ?? 3600,
    userTokenTtlS: options.userTokenTtlS ?? 86400,
    jwksDown: false,
    managementScope: MANAGEMENT_SCOPE,
    idpHeaders: { google: {}, github: {}, facebook: {} },
    signInUsers: Object.values(SEED),
  };
  for (const secret of [
    ctx.managementClient.clientSecret,
    ctx.tokenVaultClient.clientSecret,
    ctx.googleClient.clientSecret,
    ctx.facebookAppSecret,
  ]) {
    world.remember(secret);
  }
  seedUsers(world);

  const attackerListener = createListener(kit, () => ({
    endpoint: 'attacker.jwks',
    handle: ({ res }) =>
      sendJson(res, 200, {
        // the foreign key under its own kid and under the tenant's kid (what a jku attack relies on)
        keys: [ctx.keys.foreign.jwk, { ...ctx.keys.foreign.jwk, kid: ctx.keys.current.kid }],
      }),
  }));

  const ports = options.ports ?? {};
  const servers: Server[] = [];
  const start = async (listener: RequestListener, port: number | undefined): Promise<string> => {
    const server = await listen(listener, host, port ?? 0);
    servers.push(server);
    return urlOf(server, host);
  };
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      for (const timer of kit.timers) clearTimeout(timer);
      kit.timers.clear();
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      );
    })();
    return closed;
  };

  try {
    ctx.tenantUrl = await start(createTenantListener(ctx), ports.tenant);
    ctx.issuer = `${ctx.tenantUrl}/`;
    ctx.urls.google = await start(createGoogleListener(ctx), ports.google);
    ctx.urls.googleToken = `${ctx.urls.google}/token`;
    ctx.urls.googlePeople = await start(createGooglePeopleListener(ctx), undefined);
    ctx.urls.github = await start(createGithubListener(ctx), ports.github);
    ctx.urls.facebook = await start(createFacebookListener(ctx), ports.facebook);
    ctx.urls.attackerJwks = `${await start(attackerListener, options.attackerJwksPort)}/.well-known/jwks.json`;
  } catch (err) {
    await close();
    throw err;
  }

  const requireUser = (userId: string): EmulatedUser => {
    const user = world.users.get(userId);
    if (!user) throw new Error(`emulator: no user ${userId}`);
    return user;
  };

  const emulator: EmulatorWithExtras = {
    tenantUrl: ctx.tenantUrl,
    issuer: ctx.issuer,
    audience: ctx.audience,
    urls: { ...ctx.urls },
    managementClient: { ...ctx.managementClient },
    tokenVaultClient: { ...ctx.tokenVaultClient },
    googleClient: { ...ctx.googleClient },
    facebookAppSecret: ctx.facebookAppSecret,
    spaClientId: ctx.spaClientId,
    seed: { ...SEED },

    env: () => ({
      AUTH0_DOMAIN: ctx.tenantUrl,
      AUTH0_AUDIENCE: ctx.audience,
      AUTH0_CLIENT_ID: ctx.managementClient.clientId,
      AUTH0_CLIENT_SECRET: ctx.managementClient.clientSecret,
      GOOGLE_API_BASE_URL: ctx.urls.google,
      GITHUB_API_BASE_URL: ctx.urls.github,
      FACEBOOK_API_BASE_URL: ctx.urls.facebook,
      GOOGLE_TOKEN_URL: ctx.urls.googleToken,
      GOOGLE_CLIENT_ID: ctx.googleClient.clientId,
      GOOGLE_CLIENT_SECRET: ctx.googleClient.clientSecret,
      FACEBOOK_APP_SECRET: ctx.facebookAppSecret,
      TOKEN_VAULT_CLIENT_ID: ctx.tokenVaultClient.clientId,
      TOKEN_VAULT_CLIENT_SECRET: ctx.tokenVaultClient.clientSecret,
      API_HOST_OVERRIDES: `people.googleapis.com=${ctx.urls.googlePeople}`,
    }),

    user: (userId) => world.users.get(userId),
    addUser: (spec: UserSpec) => world.addUser(spec),
    addUsers: (count, spec) => Array.from({ length: count }, () => world.addUser({ ...spec }).user_id),

    mintToken: (mintOptions?: MintOptions) => mintToken(ctx, mintOptions),
    mintServiceToken: (serviceOptions) => mintServiceToken(ctx, serviceOptions),
    rotateSigningKey: (rotateOptions) => {
      const key = createSigningKeySync('emu');
      ctx.keys.published = rotateOptions?.dropOld ? [key] : [...ctx.keys.published, key];
      ctx.keys.current = key;
    },
    setManagementScope: (scope) => {
      ctx.managementScope = scope ?? MANAGEMENT_SCOPE;
    },
    setJwksDown: (down) => {
      ctx.jwksDown = down;
    },

    expireIdpToken: (userId, provider: ProviderName) => world.expireIdpToken(userId, provider),
    rotateIdpToken: (userId, provider: ProviderName) => world.rotateIdpToken(userId, provider),
    idpToken: (userId, provider: ProviderName) => world.identity(userId, provider)?.access_token,
    secrets: () => world.secrets(),

    setIdpResponseHeaders: (provider, headers) => {
      ctx.idpHeaders[provider] = { ...headers };
    },

    fault: (endpoint: EndpointName, spec: FaultSpec) => kit.faults.add(endpoint, spec),
    clearFaults: () => kit.faults.clear(),
    count: (endpoint) => kit.stats.count(endpoint),
    requests: (endpoint) => kit.stats.requests(endpoint),
    resetCounters: () => kit.stats.reset(),

    expireVaultToken: (userId, connection) => {
      const provider = providerOfConnection(connection);
      if (!provider) throw new Error(`emulator: no Token Vault provider for connection ${connection}`);
      requireUser(userId);
      world.revokeWhere(userId, provider, 'vault');
    },
    setVaultTokenTtlS: (seconds) => {
      ctx.vaultTokenTtlS = seconds;
    },
    connectVault: (userId, connection, connectOptions) =>
      world.connectVault(userId, connection, connectOptions?.scope),
    vaultTokens: () => world.vaultTokens(),
    revokeRefreshToken: (userId) => {
      requireUser(userId);
      world.revokeRefreshToken(world.identity(userId, 'google')?.refresh_token);
    },

    setLogStream: (sink) => {
      ctx.logStream = sink === undefined ? undefined : { ...sink };
    },
    postLogStream: (events, sink) => {
      const target = sink ?? ctx.logStream;
      if (target === undefined) throw new Error('emulator: no log stream configured (setLogStream)');
      return postLogEvents(target, events);
    },

    close,
  };
  return emulator;
}
