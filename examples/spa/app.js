// The sample app: sign in with Auth0 (authorization code + PKCE, done by Auth0's SPA SDK), then
// call the IdP Proxy with the Auth0 access token. The proxy calls the IdPs; this page never holds
// an IdP token. No framework, no build step: the SDK's browser bundle defines `window.auth0`.

/**
 * { domain, clientId, audience, apiBaseUrl, redirectUri }, served beside this file by the sandbox
 * (`npm start`) or, for a real tenant, by `npm run sample`.
 */
const config = await (await fetch('/demo/config.json')).json();

const auth0Client = await window.auth0.createAuth0Client({
  domain: config.domain, // the emulator: http://127.0.0.1:PORT; a real tenant: tenant.eu.auth0.com
  clientId: config.clientId,
  authorizationParams: {
    audience: config.audience, // an access token for the proxy's API
    redirect_uri: config.redirectUri,
    // a refresh token: the Connected Accounts flow gets its My Account API token with it
    scope: 'openid profile email offline_access',
  },
  // The Auth0 tokens stay in this page's memory (and the SDK's worker): nothing in localStorage.
  cacheLocation: 'memory',
  useRefreshTokens: true,
  // after a reload the memory is empty: a silent sign-in at the tenant (iframe) starts over
  useRefreshTokensFallback: true,
  // one refresh token for this API and the My Account API (Multi-Resource Refresh Token)
  useMrrt: true,
  // served beside this file, so the page's Content-Security-Policy needs no blob: workers
  workerUrl: `${window.location.origin}/demo/auth0-spa-js.worker.production.js`,
});

/**
 * The proxy's answers the user can fix: `idp_token_rejected` by signing in with `connection` again,
 * `idp_account_not_connected` by connecting that account (Token Vault's Connected Accounts flow).
 */
const RECONNECT_CODES = new Set(['idp_token_rejected', 'idp_account_not_connected']);
const FIRST_REPOS_PAGE = '/v1/idp/github/api/user/repos?per_page=2';

/** A problem+json answer of the proxy: { type, title, status, detail, code, connection? }. */
class ProxyProblem extends Error {
  constructor(problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
    this.problem = problem;
  }
}

/** GET on the proxy with the Auth0 access token; the JSON body and the `Link` header. */
async function callProxy(pathAndQuery) {
  const token = await auth0Client.getTokenSilently(); // from memory; the SDK renews it when needed
  const response = await fetch(new URL(pathAndQuery, config.apiBaseUrl), {
    headers: { authorization: `Bearer ${token}` },
    // The IdP's `cache-control: private, max-age=60` reaches the browser (with `Vary: Authorization`,
    // so never for another user): revalidate anyway, so that a reconnect shows at once (the ETag
    // makes that a cheap 304).
    cache: 'no-cache',
  });
  if (!response.ok) {
    const problem = await response.json().catch(() => ({ status: response.status }));
    throw new ProxyProblem(problem);
  }
  // The proxy exposes `link` to the browser (CORS) and rewrote it to its own routes.
  return { body: await response.json(), link: response.headers.get('link') };
}

/** The `rel="next"` URL of a `Link` header: `<https://proxy.example/v1/idp/github/api/user/repos?page=2>; rel="next"`. */
function nextLink(header) {
  for (const part of (header ?? '').split(/,\s*(?=<)/)) {
    const match = /^<([^>]*)>.*;\s*rel="?next"?/.exec(part.trim());
    if (match) return match[1];
  }
  return undefined;
}

// ---- rendering (DOM calls and textContent only: nothing from an answer is parsed as HTML) ----

const $ = (id) => document.getElementById(id);

