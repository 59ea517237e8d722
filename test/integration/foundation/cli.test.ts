import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BROKERS,
  REGISTRY_URL,
  createTopics,
  deleteTopics,
  readAll,
  testKafka,
  uniqueName,
} from '../../helpers/stack.js';
import { codecFor } from '../../helpers/pipeline.js';
import { runCli } from '../../helpers/cli.js';
import { DeadLetterWriter } from '../../../src/pipeline/dlq.js';
import { H, headerText } from '../../../src/pipeline/dlq.js';
import { replayLogTopic } from '../../../src/pipeline/dlq-tools.js';

const topics: string[] = [];
afterAll(async () => deleteTopics(topics));

const envFor = (topic: string) => ({
  KAFKA_BROKERS: BROKERS.join(','),
  SCHEMA_REGISTRY_URL: REGISTRY_URL,
  KAFKA_TOPIC: topic,
});

describe('zendesk-destination produce', () => {
  it('produces a file of JSON lines, reports bad lines by number, and prints a final count', async () => {
    const topic = uniqueName('cli');
    topics.push(topic, `${topic}.dlq`);
    await createTopics([topic, `${topic}.dlq`], 2);
    const dir = mkdtempSync(join(tmpdir(), 'zd-'));
    const file = join(dir, 'events.jsonl');
    writeFileSync(
      file,
      [
        JSON.stringify({ type: 'identify', userId: 'u1', traits: { name: 'Ann' } }),
        'oops',
        JSON.stringify({ type: 'track', anonymousId: 'a1', event: 'Clicked', properties: { n: 1 } }),
        '',
      ].join('\n'),
    );
    const r = await runCli(['produce', file], envFor(topic));
    expect(r.stderr).toMatch(/line 2: not valid JSON/);
    expect(r.stdout).toMatch(/2 produced, 1 failed \(of 3 events\)/);
    expect(r.code).toBe(1); // a failed line makes the exit code say so
    const msgs = await readAll(topic, 2);
    const codec = codecFor(topic);
    const decoded = await Promise.all(msgs.map((m) => codec.decode(m.value)));
    expect(decoded.map((d) => d.type).sort()).toEqual(['identify', 'track']);
    expect(msgs.map((m) => m.key!.toString()).sort()).toEqual(['a1', 'u1']);
  });

  it('reads standard input with "-" and exits 0 when every line is good', async () => {
    const topic = uniqueName('cli');
    topics.push(topic);
    await createTopics([topic], 1);
    const r = await runCli(['produce', '-'], envFor(topic), { input: '{"type":"identify","userId":"x"}\n' });
    expect(r.stdout).toMatch(/1 produced, 0 failed/);
    expect(r.code).toBe(0);
  });

  it('to a topic that does not exist: exit 1 with one line naming it (not a KafkaJS retry storm)', async () => {
    const topic = uniqueName('missing');
    const r = await runCli(['produce', '-'], envFor(topic), { input: '{"type":"identify","userId":"x"}\n' });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`"${topic}" does not exist`);
  });

  it('a malformed setting stops start-up with one line naming it', async () => {
    const r = await runCli(['produce', '-'], { KAFKA_FROM_BEGINNING: 'maybe' });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/KAFKA_FROM_BEGINNING/);
  });
});

