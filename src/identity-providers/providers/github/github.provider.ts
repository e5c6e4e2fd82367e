/** GitHub: REST API root and hosts; callers may choose the API version. */
import { declareProvider } from '../../provider-declaration';
import { GithubAdapter } from './github.adapter';

export const GITHUB_PROVIDER = declareProvider<undefined>({
  key: 'github',
  auth0Provider: 'github',
  defaultConnection: 'github',
  apiBaseUrl: { variable: 'GITHUB_API_BASE_URL', default: 'https://api.github.com' },
  defaultApiHosts: ['api.github.com', 'uploads.github.com'],
  tokenVault: true,
  extraRequestHeaders: ['x-github-api-version'],
  profileFields: {
    username: { type: 'string', nullable: true, description: 'GitHub only: the login.', example: 'gitahub' },
  },
  readSettings: () => undefined,
  createAdapter: (context) => new GithubAdapter(context),
});
