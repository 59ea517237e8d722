/** Talks to a sandbox over real HTTP, the way the product's client does. */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startSandbox, type Sandbox, type StartOptions } from '../../../src/sandbox/index.js';
import { deepMerge, defaultConfig } from '../../../src/sandbox/config.js';

export interface Answer {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read Zendesk JSON freely
  text: string;
}

export const TOKEN = 'sandbox-token';
export const BEARER = { Authorization: `Bearer ${TOKEN}` };

export async function call(
  sb: Sandbox,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = BEARER,
): Promise<Answer> {
  const res = await fetch(sb.url + path, {
    method,
    headers: { ...headers, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** One sandbox per test file, emptied before every test. */
export function useSandbox(opts: StartOptions = {}): { sb: Sandbox } {
  const holder = {} as { sb: Sandbox };
  beforeAll(async () => {
    holder.sb = await startSandbox(opts);
  });
  beforeEach(() => {
    // A full config restores every switch a previous test may have turned.
    holder.sb.configure(deepMerge(defaultConfig(), opts.config ?? {}));
    holder.sb.reset();
  });
  afterAll(async () => {
    await holder.sb?.close();
  });
  return holder;
}

export const upsertUser = (sb: Sandbox, user: Record<string, unknown>) =>
  call(sb, 'POST', '/api/v2/users/create_or_update', { user });

export const upsertOrg = (sb: Sandbox, organization: Record<string, unknown>) =>
  call(sb, 'POST', '/api/v2/organizations/create_or_update', { organization });

export const basic = (user: string, secret: string) => ({
  Authorization: `Basic ${Buffer.from(`${user}:${secret}`).toString('base64')}`,
});

/** Polls a job until it is completed (bounded). */
export async function waitForJob(sb: Sandbox, id: string, timeoutMs = 3000): Promise<Answer> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const a = await call(sb, 'GET', `/api/v2/job_statuses/${id}`);
    if (a.body?.job_status?.status === 'completed' || Date.now() > end) return a;
    await new Promise((r) => setTimeout(r, 20));
  }
}
