import { CacheService } from '../cache/cache.service';
import { MemoryTier } from '../cache/memory-tier';
import { ApiProblem } from '../common/problem';
import { parseConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { RecoveryBudget } from './recovery-budget';

function budget(intervalS: string): RecoveryBudget {
  const config = parseConfig({
    AUTH0_DOMAIN: 'http://127.0.0.1:9',
    AUTH0_AUDIENCE: 'https://idp-proxy.test/api',
    AUTH0_CLIENT_ID: 'client',
    AUTH0_CLIENT_SECRET: 'secret',
    IDP_RECOVERY_INTERVAL_S: intervalS,
  });
  return new RecoveryBudget(config, new CacheService(new MemoryTier(), new MetricsService(), config, null));
}

/** A JWT-shaped caller token issued `agoS` seconds ago (the budget reads only its `iat`). */
function callerToken(agoS: number, id = 'a'): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256' })}.${part({ iat: Math.floor(Date.now() / 1000) - agoS, jti: id })}.sig`;
}

const rejected = new ApiProblem('idp_token_rejected', 'github refused the stored token.', {
  extensions: { connection: 'github' },
});

describe(RecoveryBudget.name, () => {
  const caller = callerToken(60);

  it('should answer a remembered idp_token_rejected again, with its connection, for that pair only', async () => {
    const recovery = budget('30');
    await recovery.noteTokenError('github|1', 'github', rejected, caller);
    const again = await recovery.checkToken('github|1', 'github', caller).catch((error: unknown) => error);
    expect(again).toBeInstanceOf(ApiProblem);
    expect((again as ApiProblem).toBody()).toMatchObject({
      code: 'idp_token_rejected',
      connection: 'github',
    });
    await expect(recovery.checkToken('github|1', 'google', caller)).resolves.toBeUndefined();
    await expect(recovery.checkToken('github|2', 'github', caller)).resolves.toBeUndefined();
    await expect(recovery.checkUser('github|1')).resolves.toBeUndefined();
  });

  it('should let a caller token issued since (a new sign-in) recover once, but not an older one', async () => {
    const recovery = budget('30');
    await recovery.noteTokenError('github|1', 'github', rejected, caller);
    await expect(recovery.checkToken('github|1', 'github', callerToken(120, 'b'))).rejects.toMatchObject({
      code: 'idp_token_rejected',
    });
    const renewed = callerToken(0, 'c');
    await expect(recovery.checkToken('github|1', 'github', renewed)).resolves.toBeUndefined();
    // that one ended in idp_token_rejected too: now it is answered from the budget as well
    await recovery.noteTokenError('github|1', 'github', rejected, renewed);
    await expect(recovery.checkToken('github|1', 'github', renewed)).rejects.toMatchObject({
      code: 'idp_token_rejected',
    });
    await expect(recovery.checkToken('github|1', 'github', caller)).rejects.toMatchObject({
      code: 'idp_token_rejected',
    });
  });

  it('should remember user_not_found per user, and nothing else', async () => {
    const recovery = budget('30');
    await recovery.noteUserError(
      'github|1',
      new ApiProblem('user_not_found', 'Auth0 has no user with this id.'),
    );
    await recovery.noteUserError('github|2', new ApiProblem('auth0_unavailable', 'down'));
    await recovery.noteTokenError('github|3', 'github', new ApiProblem('idp_unavailable', 'down'), caller);
    await recovery.noteTokenError('github|4', 'github', new Error('boom'), caller);
    await expect(recovery.checkUser('github|1')).rejects.toMatchObject({ code: 'user_not_found' });
    await expect(recovery.checkUser('github|2')).resolves.toBeUndefined();
    await expect(recovery.checkToken('github|3', 'github', caller)).resolves.toBeUndefined();
    await expect(recovery.checkToken('github|4', 'github', caller)).resolves.toBeUndefined();
  });

  it('should remember nothing with an interval of 0', async () => {
    const recovery = budget('0');
    await recovery.noteTokenError('github|1', 'github', rejected, caller);
    await expect(recovery.checkToken('github|1', 'github', caller)).resolves.toBeUndefined();
  });
});
