/**
 * Runs the emulator alone: `node dist/sandbox/emulator/main.js [--tenant-port 4010] ...`.
 * Prints the product's environment as KEY=VALUE lines on stdout (demo tokens go to stderr as
 * comments), then serves until SIGINT/SIGTERM.
 *
 * Options (flag, or environment variable):
 *   --host                EMULATOR_HOST                 default 127.0.0.1
 *   --tenant-port         EMULATOR_TENANT_PORT          default: a free port
 *   --google-port         EMULATOR_GOOGLE_PORT
 *   --github-port         EMULATOR_GITHUB_PORT
 *   --facebook-port       EMULATOR_FACEBOOK_PORT
 *   --attacker-port       EMULATOR_ATTACKER_PORT
 *   --audience            EMULATOR_AUDIENCE             default https://idp-proxy.local/api
 *   --redirect-uris       EMULATOR_REDIRECT_URIS        comma list accepted by /authorize
 *   --spa-client-id       EMULATOR_SPA_CLIENT_ID        default sandbox-spa
 *                         EMULATOR_SANDBOX              true: set up as `npm start` does (Token Vault
 *                                                       holds the Google seed users; prints the
 *                                                       product settings that go with it)
 *   fixed secrets (random when unset): EMULATOR_MANAGEMENT_CLIENT_SECRET, EMULATOR_TOKEN_VAULT_CLIENT_SECRET,
 *   EMULATOR_GOOGLE_CLIENT_SECRET, EMULATOR_FACEBOOK_APP_SECRET
 */
import { prepareSandboxTenant } from '../sandbox-tenant';
import { startEmulator } from './emulator';
import type { EmulatorOptions, EmulatorWithExtras } from './emulator.types';

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): EmulatorOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const eq = arg.indexOf('=');
    if (eq > 0) flags.set(arg.slice(2, eq), arg.slice(eq + 1));
    else {
      const value = argv[i + 1];
      if (value === undefined) throw new Error(`${arg} needs a value`);
      flags.set(arg.slice(2), value);
      i++;
    }
  }
  const pick = (flag: string, variable: string): string | undefined => {
    const value = flags.get(flag) ?? env[variable];
    return value === undefined || value === '' ? undefined : value;
  };
  const port = (flag: string, variable: string): number | undefined => {
    const text = pick(flag, variable);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0 || value > 65535)
      throw new Error(`--${flag}: not a port: ${text}`);
    return value;
  };
  const known = new Set([
    'host',
    'tenant-port',
    'google-port',
    'github-port',
    'facebook-port',
    'attacker-port',
    'audience',
    'redirect-uris',
    'spa-client-id',
  ]);
  for (const flag of flags.keys()) if (!known.has(flag)) throw new Error(`unknown option --${flag}`);
  const redirects = pick('redirect-uris', 'EMULATOR_REDIRECT_URIS');
  return {
    host: pick('host', 'EMULATOR_HOST'),
    ports: {
      tenant: port('tenant-port', 'EMULATOR_TENANT_PORT'),
      google: port('google-port', 'EMULATOR_GOOGLE_PORT'),
      github: port('github-port', 'EMULATOR_GITHUB_PORT'),
      facebook: port('facebook-port', 'EMULATOR_FACEBOOK_PORT'),
    },
    attackerJwksPort: port('attacker-port', 'EMULATOR_ATTACKER_PORT'),
    audience: pick('audience', 'EMULATOR_AUDIENCE'),
    allowedRedirectUris: redirects
      ?.split(',')
      .map((u) => u.trim())
      .filter((u) => u !== ''),
    spaClientId: pick('spa-client-id', 'EMULATOR_SPA_CLIENT_ID'),
    secrets: {
      managementClientSecret: env.EMULATOR_MANAGEMENT_CLIENT_SECRET || undefined,
      tokenVaultClientSecret: env.EMULATOR_TOKEN_VAULT_CLIENT_SECRET || undefined,
      googleClientSecret: env.EMULATOR_GOOGLE_CLIENT_SECRET || undefined,
      facebookAppSecret: env.EMULATOR_FACEBOOK_APP_SECRET || undefined,
    },
  };
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<EmulatorWithExtras> {
  const emulator = await startEmulator(parseArgs(argv, env));
  const sandbox = env.EMULATOR_SANDBOX === 'true' ? prepareSandboxTenant(emulator) : {};
  // TOKEN_VAULT_CLIENT_SECRET stays the last line: readers wait for it.
  for (const [name, value] of Object.entries({ ...sandbox, ...emulator.env() }))
    console.log(`${name}=${value}`);
  console.error(`# emulated Auth0 tenant at ${emulator.tenantUrl}; demo user tokens (valid 24 h):`);
  for (const userId of Object.values(emulator.seed)) {
    console.error(`# ${userId}: ${emulator.mintToken({ sub: userId, expiresInS: 86400 })}`);
  }
  return emulator;
}

if (require.main === module) {
  main(process.argv.slice(2), process.env).then(
    (emulator) => {
      const stop = (): void => {
        emulator.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (err: unknown) => {
      console.error(`emulator: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
