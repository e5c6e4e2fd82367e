/**
 * `npm run openapi`: writes openapi.json at the repo root from the compiled controllers, with no
 * environment. The module graph is built in preview mode (no provider runs, nothing connects or
 * listens) for a placeholder configuration; the OAuth2 URLs are the literal placeholders
 * `https://{AUTH0_DOMAIN}/...`, the only difference from the document the service serves.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { parseConfig } from './config/app-config';
import { createOpenApiDocument, PLACEHOLDER_OAUTH2_URLS } from './openapi/openapi.setup';
import type { OpenAPIObject } from '@nestjs/swagger';

/** Never contacted: the app is only scanned for its routes. */
const PLACEHOLDER_ENV = {
  AUTH0_DOMAIN: 'openapi.invalid',
  AUTH0_AUDIENCE: 'https://idp-proxy.invalid/api',
  AUTH0_CLIENT_ID: 'openapi',
  AUTH0_CLIENT_SECRET: 'openapi',
};

export async function buildCommittedDocument(): Promise<OpenAPIObject> {
  const app = await NestFactory.create(
    AppModule.forRoot(parseConfig(PLACEHOLDER_ENV)),
    new FastifyAdapter(),
    {
      preview: true,
      logger: false,
      abortOnError: false,
    },
  );
  try {
    return createOpenApiDocument(app, PLACEHOLDER_OAUTH2_URLS);
  } finally {
    await app.close();
  }
}

export function serialize(document: OpenAPIObject): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

if (require.main === module) {
  buildCommittedDocument().then(
    (document) => {
      const file = join(__dirname, '..', 'openapi.json');
      writeFileSync(file, serialize(document));
      console.log(
        `wrote ${file}: ${Object.keys(document.paths).length} paths, version ${document.info.version}`,
      );
    },
    (error: unknown) => {
      console.error('openapi: could not build the document:', error);
      process.exit(1);
    },
  );
}
