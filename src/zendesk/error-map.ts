/**
 * Zendesk's error answers → what the pipeline must do. Pure. The bodies come in several shapes:
 *  - Support API: `{"error":"RecordInvalid","description":"…","details":{field:[{description,error}]}}`
 *  - 401: `{"error":"Couldn't authenticate you"}` (a sentence where a code would be)
 *  - Events API: `{"errors":[{"code":"…","title":"…"}]}`
 *  - OAuth: `{"error":"invalid_client","error_description":"…"}`
 *  - some errors are text/plain [REQ]
 */
import type { ZendeskErrorInfo } from './api.js';
import { ZendeskError } from './errors.js';
import type { Failure } from './retry.js';
import { isObject } from '../ops/json.js';

const STATUS_CODES: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'RecordNotFound',
  409: 'DatabaseConflict',
  413: 'RequestTooLarge',
  422: 'RecordInvalid',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

/** An identifier-like `error` value is a code; a sentence (the 401 body) is a message. */
const looksLikeCode = (s: string): boolean => /^[A-Za-z][A-Za-z0-9_.]*$/.test(s);

/** Reads an error body (already-parsed JSON, or the raw text) into status, code, message, details. */
export function parseErrorBody(status: number, body: unknown, text: string): ZendeskErrorInfo {
  const fallbackCode = STATUS_CODES[status] ?? `HTTP${status}`;
  if (isObject(body)) {
    // Events API envelope.
    if (Array.isArray(body.errors) && body.errors.length > 0) {
      const first = body.errors[0];
      const code = isObject(first) && typeof first.code === 'string' ? first.code : fallbackCode;
      const title = isObject(first) && typeof first.title === 'string' ? first.title : code;
      return { status, code, message: title, details: body.errors };
    }
    const error = typeof body.error === 'string' ? body.error : undefined;
    const description =
      typeof body.description === 'string'
        ? body.description
        : typeof body.error_description === 'string'
          ? body.error_description
          : undefined;
    const code = error && looksLikeCode(error) ? error : fallbackCode;
    const firstDetail = firstDetailDescription(body.details);
    const message = firstDetail ?? description ?? error ?? `HTTP ${status}`;
    const info: ZendeskErrorInfo = { status, code, message };
    if (body.details !== undefined) info.details = body.details;
    if (isObject(body.error)) info.details = body.error;
    return info;
  }
  const trimmed = text.trim();
  return { status, code: fallbackCode, message: trimmed ? trimmed.slice(0, 500) : `HTTP ${status}` };
}

/** `details: {email: [{description: "Email: … is already being used", error: "DuplicateValue"}]}` → that description. */
export function firstDetailDescription(details: unknown): string | undefined {
  if (typeof details === 'string') return details;
  if (!isObject(details)) return undefined;
  for (const entries of Object.values(details)) {
    const list = Array.isArray(entries) ? entries : [entries];
    for (const e of list) {
      if (isObject(e) && typeof e.description === 'string') return e.description;
      if (typeof e === 'string') return e;
    }
  }
  return undefined;
}

export interface FinalContext {
  endpoint: string;
  attempts: number;
  /** A bulk endpoint: there a 403 means bulk imports are off, not a bad credential. */
  bulk?: boolean;
  /**
   * Whether the answer's body was JSON. Zendesk answers its 404s in JSON; a 404 that is not (an
   * HTML page) comes from something else at the base URL: a proxy, a wrong ZENDESK_URL.
   */
  json?: boolean;
  cause?: unknown;
}

/** The endpoint whose 403 means the whole account is refused (the credential may do nothing). */
export const ACCOUNT_ENDPOINT = 'users/me';

/**
 * The error a call ends with once nothing more will be tried. Transient failures reach here only
 * after the retry budget is spent.
 *
 * Outages (pause, never dead-letter): 5xx, timeouts and dropped connections past the budget, 408,
 * 401, 403 on `users/me`, any redirect (the base URL is wrong: Zendesk's API does not redirect),
 * and a 404 whose body is not JSON (not Zendesk answering). A 403 anywhere else is a capability
 * this account or role lacks on that endpoint (field creation for an agent, the Events API
 * switched off, bulk imports off): a reject with code `Forbidden`, for the caller to decide.
 */
export function finalError(f: Failure, info: ZendeskErrorInfo | undefined, ctx: FinalContext): ZendeskError {
  const base = { endpoint: ctx.endpoint, attempts: ctx.attempts, cause: ctx.cause };
  if (f.kind === 'timeout')
    return new ZendeskError(
      'outage',
      `Zendesk did not answer ${ctx.endpoint} in time (${ctx.attempts} attempts)`,
      {
        ...base,
        code: 'Timeout',
      },
    );
  if (f.kind === 'network')
    return new ZendeskError(
      'outage',
      `Connection to Zendesk failed on ${ctx.endpoint} (${ctx.attempts} attempts)`,
      {
        ...base,
        code: 'ConnectionError',
      },
    );
  const status = f.status;
  if (status >= 300 && status < 400)
    return new ZendeskError(
      'outage',
      `Zendesk answered a redirect (${status}) on ${ctx.endpoint}: ZENDESK_URL is probably wrong (use the https://<subdomain>.zendesk.com address itself)`,
      { ...base, status, code: 'Redirect' },
    );
  if (status === 404 && ctx.json === false)
    return new ZendeskError(
      'outage',
      `A 404 that is not from Zendesk (no JSON body) on ${ctx.endpoint}: is ZENDESK_URL right, or is a proxy in the way?`,
      { ...base, status, code: 'NotZendesk' },
    );
  const parsed = info ?? { status, code: STATUS_CODES[status] ?? `HTTP${status}`, message: `HTTP ${status}` };
  const keep = { ...base, status, code: parsed.code, details: parsed.details };
  if (status >= 500 || status === 408)
    return new ZendeskError(
      'outage',
      `Zendesk answered ${status} on ${ctx.endpoint} (${ctx.attempts} attempts)`,
      keep,
    );
  if (status === 409)
    // Still colliding after the retry budget: a conflict on this record, not an outage.
    return new ZendeskError('reject', parsed.message, { ...keep, code: 'DatabaseConflict' });
  if (status === 403 && ctx.bulk)
    return new ZendeskError('reject', 'Bulk imports are not enabled on this Zendesk account', {
      ...keep,
      code: 'BulkImportsDisabled',
    });
  if (status === 401 || (status === 403 && ctx.endpoint === ACCOUNT_ENDPOINT))
    // The credential is bad for the whole account: pause everything, do not dead-letter.
    return new ZendeskError('outage', `Zendesk refused the credentials (${status}) on ${ctx.endpoint}`, keep);
  if (status === 403)
    return new ZendeskError(
      'reject',
      `Zendesk refused ${ctx.endpoint} to these credentials (403): ${parsed.message}`,
      { ...keep, code: 'Forbidden' },
    );
  if (status === 429) return new ZendeskError('retry', `Zendesk rate limit on ${ctx.endpoint}`, keep);
  return new ZendeskError('reject', parsed.message, keep);
}
