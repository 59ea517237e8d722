import type { KafkaSideConfig } from '../config.js';
import { createKafka } from '../pipeline/kafka.js';
import { requireTopic } from '../pipeline/preflight.js';
import { H, headerText } from '../pipeline/dlq.js';
import {
  readDeadLetters,
  replayDeadLetters,
  summarize,
  type DeadLetterRecord,
} from '../pipeline/dlq-tools.js';
import { createRegistry, SegmentCodec } from '../segment/codec.js';
import { maskEmails } from '../ops/redact.js';
import { Progress } from './progress.js';

export interface DlqArgs {
  action: string;
  json?: boolean;
  reason?: string;
  limit?: number;
  dryRun?: boolean;
  reveal?: boolean;
  /** Replay dead letters an earlier replay sent too. */
  again?: boolean;
  /** Dead-letter time window (replay). */
  since?: Date;
  until?: Date;
  /** Replay into this topic instead of the source topic. */
  to?: string;
}

export async function dlqCommand(config: KafkaSideConfig, args: DlqArgs): Promise<number> {
  const kafka = createKafka({ ...config.kafka });
  const filter = { reason: args.reason, limit: args.limit, since: args.since, until: args.until };
  switch (args.action) {
    case 'list': {
      const s = summarize(await readDeadLetters(kafka, config.kafka.dlqTopic, { reason: args.reason }));
      if (args.json) process.stdout.write(`${JSON.stringify(s)}\n`);
      else {
        process.stdout.write(`${config.kafka.dlqTopic}: ${s.total} dead letters\n`);
        for (const [r, n] of Object.entries(s.byReason).sort((a, b) => b[1] - a[1]))
          process.stdout.write(`  ${r.padEnd(24)} ${n}\n`);
        if (s.oldest) process.stdout.write(`oldest ${s.oldest}\nnewest ${s.newest}\n`);
      }
      return 0;
    }
    case 'show': {
      const records = await readDeadLetters(kafka, config.kafka.dlqTopic, filter);
      const codec = new SegmentCodec(
        createRegistry(config.schemaRegistry),
        SegmentCodec.subjectFor(config.kafka.topic),
      );
      for (const r of records) {
        const shown = await describe(r, codec);
        const text = JSON.stringify(shown, null, args.json ? undefined : 2);
        process.stdout.write(`${args.reveal ? text : maskEmails(text)}\n`);
      }
      if (!args.json)
        process.stderr.write(
          `${records.length} shown${args.reveal ? '' : ' (emails masked; --reveal to show them)'}\n`,
        );
      return 0;
    }
    case 'replay': {
      const target = args.to ?? config.kafka.topic;
      if (target === config.kafka.dlqTopic) {
        process.stderr.write(
          `--to ${target} is the dead-letter topic: replays there would never be consumed\n`,
        );
        return 2;
      }
      // A retry topic nobody consumes would swallow the replays: it must exist (run creates none for --to).
      if (!args.dryRun)
        await requireTopic(kafka, target, args.to ? 'replay topic (--to)' : 'topic (KAFKA_TOPIC)');
      const progress = new Progress('replay');
      const s = await replayDeadLetters(kafka, {
        dlqTopic: config.kafka.dlqTopic,
        sourceTopic: config.kafka.topic,
        targetTopic: target,
        filter,
        dryRun: args.dryRun,
        again: args.again,
        onProgress: (done, total) => progress.update(done, total),
      });
      if (!args.dryRun && s.replayed) progress.done(s.replayed, s.matched);
      const reasons =
        Object.entries(s.byReason)
          .map(([r, n]) => `${r}=${n}`)
          .join(', ') || 'none';
      process.stdout.write(
        args.dryRun
          ? `dry run: ${s.matched} dead letters would be replayed to ${target} (${reasons})\n`
          : `${s.replayed} of ${s.matched} dead letters replayed to ${target} (${reasons})\n`,
      );
      if (s.replayedBefore)
        process.stdout.write(
          `${s.replayedBefore} matching dead letters were replayed before and left out (--again to include them)\n`,
        );
      if (s.duplicates)
        process.stdout.write(
          `${s.duplicates} matching dead letters left out: their original record is dead-lettered more than once and replayed once\n`,
        );
      if (s.standIns.length)
        process.stdout.write(
          `${s.standIns.length} stand-ins left out (records too large for the dead-letter topic; their originals: ${s.standIns
            .slice(0, 10)
            .map((x) => x.original)
            .join(', ')}${s.standIns.length > 10 ? ', …' : ''})\n`,
        );
      return 0;
    }
    default:
      process.stderr.write(`unknown dlq action "${args.action}": use list, show or replay\n`);
      return 2;
  }
}

async function describe(r: DeadLetterRecord, codec: SegmentCodec): Promise<Record<string, unknown>> {
  let event: unknown;
  try {
    event = await codec.decode(r.value);
  } catch (e) {
    event = { undecodable: (e as Error).message, bytesBase64: r.value?.toString('base64') ?? null };
  }
  const headers: Record<string, string> = {};
  for (const k of Object.keys(r.headers)) headers[k] = headerText(r.headers, k) ?? '';
  return {
    partition: r.partition,
    offset: r.offset,
    key: r.key?.toString() ?? null,
    reason: r.reason,
    error: r.message,
    status: headerText(r.headers, H.status) ?? null,
    failedAt: r.failedAt ?? null,
    headers,
    event,
  };
}
