/** A user's identities as read from the Management API, tokens included (server side only). */
export interface Identity {
  /** Auth0's provider name: google-oauth2, github, facebook, auth0, ... */
  provider: string;
  connection: string;
  userId: string;
  isSocial: boolean;
  accessToken?: string;
  refreshToken?: string;
  /** epoch ms: Management API read time + expires_in */
  expiresAt?: number;
}

export interface UserIdentities {
  userId: string;
  identities: Identity[];
}
