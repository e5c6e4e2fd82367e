import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiProblem } from '../common/problem';
import { AppConfig } from '../config/app-config';
import { LogStreamCredential } from './log-stream.auth';
import { MalformedDelivery, parseDelivery, usersToDrop } from './log-events';
import { LogStreamService } from './log-stream.service';

/**
 * POST /auth0/log-stream: the tenant's Custom Webhook log stream. Called by Auth0, not by apps:
 * left out of the OpenAPI document. 204 once the users it names are dropped fleet-wide; Auth0
 * retries a delivery that fails or is slow, and a repeated one is harmless.
 */
@ApiExcludeController()
@Controller('auth0')
export class LogStreamController {
  private readonly credential: LogStreamCredential;

  constructor(
    config: AppConfig,
    private readonly logStream: LogStreamService,
  ) {
    this.credential = new LogStreamCredential(config.logStreamToken ?? '');
  }

  @Post('log-stream')
  @HttpCode(204)
  async receive(@Req() request: FastifyRequest): Promise<void> {
    // Checked before the body is read too (log-stream.route.ts); again here, so the route is never
    // open should that hook be missing.
    this.credential.check(request.headers.authorization);
    if (!Buffer.isBuffer(request.body)) {
      throw new ApiProblem('invalid_request', 'The body must be a log stream delivery (JSON).');
    }
    let entries: unknown[];
    try {
      entries = parseDelivery(request.body);
    } catch (error) {
      if (error instanceof MalformedDelivery) throw new ApiProblem('invalid_request', `${error.message}.`);
      throw error;
    }
    await this.logStream.drop(usersToDrop(entries));
  }
}
