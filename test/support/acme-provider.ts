/**
 * A made-up fourth provider, "Acme", declared and adapted here only: nothing in src/ names it. Its
 * API is a loopback server of its own (`startAcmeApi`) that answers the user's profile at `/me` and
 * echoes any other call, and accepts only the one token Auth0 holds for the user.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeclaredAdapter, field, stringOrNull } from '../../src/identity-providers/identity-provider.adapter';
import type {
  IdentityProviderAdapter,
  NormalizedProfile,
  RefreshedToken,
} from '../../src/identity-providers/identity-provider.adapter';
import { declareProvider } from '../../src/identity-providers/provider-declaration';
import type { AdapterContext } from '../../src/identity-providers/provider-declaration';

export interface AcmeSettings {
  /** ACME_REGION: sent on every call as `x-acme-region` */
  region: 'eu' | 'us';
}

class AcmeAdapter extends DeclaredAdapter implements IdentityProviderAdapter {
  readonly pagingInJsonBody = false;
  readonly reservedQueryParams = [];
  readonly profileRequest = { path: 'me', query: '' };
  readonly profileScopes = [];
  readonly canRefresh = false;
  private readonly region: string;

  constructor(context: AdapterContext<AcmeSettings>) {
    super(context);
    this.region = context.settings.region;
  }

  defaultHeaders(): Record<string, string> {
    return { 'x-acme-region': this.region };
  }

  signQuery(query: string): string {
    return query;
  }

  normalizeProfile(body: unknown): NormalizedProfile {
    const karma = field(body, 'karma');
    const profile = {
      provider: this.key,
      id: stringOrNull(field(body, 'user_id')) ?? '',
      name: stringOrNull(field(body, 'display_name')),
      email: stringOrNull(field(body, 'mail')),
      picture: stringOrNull(field(body, 'avatar')),
      karma: typeof karma === 'number' ? karma : null,
    };
    return profile;
  }

  refresh(): Promise<RefreshedToken> {
    return Promise.reject(new Error('Acme tokens cannot be refreshed'));
  }
}

export const ACME_PROVIDER = declareProvider<AcmeSettings>({
  key: 'acme',
  auth0Provider: 'acme',
  defaultConnection: 'acme',
  apiBaseUrl: { variable: 'ACME_API_BASE_URL', default: 'https://api.acme.example' },
  defaultApiHosts: ['api.acme.example', 'files.acme.example'],
  tokenVault: false,
  extraRequestHeaders: ['x-acme-tenant'],
  profileFields: {
    karma: { type: 'integer', nullable: true, description: 'Acme only: the karma points.' },
  },
  readSettings: (r) => ({ region: r.choice('ACME_REGION', 'eu', ['eu', 'us'] as const) }),
  createAdapter: (context) => new AcmeAdapter(context),
});

export interface AcmeCall {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface AcmeApi {
  url: string;
  /** every call the API received, in order */
  calls: AcmeCall[];
  close(): Promise<void>;
}

/** The Acme API: `/me` is the profile of the holder of `token`; anything else echoes the call. */
export async function startAcmeApi(token: string): Promise<AcmeApi> {
  const calls: AcmeCall[] = [];
  const server: Server = createServer((req, res) => {
    calls.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    res.setHeader('content-type', 'application/json');
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401).end(JSON.stringify({ error: 'bad token' }));
      return;
    }
    const body =
      req.url === '/me'
        ? { user_id: 'acme-77', display_name: 'Ada Acme', mail: 'ada@acme.example', karma: 42 }
        : { path: req.url, region: req.headers['x-acme-region'], tenant: req.headers['x-acme-tenant'] };
    res.writeHead(200).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
