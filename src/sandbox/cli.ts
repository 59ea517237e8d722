/**
 * `zendesk-destination sandbox [--port P] [--host H] [--token T] [--role admin|agent]
 * [--limits enterprise|none] [--time-scale N] [--oauth-token-ttl S] [--strict]`: prints the URL it
 * listens on, runs until SIGINT/SIGTERM. The token is never printed. With no options it behaves
 * like a real Enterprise account (limits on, admin credentials); `--limits none` is the explicit
 * loose mode for benchmarks, `--role agent` makes every credential an agent (field creation is 403).
 */
import { ENTERPRISE_LIMITS, NO_LIMITS, type DeepPartial, type SandboxConfig } from './config.js';

export interface CliOptions {
  port: number;
  host: string;
  config: DeepPartial<SandboxConfig>;
}

const USAGE =
  'usage: zendesk-destination sandbox [--port P] [--host H] [--token T] [--role admin|agent] [--limits enterprise|none] [--time-scale N] [--oauth-token-ttl S] [--strict]';

export function parseSandboxArgs(argv: string[]): CliOptions {
  const out: CliOptions = { port: 0, host: '127.0.0.1', config: {} };
  const limits: DeepPartial<SandboxConfig['limits']> = {};
  const tokens: string[] = [];
  const auth: DeepPartial<SandboxConfig['auth']> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    switch (flag) {
      case '--port': {
        const p = Number(value());
        if (!Number.isInteger(p) || p < 0 || p > 65535) throw new Error(`--port must be 0-65535\n${USAGE}`);
        out.port = p;
        break;
      }
      case '--host':
        out.host = value();
        break;
      case '--token':
        tokens.push(value());
        break;
      case '--limits': {
        const v = value();
        if (v !== 'enterprise' && v !== 'none')
          throw new Error(`--limits must be enterprise or none\n${USAGE}`);
        Object.assign(limits, v === 'enterprise' ? ENTERPRISE_LIMITS : NO_LIMITS, {
          timeScale: limits.timeScale ?? 1,
        });
        break;
      }
      case '--time-scale': {
        const n = Number(value());
        if (!Number.isFinite(n) || n <= 0)
          throw new Error(`--time-scale must be a positive number\n${USAGE}`);
        limits.timeScale = n;
        break;
      }
      case '--role': {
        const v = value();
        if (v !== 'admin' && v !== 'agent') throw new Error(`--role must be admin or agent\n${USAGE}`);
        auth.role = v;
        break;
      }
      case '--oauth-token-ttl': {
        const n = Number(value());
        if (!Number.isFinite(n) || n <= 0)
          throw new Error(`--oauth-token-ttl must be a positive number of seconds\n${USAGE}`);
        auth.oauthTokenTtlSeconds = n;
        break;
      }
      case '--strict':
        out.config.strict = true;
        break;
      case '--help':
      case '-h':
        throw new Error(USAGE);
      default:
        throw new Error(`unknown option ${arg}\n${USAGE}`);
    }
  }
  if (tokens.length > 0) auth.tokens = tokens;
  if (Object.keys(auth).length > 0) out.config.auth = auth;
  if (Object.keys(limits).length > 0) out.config.limits = limits;
  return out;
}

/** Starts the sandbox and resolves once it has been stopped by SIGINT or SIGTERM. */
export async function runSandboxCli(argv: string[]): Promise<void> {
  const opts = parseSandboxArgs(argv);
  // Imported here so that parsing arguments does not load the server.
  const { startSandbox } = await import('./index.js');
  const sandbox = await startSandbox({ port: opts.port, host: opts.host, config: opts.config });
  console.log(sandbox.url);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void sandbox.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
