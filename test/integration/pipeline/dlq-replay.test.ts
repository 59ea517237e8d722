/**
 * `dlq replay` on the real broker: a dead-letter time window, a retry topic instead of the source topic,
 * one replay per original record; and `run` consuming that retry topic beside the source topic.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../../src/sandbox/index.js';
import { DeadLetterWriter, H, headerText } from '../../../src/pipeline/dlq.js';
import { replayLogTopic } from '../../../src/pipeline/dlq-tools.js';
import { runCli } from '../../helpers/cli.js';
import { codecFor, connectedProducer, produceEvents, waitUntil } from '../../helpers/pipeline.js';
import { startService } from '../../helpers/service.js';
import {
  BROKERS,
  REGISTRY_URL,
  createTopics,
  deleteTopics,
  readAll,
  testKafka,
  uniqueName,
} from '../../helpers/stack.js';

const topics: string[] = [];
afterAll(async () => deleteTopics(topics));

async function topicSize(topic: string): Promise<number> {
  const admin = testKafka('size').admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

describe('dlq replay --since/--until/--to', () => {
  it('replays the window to the retry topic, each original record once, the source topic untouched', async () => {
    const topic = uniqueName('replay');
    const dlqTopic = `${topic}.dlq`;
    const retry = `${topic}.retry`;
    topics.push(topic, dlqTopic, retry, replayLogTopic(dlqTopic));
    await createTopics([topic, dlqTopic, retry], 1);
    const codec = codecFor(topic);
    const producer = await connectedProducer();
    // [original offset, user, dead-lettered at]; offset 0 is dead-lettered twice (a redelivery after a
    // crash before its commit), which is one record to replay, not two.
    const letters: [number, string, string][] = [
      [0, 'u0', '2026-11-20T10:00:00.000Z'],
      [0, 'u0', '2026-11-21T10:00:00.000Z'],
      [1, 'u1', '2026-11-25T10:00:00.000Z'],
      [2, 'u2', '2026-11-28T10:00:00.000Z'],
    ];
    for (const [offset, user, at] of letters) {
      const writer = new DeadLetterWriter(producer, dlqTopic, 'g1', () => new Date(at));
      const { value } = await codec.encode({ type: 'identify', userId: user, traits: { name: user } });
      await writer.write(
        {
          topic,
          partition: 0,
          message: { key: Buffer.from(user), value, offset: String(offset), timestamp: '0' },
        },
        { reason: 'retries_exhausted', message: 'x' },
      );
    }
    await producer.disconnect();
    const env = { KAFKA_BROKERS: BROKERS.join(','), SCHEMA_REGISTRY_URL: REGISTRY_URL, KAFKA_TOPIC: topic };
    const window = ['--since', '2026-11-20', '--until', '2026-11-26', '--to', retry];

    const dry = await runCli(['dlq', 'replay', ...window, '--dry-run'], env);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`dry run: 2 dead letters would be replayed to ${retry}`);
    expect(dry.stdout).toMatch(
      /1 matching dead letters left out: their original record is dead-lettered more than once/,
    );

    const first = await runCli(['dlq', 'replay', ...window], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`2 of 2 dead letters replayed to ${retry}`);
    const replayed = await readAll(retry, 2);
    expect(replayed.map((m) => m.key!.toString()).sort()).toEqual(['u0', 'u1']);
    expect(replayed.every((m) => headerText(m.headers, H.replayCount) === '1')).toBe(true);
    expect(await topicSize(topic)).toBe(0); // other readers of the source topic saw nothing

    // Without a window: only the record not replayed yet; both dead letters of offset 0 count as replayed.
    const rest = await runCli(['dlq', 'replay', '--to', retry], env);
    expect(rest.stdout).toContain(`1 of 1 dead letters replayed to ${retry}`);
    expect(rest.stdout).toMatch(/3 matching dead letters were replayed before and left out/);
    expect(await topicSize(retry)).toBe(3);

    const missing = await runCli(['dlq', 'replay', '--again', '--to', `${topic}.nowhere`], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`"${topic}.nowhere" does not exist`);
    const intoDlq = await runCli(['dlq', 'replay', '--to', dlqTopic], env);
    expect(intoDlq.code).toBe(2);
    expect(await topicSize(retry)).toBe(3);
  }, 120_000);
});

describe('run with KAFKA_RETRY_TOPIC', () => {
  it('consumes the retry topic beside the source topic', async () => {
    const topic = uniqueName('retryrun');
    const retry = `${topic}.retry`;
    topics.push(topic, `${topic}.dlq`, retry);
    await createTopics([topic, `${topic}.dlq`, retry], 2);
    const sandbox = await startSandbox();
    const svc = await startService({
      topic,
      groupId: uniqueName('g'),
      sandbox,
      env: { KAFKA_RETRY_TOPIC: retry },
    });
    try {
      const producer = await connectedProducer();
      const codec = codecFor(topic);
      await produceEvents(producer, codec, topic, [
        { type: 'identify', userId: 'src', traits: { name: 'S' } },
      ]);
      await produceEvents(producer, codec, retry, [
        { type: 'identify', userId: 'again', traits: { name: 'R' } },
      ]);
      await producer.disconnect();
      const held = () =>
        new Set((sandbox.state().users as { external_id: string | null }[]).map((u) => u.external_id));
      await waitUntil(() => held().has('src') && held().has('again'), 60_000, 'both users in Zendesk');
      expect(svc.logs()).toMatch(new RegExp(`"assignment":\\{[^}]*"${retry.replace(/\./g, '\\.')}"`));
      // The retry topic's commits reach committed_offset like the source topic's; build_info names the release.
      const committedOnRetry = new RegExp(
        `zendesk_destination_committed_offset\\{topic="${retry.replace(/\./g, '\\.')}",partition="\\d"\\} 1`,
      );
      await waitUntil(
        async () => committedOnRetry.test(await svc.metrics()),
        30_000,
        'a commit on the retry topic',
      );
      expect(await svc.metrics()).toMatch(
        /zendesk_destination_build_info\{version="[^"]+",node_version="[^"]+"\} 1/,
      );
      expect(await svc.stop()).toBe(0);
    } finally {
      await svc.stop('SIGKILL');
      await sandbox.close();
    }
  }, 120_000);

  it('a retry topic that does not exist stops start-up with one line naming KAFKA_RETRY_TOPIC', async () => {
    const topic = uniqueName('retrymissing');
    topics.push(topic, `${topic}.dlq`);
    await createTopics([topic, `${topic}.dlq`], 1);
    const r = await runCli(['run'], {
      KAFKA_BROKERS: BROKERS.join(','),
      SCHEMA_REGISTRY_URL: REGISTRY_URL,
      KAFKA_TOPIC: topic,
      KAFKA_RETRY_TOPIC: `${topic}.retry`,
      KAFKA_GROUP_ID: uniqueName('g'),
      ZENDESK_URL: 'http://127.0.0.1:9',
      ZENDESK_OAUTH_TOKEN: 'not-used',
      HTTP_PORT: '0',
    });
    expect(r.code).toBe(1);
    const errors = r.stdout.split('\n').filter((l) => l.includes('"level":"error"'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('retry topic (KAFKA_RETRY_TOPIC)');
  }, 60_000);
});
