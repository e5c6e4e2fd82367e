/**
 * `npm run sample -- --domain <tenant> --client-id <SPA client id> --audience <API identifier>
 * --api-url <proxy URL> [--port 3001]`: the sample app (examples/spa) against a real tenant, at
 * http://localhost:<port>/demo. Each option can come from the environment instead (SAMPLE_DOMAIN,
 * SAMPLE_CLIENT_ID, SAMPLE_AUDIENCE, SAMPLE_API_URL, SAMPLE_PORT; domain and audience also from
 * AUTH0_DOMAIN and AUTH0_AUDIENCE, `.env` included). Outside the product.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startDemoServer } from './demo.server';

const OPTIONS = {
  domain: { env: ['SAMPLE_DOMAIN', 'AUTH0_DOMAIN'], help: 'the tenant domain (tenant.eu.auth0.com)' },
  'client-id': { env: ['SAMPLE_CLIENT_ID'], help: 'the Single Page Application client id' },
  audience: { env: ['SAMPLE_AUDIENCE', 'AUTH0_AUDIENCE'], help: "the proxy API's identifier" },
  'api-url': { env: ['SAMPLE_API_URL'], help: 'where the proxy answers (https://proxy.example.com)' },
  port: { env: ['SAMPLE_PORT'], help: 'port of the sample app', fallback: '3001' },
} as const;
type Name = keyof typeof OPTIONS;

function fail(lines: string[]): never {
  for (const line of lines) process.stderr.write(`npm run sample: ${line}\n`);
  process.exit(1);
}

function readOptions(): Record<Name, string> {
  const { values } = parseArgs({
    options: Object.fromEntries(Object.keys(OPTIONS).map((name) => [name, { type: 'string' as const }])),
  });
  const result = {} as Record<Name, string>;
  const missing: string[] = [];
  for (const [name, spec] of Object.entries(OPTIONS) as Array<[Name, (typeof OPTIONS)[Name]]>) {
    const fromEnv = spec.env.map((v) => process.env[v]?.trim()).find((v) => v !== undefined && v !== '');
    const value = values[name] ?? fromEnv ?? ('fallback' in spec ? spec.fallback : undefined);
    if (value === undefined) missing.push(`--${name} (or ${spec.env.join(' or ')}): ${spec.help}`);
    else result[name] = value;
  }
  if (missing.length > 0) fail(missing.map((m) => `missing ${m}`));
  if (!/^\d+$/.test(result.port) || Number(result.port) > 65535) fail(['--port must be a port number']);
  return result;
}

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const options = readOptions();
  const demo = await startDemoServer({
    host: '127.0.0.1',
    port: Number(options.port),
    publicHost: 'localhost',
  });
  demo.configure({
    domain: options.domain,
    clientId: options['client-id'],
    audience: options.audience,
    apiBaseUrl: options['api-url'].replace(/\/+$/, ''),
  });
  const say = (line = ''): void => void process.stdout.write(`${line}\n`);
  say(`Sample app: ${demo.url}`);
  say();
  say(`In the Auth0 Dashboard, on the application ${options['client-id']}:`);
  say(`  Allowed Callback URLs, Allowed Logout URLs: ${demo.url}`);
  say(`  Allowed Web Origins: ${demo.origin}`);
  say(`  Refresh Token Rotation on (the app asks for offline_access)`);
  say(`On the proxy: CORS_ORIGINS must list ${demo.origin}`);
  say('Ctrl-C stops it.');
  const stop = (): void => void demo.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => fail([error instanceof Error ? error.message : String(error)]));
