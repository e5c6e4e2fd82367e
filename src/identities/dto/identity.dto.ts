import { ApiProperty } from '@nestjs/swagger';

export class IdentityDto {
  /** The provider key used in /v1/idp/{provider} for a served provider (`google`), else Auth0's provider name (`auth0`, `windowslive`). */
  @ApiProperty({ example: 'github' })
  provider!: string;

  /** Auth0's connection name. */
  @ApiProperty({ example: 'github' })
  connection!: string;

  /** The user's id at that provider, as a string. */
  @ApiProperty({ example: '2002' })
  userId!: string;

  /** Whether Auth0 marks the identity as social. */
  isSocial!: boolean;

  /** Whether this service can call the provider's API for this identity. */
  supported!: boolean;

  /** Where the IdP token comes from; null for an unsupported provider. */
  @ApiProperty({ enum: ['identities', 'token-vault'], nullable: true, type: String })
  tokenSource!: 'identities' | 'token-vault' | null;

  /** Whether Auth0 holds an access token for it; null when the Token Vault serves the provider. */
  @ApiProperty({ nullable: true, type: Boolean })
  hasToken!: boolean | null;

  /** Whether the service can renew that token; null when the Token Vault serves the provider. */
  @ApiProperty({ nullable: true, type: Boolean })
  canRefresh!: boolean | null;
}

export class IdentitiesDto {
  /** The user's linked identities, primary first. Never a token. */
  identities!: IdentityDto[];
}
