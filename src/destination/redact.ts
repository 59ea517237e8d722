/**
 * Zendesk's error texts quote the email they refuse ("Email: a@b.com is already being used …").
 * Outcomes reach logs and the dead-letter topic's headers, where email addresses must never appear,
 * so they are replaced in messages and in the strings of Zendesk's details (shape kept).
 */
const EMAIL = /[^\s@"'<>(),;:]+@[^\s@"'<>(),;:]+\.[^\s@"'<>(),;:]+/g;

/** Zendesk quotes the refused value even when it is not a well-formed address ("Email: x@@ is not properly formatted"). */
const QUOTED_EMAIL = /(\bEmail:\s*)(.+?)(\s+(?:is|has|was)\b)/gi;

export function redactEmails(text: string): string {
  return text.replace(QUOTED_EMAIL, '$1<email>$3').replace(EMAIL, '<email>');
}

export function redactDetails(value: unknown): unknown {
  if (typeof value === 'string') return redactEmails(value);
  if (Array.isArray(value)) return value.map(redactDetails);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDetails(v)]));
  }
  return value;
}
