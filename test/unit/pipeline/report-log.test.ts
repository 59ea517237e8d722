import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { DeadLetterWriter } from '../../../src/pipeline/dlq.js';
import { newCounts, Reporter } from '../../../src/pipeline/report.js';
import type { Decoded, Log, Outcome } from '../../../src/pipeline/types.js';

/** Every per-event log line names the event by its Segment messageId, and never carries an email. */
describe('per-event log lines', () => {
  it('delivered, skipped, dead-lettered and stand-in lines carry the messageId and no email', async () => {
    const lines: { level: string; message: string; meta?: Record<string, unknown> }[] = [];
    const at =
      (level: string) =>
      (message: string, meta?: Record<string, unknown>): void => {
        lines.push({ level, message, meta });
      };
    const log: Log = { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
    const tooLarge = Object.assign(new Error('too large'), { type: 'MESSAGE_TOO_LARGE' });
    let writes = 0;
    const dlq = {
      write: async () => {
        if (++writes === 2) throw tooLarge; // the second dead letter (m-4) needs a stand-in
      },
      writeStandIn: async () => {},
    } as unknown as DeadLetterWriter;
    const reporter = new Reporter(dlq, 't.dlq', log, newCounts());
    const email = 'ann@example.com';
    const run: Decoded[] = ['m-1', 'm-2', 'm-3', 'm-4'].map((messageId, i) => ({
      message: {
        offset: String(i),
        key: null,
        value: null,
        timestamp: '0',
        headers: {},
      } as unknown as KafkaMessage,
      event: { type: 'identify', messageId, userId: 'u', traits: { email } },
    }));
    const outcomes: Outcome[] = [
      { kind: 'delivered' },
      { kind: 'rejected', reason: 'missing_name', message: 'no name' },
      { kind: 'skipped', reason: 'unsupported_type' },
      { kind: 'rejected', reason: 'ambiguous_user', message: 'two users' },
    ];
    await reporter.report('t', 0, run, outcomes);
    const perEvent = lines.filter((l) => /^(event |dead letter too large)/.test(l.message));
    expect(perEvent.map((l) => [l.message, l.meta?.messageId])).toEqual([
      ['event delivered', 'm-1'],
      ['event dead-lettered', 'm-2'],
      ['event skipped', 'm-3'],
      ['dead letter too large for the dead-letter topic: writing a stand-in', 'm-4'],
      ['event dead-lettered', 'm-4'],
    ]);
    expect(JSON.stringify(lines)).not.toContain(email);
  });
});
