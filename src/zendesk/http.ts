/**
 * One HTTP exchange with Zendesk over a keep-alive undici Agent, with a timeout. It knows nothing
 * of retries or limits: it returns the answer, or throws a `TransportError` saying whether the
 * request timed out or the connection failed.
 */
import { Agent, request } from 'undici';

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export interface HttpAnswer {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  text: string;
}

export interface Transport {
  send(req: HttpRequest): Promise<HttpAnswer>;
  close(): Promise<void>;
}

export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly kind: 'timeout' | 'network',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// Errors that mean "no usable answer from the other side" (undici codes and socket errnos).
const NETWORK_CODES = new Set([
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
  'HPE_INVALID_CONSTANT',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

function codeOf(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  const cause = (e as { cause?: unknown }).cause;
  return cause !== undefined && cause !== e ? codeOf(cause) : undefined;
}

/** Classifies a thrown error; unknown errors (our own bugs) are returned as they are. */
export function classifyTransportError(e: unknown, timedOut: boolean): TransportError | unknown {
  if (timedOut) return new TransportError('timeout', 'request timed out', { cause: e });
  const code = codeOf(e);
  if (code && TIMEOUT_CODES.has(code)) return new TransportError('timeout', code, { cause: e });
  if (code && (NETWORK_CODES.has(code) || code.startsWith('HPE_')))
    return new TransportError('network', code, { cause: e });
  if (e instanceof Error && (e.name === 'SocketError' || e.message === 'other side closed'))
    return new TransportError('network', e.message, { cause: e });
  return e;
}

export interface UndiciTransportOptions {
  /** Sockets per origin; the client's concurrency, so no request waits for a socket. */
  connections: number;
  keepAliveTimeoutMs?: number;
}

export class UndiciTransport implements Transport {
  private readonly agent: Agent;

  constructor(opts: UndiciTransportOptions) {
    this.agent = new Agent({
      connections: opts.connections,
      keepAliveTimeout: opts.keepAliveTimeoutMs ?? 30_000,
      pipelining: 1,
    });
  }

  async send(req: HttpRequest): Promise<HttpAnswer> {
    const ac = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, req.timeoutMs);
    try {
      const res = await request(req.url, {
        method: req.method as 'GET',
        headers: req.headers,
        body: req.body,
        dispatcher: this.agent,
        signal: ac.signal,
      });
      const text = await res.body.text();
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) {
        if (v === undefined) continue;
        headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
      }
      return { status: res.statusCode, headers, text };
    } catch (e) {
      throw classifyTransportError(e, timedOut);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}
