import { describe, expect, it } from 'vitest';
import { basic, call, useSandbox } from './helpers.js';

const ctx = useSandbox({
  config: {
    auth: {
      tokens: ['tok-1'],
      passwords: [{ email: 'admin@example.org', password: 'pw' }],
      oauthClients: [{ id: 'client-a', secret: 's3cret' }],
    },
  },
});

const me = (headers: Record<string, string>) => call(ctx.sb, 'GET', '/api/v2/users/me', undefined, headers);

async function oauth(body: Record<string, string>, form = false) {
  const res = await fetch(`${ctx.sb.url}/oauth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
    body: form ? new URLSearchParams(body).toString() : JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

describe('authentication contract', () => {
  it('Bearer with a configured token is accepted', async () => {
    expect((await me({ Authorization: 'Bearer tok-1' })).status).toBe(200);
  });

  it('Basic email/token:TOKEN is accepted, and users/me echoes the email', async () => {
    const a = await me(basic('agent@example.org/token', 'tok-1'));
    expect(a.status).toBe(200);
    expect(a.body.user.email).toBe('agent@example.org');
  });

  it('Basic email:password is accepted for a configured pair only', async () => {
    expect((await me(basic('admin@example.org', 'pw'))).status).toBe(200);
    expect((await me(basic('admin@example.org', 'nope'))).status).toBe(401);
  });

  it('no credentials, a wrong token or a token without /token is 401 {"error":"Couldn\'t authenticate you"}', async () => {
    for (const headers of [
      {},
      { Authorization: 'Bearer wrong' },
      basic('agent@example.org', 'tok-1'),
      basic('agent@example.org/token', 'wrong'),
    ]) {
      const a = await call(ctx.sb, 'GET', '/api/v2/users/search?external_id=x', undefined, headers);
      expect(a.status).toBe(401);
      expect(a.body).toEqual({ error: "Couldn't authenticate you" });
    }
  });

  it('users/me without credentials is 401 by default, 200 "Anonymous user" with anonymousMe', async () => {
    expect((await me({})).status).toBe(401);
    ctx.sb.configure({ auth: { anonymousMe: true } });
    const a = await me({});
    expect(a.status).toBe(200);
    expect(a.body.user.name).toBe('Anonymous user');
    expect((await me({ Authorization: 'Bearer wrong' })).status).toBe(401);
  });

  it('a revoked credential answers 401 to everything', async () => {
    ctx.sb.configure({ auth: { revoked: true } });
    expect((await me({ Authorization: 'Bearer tok-1' })).status).toBe(401);
    expect(
      (
        await call(
          ctx.sb,
          'POST',
          '/api/v2/users/create_or_update',
          { user: { name: 'x' } },
          { Authorization: 'Bearer tok-1' },
        )
      ).status,
    ).toBe(401);
    ctx.sb.configure({ auth: { revoked: false } });
    expect((await me({ Authorization: 'Bearer tok-1' })).status).toBe(200);
  });

  it('POST /oauth/tokens: client_credentials issues a bearer token that is then accepted', async () => {
    const t = await oauth({
      grant_type: 'client_credentials',
      client_id: 'client-a',
      client_secret: 's3cret',
    });
    expect(t.status).toBe(200);
    expect(t.body).toMatchObject({ token_type: 'bearer', scope: 'read write' });
    expect((await me({ Authorization: `Bearer ${t.body.access_token}` })).status).toBe(200);
  });

  it('POST /oauth/tokens: a form-encoded request works too', async () => {
    const t = await oauth(
      { grant_type: 'client_credentials', client_id: 'client-a', client_secret: 's3cret' },
      true,
    );
    expect(t.status).toBe(200);
  });

  it('POST /oauth/tokens: a wrong secret is 401 invalid_client, another grant is 400', async () => {
    expect(
      (await oauth({ grant_type: 'client_credentials', client_id: 'client-a', client_secret: 'x' })).body
        .error,
    ).toBe('invalid_client');
    const pw = await oauth({ grant_type: 'password', client_id: 'client-a', client_secret: 's3cret' });
    expect(pw.status).toBe(400);
    expect(pw.body.error).toBe('unsupported_grant_type');
  });

  it('POST /oauth/tokens: an unknown scope still issues a token, and every call with it is 403', async () => {
    const t = await oauth({
      grant_type: 'client_credentials',
      client_id: 'client-a',
      client_secret: 's3cret',
      scope: 'read write bogus:scope',
    });
    expect(t.status).toBe(200);
    const a = await me({ Authorization: `Bearer ${t.body.access_token}` });
    expect(a.status).toBe(403);
  });

  it('POST /oauth/tokens: a read-only token cannot write (403)', async () => {
    const t = await oauth({
      grant_type: 'client_credentials',
      client_id: 'client-a',
      client_secret: 's3cret',
      scope: 'read',
    });
    const h = { Authorization: `Bearer ${t.body.access_token}` };
    expect((await me(h)).status).toBe(200);
    expect(
      (await call(ctx.sb, 'POST', '/api/v2/users/create_or_update', { user: { name: 'x' } }, h)).status,
    ).toBe(403);
  });

  it('the request log never holds the client secret', async () => {
    await oauth({ grant_type: 'client_credentials', client_id: 'client-a', client_secret: 's3cret' });
    expect(JSON.stringify(ctx.sb.requests())).not.toContain('s3cret');
  });

  it('POST /oauth/tokens: the answer has expires_in (3600 s by default); an expired token is 401 and a new one works', async () => {
    const grant = { grant_type: 'client_credentials', client_id: 'client-a', client_secret: 's3cret' };
    expect((await oauth(grant)).body.expires_in).toBe(3600);
    ctx.sb.configure({ auth: { oauthTokenTtlSeconds: 0.15 } });
    const t = await oauth(grant);
    expect(t.body.expires_in).toBe(0.15);
    const h = { Authorization: `Bearer ${t.body.access_token}` };
    expect((await me(h)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    const expired = await me(h);
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual({ error: "Couldn't authenticate you" });
    const again = await oauth(grant);
    expect((await me({ Authorization: `Bearer ${again.body.access_token}` })).status).toBe(200);
  });

  it('POST /oauth/tokens: a shorter expires_in asked for is honoured, a longer one is capped, a bad one is 400', async () => {
    const grant = { grant_type: 'client_credentials', client_id: 'client-a', client_secret: 's3cret' };
    expect((await oauth({ ...grant, expires_in: '600' })).body.expires_in).toBe(600);
    expect((await oauth({ ...grant, expires_in: '172800' })).body.expires_in).toBe(3600);
    const bad = await oauth({ ...grant, expires_in: 'soon' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid_request');
  });
});
