#!/usr/bin/env node
/**
 * zendesk-destination: one executable (run, produce, dlq, explain, sandbox). Every command has its own
 * --help, which never loads or starts anything: each command's code is imported only by its action.
 * Exit codes: 0 done, 1 failed (including a malformed setting), 2 usage (unknown command or option,
 * a bad option value).
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ConfigError, loadConfig, loadKafkaConfig } from './config.js';
import { quietKnownWarnings } from './ops/warnings.js';
import { VERSION } from './version.js';
import { parseWhen } from './commands/when.js';

class UsageError extends Error {}

const positiveInt = (text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
};
const when = (text: string): Date => parseWhen(text);

/** The program; `done(code)` receives each action's exit code. */
function buildProgram(done: (code: number) => void): Command {
  const program = new Command('zendesk-destination')
    .description('Segment events from Kafka (Avro, schema registry) into Zendesk.')
    .version(VERSION, '-V, --version', 'print the version and exit')
    .addHelpText(
      'after',
      '\nSettings come from the environment (see README); each may also come from <NAME>_FILE.\nExit codes: 0 done, 1 failed, 2 usage.',
    )
    .showHelpAfterError('(--help for usage)')
    .exitOverride();

  program
    .command('run')
    .description('consume the topic (and KAFKA_RETRY_TOPIC when set) and deliver to Zendesk; SIGTERM drains')
    .action(async () => {
      const { runCommand } = await import('./commands/run.js');
      done(await runCommand(loadConfig()));
    });

  program
    .command('produce')
    .description('produce JSON-lines Segment events as Avro records, keyed by userId (1 if any line fails)')
    .argument('[file]', 'a file of JSON lines, or - for standard input', '-')
    .action(async (file: string) => {
      const { produceCommand } = await import('./commands/produce.js');
      done(await produceCommand(loadKafkaConfig(), file));
    });

  const dlq = program.command('dlq').description('the dead-letter topic: list, show, replay');
  // `list` is the default: without this, `dlq foo` would read as `dlq list foo` ("too many arguments").
  dlq.hook('preSubcommand', (cmd) => {
    const [action] = cmd.args;
    if (action !== undefined && !action.startsWith('-') && !dlq.commands.some((c) => c.name() === action))
      throw new UsageError(`error: unknown dlq action '${action}' (list, show, replay)`);
  });
  dlq
    .command('list', { isDefault: true })
    .description('dead letters by reason, oldest and newest')
    .option('--json', 'one JSON object')
    .option('--reason <reason>', 'only this reason')
    .action(async (o: { json?: boolean; reason?: string }) => {
      const { dlqCommand } = await import('./commands/dlq.js');
      done(await dlqCommand(loadKafkaConfig(), { action: 'list', ...o }));
    });
  dlq
    .command('show')
    .description('decoded dead letters with their context headers (emails masked)')
    .option('--reason <reason>', 'only this reason')
    .option('--limit <n>', 'at most n', positiveInt)
    .option('--json', 'one JSON object a line')
    .option('--reveal', 'show emails')
    .action(async (o: { reason?: string; limit?: number; json?: boolean; reveal?: boolean }) => {
      const { dlqCommand } = await import('./commands/dlq.js');
      done(await dlqCommand(loadKafkaConfig(), { action: 'show', ...o }));
    });
  dlq
    .command('replay')
    .description(
      'produce dead letters again (to the source topic, or --to a retry topic that run also consumes); each original record once unless --again',
    )
    .option('--reason <reason>', 'only this reason')
    .option('--since <when>', 'dead-lettered at or after: 2026-11-29, 2026-11-29T10:00:00Z, 6h, 7d', when)
    .option('--until <when>', 'dead-lettered before (same forms as --since)', when)
    .option('--limit <n>', 'at most n', positiveInt)
    .option('--to <topic>', 'replay into this topic (e.g. KAFKA_RETRY_TOPIC) instead of the source topic')
    .option('--dry-run', 'count what would be replayed; send nothing')
    .option('--again', 'include dead letters whose original record was replayed before')
    .action(
      async (o: {
        reason?: string;
        since?: Date;
        until?: Date;
        limit?: number;
        to?: string;
        dryRun?: boolean;
        again?: boolean;
      }) => {
        if (o.since && o.until && o.since >= o.until) throw new UsageError('--since must be before --until');
        const { dlqCommand } = await import('./commands/dlq.js');
        done(await dlqCommand(loadKafkaConfig(), { action: 'replay', ...o }));
      },
    );

  program
    .command('explain')
    .description(
      'what the destination would do with one event, and (Zendesk reachable) what Zendesk holds now and what would change; writes nothing',
    )
    .argument(
      '<event>',
      'a Segment event as JSON, - for JSON lines on standard input, or PARTITION:OFFSET of a dead letter',
    )
    .option('--offline', 'plan only: do not read Zendesk (no Zendesk settings needed)')
    .option('--json', 'one JSON object per event')
    .option('--reveal', 'show emails (masked by default)')
    .action(async (event: string, o: { offline?: boolean; json?: boolean; reveal?: boolean }) => {
      const { explainCommand } = await import('./commands/explain.js');
      done(await explainCommand(event, o));
    });

  program
    .command('sandbox')
    .description('a local Zendesk stand-in; prints its URL, runs until SIGTERM')
    .addOption(new Option('--port <p>', 'port (0: any free one)'))
    .addOption(new Option('--host <h>', 'address to listen on (default 127.0.0.1)'))
    .addOption(
      new Option('--token <t>', 'an accepted API token (repeatable); never printed').argParser(
        (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
      ),
    )
    .addOption(new Option('--role <role>', 'role of every credential').choices(['admin', 'agent']))
    .addOption(new Option('--limits <l>', 'rate limits').choices(['enterprise', 'none']))
    .addOption(new Option('--time-scale <n>', 'rate windows and Retry-After this many times shorter'))
    .addOption(new Option('--oauth-token-ttl <s>', 'lifetime of OAuth access tokens, seconds'))
    .addOption(new Option('--strict', 'refuse requests a real Zendesk would refuse'))
    .allowExcessArguments(false)
    .action(async (_o: unknown, cmd: Command) => {
      // The sandbox's own parser stays the one place that validates these (its tests use it directly);
      // commander only documents them and catches typos first.
      const { parseSandboxArgs, runSandboxCli } = await import('./sandbox/cli.js');
      const argv = rawOptions(cmd);
      try {
        parseSandboxArgs(argv);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      await runSandboxCli(argv);
      done(0);
    });

  return program;
}

/** The options as given on the command line, for a parser of its own. */
function rawOptions(cmd: Command): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(cmd.opts<Record<string, unknown>>())) {
    const flag = `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    if (value === true) out.push(flag);
    else for (const v of Array.isArray(value) ? value : [value]) out.push(flag, String(v));
  }
  return out;
}

async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = buildProgram((c) => (code = c));
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return 2;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    // --help and --version end parsing with exit code 0; every other parse error is a usage error.
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    throw e;
  }
  return code;
}

quietKnownWarnings();
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    exitIfStillRunning(code);
  },
  (e: unknown) => {
    if (e instanceof ConfigError) process.stderr.write(`configuration error: ${e.message}\n`);
    else if (e instanceof UsageError) process.stderr.write(`${e.message}\n(--help for usage)\n`);
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
