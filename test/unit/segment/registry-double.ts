/**
 * A schema registry double at the HTTP-gateway level: the real client (`createRegistry`, with its
 * retry and error middlewares) talks to it, but no socket is opened. Each answer is shaped as the
 * real thing gives it: a Confluent-compatible registry's JSON bodies (`{"schema": "..."}`, 404
 * `{"error_code":40403,...}`), a proxy's plain-text 5xx, and, for a refused connection, what
 * mappersmith's own HTTP gateway does with a socket error (a client error, status 400, carrying the
 * socket error: kafkajs/confluent-schema-registry#306).
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, beforeEach } from 'vitest';

const require = createRequire(import.meta.url);

interface MappersmithRequest {
  method(): string;
  path(): string;
}
interface GatewayBase {
  request: MappersmithRequest;
  dispatchResponse(response: unknown): void;
  dispatchClientError(message: string, error: Error): void;
}
type GatewayClass = new (...args: never[]) => GatewayBase;
type ResponseClass = new (
  request: MappersmithRequest,
  status: number,
  rawData: string | null,
  headers: Record<string, string>,
) => unknown;

// The same module instances the registry client requires (CommonJS), so its `configs` is the one it reads.
const mappersmith = require('mappersmith') as { configs: { gateway: unknown } };
const { Gateway } = require('mappersmith/gateway') as { Gateway: GatewayClass };
const Response = (require('mappersmith/response') as { Response: ResponseClass }).Response;

/** How the registry answers, whatever is asked. */
export type RegistryMode =
  /** answers like a Confluent-compatible registry */
  | 'up'
  /** nothing listens: ECONNREFUSED */
  | 'refused'
  /** a proxy in front of it: 503 text/plain */
  | 'proxy-503'
  /** the registry itself: 500 JSON, with a message that happens to say "not found" */
  | 'registry-500'
  /** a proxy with no route to it (during a redeploy, say): 404 text/plain, not the registry's 404 */
  | 'proxy-404'
  /** Apicurio asked at a wrong base URL (without /apis/ccompat/v7): its own JSON 404, with no message */
  | 'wrong-base-url'
  /** Confluent asked at a wrong path: JSON 404 with error_code 404 */
  | 'wrong-path-confluent';

const JSON_TYPE = { 'content-type': 'application/vnd.schemaregistry.v1+json' };
const TEXT_TYPE = { 'content-type': 'text/plain; charset=utf-8' };

export class RegistryDouble {
  mode: RegistryMode = 'up';
  /** schema id → Avro schema (as JSON) the registry holds */
  readonly schemas = new Map<number, unknown>();
  /** every GET /schemas/ids/{id} asked, in order */
  readonly asked: number[] = [];
  private previous: unknown;

  install(): void {
    this.previous = mappersmith.configs.gateway;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const double = this;
    class DoubleGateway extends Gateway {
      get(): void {
        double.answer(this);
      }
    }
    mappersmith.configs.gateway = DoubleGateway;
  }

  uninstall(): void {
    mappersmith.configs.gateway = this.previous;
  }

  private answer(g: GatewayBase): void {
    const path = g.request.path();
    const m = /\/schemas\/ids\/(-?\d+)$/.exec(path);
    if (m) this.asked.push(Number(m[1]));
    const respond = (status: number, body: string, headers: Record<string, string>) =>
      g.dispatchResponse(new Response(g.request, status, body, headers));
    switch (this.mode) {
      case 'refused': {
        const e = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8081'), { code: 'ECONNREFUSED' });
        g.dispatchClientError(e.message, e);
        return;
      }
      case 'proxy-503':
        return respond(503, 'upstream connect error or disconnect/reset before headers', TEXT_TYPE);
      case 'registry-500':
        return respond(
          500,
          JSON.stringify({ error_code: 50001, message: 'Error in the backend data store: node not found' }),
          JSON_TYPE,
        );
      case 'proxy-404':
        return respond(404, '404 page not found', TEXT_TYPE);
      case 'wrong-base-url': {
        // as Apicurio 3.3 answers GET /schemas/ids/1 at its root
        const title = `RESTEASY003210: Could not find resource for full path: http://registry${path}`;
        return respond(
          404,
          JSON.stringify({
            detail: `NotFoundException: ${title}`,
            title,
            status: 404,
            name: 'NotFoundException',
          }),
          { 'content-type': 'application/json' },
        );
      }
      case 'wrong-path-confluent':
        return respond(404, JSON.stringify({ error_code: 404, message: 'HTTP 404 Not Found' }), JSON_TYPE);
      case 'up': {
        const schema = m ? this.schemas.get(Number(m[1])) : undefined;
        if (schema === undefined)
          return respond(
            404,
            // Apicurio 3.3's ccompat answer (Confluent's has no full stop)
            JSON.stringify({ message: `Schema ${m?.[1] ?? '?'} not found.`, error_code: 40403 }),
            { 'content-type': 'application/json' },
          );
        return respond(200, JSON.stringify({ schema: JSON.stringify(schema) }), JSON_TYPE);
      }
    }
  }
}

/**
 * A double installed for the calling file's tests and reset before each: answering like a registry
 * ('up'), nothing asked yet, holding exactly `schemas` (schema id → Avro schema).
 */
export function useRegistryDouble(schemas: Record<number, unknown>): RegistryDouble {
  const double = new RegistryDouble();
  beforeAll(() => double.install());
  afterAll(() => double.uninstall());
  beforeEach(() => {
    double.mode = 'up';
    double.asked.length = 0;
    double.schemas.clear();
    for (const [id, schema] of Object.entries(schemas)) double.schemas.set(Number(id), schema);
  });
  return double;
}