describe('zendesk-destination run: start-up preflight', () => {
  const runEnv = (topic: string, extra: Record<string, string> = {}) => ({
    ...envFor(topic),
    KAFKA_GROUP_ID: uniqueName('g'),
    ZENDESK_URL: 'http://127.0.0.1:9',
    ZENDESK_OAUTH_TOKEN: 'not-used',
    HTTP_PORT: '0',
    ...extra,
  });

  it('a missing dead-letter topic stops start-up (exit 1) with one error line naming it', async () => {
    const topic = uniqueName('pre');
    topics.push(topic);
    await createTopics([topic], 1);
    const r = await runCli(['run'], runEnv(topic), { timeoutMs: 60_000 });
    expect(r.code).toBe(1);
    const errors = r.stdout.split('\n').filter((l) => l.includes('"level":"error"'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(`dead-letter topic (KAFKA_DLQ_TOPIC) \\"${topic}.dlq\\" does not exist`);
    expect(r.stderr).not.toMatch(/still running/);
  });

  it('KAFKA_CREATE_TOPICS=true creates the missing topics (then runs until SIGTERM)', async () => {
    const topic = uniqueName('pre');
    topics.push(topic, `${topic}.dlq`);
    const r = await runCli(['run'], runEnv(topic, { KAFKA_CREATE_TOPICS: 'true' }), {
      timeoutMs: 60_000,
      signalAfter: { pattern: /joined consumer group/, signal: 'SIGTERM' },
    });
    expect(r.stdout).toMatch(/"message":"created topic".*"topic":"[^"]+\.dlq"/);
    expect(r.code).toBe(0);
    const admin = testKafka().admin();
    await admin.connect();
    const existing = await admin.listTopics();
    await admin.disconnect();
    expect(existing).toEqual(expect.arrayContaining([topic, `${topic}.dlq`]));
  });
});

describe('zendesk-destination dlq', () => {
  it('list --json counts by reason; show decodes and masks emails; replay re-produces with a replay counter', async () => {
    const topic = uniqueName('dlqcli');
    const dlqTopic = `${topic}.dlq`;
    topics.push(topic, dlqTopic);
    await createTopics([topic, dlqTopic], 2);
    const codec = codecFor(topic);
    const kafka = testKafka('dlq-test');
    const producer = kafka.producer();
    await producer.connect();
    const writer = new DeadLetterWriter(producer, dlqTopic, 'g1');
    const ev = (i: number) => ({
      type: 'identify',
      userId: `u${i}`,
      traits: { email: `person${i}@example.com` },
    });
    for (let i = 0; i < 3; i++) {
      const { value } = await codec.encode(ev(i));
      await writer.write(
        {
          topic,
          partition: 0,
          message: {
            key: Buffer.from(`u${i}`),
            value,
            headers: { trace: 't' + i },
            offset: String(i),
            timestamp: '0',
          },
        },
        { reason: i === 2 ? 'missing_name' : 'ambiguous_user', message: 'x', status: 422 },
      );
    }
    await producer.disconnect();
    const env = { ...envFor(topic), KAFKA_DLQ_TOPIC: dlqTopic };

    const list = await runCli(['dlq', 'list', '--json'], env);
    expect(list.code).toBe(0);
    const summary = JSON.parse(list.stdout);
    expect(summary).toMatchObject({ total: 3, byReason: { ambiguous_user: 2, missing_name: 1 } });
    expect(Date.parse(summary.oldest)).toBeLessThanOrEqual(Date.parse(summary.newest));

    const show = await runCli(['dlq', 'show', '--reason', 'missing_name', '--json'], env);
    expect(show.code).toBe(0);
    const shown = show.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(shown).toHaveLength(1);
    expect(shown[0].event.userId).toBe('u2');
    expect(show.stdout).not.toMatch(/person2@example\.com/);
    const revealed = await runCli(['dlq', 'show', '--reason', 'missing_name', '--json', '--reveal'], env);
    expect(revealed.stdout).toMatch(/person2@example\.com/);

    const dry = await runCli(['dlq', 'replay', '--reason', 'ambiguous_user', '--dry-run'], env);
    expect(dry.stdout).toMatch(/dry run: 2 dead letters would be replayed/);
    const replay = await runCli(['dlq', 'replay', '--reason', 'ambiguous_user', '--limit', '1'], env);
    expect(replay.stdout).toMatch(/1 of 1 dead letters replayed/);
    const back = await readAll(topic, 1);
    expect(back[0]!.key!.toString()).toBe('u0');
    expect(headerText(back[0]!.headers, 'trace')).toBe('t0');
    expect(headerText(back[0]!.headers, H.replayCount)).toBe('1');
    expect(headerText(back[0]!.headers, H.reason)).toBeUndefined();
    expect(await codec.decode(back[0]!.value)).toEqual(ev(0));

    // The replay log: a second replay leaves out what the first sent; --again includes it.
    topics.push(replayLogTopic(dlqTopic));
    const second = await runCli(['dlq', 'replay', '--reason', 'ambiguous_user'], env);
    expect(second.stdout).toMatch(/1 of 1 dead letters replayed/);
    expect(second.stdout).toMatch(/1 matching dead letters were replayed before and left out/);
    const third = await runCli(['dlq', 'replay', '--reason', 'ambiguous_user'], env);
    expect(third.code).toBe(0);
    expect(third.stdout).toMatch(/0 of 0 dead letters replayed/);
    expect(third.stdout).toMatch(/2 matching dead letters were replayed before/);
    const again = await runCli(['dlq', 'replay', '--reason', 'ambiguous_user', '--again'], env);
    expect(again.stdout).toMatch(/2 of 2 dead letters replayed/);
    // The source topic holds u0 (first replay), u1 (second), u0 and u1 (--again); the third sent nothing.
    const admin = kafka.admin();
    await admin.connect();
    const size = (await admin.fetchTopicOffsets(topic)).reduce(
      (n, p) => n + Number(p.high) - Number(p.low),
      0,
    );
    await admin.disconnect();
    expect(size).toBe(4);
    const replayed = await readAll(topic, 4);
    expect(replayed.map((m) => m.key!.toString()).sort()).toEqual(['u0', 'u0', 'u1', 'u1']);
  });
});