function element(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

/** A proxy error; for the codes a new sign-in fixes, the button that starts it. */
function problemView(error, testId) {
  const problem = error instanceof ProxyProblem ? error.problem : { detail: String(error) };
  const box = element('div', { className: 'problem' });
  box.dataset.code = problem.code ?? '';
  box.append(element('p', {}, element('code', {}, problem.code ?? 'error'), ` ${problem.detail ?? ''}`));
  if (RECONNECT_CODES.has(problem.code) && problem.connection) {
    const connect = problem.code === 'idp_account_not_connected';
    const button = element('button', {
      textContent: connect ? `Connect your ${problem.connection} account` : `Sign in with ${problem.connection} again`,
    });
    button.dataset.testid = `reconnect-${testId}`;
    button.addEventListener('click', () =>
      connect
        ? auth0Client.connectAccountWithRedirect({ connection: problem.connection })
        : auth0Client.loginWithRedirect({ authorizationParams: { connection: problem.connection } }),
    );
    box.append(button);
  }
  return box;
}

function showError(error) {
  $('error').textContent = error instanceof Error ? error.message : String(error);
  $('error').hidden = false;
}

async function showIdentities() {
  const { body } = await callProxy('/v1/identities');
  const rows = body.identities.map((identity) => {
    const row = element(
      'tr',
      {},
      element('td', { textContent: identity.provider }),
      element('td', { textContent: identity.connection }),
      element('td', { textContent: identity.userId }),
      element('td', { textContent: identity.supported ? 'yes' : 'no' }),
      element('td', { textContent: identity.tokenSource ?? '—' }),
    );
    row.dataset.provider = identity.provider;
    return row;
  });
  $('identities').tBodies[0].replaceChildren(...rows);
  return body.identities.filter((identity) => identity.supported);
}

async function showProfile(provider) {
  const card = element('article', { className: 'profile' }, element('h3', { textContent: provider }));
  card.dataset.testid = `profile-${provider}`;
  $('profiles').append(card);
  try {
    const { body: profile } = await callProxy(`/v1/idp/${provider}/profile`);
    const fields = ['name', 'email', 'id', 'username', 'emailVerified', 'picture'].filter((f) => f in profile);
    card.append(
      element(
        'dl',
        {},
        ...fields.flatMap((field) => [
          element('dt', { textContent: field }),
          element('dd', { textContent: profile[field] === null ? '—' : String(profile[field]) }),
        ]),
      ),
    );
  } catch (error) {
    card.append(problemView(error, provider));
  }
}

/** One page of repositories; the "Next page" button follows the rewritten `Link` through the proxy. */
async function showRepos(pathAndQuery, pageNumber) {
  $('repos-section').hidden = false;
  $('repos-next').hidden = true;
  $('repos-error').replaceChildren();
  try {
    const { body: repos, link } = await callProxy(pathAndQuery);
    $('repos').replaceChildren(
      ...repos.map((repo) =>
        element(
          'li',
          {},
          element('strong', { textContent: repo.full_name }),
          ` ${repo.private ? '(private) ' : ''}${repo.language ?? ''} ★${repo.stargazers_count}`,
        ),
      ),
    );
    $('repos-page').textContent = `Page ${pageNumber}`;
    const next = nextLink(link);
    if (next !== undefined) {
      $('repos-next').hidden = false;
      $('repos-next').onclick = () => showRepos(next, pageNumber + 1).catch(showError);
    }
  } catch (error) {
    $('repos').replaceChildren();
    $('repos-error').append(problemView(error, 'github-repos'));
  }
}

async function showSignedIn() {
  const user = await auth0Client.getUser(); // the ID token's claims
  $('status').textContent = `Signed in as ${user.name} (${user.sub})`;
  $('logout').hidden = false;
  $('signed-in').hidden = false;
  const served = await showIdentities();
  await Promise.all(served.map((identity) => showProfile(identity.provider)));
  if (served.some((identity) => identity.provider === 'github')) await showRepos(FIRST_REPOS_PAGE, 1);
}

$('login').addEventListener('click', () => auth0Client.loginWithRedirect());
$('logout').addEventListener('click', () =>
  auth0Client.logout({ logoutParams: { returnTo: config.redirectUri } }),
);

try {
  const query = new URLSearchParams(window.location.search);
  if ((query.has('code') || query.has('connect_code') || query.has('error')) && query.has('state')) {
    // back from the tenant: the SDK checks `state`, redeems the code with its PKCE verifier and
    // verifies the ID token (issuer, audience, nonce, expiry)
    try {
      await auth0Client.handleRedirectCallback();
    } finally {
      window.history.replaceState(null, '', window.location.pathname);
    }
  }
  if (await auth0Client.isAuthenticated()) {
    await showSignedIn();
  } else {
    $('status').textContent = 'Signed out';
    $('login').hidden = false;
  }
} catch (error) {
  showError(error);
  $('login').hidden = false;
} finally {
  document.body.dataset.ready = 'true';
}
