import type { ZendeskErrorInfo } from './api.js';

/**
 * What the pipeline must do about a failed Zendesk call:
 * - `retry`:  transient (5xx, 409, timeout, dropped connection) and the client's own retry budget
 *             is not yet spent; callers normally never see this, the client retries by itself.
 * - `reject`: this event cannot succeed as sent (422, 400, 404 …): dead-letter it with Zendesk's details.
 * - `outage`: the whole account or Zendesk is unusable (401/403 for everything, 5xx past the retry
 *             budget): pause consumption, never dead-letter.
 */
export type ErrorAction = 'retry' | 'reject' | 'outage';

export class ZendeskError extends Error implements ZendeskErrorInfo {
  override readonly name = 'ZendeskError';
  readonly action: ErrorAction;
  readonly status?: number;
  readonly code?: string;
  readonly details?: unknown;
  readonly endpoint?: string;
  readonly attempts?: number;

  constructor(
    action: ErrorAction,
    message: string,
    info: {
      status?: number;
      code?: string;
      details?: unknown;
      endpoint?: string;
      attempts?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, info.cause !== undefined ? { cause: info.cause } : undefined);
    this.action = action;
    this.status = info.status;
    this.code = info.code;
    this.details = info.details;
    this.endpoint = info.endpoint;
    this.attempts = info.attempts;
  }

  get retriable(): boolean {
    return this.action !== 'reject';
  }
}

export const isZendeskError = (e: unknown): e is ZendeskError => e instanceof ZendeskError;
