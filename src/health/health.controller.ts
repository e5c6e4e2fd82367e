import { Controller, Get } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { HealthCheckResult, HealthIndicatorResult } from '@nestjs/terminus';
import { JwksService } from '../auth/jwks.service';

/** Liveness and readiness, in terminus' JSON shape (the one exception to problem+json). */
@ApiExcludeController()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly jwks: JwksService,
  ) {}

  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([(): HealthIndicatorResult => this.jwksIndicator()]);
  }

  private jwksIndicator(): HealthIndicatorResult {
    const jwks = this.indicators.check('jwks');
    return this.jwks.isReady() ? jwks.up() : jwks.down({ message: 'no signing key set fetched yet' });
  }
}
