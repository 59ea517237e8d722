import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { DeadLetterWriter } from '../../../src/pipeline/dlq.js';
import { runCli } from '../../helpers/cli.js';
import { codecFor } from '../../helpers/pipeline.js';
import {
  BROKERS,
  REGISTRY_URL,
  createTopics,
  deleteTopics,
  testKafka,
  uniqueName,
} from '../../helpers/stack.js';

/**
 * `explain` against the sandbox: the real planner and executor, reads answered by Zendesk, writes only
 * described. The sandbox's request log proves the "writes nothing": every request it saw is a GET.
 */
let sb: Sandbox;
const topics: string[] = [];
beforeAll(async () => {
  sb = await startSandbox({ config: { auth: { tokens: ['explain-token'] } } });
});
afterAll(async () => {
  await sb?.close();
  await deleteTopics(topics);
});

const env = (extra: Record<string, string> = {}) => ({
  ZENDESK_URL: sb.url,
  ZENDESK_OAUTH_TOKEN: 'explain-token',
  ZENDESK_TRACK_EVENTS: 'Order Completed',
  KAFKA_BROKERS: BROKERS.join(','),
  SCHEMA_REGISTRY_URL: REGISTRY_URL,
  ...extra,
});

async function seed(path: string, body: unknown): Promise<{ id: number }> {
  const res = await fetch(`${sb.url}/api/v2/${path}`, {
    method: 'POST',
    headers: { authorization: 'Bearer explain-token', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBeLessThan(300);
  const json = (await res.json()) as Record<string, { id: number }>;
  return Object.values(json)[0]!;
}

/** Runs explain; asserts the sandbox saw reads only, and that its state is what it was. */
async function explain(args: string[], extraEnv: Record<string, string> = {}) {
  const before = JSON.stringify(sb.state());
  sb.clearRequests();
  const r = await runCli(['explain', ...args], env(extraEnv));
  const methods = sb.requests().map((q) => `${q.method} ${q.path}`);
  expect(methods.filter((m) => !m.startsWith('GET '))).toEqual([]);
  expect(JSON.stringify(sb.state())).toBe(before);
  return { ...r, methods };
}

describe('zendesk-destination explain (sandbox)', () => {
  let annId: number;
  beforeEach(async () => {
    sb.reset();
    annId = (
      await seed('users/create_or_update', {
        user: { name: 'Ann', email: 'ann@example.com', external_id: 'u1', verified: true },
      })
    ).id;
  });

  it('identify: the existing user, the fields that would change and the definition it would create; nothing written', async () => {
    const event = {
      type: 'identify',
      userId: 'u1',
      messageId: 'm-ident',
      traits: { name: 'Ann Baker', email: 'ann@example.com', planTier: 'pro' },
    };
    const r = await explain([JSON.stringify(event)]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/event: identify messageId=m-ident userId=u1/);
    expect(r.stdout).toMatch(/ensure user fields exist: plan_tier \(text\)/);
    expect(r.stdout).toMatch(/write POST user_fields → a new user field/);
    expect(r.stdout).toContain(`write POST users/create_or_update → user ${annId}`);
    expect(r.stdout).toMatch(/name: "Ann" → "Ann Baker"/);
    expect(r.stdout).toMatch(/user_fields\.plan_tier: \(nothing\) → "pro"/);
    expect(r.stdout).not.toMatch(/^\s+email:/m); // unchanged fields are not listed
    expect(r.stdout).toMatch(/outcome: delivered/);
    expect(r.stdout).not.toContain('ann@example.com'); // masked unless --reveal
    expect(r.methods).toEqual(expect.arrayContaining([expect.stringMatching(/^GET .*users\/search/)]));
  });

  it('group: a new organization and the membership it would add, for the user Zendesk holds', async () => {
    const r = await explain([
      JSON.stringify({ type: 'group', userId: 'u1', groupId: 'acme', traits: { name: 'Acme Inc' } }),
      '--json',
    ]);
    expect(r.code).toBe(0);
    const x = JSON.parse(r.stdout);
    expect(x.plan.operations.map((o: { op: string }) => o.op)).toEqual(
      expect.arrayContaining(['upsertOrganization', 'linkMembership']),
    );
    const writes = x.calls.filter((c: { method: string }) => c.method !== 'GET');
    expect(writes.map((c: { route: string; target: string }) => `${c.route} → ${c.target}`)).toEqual(
      expect.arrayContaining([
        'organizations/create_or_update → a new organization',
        expect.stringMatching(new RegExp(`^organization_memberships → user ${annId} in organization -\\d+$`)),
      ]),
    );
    const org = writes.find((c: { route: string }) => c.route === 'organizations/create_or_update');
    expect(org.changes).toEqual(
      expect.arrayContaining([
        { field: 'name', then: 'Acme Inc' },
        { field: 'external_id', then: 'acme' },
      ]),
    );
    expect(x.outcome).toEqual({ kind: 'delivered' });
  });

  it('track: an enabled event for a known user is one event appended; for an unknown user, the dead letter it would become', async () => {
    const known = await explain([
      JSON.stringify({ type: 'track', userId: 'u1', event: 'Order Completed', properties: { total: 5 } }),
    ]);
    expect(known.code).toBe(0);
    expect(known.stdout).toContain(`write POST users/{id}/events → user ${annId} (one more event`);
    expect(known.stdout).toMatch(/outcome: delivered/);
    const unknown = await explain([
      JSON.stringify({ type: 'track', userId: 'nobody', event: 'Order Completed' }),
    ]);
    expect(unknown.stdout).toMatch(/0 write\(s\) not sent/);
    expect(unknown.stdout).toMatch(/outcome: dead-lettered as user_not_found/);
    const disabled = await explain([JSON.stringify({ type: 'track', userId: 'u1', event: 'Page Left' })]);
    expect(disabled.stdout).toMatch(/plan: no Zendesk call; skipped \(event_not_enabled\)/);
    expect(disabled.methods).toEqual([]);
  });

  it('a dead letter by PARTITION:OFFSET: its original event, explained as it would go now', async () => {
    const topic = uniqueName('explain');
    const dlqTopic = `${topic}.dlq`;
    topics.push(topic, dlqTopic);
    await createTopics([topic, dlqTopic], 1);
    const codec = codecFor(topic);
    const producer = testKafka('explain-test').producer();
    await producer.connect();
    const writer = new DeadLetterWriter(producer, dlqTopic, 'g1');
    for (const [i, name] of ['Zed', 'Ann Carter'].entries()) {
      const { value } = await codec.encode({ type: 'identify', userId: 'u1', traits: { name } });
      await writer.write(
        {
          topic,
          partition: 0,
          message: { key: Buffer.from('u1'), value, offset: String(i), timestamp: '0' },
        },
        { reason: 'retries_exhausted', message: 'Zendesk did not answer', status: 503 },
      );
    }
    await producer.disconnect();
    const r = await explain(['0:1'], { KAFKA_TOPIC: topic });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/dead letter 0:1: retries_exhausted: Zendesk did not answer/);
    expect(r.stdout).toMatch(/name: "Ann" → "Ann Carter"/);
    expect(r.stdout).toMatch(/outcome: delivered/);
    const missing = await runCli(['explain', '0:7'], env({ KAFKA_TOPIC: topic }));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no dead letter at 0:7 on ${dlqTopic}`);
  });

  it('--offline plans without Zendesk settings, one event or JSON lines on stdin; a bad event is exit 1 with one line', async () => {
    const r = await runCli(
      ['explain', '--offline', JSON.stringify({ type: 'identify', userId: 'u9', traits: { name: 'N' } })],
      { KAFKA_BROKERS: BROKERS.join(',') },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/create or update the user external_id=u9/);
    expect(r.stdout).toMatch(/zendesk: not read \(--offline\)/);
    const lines = [
      { type: 'identify', userId: 'u9', traits: { name: 'N' } },
      { type: 'page', userId: 'u9', name: 'Home' },
    ];
    const stdin = await runCli(
      ['explain', '--offline', '--json', '-'],
      {},
      {
        input: lines.map((l) => JSON.stringify(l)).join('\n') + '\n\n',
      },
    );
    expect(stdin.code).toBe(0);
    const xs = stdin.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(xs.map((x) => [x.event.type, x.plan.kind])).toEqual([
      ['identify', 'operations'],
      ['page', 'final'],
    ]);
    expect(xs[1].plan.outcome).toEqual({ kind: 'skipped', reason: 'unsupported_type' });
    const bad = await runCli(['explain', '--offline', '{"type":'], {});
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
  });
});
