/**
 * The product for production: configuration from the environment (and `.env`), then the service.
 * Never imports the sandbox; without AUTH0_DOMAIN it exits 1 naming it. Every configuration problem
 * is one line on stderr; a tenant that refuses this service's credentials stops it too, with the
 * Auth0 Dashboard setting to fix.
 */
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp, listenAll } from './bootstrap';
import { ConfigError, parseConfig } from './config/app-config';
import type { AppConfig } from './config/app-config';
import { readEnvironment } from './config/environment';
import { ManagementTokenStartup } from './management-token/management-token.startup';

function readConfig(): AppConfig {
  try {
    return parseConfig(readEnvironment());
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const line of error.lines()) process.stderr.write(`idp-proxy: configuration error: ${line}\n`);
    process.exit(1);
  }
}

async function stopRefused(app: NestFastifyApplication, setting: string): Promise<never> {
  process.stderr.write(`idp-proxy: Auth0 refused this service's credentials: ${setting}\n`);
  await app.close().catch(() => undefined);
  process.exit(1);
}

async function main(): Promise<void> {
  const config = readConfig();
  // Logs are JSON lines through pino at LOG_LEVEL from here on (the build's own lines included).
  const app = await createApp(config);
  const startup = app.get(ManagementTokenStartup);
  // Asked before serving: a refusal stops here; an unreachable tenant is retried while not ready.
  const first = await startup.firstAttempt;
  if (first.kind === 'refused') await stopRefused(app, first.setting);
  void startup.refused.then((setting) => stopRefused(app, setting));
  await listenAll(app, config);
  new Logger('Main').log(
    { port: config.port, adminPort: config.adminPort, logLevel: config.log.level },
    'idp-proxy listening',
  );
}

main().catch((error: unknown) => {
  // Start-up failed before or while the logger was built: one line, no secret (no config values).
  process.stderr.write(
    `idp-proxy: start-up failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
