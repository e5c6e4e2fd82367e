import { ApiProperty } from '@nestjs/swagger';

/**
 * A provider's profile of the user, normalized; a value the IdP did not give is null. The provider
 * enum and each provider's own fields come from the provider declarations
 * (src/identity-providers/provider-openapi.ts).
 */
export class ProfileDto {
  @ApiProperty({ example: 'github' })
  provider!: string;

  /** The user's id at the provider, always a string. */
  @ApiProperty({ example: '2002' })
  id!: string;

  @ApiProperty({ type: String, nullable: true, example: 'Gita Hub' })
  name!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'gita@example.com' })
  email!: string | null;

  /** Avatar URL. */
  @ApiProperty({ type: String, nullable: true })
  picture!: string | null;
}
