/**
 * The product for production: configuration from the environment (and `.env`), then the service.
 * Never imports the sandbox; without AUTH0_DOMAIN it exits 1 naming it.
 */
import { Logger } from '@nestjs/common';
import { createApp } from './bootstrap';
import { ConfigError, parseConfig } from './config/app-config';
import type { AppConfig } from './config/app-config';
import { readEnvironment } from './config/environment';

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = parseConfig(readEnvironment());
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const line of error.lines()) process.stderr.write(`idp-proxy: configuration error: ${line}\n`);
      process.exit(1);
    }
    throw error;
  }
  // Logs are JSON lines through pino at LOG_LEVEL from here on (the build's own lines included).
  const app = await createApp(config);
  await app.listen({ port: config.port, host: config.host });
  new Logger('Main').log({ port: config.port, logLevel: config.log.level }, 'idp-proxy listening');
}

main().catch((error: unknown) => {
  // Start-up failed before or while the logger was built: one line, no secret (no config values).
  process.stderr.write(
    `idp-proxy: start-up failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
