/**
 * POST /oauth/tokens with the client-credentials grant [§7]. The access token expires after
 * `expires_in` seconds (`auth.oauthTokenTtlSeconds`, or a shorter `expires_in` asked for); an
 * expired token is a 401, so a client's refresh path runs end to end. Other grants are refused: implicit and
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
  const rawTtl = body.expires_in;
  const requested = typeof rawTtl === 'string' && rawTtl.trim() !== '' ? Number(rawTtl) : rawTtl;
  if (requested !== undefined && (typeof requested !== 'number' || !(requested > 0)))
    throw new ApiError(400, {
      error: 'invalid_request',
      error_description: 'expires_in must be a positive number of seconds.',
    });
  const issued = ctx.auth.issue(
    str('client_id') ?? '',
    str('client_secret') ?? '',
    str('scope'),
    requested as number | undefined,
  );
  if (!issued)
    throw new ApiError(401, {
      error: 'invalid_client',
      error_description:
        'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
    });
  return {
    status: 200,
    body: {
      access_token: issued.token,
      token_type: 'bearer',
      scope: issued.scopes.join(' '),
      // Seconds the token lives (fractional only when the sandbox is configured so, for tests).
      ...(issued.expiresIn !== null ? { expires_in: issued.expiresIn } : {}),
    },
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
