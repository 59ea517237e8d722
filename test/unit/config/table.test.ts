/** The settings table drives Config: each plain entry's parsed value lands where its `at` says. */
import { describe, expect, it } from 'vitest';
import { loadConfig, SETTINGS } from '../../../src/config.js';
import { TABLE } from '../../../src/config/settings.js';

const MIN = { ZENDESK_SUBDOMAIN: 'acme', ZENDESK_OAUTH_TOKEN: 'oauth-token-123' };
const noFiles = () => {
  throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
};

const at = (o: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((x, k) => (x as Record<string, unknown>)[k], o);

describe('the settings table', () => {
  const entries = Object.entries(TABLE) as [string, (typeof TABLE)[keyof typeof TABLE]][];

  it('places every plain setting, default applied (absent without one), at its `at` in Config', () => {
    const config = loadConfig(MIN, noFiles);
    const placed = entries.filter(([, e]) => 'at' in e && e.at !== undefined);
    expect(placed.length).toBeGreaterThan(20);
    for (const [name, e] of placed) {
      // An entry without a default is optional: absent from Config until set.
      const expected = e.default === null ? undefined : e.parse.parse(e.default);
      expect(at(config, (e as { at: string }).at), name).toEqual(expected);
    }
  });

  it('a value set in the environment lands there too, parsed', () => {
    const config = loadConfig({ ...MIN, KAFKA_PARTITIONS: '12', LOG_LEVEL: 'DEBUG' }, noFiles);
    expect(config.kafka.partitions).toBe(12);
    expect(config.log.level).toBe('debug');
  });

  it('is SETTINGS, in order, with nothing but the public fields', () => {
    expect(SETTINGS.map((s) => s.name)).toEqual(Object.keys(TABLE));
    for (const s of SETTINGS)
      expect(Object.keys(s).sort()).toEqual(['default', 'description', 'name', 'secret']);
  });
});
