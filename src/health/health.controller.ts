import { Controller, Get, Inject, Optional, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { HealthCheckResult, HealthIndicatorResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { JwksService } from '../auth/jwks.service';
import type { ReadinessCheck } from '../common/readiness';
import { ManagementTokenStartup } from '../management-token/management-token.startup';
import { READINESS_CHECKS } from './health.constants';

/** Terminus' answer, plus `degraded` when a non-critical check is down. */
export type ReadinessResult = HealthCheckResult & { degraded?: true };

/**
 * Liveness and readiness, in terminus' JSON shape (the one exception to problem+json): answered
 * here, 200 or 503, so the global problem filter never rewrites a failed check.
 */
@ApiExcludeController()
@Controller('health')
export class HealthController {
  private readonly critical: ReadinessCheck[];
  private readonly optional: ReadinessCheck[];

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly jwks: JwksService,
    private readonly managementToken: ManagementTokenStartup,
    @Optional() @Inject(READINESS_CHECKS) checks: ReadinessCheck[] | null,
  ) {
    this.critical = (checks ?? []).filter((c) => c.critical);
    this.optional = (checks ?? []).filter((c) => !c.critical);
  }

  /** 200 while the process serves. */
  @Get('live')
  @HealthCheck()
  live(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    return this.run(reply, []);
  }

  /** 200 once a signing key set was fetched and a Management API token obtained; 503 before. */
  @Get('ready')
  @HealthCheck()
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<ReadinessResult> {
    const result: ReadinessResult = await this.run(reply, [
      (): HealthIndicatorResult => this.jwksIndicator(),
      (): HealthIndicatorResult => this.managementTokenIndicator(),
      ...this.critical.map((c) => () => c.check()),
    ]);
    for (const check of this.optional) {
      const outcome = await settle(check);
      const up = outcome[check.key]?.status === 'up';
      result.details = { ...result.details, ...outcome };
      if (up) result.info = { ...result.info, ...outcome };
      else {
        result.error = { ...result.error, ...outcome };
        result.degraded = true;
      }
    }
    return result;
  }

  private async run(
    reply: FastifyReply,
    indicators: Array<() => Promise<HealthIndicatorResult> | HealthIndicatorResult>,
  ): Promise<HealthCheckResult> {
    try {
      return await this.health.check(indicators);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      void reply.status(503);
      return error.getResponse() as HealthCheckResult;
    }
  }

  private jwksIndicator(): HealthIndicatorResult {
    const jwks = this.indicators.check('jwks');
    return this.jwks.isReady() ? jwks.up() : jwks.down({ message: 'no signing key set fetched yet' });
  }

  private managementTokenIndicator(): HealthIndicatorResult {
    const indicator = this.indicators.check('managementToken');
    const state = this.managementToken.state();
    if (state.kind === 'ready') return indicator.up();
    const message =
      state.kind === 'refused'
        ? `no Management API token: ${state.setting}`
        : `no Management API token yet: ${state.reason}`;
    return indicator.down({ message });
  }
}

async function settle(check: ReadinessCheck): Promise<HealthIndicatorResult> {
  try {
    return await check.check();
  } catch (error) {
    return { [check.key]: { status: 'down', message: error instanceof Error ? error.message : 'failed' } };
  }
}
