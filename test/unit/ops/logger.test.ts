import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { createLogger, type LoggerOptions } from '../../../src/ops/logger.js';
import { Redactor } from '../../../src/ops/redact.js';

/** A stream that keeps what is written; winston writes synchronously through a Stream transport. */
function capture() {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join(''), lines: () => chunks.join('').split('\n').filter(Boolean) };
}

const FIXED = new Date('2024-05-06T07:08:09.010Z');
const TOKEN = 'zd-oauth-token-0123456789';

function setup(extra: Partial<LoggerOptions> = {}) {
  const out = capture();
  const logger = createLogger({
    level: 'debug',
    format: 'json',
    secrets: [TOKEN],
    stream: out.stream,
    now: () => FIXED,
    ...extra,
  });
  return { logger, out };
}

describe('json format', () => {
  it('writes one JSON object per line with level, message, timestamp and meta', () => {
    const { logger, out } = setup();
    logger.info('consumer started', { topic: 'segment-events', partitions: [0, 1] });
    logger.debug('second');
    expect(out.lines().map((l) => JSON.parse(l))).toEqual([
      {
        level: 'info',
        message: 'consumer started',
        topic: 'segment-events',
        partitions: [0, 1],
        timestamp: FIXED.toISOString(),
      },
      { level: 'debug', message: 'second', timestamp: FIXED.toISOString() },
    ]);
  });

  it('drops entries below the level', () => {
    const { logger, out } = setup({ level: 'warn' });
    logger.info('hidden');
    logger.debug('hidden');
    logger.warn('shown');
    expect(out.lines()).toHaveLength(1);
    expect(JSON.parse(out.lines()[0]!).message).toBe('shown');
  });

  it('masks emails and tokens in the message, meta, nested meta and arrays', () => {
    const { logger, out } = setup();
    logger.warn(`user jane.doe@example.com rejected, token ${TOKEN}`, {
      email: 'jane.doe@example.com',
      request: {
        headers: { Authorization: `Bearer ${TOKEN}` },
        body: { user: { email: 'x+1@corp.io', tags: ['y@z.io'] } },
      },
      raw: `{"user":{"email":"q@w.io"},"auth":"${TOKEN}"}`,
    });
    const text = out.text();
    expect(text).not.toMatch(/jane\.doe|example\.com|x\+1@corp|y@z\.io|q@w\.io/);
    expect(text).not.toContain(TOKEN);
    const entry = JSON.parse(out.lines()[0]!);
    expect(entry.message).toBe('user ***@*** rejected, token [REDACTED]');
    expect(entry.email).toBe('***@***');
    expect(entry.request.headers.Authorization).toBe('[REDACTED]');
    expect(entry.request.body.user).toEqual({ email: '***@***', tags: ['***@***'] });
  });

  it('masks Error objects however they are logged: alone, as meta, inside meta', () => {
    const { logger, out } = setup();
    const make = () =>
      Object.assign(new Error(`422 for bob@example.com using ${TOKEN}`), {
        details: { email: [{ description: 'bob@example.com is already taken' }] },
      });
    logger.error(make());
    logger.error('upsert failed', make());
    logger.error('upsert failed', { err: make() });
    const text = out.text();
    expect(text).not.toContain('bob@example.com');
    expect(text).not.toContain(TOKEN);
    const [alone, asMeta, inMeta] = out.lines().map((l) => JSON.parse(l));
    expect(alone.message).toBe('422 for ***@*** using [REDACTED]');
    expect(alone.stack).toMatch(/^Error: 422 for \*\*\*@\*\*\* using \[REDACTED\]\n\s+at /);
    expect(asMeta.message).toBe('upsert failed 422 for ***@*** using [REDACTED]');
    expect(asMeta.details.email[0].description).toBe('***@*** is already taken');
    expect(inMeta.err).toMatchObject({ name: 'Error', message: '422 for ***@*** using [REDACTED]' });
    expect(inMeta.err.details.email[0].description).toBe('***@*** is already taken');
  });

  it('masks secrets added to a shared redactor after the logger was made', () => {
    const out = capture();
    const redactor = new Redactor();
    const logger = createLogger({
      level: 'info',
      format: 'json',
      redactor,
      stream: out.stream,
      now: () => FIXED,
    });
    redactor.addSecret('fresh-oauth-token-42');
    logger.info('got fresh-oauth-token-42');
    expect(out.text()).not.toContain('fresh-oauth-token-42');
  });

  it('child loggers redact too', () => {
    const { logger, out } = setup();
    logger.child({ user: 'kid@example.com' }).info(`t ${TOKEN}`);
    expect(out.text()).not.toMatch(/kid@example\.com|zd-oauth/);
  });

  it('never writes a generated email or secret, whatever the call shape', () => {
    fc.assert(
      fc.property(
        fc.emailAddress(),
        fc.string({ minLength: 8, maxLength: 30 }).filter((s) => s.trim().length >= 8),
        fc.integer({ min: 0, max: 3 }),
        (email, secret, shape) => {
          const out = capture();
          const logger = createLogger({
            level: 'info',
            format: 'json',
            secrets: [secret],
            stream: out.stream,
          });
          if (shape === 0) logger.info(`${email} ${secret}`);
          if (shape === 1) logger.info('m', { a: { b: [email, { c: secret }] } });
          if (shape === 2) logger.info('m', new Error(`${email}:${secret}`));
          if (shape === 3) logger.info('m', { err: new Error(email, { cause: new Error(secret) }) });
          const text = out.text();
          expect(text.length).toBeGreaterThan(0);
          expect(text).not.toContain(email);
          expect(text).not.toContain(JSON.stringify(secret).slice(1, -1));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('pretty format', () => {
  it('writes readable lines without colour when asked', () => {
    const { logger, out } = setup({ format: 'pretty', colors: false });
    logger.info('started for a@b.co', { topic: 't', token: TOKEN });
    expect(out.lines()).toEqual([
      `${FIXED.toISOString()} info started for ***@*** {"topic":"t","token":"[REDACTED]"}`,
    ]);
  });

  it('puts the redacted stack on the following lines', () => {
    const { logger, out } = setup({ format: 'pretty', colors: false });
    logger.error(new Error(`boom ${TOKEN}`));
    const [first, second] = out.lines();
    expect(first).toBe(`${FIXED.toISOString()} error boom [REDACTED]`);
    expect(second).toBe(`Error: boom [REDACTED]`);
    expect(out.text()).not.toContain(TOKEN);
  });

  it('colours the level when asked, and only then', () => {
    const coloured = setup({ format: 'pretty', colors: true });
    coloured.logger.warn('w');
    // eslint-disable-next-line no-control-regex
    expect(coloured.out.text()).toMatch(/\u001b\[\d+m/);
    const plain = setup({ format: 'pretty' });
    plain.logger.warn('w');
    // eslint-disable-next-line no-control-regex
    expect(plain.out.text()).not.toMatch(/\u001b\[/);
  });
});

describe('levels', () => {
  it('an entry below the level is dropped before any formatting or redaction; children keep their meta', () => {
    let redactions = 0;
    const redactor = new Redactor([TOKEN]);
    const value = redactor.value.bind(redactor);
    redactor.value = (v: unknown) => {
      redactions++;
      return value(v);
    };
    const { logger, out } = setup({ level: 'warn', redactor });
    for (let i = 0; i < 100; i++) logger.debug('event delivered', { offset: String(i) });
    logger.info('not this either');
    expect(redactions).toBe(0);
    expect(out.lines()).toEqual([]);
    const child = logger.child({ component: 'pipeline' });
    child.debug('dropped');
    child.warn('kept', { partition: 3 });
    expect(out.lines().map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ level: 'warn', message: 'kept', component: 'pipeline', partition: 3 }),
    ]);
    expect(redactions).toBeGreaterThan(0);
    logger.level = 'debug';
    logger.debug('now shown');
    expect(out.lines().at(-1)).toContain('now shown');
  });
});
