/**
 * Reading a delivery of Auth0's Custom Webhook log stream, in any of its content formats: a JSON
 * array of log entries, JSON lines (one entry per line), or a JSON object (one entry). Auth0 sends
 * each entry as `{ "log_id": "...", "data": { <the log event> } }`; a bare log event is accepted too.
 *
 * The events that change what Auth0 holds for a user, and so must end our copy of it:
 * - `s` (successful login) and `ss` (successful signup): the login may have stored new IdP tokens;
 * - `sdu` (successful user deletion);
 * - `sapi` (successful Management API write: POST, PATCH, PUT, DELETE) on `/api/v2/users/{id}` or
 *   below it (update, delete, link, unlink an identity): the user named in the path, whose id is
 *   percent-encoded there (`/api/v2/users/auth0%7C123`).
 * Every other event is ignored.
 */

/** Events whose `user_id` names the user to drop. */
const USER_EVENTS = new Set(['s', 'ss', 'sdu']);
const MANAGEMENT_WRITE = 'sapi';
const USERS_PATH = '/api/v2/users/';
/** Auth0 user ids are short; anything longer is not one (and is not worth a cache operation). */
const MAX_USER_ID_LENGTH = 512;

export class MalformedDelivery extends Error {}

/** The log events of one delivery; throws MalformedDelivery when it is none of the three formats. */
export function parseDelivery(body: Buffer): unknown[] {
  const text = body.toString('utf8').trim();
  if (text === '') throw new MalformedDelivery('the body is empty');
  let whole: unknown;
  try {
    whole = JSON.parse(text);
  } catch {
    return parseLines(text);
  }
  if (Array.isArray(whole)) return whole.map(checkEntry);
  return [checkEntry(whole)];
}

function parseLines(text: string): unknown[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      try {
        return checkEntry(JSON.parse(line));
      } catch {
        throw new MalformedDelivery(
          'the body is not a JSON array, JSON lines or a JSON object of log events',
        );
      }
    });
}

function checkEntry(entry: unknown): unknown {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new MalformedDelivery('every log entry must be a JSON object');
  }
  return entry;
}

/** The distinct users whose cached identities and tokens the events make stale. */
export function usersToDrop(entries: readonly unknown[]): string[] {
  const users = new Set<string>();
  for (const entry of entries) {
    const user = staleUser(eventOf(entry));
    if (user !== undefined && user.length <= MAX_USER_ID_LENGTH) users.add(user);
  }
  return [...users];
}

function eventOf(entry: unknown): Record<string, unknown> {
  const record = entry as Record<string, unknown>;
  const data = record.data;
  return typeof data === 'object' && data !== null && !Array.isArray(data)
    ? (data as Record<string, unknown>)
    : record;
}

function staleUser(event: Record<string, unknown>): string | undefined {
  const type = event.type;
  if (typeof type !== 'string') return undefined;
  if (USER_EVENTS.has(type)) return nonEmpty(event.user_id);
  if (type !== MANAGEMENT_WRITE) return undefined;
  const request = (event.details as { request?: { path?: unknown } } | undefined)?.request;
  return typeof request?.path === 'string' ? userInPath(request.path) : undefined;
}

/** `/api/v2/users/auth0%7C123/identities/github/456` → `auth0|123`. */
export function userInPath(path: string): string | undefined {
  const pathOnly = path.split('?', 1)[0];
  if (!pathOnly.startsWith(USERS_PATH)) return undefined;
  const segment = pathOnly.slice(USERS_PATH.length).split('/', 1)[0];
  if (segment === '') return undefined;
  try {
    return nonEmpty(decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
