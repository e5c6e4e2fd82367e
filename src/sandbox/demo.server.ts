/**
 * Serves the sample single-page app (`examples/spa/`) at `/demo` on its own loopback port, for the
 * sandbox launcher, `npm run sample` (a real tenant) and the browser test, with the Auth0 SPA SDK's browser bundle and the app's
 * configuration (`/demo/config.json`: the tenant, the public client, the API audience, the
 * service's address). Outside the product: nothing in it imports this file.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** What the sample app needs to know (`/demo/config.json`). */
export interface DemoConfig {
  /** the tenant: `http://127.0.0.1:PORT` for the emulator, `tenant.eu.auth0.com` for a real one (the SDK's `domain`) */
  domain: string;
  /** the public (SPA) client */
  clientId: string;
  /** the service's API identifier */
  audience: string;
  /** where the service answers, e.g. `http://127.0.0.1:3000` */
  apiBaseUrl: string;
}

export interface DemoServer {
  /** `http://127.0.0.1:PORT` — the origin to list in CORS_ORIGINS */
  origin: string;
  /** the app's address (and its callback URL at the tenant): origin + `/demo` */
  url: string;
  /** gives the app its configuration; until then the server answers 503 (the sandbox is starting) */
  configure(config: DemoConfig): void;
  close(): Promise<void>;
}

export const DEMO_PATH = '/demo';
// Both from src/sandbox (ts-jest) and dist/sandbox (built), the repository root is two levels up.
const APP_DIR = join(__dirname, '..', '..', 'examples', 'spa');

interface Asset {
  file: string;
  type: string;
}

const ASSETS: Record<string, Asset> = {
  [DEMO_PATH]: { file: join(APP_DIR, 'index.html'), type: 'text/html; charset=utf-8' },
  [`${DEMO_PATH}/app.js`]: { file: join(APP_DIR, 'app.js'), type: 'text/javascript; charset=utf-8' },
  [`${DEMO_PATH}/app.css`]: { file: join(APP_DIR, 'app.css'), type: 'text/css; charset=utf-8' },
  [`${DEMO_PATH}/auth0-spa-js.production.js`]: {
    file: sdkBundle(),
    type: 'text/javascript; charset=utf-8',
  },
  [`${DEMO_PATH}/auth0-spa-js.worker.production.js`]: {
    file: sdkBundle().replace(/auth0-spa-js\.production\.js$/, 'auth0-spa-js.worker.production.js'),
    type: 'text/javascript; charset=utf-8',
  },
};

/** The SDK's self-contained browser build (a devDependency: `npm ci` installs it). */
function sdkBundle(): string {
  try {
    return require.resolve('@auth0/auth0-spa-js/dist/auth0-spa-js.production.js');
  } catch {
    return join(APP_DIR, 'missing-auth0-spa-js.production.js');
  }
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...extra,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/**
 * Scripts only from this origin, calls only to the tenant and the service, frames only from the
 * tenant (the SDK's silent authentication): what a real deployment of such an app would send.
 */
function contentSecurityPolicy(config: DemoConfig): string {
  const tenant = new URL(/^https?:\/\//.test(config.domain) ? config.domain : `https://${config.domain}`)
    .origin;
  const api = new URL(config.apiBaseUrl).origin;
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${tenant} ${api}`,
    `frame-src ${tenant}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
  ].join('; ');
}

export async function startDemoServer(
  options: {
    host?: string;
    port?: number;
    /** the host name in the app's address, when it differs from `host` (`localhost`) */
    publicHost?: string;
  } = {},
): Promise<DemoServer> {
  const host = options.host ?? '127.0.0.1';
  let origin = '';
  let config: DemoConfig | undefined;

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'text/plain; charset=utf-8', 'Method Not Allowed', { allow: 'GET, HEAD' });
      return;
    }
    if (path === '/' || path === `${DEMO_PATH}/`) {
      res.writeHead(302, { location: DEMO_PATH, 'content-length': '0' });
      res.end();
      return;
    }
    if (config === undefined) {
      send(res, 503, 'text/plain; charset=utf-8', 'The sandbox is still starting', { 'retry-after': '1' });
      return;
    }
    if (path === `${DEMO_PATH}/config.json`) {
      const body = JSON.stringify({ ...config, redirectUri: `${origin}${DEMO_PATH}` });
      send(res, 200, 'application/json; charset=utf-8', body);
      return;
    }
    const asset = ASSETS[path];
    if (asset === undefined) {
      send(res, 404, 'text/plain; charset=utf-8', 'Not Found');
      return;
    }
    let body: Buffer;
    try {
      body = readFileSync(asset.file);
    } catch {
      send(res, 500, 'text/plain; charset=utf-8', `${asset.file} is missing (npm ci installs it)`);
      return;
    }
    const headers: Record<string, string> =
      path === DEMO_PATH ? { 'content-security-policy': contentSecurityPolicy(config) } : {};
    send(res, 200, asset.type, body, headers);
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  origin = `http://${options.publicHost ?? host}:${port}`;
  return {
    origin,
    url: `${origin}${DEMO_PATH}`,
    configure: (value) => {
      config = { ...value };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
