import { describe, expect, it } from 'vitest';
import { parseWhen } from '../../../src/commands/when.js';
import {
  deadLetteredAt,
  matches,
  replayKey,
  type DeadLetterRecord,
} from '../../../src/pipeline/dlq-tools.js';
import { H } from '../../../src/pipeline/dlq.js';

const NOW = Date.parse('2026-11-29T12:00:00Z');

describe('parseWhen (dlq replay --since/--until)', () => {
  it.each([
    ['2026-11-29', '2026-11-29T00:00:00.000Z'],
    ['2026-11-29T10:15:00Z', '2026-11-29T10:15:00.000Z'],
    ['2026-11-29T10:15:00.5+02:00', '2026-11-29T08:15:00.500Z'],
    ['90s', '2026-11-29T11:58:30.000Z'],
    ['30m', '2026-11-29T11:30:00.000Z'],
    ['6h', '2026-11-29T06:00:00.000Z'],
    ['7d', '2026-11-22T12:00:00.000Z'],
  ])('%s → %s', (text, iso) => {
    expect(parseWhen(text, NOW).toISOString()).toBe(iso);
  });

  it.each(['yesterday', '2026-11-29T10:15:00', '2026-13-01', '5w', '', '-1h'])(
    'refuses %j (a zone-less date-time would depend on the machine)',
    (text) => {
      expect(() => parseWhen(text, NOW)).toThrow(/ISO 8601/);
    },
  );
});

const record = (
  o: Partial<DeadLetterRecord> & { headers?: DeadLetterRecord['headers'] },
): DeadLetterRecord => ({
  partition: 0,
  offset: '5',
  key: null,
  value: null,
  headers: {},
  reason: 'ambiguous_user',
  message: '',
  timestamp: String(NOW),
  ...o,
});

describe('dead-letter filter', () => {
  it('dead-letter time is the failed-at header, else the record timestamp', () => {
    expect(deadLetteredAt(record({ failedAt: '2026-11-28T00:00:00.000Z' }))).toBe(Date.parse('2026-11-28'));
    expect(deadLetteredAt(record({}))).toBe(NOW);
    expect(deadLetteredAt(record({ failedAt: 'garbage' }))).toBe(NOW);
  });

  it('--since is inclusive, --until exclusive, and both combine with --reason', () => {
    const at = (iso: string) => record({ failedAt: iso });
    const f = { since: new Date('2026-11-28T00:00:00Z'), until: new Date('2026-11-29T00:00:00Z') };
    expect(matches(at('2026-11-28T00:00:00.000Z'), f)).toBe(true);
    expect(matches(at('2026-11-28T23:59:59.999Z'), f)).toBe(true);
    expect(matches(at('2026-11-29T00:00:00.000Z'), f)).toBe(false);
    expect(matches(at('2026-11-27T23:59:59.999Z'), f)).toBe(false);
    expect(matches(at('2026-11-28T10:00:00.000Z'), { ...f, reason: 'missing_name' })).toBe(false);
    expect(matches(at('2026-11-28T10:00:00.000Z'), { reason: 'ambiguous_user' })).toBe(true);
  });
});

describe('replay log key', () => {
  it('is the original topic, partition and offset: two dead letters of one record share it', () => {
    const original = { [H.topic]: 'events', [H.partition]: '3', [H.offset]: '42' };
    const first = record({ partition: 0, offset: '7', headers: original });
    const second = record({ partition: 1, offset: '9', headers: { ...original } });
    expect(replayKey(first)).toBe('events/3/42');
    expect(replayKey(second)).toBe(replayKey(first));
    expect(replayKey(record({ headers: { ...original, [H.offset]: '43' } }))).not.toBe(replayKey(first));
  });

  it('falls back to the dead letter position when the context headers are missing', () => {
    expect(replayKey(record({ partition: 2, offset: '11' }))).toBe('2:11');
  });
});
