/**
 * Zendesk's error texts quote the email they refuse ("Email: a@b.com is already being used …").
 * Outcomes reach logs and the dead-letter topic's headers, where email addresses must never appear,
 * so they are replaced in messages and in the strings of Zendesk's details (shape kept).
 */
const EMAIL = /[^\s@"'<>(),;:]+@[^\s@"'<>(),;:]+\.[^\s@"'<>(),;:]+/g;

export function redactEmails(text: string): string {
  return text.replace(EMAIL, '<email>');
}

export function redactDetails(value: unknown): unknown {
  if (typeof value === 'string') return redactEmails(value);
  if (Array.isArray(value)) return value.map(redactDetails);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDetails(v)]));
  }
  return value;
}
