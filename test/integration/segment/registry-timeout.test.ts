/**
 * A registry that takes the connection and never answers (a frozen process, a proxy that lost its
 * upstream, a black-holed route). The registry client's HTTP layer sets no timeout of its own, so
 * without one a schema look-up would hold its partition, and a registration its producer, forever.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry, REGISTRY_TIMEOUT_MS, SegmentCodec } from '../../../src/segment/codec.js';
import { RegistryUnavailableError } from '../../../src/segment/errors.js';

let server: Server;
let url: string;
const sockets: Socket[] = [];
let requests = 0;

beforeAll(async () => {
  server = createServer((s) => {
    sockets.push(s);
    s.on('data', (d) => (requests += String(d).split('HTTP/1.1\r\n').length - 1));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});

/** Settles within `ms`, or fails naming what hung. */
async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`${what} still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(t);
  }
}

describe('a schema registry that never answers', () => {
  it('a schema look-up fails as "registry unavailable" (pause and retry) within the timeout', async () => {
    const codec = new SegmentCodec(createRegistry({ url, timeoutMs: 300 }), 'silent-value');
    const wire = Buffer.from([0, 0, 0, 0, 42, 2, 0]);
    const before = requests;
    const started = Date.now();
    const err = await within(8000, 'decode', codec.decode(wire)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryUnavailableError);
    expect(String((err as Error).message)).toMatch(/schema registry unavailable: .*timeout/i);
    // The look-up reached the registry and was given up after the timeout (the pipeline pauses the
    // partition and asks again later; the client does not retry a timed-out request itself).
    expect(requests - before).toBe(1);
    expect(Date.now() - started).toBeLessThan(2000);
  }, 15_000);

  it('registering the schema (producers, `produce`, the demo) fails instead of hanging', async () => {
    const codec = new SegmentCodec(createRegistry({ url, timeoutMs: 300 }), 'silent-value');
    const err = await within(5000, 'register', codec.register()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryUnavailableError);
    expect(String((err as Error).message)).toMatch(
      /cannot register the schema under silent-value: .*timeout/i,
    );
  }, 10_000);

  it(
    'the default timeout is bounded too',
    async () => {
      const codec = new SegmentCodec(createRegistry({ url }), 'silent-value');
      const err = await within(REGISTRY_TIMEOUT_MS + 5000, 'register', codec.register()).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(RegistryUnavailableError);
    },
    REGISTRY_TIMEOUT_MS + 10_000,
  );
});
