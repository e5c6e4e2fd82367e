import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '../config/app-config';

/** Placeholder: the OpenAPI document and Swagger UI are set up here. */
export function setupOpenApi(_app: NestFastifyApplication, _config: AppConfig): void {}
