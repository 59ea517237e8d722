import { describe, expect, it } from 'vitest';
import { redactDetails, redactEmails } from '../../../src/ops/redact.js';

describe('redaction of email addresses in outcomes', () => {
  it.each([
    [
      'Email: a.b+c@example.co.uk is already being used by another user',
      'Email: <email> is already being used by another user',
    ],
    ['no address here', 'no address here'],
    ['"x@y.io"', '"<email>"'],
    ['two: a@b.com, c@d.org', 'two: <email>, <email>'],
  ])('%j → %j', (input, output) => {
    expect(redactEmails(input)).toBe(output);
  });

  it('keeps the shape of Zendesk details', () => {
    const details = {
      email: [{ description: 'Email: a@b.com is taken', error: 'DuplicateValue' }],
      count: 2,
      ok: null,
    };
    expect(redactDetails(details)).toEqual({
      email: [{ description: 'Email: <email> is taken', error: 'DuplicateValue' }],
      count: 2,
      ok: null,
    });
  });
});
