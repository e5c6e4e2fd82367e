import { Inject, Injectable } from '@nestjs/common';
import { ApiProblem } from '../common/problem';
import { IDENTITY_PROVIDER_ADAPTERS } from './identity-providers.constants';
import type { IdentityProviderAdapter } from './identity-provider.adapter';

/** Maps provider keys (URL) and Auth0 provider names to adapters. */
@Injectable()
export class IdentityProviderRegistry {
  private readonly byKey: ReadonlyMap<string, IdentityProviderAdapter>;
  private readonly byAuth0: ReadonlyMap<string, IdentityProviderAdapter>;

  constructor(@Inject(IDENTITY_PROVIDER_ADAPTERS) readonly adapters: readonly IdentityProviderAdapter[]) {
    this.byKey = new Map(adapters.map((a) => [a.key, a]));
    this.byAuth0 = new Map(adapters.map((a) => [a.auth0Provider, a]));
  }

  /** The adapter for a URL key, or `404 unknown_provider`. */
  get(key: string): IdentityProviderAdapter {
    const adapter = this.byKey.get(key);
    if (adapter === undefined) {
      throw new ApiProblem(
        'unknown_provider',
        `Provider '${key.slice(0, 40)}' is not served; use one of: ${[...this.byKey.keys()].join(', ')}.`,
      );
    }
    return adapter;
  }

  forAuth0Provider(provider: string): IdentityProviderAdapter | undefined {
    return this.byAuth0.get(provider);
  }
}
