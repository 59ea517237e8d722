/**
 * The start-up account check: GET users/me through the real client on a scripted transport and a
 * fake clock; each problem is one line that names it (and never a secret or an email).
 */
import { describe, expect, it } from 'vitest';
import { ZendeskClient } from '../../../src/zendesk/client.js';
import type { ZendeskAuth } from '../../../src/zendesk/auth.js';
import { AGENT_WARNING, AccountCheckError, checkAccount } from '../../../src/zendesk/preflight.js';
import { TransportError, type HttpAnswer } from '../../../src/zendesk/http.js';
import { FakeClock, ScriptedTransport, json, text } from './fakes.js';

const BASE = 'https://acme.zendesk.com';
const TOKEN_AUTH: ZendeskAuth = { kind: 'api-token', email: 'agent@example.com', token: 'S3cr3t-token' };

async function check(answer: () => HttpAnswer | Error, auth: ZendeskAuth = TOKEN_AUTH) {
  const clock = new FakeClock();
  const transport = new ScriptedTransport(clock, answer);
  const client = new ZendeskClient({
    baseUrl: BASE,
    auth,
    transport,
    now: clock.now,
    sleep: clock.sleep,
    random: () => 0.5,
    maxRetryTimeMs: 1000,
  });
  const result = await clock.run(checkAccount(client, { auth, baseUrl: BASE })).catch((e: unknown) => e);
  return { result, transport };
}

const me = (role: string, id: number | null = 5) =>
  json(200, { user: { id, name: 'Agent', email: 'agent@example.com', role } });

describe('checkAccount (GET /api/v2/users/me)', () => {
  it('an admin: the role, fields may be created, nothing to warn about', async () => {
    const { result, transport } = await check(() => me('admin'));
    expect(result).toEqual({ role: 'admin', canCreateFields: true, warnings: [] });
    expect(new URL(transport.seen[0]!.req.url).pathname).toBe('/api/v2/users/me');
  });

  it('an agent: the role, and the warning that new custom fields cannot be created', async () => {
    const { result } = await check(() => me('agent'));
    expect(result).toEqual({ role: 'agent', canCreateFields: false, warnings: [AGENT_WARNING] });
    expect(AGENT_WARNING).toMatch(/new custom fields cannot be created/);
  });

  it.each<[string, () => HttpAnswer | Error, RegExp, boolean]>([
    [
      '401',
      () => json(401, { error: "Couldn't authenticate you" }),
      /^Zendesk refused the credentials \(401 .*ZENDESK_API_TOKEN/,
      false,
    ],
    [
      '403 on users/me',
      () => json(403, { error: 'Forbidden' }),
      /^Zendesk forbids these credentials the API \(403/,
      false,
    ],
    [
      'a redirect',
      () => ({ status: 301, headers: { location: 'https://x' }, text: '' }),
      /redirect \(301\).*ZENDESK_URL/,
      false,
    ],
    [
      'an HTML 404',
      () => text(404, '<html>nope</html>', { 'content-type': 'text/html' }),
      /No Zendesk API .*not a Zendesk answer.*ZENDESK_URL/,
      false,
    ],
    ['anonymous user', () => me('end-user', null), /did not recognise the credentials/, false],
    ['an end user', () => me('end-user'), /belong to an end user/, false],
    [
      'a dropped connection',
      () => new TransportError('network', 'ECONNREFUSED'),
      /^Could not reach Zendesk at https:\/\/acme\.zendesk\.com \(connection failed\)/,
      true,
    ],
    ['503 past the budget', () => text(503, 'Service Unavailable'), /answered 503 .*outage/, true],
  ])('%s → one line naming the problem', async (_name, answer, message, retriable) => {
    const { result } = await check(answer);
    expect(result).toBeInstanceOf(AccountCheckError);
    const err = result as AccountCheckError;
    expect(err.message).toMatch(message);
    expect(err.message).not.toMatch(/\n/);
    expect(err.message).not.toMatch(/S3cr3t|agent@example\.com/);
    expect(err.retriable).toBe(retriable);
  });

  it('names the settings of the credential kind in use', async () => {
    const { result } = await check(() => json(401, { error: "Couldn't authenticate you" }), {
      kind: 'bearer',
      token: 'tok',
    });
    expect((result as Error).message).toMatch(/check ZENDESK_OAUTH_TOKEN$/);
  });
});
