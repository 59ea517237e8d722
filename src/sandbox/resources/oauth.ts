/**
 * POST /oauth/tokens with the client-credentials grant [§7]. Other grants are refused: implicit and
 * password stopped on 2025-02-17, and the sandbox has no users to authorize a code for.
 */
import { obj, type Ctx, type Route } from '../context.js';
import { ApiError } from '../errors.js';

function token(ctx: Ctx) {
  const body = obj(ctx.body) ?? {};
  const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : undefined);
  if (str('grant_type') !== 'client_credentials')
    throw new ApiError(400, {
      error: 'unsupported_grant_type',
      error_description: 'The authorization grant type is not supported by the authorization server.',
    });
  const issued = ctx.auth.issue(str('client_id') ?? '', str('client_secret') ?? '', str('scope'));
  if (!issued)
    throw new ApiError(401, {
      error: 'invalid_client',
      error_description:
        'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
    });
  return {
    status: 200,
    body: { access_token: issued.token, token_type: 'bearer', scope: issued.scopes.join(' ') },
  };
}

export const oauthRoutes: Route[] = [
  {
    method: 'POST',
    pattern: '/oauth/tokens',
    handler: token,
    public: true,
    body: { grant_type: true, client_id: true, client_secret: true, scope: true, expires_in: true },
  },
];
