/** The cache key of an IdP token refreshed or exchanged for one user at one connection. */
export function idpTokenKey(userId: string, connection: string): string {
  return `${userId}\n${connection}`;
}
