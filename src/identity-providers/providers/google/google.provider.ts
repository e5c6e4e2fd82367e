/** Google: its API root, hosts and the OAuth client its tokens are refreshed with. */
import { declareProvider } from '../../provider-declaration';
import { GoogleAdapter } from './google.adapter';
import type { GoogleSettings } from './google.adapter';

export const GOOGLE_PROVIDER = declareProvider<GoogleSettings>({
  key: 'google',
  auth0Provider: 'google-oauth2',
  defaultConnection: 'google-oauth2',
  apiBaseUrl: { variable: 'GOOGLE_API_BASE_URL', default: 'https://www.googleapis.com' },
  defaultApiHosts: [
    'www.googleapis.com',
    'people.googleapis.com',
    'gmail.googleapis.com',
    'sheets.googleapis.com',
    'docs.googleapis.com',
    'tasks.googleapis.com',
    'youtube.googleapis.com',
    'photoslibrary.googleapis.com',
  ],
  tokenVault: true,
  extraRequestHeaders: [],
  profileFields: {
    emailVerified: { type: 'boolean', nullable: true, description: 'Google only.' },
  },
  readSettings: (r) => {
    const [clientId, clientSecret] = r.pair('GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET');
    return {
      tokenUrl: r.url('GOOGLE_TOKEN_URL', 'https://oauth2.googleapis.com/token'),
      clientId,
      clientSecret,
    };
  },
  createAdapter: (context) => new GoogleAdapter(context),
});
