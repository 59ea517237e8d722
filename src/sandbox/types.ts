/** The public shapes of the sandbox handle (see index.ts). */
import type { DeepPartial, SandboxConfig } from './config.js';
import type { DuplicateReport } from './duplicates.js';

export type { DuplicateReport } from './duplicates.js';

export interface SandboxState {
  /** Rendered as Zendesk renders them, plus `identities` (every email identity of the user). */
  users: Record<string, unknown>[];
  organizations: Record<string, unknown>[];
  memberships: Record<string, unknown>[];
  userFields: Record<string, unknown>[];
  organizationFields: Record<string, unknown>[];
  events: {
    id: string;
    user_id: number;
    profile_id: string;
    via: 'users' | 'user_profiles';
    event: { source: string; type: string; description?: string; created_at: string; properties: unknown };
    received_at: string;
  }[];
  jobs: Record<string, unknown>[];
}

export interface RequestLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  /** 0 when the connection was dropped on purpose. */
  status: number;
  /** Parsed JSON (or form) body; `client_secret` is redacted. */
  body: unknown;
  /** ISO time the request arrived. */
  at: string;
}

export interface Sandbox {
  /** e.g. http://127.0.0.1:41234 (no trailing slash) */
  url: string;
  port: number;
  configure(patch: DeepPartial<SandboxConfig>): void;
  config(): SandboxConfig;
  state(): SandboxState;
  /** Events received more than once (same user, type, timestamp and properties). */
  duplicates(): DuplicateReport;
  requests(): RequestLogEntry[];
  /** Real milliseconds each job created so far was given (a drawn duration when a range is set). */
  jobDurations(): number[];
  /** Jobs queued or working now (job slots in use). */
  jobsInFlight(): number;
  clearRequests(): void;
  reset(): void;
  close(): Promise<void>;
}
