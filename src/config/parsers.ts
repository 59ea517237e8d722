/**
 * Value parsers of the settings table. Each takes the raw string (defaults applied, never undefined);
 * messages say what is expected and never echo the value, which may be a misplaced secret.
 */
import { z } from 'zod';

/** A setting's parser: a raw environment string in, a typed value (or one issue) out. */
export type Parser<T> = z.ZodType<T, string>;

const BOOLEANS: Record<string, boolean> = {
  true: true,
  false: false,
  1: true,
  0: false,
  yes: true,
  no: false,
};

export const bool = z.string().transform((v, ctx) => {
  const b = BOOLEANS[v.toLowerCase()];
  if (b === undefined) {
    ctx.addIssue({ code: 'custom', message: 'expected true/false, 1/0 or yes/no' });
    return z.NEVER;
  }
  return b;
});

export const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `expected a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(
      z
        .number()
        .int()
        .min(min, `expected a whole number from ${min} to ${max}`)
        .max(max, `expected a whole number from ${min} to ${max}`),
    );

export const positiveNumber = (max: number) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, `expected a number above 0 and at most ${max}`)
    .transform(Number)
    .pipe(
      z
        .number()
        .gt(0, `expected a number above 0 and at most ${max}`)
        .max(max, `expected a number above 0 and at most ${max}`),
    );

export const nonEmpty = z.string().min(1, 'must not be empty');

/** Kafka's own rule (Topic.java): 1-249 of [a-zA-Z0-9._-], not "." or "..". */
export const topic = z
  .string()
  .regex(/^[a-zA-Z0-9._-]{1,249}$/, 'a topic name is 1-249 characters of letters, digits, ".", "_" and "-"')
  .refine((t) => t !== '.' && t !== '..', 'a topic name cannot be "." or ".."');

export const brokers = z.string().transform((v, ctx) => {
  const list = v
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (list.length === 0) ctx.addIssue({ code: 'custom', message: 'expected at least one host:port' });
  for (const b of list) {
    const m = /^(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9.-]+):(\d{1,5})$/.exec(b);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
      ctx.addIssue({
        code: 'custom',
        message: 'expected a comma-separated list of host:port (port 1-65535)',
      });
      return z.NEVER;
    }
  }
  return list;
});

export const commaList = z.string().transform((v) => [
  ...new Set(
    v
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  ),
]);

/** A DNS label: the account name only, so nothing can steer requests (and credentials) to another host. */
export const subdomain = z.string().transform((v, ctx) => {
  if (/\.zendesk\.com\.?$/i.test(v)) {
    ctx.addIssue({ code: 'custom', message: 'give the account name only, without .zendesk.com (like acme)' });
    return z.NEVER;
  }
  if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i.test(v)) {
    ctx.addIssue({
      code: 'custom',
      message:
        'expected an account name of letters, digits and inner hyphens (like acme or acme-eu), not a host, URL or path',
    });
    return z.NEVER;
  }
  return v.toLowerCase();
});

/** An http(s) URL without credentials; `allowPath` false also refuses any path, query or fragment. */
export const httpUrl = (allowPath: boolean, credentialsHint: string) =>
  z.string().transform((v, ctx) => {
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'expected an http:// or https:// URL' });
      return z.NEVER;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      ctx.addIssue({ code: 'custom', message: 'expected an http:// or https:// URL' });
      return z.NEVER;
    }
    if (u.username || u.password) {
      ctx.addIssue({ code: 'custom', message: `must not contain credentials; ${credentialsHint}` });
      return z.NEVER;
    }
    if (!allowPath && (u.pathname !== '/' || u.search || u.hash)) {
      ctx.addIssue({
        code: 'custom',
        message: 'expected a base URL with no path, query or fragment (like https://host:port)',
      });
      return z.NEVER;
    }
    if (u.search || u.hash) {
      ctx.addIssue({ code: 'custom', message: 'must not contain a query or fragment' });
      return z.NEVER;
    }
    return allowPath ? u.href.replace(/\/+$/, '') : u.origin;
  });

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A choice among `values`, case-insensitive; the message lists them. */
export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((v) => v.toLowerCase())
    .pipe(z.enum(values, `expected ${values.slice(0, -1).join(', ')} or ${values.at(-1)}`));

// Segment's page asks for `agent@example.com/token`: the suffix says "API token", it is not part
// of the address (the client adds it itself), so it is taken off and remembered.
export const agentEmail = z
  .string()
  .transform((v) => {
    const m = /^(.*?)\s*\/\s*token$/i.exec(v);
    return m ? { address: m[1]!, tokenSuffix: true } : { address: v, tokenSuffix: false };
  })
  .refine((e) => EMAIL.test(e.address), 'expected an email address (optionally followed by /token)');
