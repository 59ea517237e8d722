import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadConfigWithoutZendesk, type Env } from '../../../src/config.js';

const MIN: Env = { ZENDESK_SUBDOMAIN: 'acme', ZENDESK_OAUTH_TOKEN: 'oauth-token-123' };
const noFiles = () => {
  throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
};

function problem(env: Env): string {
  try {
    loadConfig(env, noFiles);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).message;
  }
  throw new Error('expected loadConfig to throw');
}

describe('KAFKA_RETRY_TOPIC', () => {
  it('is unset by default, and carried when set', () => {
    expect(loadConfig(MIN, noFiles).kafka.retryTopic).toBeUndefined();
    expect(loadConfig({ ...MIN, KAFKA_RETRY_TOPIC: 'events.retry' }, noFiles).kafka.retryTopic).toBe(
      'events.retry',
    );
  });

  it.each([
    [{ KAFKA_TOPIC: 'e', KAFKA_RETRY_TOPIC: 'e' }, /^KAFKA_RETRY_TOPIC: must differ from KAFKA_TOPIC/],
    [{ KAFKA_TOPIC: 'e', KAFKA_RETRY_TOPIC: 'e.dlq' }, /^KAFKA_RETRY_TOPIC: must differ/],
    [{ KAFKA_RETRY_TOPIC: 'a b' }, /^KAFKA_RETRY_TOPIC: a topic name is/],
  ])('%j stops start-up naming it', (env, message) => {
    expect(problem({ ...MIN, ...env })).toMatch(message);
  });
});

describe('loadConfigWithoutZendesk (explain --offline)', () => {
  it('needs no Zendesk URL or credentials and still gives the destination settings', () => {
    const c = loadConfigWithoutZendesk({ ZENDESK_TRACK_EVENTS: 'Signed Up' }, noFiles);
    expect(c.destination.trackEvents).toEqual(['Signed Up']);
    expect((c as { zendesk?: { auth?: unknown } }).zendesk?.auth).toBeUndefined();
  });
});
