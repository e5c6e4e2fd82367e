/**
 * The product for production: configuration from the environment (and `.env`), then the service.
 * Never imports the sandbox; without AUTH0_DOMAIN it exits 1 naming it.
 */
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
      process.stderr.write(`idp-proxy: configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const app = await createApp(config, { logger: undefined });
  await app.listen({ port: config.port, host: '0.0.0.0' });
}

void main();
