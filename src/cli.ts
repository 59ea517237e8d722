#!/usr/bin/env node
/**
 * zendesk-destination: one executable.
 *   run                      the consumer (Kafka → Zendesk); SIGTERM/SIGINT drain and exit 0
 *   produce [FILE|-]         JSON lines of Segment events → Avro records on the topic
 *   dlq list [--json] [--reason R]
 *   dlq show [--reason R] [--limit N] [--json] [--reveal]
 *   dlq replay [--reason R] [--limit N] [--dry-run] [--again]
 *   sandbox [--port P] [--token T] [...]   the local Zendesk stand-in
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, loadKafkaConfig } from './config.js';

const USAGE = `usage: zendesk-destination <command>
  run                                   consume the topic and deliver to Zendesk
  produce [FILE|-]                      produce JSON-lines Segment events (Avro, keyed by userId)
  dlq list [--json] [--reason R]        dead letters by reason, oldest and newest
  dlq show [--reason R] [--limit N] [--json] [--reveal]
  dlq replay [--reason R] [--limit N] [--dry-run] [--again]
  sandbox [--port P] [--token T]        a local Zendesk stand-in (see --help there)
Settings come from the environment (see README); each may also come from <NAME>_FILE.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'run': {
      const { runCommand } = await import('./commands/run.js');
      return runCommand(loadConfig());
    }
    case 'produce': {
      const { positionals } = parseArgs({ args: rest, allowPositionals: true, options: {} });
      const { produceCommand } = await import('./commands/produce.js');
      return produceCommand(loadKafkaConfig(), positionals[0]);
    }
    case 'dlq': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          json: { type: 'boolean' },
          reason: { type: 'string' },
          limit: { type: 'string' },
          'dry-run': { type: 'boolean' },
          again: { type: 'boolean' },
          reveal: { type: 'boolean' },
        },
      });
      const limit = values.limit !== undefined ? Number(values.limit) : undefined;
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1))
        throw new UsageError('--limit must be a positive integer');
      const { dlqCommand } = await import('./commands/dlq.js');
      return dlqCommand(loadKafkaConfig(), {
        action: positionals[0] ?? 'list',
        json: values.json,
        reason: values.reason,
        limit,
        dryRun: values['dry-run'],
        again: values.again,
        reveal: values.reveal,
      });
    }
    case 'sandbox': {
      const { runSandboxCli } = await import('./sandbox/cli.js');
      await runSandboxCli(rest);
      return 0;
    }
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    exitIfStillRunning(code);
  },
  (e: unknown) => {
    if (e instanceof ConfigError) process.stderr.write(`configuration error: ${e.message}\n`);
    else if (e instanceof UsageError || (e as { code?: string })?.code?.startsWith?.('ERR_PARSE_ARGS'))
      process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    else process.stderr.write(`error: ${(e as Error)?.message ?? String(e)}\n`);
    process.exitCode = e instanceof UsageError ? 2 : 1;
    exitIfStillRunning(process.exitCode);
  },
);

/**
 * A command that has returned is done: if something it opened still keeps the event loop alive a few
 * seconds later (a socket or timer a library left behind), name it on stderr and exit anyway, so a
 * stopped service never lingers as a process that looks alive. The timer is unref'd: it fires only then.
 */
function exitIfStillRunning(code: number): void {
  setTimeout(() => {
    const alive = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
    process.stderr.write(
      `${JSON.stringify({ level: 'error', message: 'process still running 3 s after the command ended; exiting', resources: alive })}\n`,
    );
    process.exit(code);
  }, 3000).unref();
}
