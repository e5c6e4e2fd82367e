/** Facebook Graph API: root, hosts and the app secret that signs calls. Not a Token Vault provider. */
import { declareProvider } from '../../provider-declaration';
import { FacebookAdapter } from './facebook.adapter';
import type { FacebookSettings } from './facebook.adapter';

export const FACEBOOK_PROVIDER = declareProvider<FacebookSettings>({
  key: 'facebook',
  auth0Provider: 'facebook',
  defaultConnection: 'facebook',
  apiBaseUrl: { variable: 'FACEBOOK_API_BASE_URL', default: 'https://graph.facebook.com' },
  defaultApiHosts: ['graph.facebook.com', 'graph-video.facebook.com'],
  tokenVault: false,
  extraRequestHeaders: [],
  profileFields: {},
  readSettings: (r) => ({ appSecret: r.read('FACEBOOK_APP_SECRET') }),
  createAdapter: (context) => new FacebookAdapter(context),
});
