/**
 * The start-up check of the Zendesk account (SPEC 1a, issue 13 item 8): `GET /api/v2/users/me`
 * with the configured credentials. It resolves to the role the credentials act as, or throws an
 * `AccountCheckError` whose message is ONE line naming the problem and the settings to look at.
 * Never a secret or an email address in the message.
 */
import type { ZUser } from './api.js';
import type { ZendeskAuth } from './auth.js';
import { isZendeskError, type ZendeskError } from './errors.js';

export interface AccountCheck {
  /** Zendesk's role of the credentials' user: `admin`, `agent` (or `end-user`, refused). */
  role: string;
  /** Whether this role may create custom field definitions (admins only). */
  canCreateFields: boolean;
  /** Lines to log at warn level at start-up (e.g. an agent cannot create new custom fields). */
  warnings: string[];
}

export class AccountCheckError extends Error {
  override readonly name = 'AccountCheckError';
  constructor(
    message: string,
    /** true: Zendesk or the network failed (an outage may pass); false: the settings are wrong. */
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message.replace(/[\r\n]+/g, ' '), options);
  }
}

/** The settings that hold each kind of credential, for the one line. */
function credentialSettings(kind: ZendeskAuth['kind'] | undefined): string {
  switch (kind) {
    case 'bearer':
      return 'ZENDESK_OAUTH_TOKEN';
    case 'oauth-client':
      return 'ZENDESK_OAUTH_CLIENT_ID and ZENDESK_OAUTH_CLIENT_SECRET';
    case 'api-token':
      return 'ZENDESK_EMAIL and ZENDESK_API_TOKEN (an active token of that agent)';
    case 'password':
      return 'ZENDESK_EMAIL and ZENDESK_PASSWORD (Zendesk has switched password authentication off: use OAuth or an API token)';
    default:
      return 'the ZENDESK_* credentials';
  }
}

export const AGENT_WARNING =
  'Zendesk credentials act as an agent: new custom fields cannot be created (only admins may); traits without a field are left out of upserts (note field_not_created) and the rest is delivered';

function explain(
  err: ZendeskError,
  kind: ZendeskAuth['kind'] | undefined,
  baseUrl: string,
): AccountCheckError {
  const where = `GET ${baseUrl}/api/v2/users/me`;
  const cause = { cause: err };
  if (err.status === 401)
    return new AccountCheckError(
      `Zendesk refused the credentials (401 on ${where}): check ${credentialSettings(kind)}`,
      false,
      cause,
    );
  if (err.status === 403)
    return new AccountCheckError(
      `Zendesk forbids these credentials the API (403 on ${where}): check ${credentialSettings(kind)} and the OAuth scope (read write)`,
      false,
      cause,
    );
  if (err.code === 'Redirect')
    return new AccountCheckError(
      `Zendesk answered ${where} with a redirect (${err.status}): ZENDESK_URL or ZENDESK_SUBDOMAIN is probably wrong`,
      false,
      cause,
    );
  if (err.code === 'NotZendesk' || err.status === 404)
    return new AccountCheckError(
      `No Zendesk API at ${where} (404${err.code === 'NotZendesk' ? ', not a Zendesk answer' : ''}): check ZENDESK_SUBDOMAIN or ZENDESK_URL`,
      false,
      cause,
    );
  if (err.code === 'ConnectionError' || err.code === 'Timeout')
    return new AccountCheckError(
      `Could not reach Zendesk at ${baseUrl} (${err.code === 'Timeout' ? 'no answer in time' : 'connection failed'}): check ZENDESK_SUBDOMAIN or ZENDESK_URL and the network`,
      true,
      cause,
    );
  return new AccountCheckError(
    `Zendesk answered ${err.status ?? 'nothing usable'} on ${where}${err.action === 'outage' ? ' (an outage: try again later)' : ''}`,
    err.action !== 'reject',
    cause,
  );
}

/**
 * Checks the credentials against `GET /api/v2/users/me`. `client` is the `ZendeskClient` (its
 * `showMe`); `auth` only picks the settings named in the error line; `baseUrl` is shown in it.
 */
export async function checkAccount(
  client: { showMe(): Promise<ZUser> },
  opts: { auth?: ZendeskAuth | { kind: ZendeskAuth['kind'] }; baseUrl?: string } = {},
): Promise<AccountCheck> {
  const kind = opts.auth?.kind;
  const baseUrl = (opts.baseUrl ?? '').replace(/\/+$/, '');
  let me: ZUser;
  try {
    me = await client.showMe();
  } catch (err) {
    if (isZendeskError(err)) throw explain(err, kind, baseUrl);
    throw err;
  }
  // Zendesk answers users/me without (usable) credentials with 200 "Anonymous user", no id.
  if (me.id === null || me.id === undefined)
    throw new AccountCheckError(
      `Zendesk did not recognise the credentials (users/me answered as an anonymous user): check ${credentialSettings(kind)}`,
      false,
    );
  const role = typeof me.role === 'string' ? me.role : 'unknown';
  if (role === 'end-user')
    throw new AccountCheckError(
      `The Zendesk credentials belong to an end user, who may not use the API to manage users: use an agent's or admin's credentials (${credentialSettings(kind)})`,
      false,
    );
  const canCreateFields = role === 'admin';
  return { role, canCreateFields, warnings: canCreateFields ? [] : [AGENT_WARNING] };
}
