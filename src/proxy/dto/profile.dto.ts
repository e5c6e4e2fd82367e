import { ApiProperty } from '@nestjs/swagger';

/** A provider's profile of the user, normalized; a value the IdP did not give is null. */
export class ProfileDto {
  @ApiProperty({ enum: ['google', 'github', 'facebook'], example: 'github' })
  provider!: string;

  /** The user's id at the provider, always a string. */
  @ApiProperty({ example: '2002' })
  id!: string;

  @ApiProperty({ type: String, nullable: true, example: 'Gita Hub' })
  name!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'gita@example.com' })
  email!: string | null;

  /** Google only. */
  @ApiProperty({ type: Boolean, nullable: true, required: false })
  emailVerified?: boolean | null;

  /** Avatar URL. */
  @ApiProperty({ type: String, nullable: true })
  picture!: string | null;

  /** GitHub only: the login. */
  @ApiProperty({ type: String, nullable: true, required: false, example: 'gitahub' })
  username?: string | null;
}
