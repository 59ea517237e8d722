/**
 * The one place that decides what may not reach a log line: registered secret values (and whatever
 * contains them), email addresses, Authorization/credential values. Everything the logger writes
 * goes through a `Redactor`, every outcome text through `redactEmails`; other code should not
 * invent its own masking.
 */

export const REDACTED = '[REDACTED]';
export const EMAIL_MASK = '***@***';

/**
 * Shorter secrets are not registered: masking every "abc" in every log line would make logs useless,
 * and a secret that short gives no protection anyway.
 */
export const MIN_SECRET_LENGTH = 4;

/** How deep `value()` descends before replacing the rest with a marker. */
export const MAX_DEPTH = 8;

/**
 * Anything shaped like `local@domain`. Deliberately broad (every character an RFC 5322 local part
 * may hold, including `!#$%&'*+/=?^_\`{|}~`): a false positive such as `pkg@1.2.3` costs nothing,
 * a false negative leaks an address. Also swallows `user:pass@host` in URLs, which is wanted. Runs of
 * `@` are one match (`#@a@b.co`): matched as `#@a`, the rest, `@b.co`, kept the address's domain.
 */
const EMAIL_RE = /[^\s@<>()[\]\\,;:"]+(?:@[^\s@<>()[\]\\,;:"]+)+/g;

/** `Authorization: Basic …`, `"authorization":"Bearer …"`, `proxy-authorization=…` in free text. */
const AUTH_HEADER_RE = /\b((?:proxy-)?authorization)(["']?\s*[:=]\s*["']?)([^"'\r\n,;}]+)/gi;

/** A bare scheme + credential, e.g. from a raw header array or an error message. */
const AUTH_SCHEME_RE = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g;

/** Keys whose values are credentials whatever they contain. */
const SECRET_KEY_RE =
  /^(?:(?:proxy-)?authorization|cookie|set-cookie|x-api-key|password|passwd|secret|client_?secret|(?:access|refresh|api|oauth)?_?token)$/i;

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class Redactor {
  private readonly secrets = new Set<string>();
  private secretRe: RegExp | null = null;

  constructor(secrets: Iterable<string> = []) {
    for (const s of secrets) this.addSecret(s);
  }

  /** Registers a value to mask from now on (e.g. an OAuth token obtained at run time). */
  addSecret(secret: string | undefined | null): void {
    if (!secret || secret.length < MIN_SECRET_LENGTH || this.secrets.has(secret)) return;
    // The same secret as it appears inside a JSON string or a URL/form body (an OAuth token request).
    for (const variant of [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)])
      this.secrets.add(variant);
    // Longest first, so a secret that contains another is masked whole.
    const alternatives = [...this.secrets].sort((a, b) => b.length - a.length).map(escapeRe);
    this.secretRe = new RegExp(alternatives.join('|'), 'g');
  }

  /** Masks secrets first (an email inside a password must not shield the password), then the rest. */
  string(text: string): string {
    let out = this.secretRe ? text.replace(this.secretRe, REDACTED) : text;
    out = out.replace(AUTH_HEADER_RE, (_m, name: string, sep: string) => `${name}${sep}${REDACTED}`);
    out = out.replace(AUTH_SCHEME_RE, (_m, scheme: string) => `${scheme} ${REDACTED}`);
    return out.replace(EMAIL_RE, EMAIL_MASK);
  }

  /**
   * A redacted copy of any value, safe to serialise: strings masked, credential-named keys masked,
   * Errors turned into plain objects (name, message, stack, own fields, cause), cycles and excessive
   * depth replaced by markers, bigint as string, Buffers summarised. The input is never modified.
   */
  value(input: unknown): unknown {
    try {
      return this.walk(input, 0, new Set());
    } catch {
      // A throwing getter or proxy must not take the log line (or the process) down with it.
      return '[Unserializable]';
    }
  }

  private walk(v: unknown, depth: number, ancestors: Set<object>): unknown {
    if (typeof v === 'string') return this.string(v);
    if (typeof v === 'bigint') return v.toString();
    if (typeof v === 'function') return `[Function ${v.name || 'anonymous'}]`;
    if (typeof v === 'symbol') return v.toString();
    if (v === null || typeof v !== 'object') return v;
    if (ancestors.has(v)) return '[Circular]';
    if (depth >= MAX_DEPTH) return '[Truncated]';
    if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
    if (Buffer.isBuffer(v) || ArrayBuffer.isView(v)) return `[${v.constructor.name} ${v.byteLength} bytes]`;
    if (v instanceof RegExp) return this.string(v.toString());

    ancestors.add(v);
    try {
      if (Array.isArray(v)) return v.map((x) => this.walk(x, depth + 1, ancestors));
      if (v instanceof Map)
        return this.entries(
          [...v.entries()].map(([k, x]) => [String(k), x]),
          depth,
          ancestors,
        );
      if (v instanceof Set) return [...v].map((x) => this.walk(x, depth + 1, ancestors));
      if (v instanceof Error) {
        const fields: [string, unknown][] = [
          ['name', v.name],
          ['message', v.message],
          ['stack', v.stack],
          ...Object.entries(v).filter(([k]) => k !== 'name' && k !== 'message' && k !== 'stack'),
        ];
        if (v.cause !== undefined) fields.push(['cause', v.cause]);
        if (v instanceof AggregateError) fields.push(['errors', v.errors]);
        return this.entries(fields, depth, ancestors);
      }
      return this.entries(Object.entries(v), depth, ancestors);
    } finally {
      // Only ancestors count as cycles: the same object seen twice side by side is printed twice.
      ancestors.delete(v);
    }
  }

  private entries(
    entries: [string, unknown][],
    depth: number,
    ancestors: Set<object>,
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, x] of entries) {
      const safeKey = this.string(key);
      out[safeKey] =
        SECRET_KEY_RE.test(key) && x !== undefined && x !== null && x !== ''
          ? REDACTED
          : this.walk(x, depth + 1, ancestors);
    }
    return out;
  }
}

/** Masks email addresses only; for callers that have no secrets to register. */
export const maskEmails = (text: string): string => text.replace(EMAIL_RE, EMAIL_MASK);

/**
 * Outcomes (dead-letter headers, delivery notes) quote Zendesk's error texts, which quote the email
 * they refuse ("Email: a@b.com is already being used …"). The address becomes `<email>`, so the
 * text still reads; Zendesk also quotes a value that is not a well-formed address ("Email: x@@ is
 * not properly formatted"), which goes too.
 */
const QUOTED_EMAIL_RE = /(\bEmail:\s*)(.+?)(\s+(?:is|has|was)\b)/gi;
export const OUTCOME_EMAIL_MASK = '<email>';

export const redactEmails = (text: string): string =>
  text.replace(QUOTED_EMAIL_RE, `$1${OUTCOME_EMAIL_MASK}$3`).replace(EMAIL_RE, OUTCOME_EMAIL_MASK);

/** `redactEmails` on every string of Zendesk's error details, the shape kept. */
export function redactDetails(value: unknown): unknown {
  if (typeof value === 'string') return redactEmails(value);
  if (Array.isArray(value)) return value.map(redactDetails);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDetails(v)]));
  }
  return value;
}
