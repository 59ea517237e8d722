/**
 * A credential has a role [UF][OF]: creating or deleting field definitions is "Allowed For: Admins";
 * an agent gets Zendesk's 403 Forbidden. users/me tells the role, so a client can know beforehand.
 */
import { describe, expect, it } from 'vitest';
import { basic, call, useSandbox } from './helpers.js';

const ctx = useSandbox({
  config: {
    auth: {
      tokens: ['admin-tok', 'agent-tok'],
      passwords: [{ email: 'agent@example.org', password: 'pw' }],
      oauthClients: [
        { id: 'admin-client', secret: 's1' },
        { id: 'agent-client', secret: 's2' },
      ],
      roles: [
        { credential: 'agent-tok', role: 'agent' },
        { credential: 'agent@example.org', role: 'agent' },
        { credential: 'agent-client', role: 'agent' },
      ],
    },
  },
});

const FORBIDDEN = {
  error: 'Forbidden',
  description:
    'You do not have access to this page. Please contact the account owner of this help desk for further help.',
};
const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });

async function oauthToken(clientId: string, secret: string): Promise<string> {
  const res = await fetch(`${ctx.sb.url}/oauth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret }),
    signal: AbortSignal.timeout(5000),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

describe('roles contract', () => {
  it('role: an agent creating a user or organization field definition gets 403 Forbidden, nothing is created', async () => {
    const h = bearer('agent-tok');
    const uf = await call(
      ctx.sb,
      'POST',
      '/api/v2/user_fields',
      { user_field: { key: 'plan', title: 'Plan' } },
      h,
    );
    const of = await call(
      ctx.sb,
      'POST',
      '/api/v2/organization_fields',
      { organization_field: { key: 'plan', title: 'Plan' } },
      h,
    );
    for (const a of [uf, of]) {
      expect(a.status).toBe(403);
      expect(a.body).toEqual(FORBIDDEN);
    }
    expect(ctx.sb.state().userFields).toEqual([]);
    expect(ctx.sb.state().organizationFields).toEqual([]);
    // Reading definitions and writing users stay open to agents.
    expect((await call(ctx.sb, 'GET', '/api/v2/user_fields', undefined, h)).status).toBe(200);
    const u = await call(
      ctx.sb,
      'POST',
      '/api/v2/users/create_or_update',
      { user: { name: 'U', external_id: 'u' } },
      h,
    );
    expect(u.status).toBe(201);
  });

  it('role: an agent deleting a field definition gets 403; an admin may', async () => {
    await call(
      ctx.sb,
      'POST',
      '/api/v2/user_fields',
      { user_field: { key: 'plan', title: 'Plan' } },
      bearer('admin-tok'),
    );
    expect(
      (await call(ctx.sb, 'DELETE', '/api/v2/user_fields/plan', undefined, bearer('agent-tok'))).status,
    ).toBe(403);
    expect(ctx.sb.state().userFields).toHaveLength(1);
    expect(
      (await call(ctx.sb, 'DELETE', '/api/v2/user_fields/plan', undefined, bearer('admin-tok'))).status,
    ).toBe(204);
  });

  it('role: users/me answers the role of the credential ("admin" or "agent")', async () => {
    const role = async (h: Record<string, string>) =>
      (await call(ctx.sb, 'GET', '/api/v2/users/me', undefined, h)).body.user.role as string;
    expect(await role(bearer('admin-tok'))).toBe('admin');
    expect(await role(bearer('agent-tok'))).toBe('agent');
    expect(await role(basic('ops@example.org/token', 'agent-tok'))).toBe('agent');
    expect(await role(basic('agent@example.org', 'pw'))).toBe('agent');
    expect(await role(bearer(await oauthToken('agent-client', 's2')))).toBe('agent');
    expect(await role(bearer(await oauthToken('admin-client', 's1')))).toBe('admin');
  });

  it('role: per credential: the admin token creates a field while the agent token, same moment, is refused', async () => {
    const body = { user_field: { key: 'tier', title: 'Tier' } };
    expect((await call(ctx.sb, 'POST', '/api/v2/user_fields', body, bearer('agent-tok'))).status).toBe(403);
    const viaOauth = await call(
      ctx.sb,
      'POST',
      '/api/v2/user_fields',
      body,
      bearer(await oauthToken('agent-client', 's2')),
    );
    expect(viaOauth.status).toBe(403);
    expect((await call(ctx.sb, 'POST', '/api/v2/user_fields', body, bearer('admin-tok'))).status).toBe(201);
  });

  it('role: auth.role "agent" makes every credential without its own role an agent', async () => {
    ctx.sb.configure({ auth: { role: 'agent', roles: [] } });
    const a = await call(
      ctx.sb,
      'POST',
      '/api/v2/user_fields',
      { user_field: { key: 'k', title: 'K' } },
      bearer('admin-tok'),
    );
    expect(a.status).toBe(403);
    expect(
      (await call(ctx.sb, 'GET', '/api/v2/users/me', undefined, bearer('admin-tok'))).body.user.role,
    ).toBe('agent');
  });
});
