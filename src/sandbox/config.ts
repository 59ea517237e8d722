/**
 * The sandbox's switches. Every behaviour the reference marks UNCONFIRMED is a switch here, so a
 * test can pin the behaviour it depends on instead of trusting one guess.
 */

export type DeepPartial<T> = T extends (infer U)[]
  ? U[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

export interface SandboxConfig {
  auth: {
    /** Accepted as `Bearer T` and as Basic `<any email>/token:T`. */
    tokens: string[];
    /** Basic `email:password` (Zendesk switched these off in 2026; kept for old clients). */
    passwords: { email: string; password: string }[];
    /** Clients allowed the client-credentials grant on POST /oauth/tokens. */
    oauthClients: { id: string; secret: string }[];
    /** A revoked credential: every API answer is 401. */
    revoked: boolean;
    /** Real Zendesk answers GET users/me without credentials with 200 "Anonymous user" [CSA §5.1]. */
    anonymousMe: boolean;
    /**
     * The role of the user behind every credential. Agents may read field definitions but not
     * create them (POST user_fields / organization_fields answer 403, as Zendesk does).
     */
    role: Role;
    /**
     * Per-credential roles, overriding `role`. `credential` is a token, a password email or an
     * OAuth client id (the tokens issued to that client get its role).
     */
    roles: { credential: string; role: Role }[];
    /**
     * Lifetime of a client-credentials access token in seconds (`expires_in`, real seconds, may be
     * fractional for tests); a client asking for a longer `expires_in` gets this. null: no expiry.
     */
    oauthTokenTtlSeconds: number | null;
  };
  limits: {
    /** Account-wide requests per minute (Enterprise: 700), with X-Rate-Limit headers. */
    accountPerMinute: number | null;
    /** create_or_update and PUT users/{id}: requests per second for the whole account. */
    userUpsertPerSecond: number | null;
    /** create_or_update and PUT users/{id}: requests per minute for one user. */
    userUpsertPerUserPerMinute: number | null;
    /** Queued-or-working jobs before TooManyJobs. */
    maxJobs: number | null;
    /** PUT organizations/{id}: requests per minute for one organization (5 [RL]). */
    organizationUpdatePerOrgPerMinute: number | null;
    /**
     * The Profiles/Events API's own budget, per minute, counted apart from the account's
     * (250/250/500/700/1000 by plan [RL]; Enterprise 700).
     */
    eventsPerMinute: number | null;
    /** Every window is this many times shorter, and Retry-After this many times smaller. */
    timeScale: number;
  };
  faults: {
    latencyMs: number;
    /** Extra uniform random latency in [0, jitterMs). */
    jitterMs: number;
    /** Share of requests answered 500 or 503 (half each, seeded). */
    errorRatio: number;
    /** Share of requests answered 409 DatabaseConflict. */
    conflictRatio: number;
    /** Share of requests whose socket is destroyed without an answer. */
    dropRatio: number;
    /**
     * Share of requests answered 429 as when other clients of the account have spent its budget:
     * `X-Rate-Limit-Remaining: 0` and `Retry-After` of `throttleRetryAfterMs` (real milliseconds).
     * Our own pacing cannot see such spending, so this is how a client meets 429s in practice.
     */
    throttleRatio: number;
    throttleRetryAfterMs: number;
    seed: number;
  };
  /** A body or query key Zendesk does not document for the endpoint is a 400. */
  strict: boolean;
  /** A custom-field key with no definition: Zendesk's behaviour is UNCONFIRMED. */
  unknownCustomFieldKeys: 'ignore' | 'error';
  /** false: bulk imports are off on the account, bulk endpoints answer 403. */
  bulkEnabled: boolean;
  /** Time from queued to completed (real milliseconds, not scaled): queued for the first half, then working. */
  jobDurationMs: number;
  /**
   * When set, each job's duration is drawn uniformly from [min, max] milliseconds of Zendesk time
   * (seeded by `faults.seed`) and divided by `limits.timeScale`, like every limit window; replaces
   * `jobDurationMs`. Real 100-item jobs take seconds, which is what bounds bulk throughput.
   */
  jobDurationRangeMs: [number, number] | null;
  /** When email and external_id point at two different users (UNCONFIRMED precedence). */
  duplicateMatch: 'reject' | 'email-wins' | 'external-id-wins';
  /** Whether a field key must be unique across user and organization fields (UNCONFIRMED). */
  fieldKeysUniqueAcrossScopes: boolean;
  /** HTTP status of TooManyJobs (the reference does not state it; 429 UNCONFIRMED). */
  tooManyJobsStatus: number;
}

export type Role = 'admin' | 'agent';

/** Zendesk Suite Enterprise [RL]: the sandbox's default, so it behaves like a real account. */
export const ENTERPRISE_LIMITS: SandboxConfig['limits'] = {
  accountPerMinute: 700,
  userUpsertPerSecond: 1,
  userUpsertPerUserPerMinute: 5,
  maxJobs: 30,
  organizationUpdatePerOrgPerMinute: 5,
  eventsPerMinute: 700,
  timeScale: 1,
};

/** The explicit loose mode (`--limits none`), for benchmarks: no budgets, no X-Rate-Limit headers. */
export const NO_LIMITS: SandboxConfig['limits'] = {
  accountPerMinute: null,
  userUpsertPerSecond: null,
  userUpsertPerUserPerMinute: null,
  maxJobs: null,
  organizationUpdatePerOrgPerMinute: null,
  eventsPerMinute: null,
  timeScale: 1,
};

export function defaultConfig(): SandboxConfig {
  return {
    auth: {
      tokens: ['sandbox-token'],
      passwords: [],
      oauthClients: [],
      revoked: false,
      anonymousMe: false,
      role: 'admin',
      roles: [],
      oauthTokenTtlSeconds: 3600,
    },
    limits: { ...ENTERPRISE_LIMITS },
    faults: {
      latencyMs: 0,
      jitterMs: 0,
      errorRatio: 0,
      conflictRatio: 0,
      dropRatio: 0,
      throttleRatio: 0,
      throttleRetryAfterMs: 1000,
      seed: 1,
    },
    strict: false,
    unknownCustomFieldKeys: 'ignore',
    bulkEnabled: true,
    jobDurationMs: 0,
    jobDurationRangeMs: null,
    duplicateMatch: 'reject',
    fieldKeysUniqueAcrossScopes: false,
    tooManyJobsStatus: 429,
  };
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Objects merge key by key; arrays, scalars and null replace. Returns a new object. */
export function deepMerge<T>(base: T, patch: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(patch)) return (patch === undefined ? base : patch) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    out[k] = isPlainObject(out[k]) && isPlainObject(v) ? deepMerge(out[k], v) : structuredClone(v);
  }
  return out as T;
}
