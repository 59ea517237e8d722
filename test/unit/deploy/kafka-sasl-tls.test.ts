/**
 * deploy/kubernetes/components/kafka-sasl-tls: the service and KEDA's lag scaler authenticate to the same
 * brokers with the same Secret keys. Its patches are applied here to the base objects (JSON 6902 `add`,
 * the only operation it uses), and the result is checked against the service's own settings loader.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../../../src/config.js';
import { configMap, deployment, K8S_DIR, kustomization, object, only, scaledObject } from './kubernetes.js';
import { parseYaml, readRepoFile, readYaml } from './repo.js';

const DIR = `${K8S_DIR}/components/kafka-sasl-tls`;
const component = kustomization
  .extend({
    patches: z.array(
      z.looseObject({ target: z.looseObject({ kind: z.string(), name: z.string() }), patch: z.string() }),
    ),
  })
  .parse(readYaml(`${DIR}/kustomization.yaml`));
const triggerAuth = only(
  'TriggerAuthentication',
  object.extend({
    spec: z.looseObject({
      secretTargetRef: z.array(z.looseObject({ parameter: z.string(), name: z.string(), key: z.string() })),
    }),
  }),
);
const addOp = z.object({ op: z.literal('add'), path: z.string(), value: z.unknown() });

/** JSON 6902 `add` (RFC 6902 §4.1; `-` appends to an array), on a copy. */
function applyPatch<T>(target: T, kind: string): T {
  const copy = structuredClone(target) as Record<string, unknown>;
  const patches = component.patches.filter((p) => p.target.kind === kind);
  expect(patches, kind).toHaveLength(1);
  for (const op of z.array(addOp).parse(parseYaml(patches[0]!.patch))) {
    const keys = op.path.split('/').slice(1);
    const last = keys.pop()!;
    let at: unknown = copy;
    for (const k of keys) at = (at as Record<string, unknown>)[k];
    expect(at, op.path).toBeTypeOf('object');
    if (Array.isArray(at) && last === '-') at.push(op.value);
    else (at as Record<string, unknown>)[last] = op.value;
  }
  return copy as T;
}

const dep = applyPatch(only('Deployment', deployment), 'Deployment');
const so = applyPatch(only('ScaledObject', scaledObject), 'ScaledObject');
const cm = only('ConfigMap', configMap);
const container = dep.spec.template.spec.containers[0]!;
const env = Object.fromEntries(container.env.map((e) => [e.name, e.value ?? '']));
const secretName = (
  dep.spec.template.spec.volumes.find((v) => v.secret)?.secret as { secretName?: string } | undefined
)?.secretName;
const mount = container.volumeMounts.find((m) => m.name === 'secrets')!.mountPath;
/** The Secret key a `_FILE` setting reads (a file of the mounted Secret). */
const keyOf = (setting: string) => {
  const file = env[`${setting}_FILE`]!;
  expect(path.posix.dirname(file), setting).toBe(mount);
  return path.posix.basename(file);
};
/** The service's SASL mechanism names → KEDA's `sasl` values. */
const KEDA_SASL = { plain: 'plaintext', 'scram-sha-256': 'scram_sha256', 'scram-sha-512': 'scram_sha512' };

describe('components/kafka-sasl-tls', () => {
  it('the patched Deployment loads as SASL over TLS, credentials and CA read from the mounted Secret', () => {
    const files: Record<string, string> = {
      [env.KAFKA_SASL_USERNAME_FILE!]: 'svc-user',
      [env.KAFKA_SASL_PASSWORD_FILE!]: 'svc-password',
      [env.KAFKA_SSL_CA_FILE!]: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
      [env.ZENDESK_OAUTH_TOKEN_FILE!]: 'token',
    };
    const config = loadConfig({ ...cm.data, ...env }, (p) => {
      const f = files[p];
      if (f === undefined) throw Object.assign(new Error('not mounted'), { code: 'ENOENT' });
      return f;
    });
    expect(config.kafka.ssl).toBe(true);
    expect(config.kafka.sasl).toEqual({
      mechanism: 'scram-sha-512',
      username: 'svc-user',
      password: 'svc-password',
    });
    expect(config.kafka.tls?.ca).toContain('BEGIN CERTIFICATE');
  });

  it("KEDA's trigger authenticates with the same Secret keys the service reads", () => {
    expect(so.spec.triggers[0]).toMatchObject({ authenticationRef: { name: triggerAuth.metadata.name } });
    const refs = Object.fromEntries(triggerAuth.spec.secretTargetRef.map((r) => [r.parameter, r]));
    for (const r of Object.values(refs)) expect(r.name, r.parameter).toBe(secretName);
    expect(refs.username?.key).toBe(keyOf('KAFKA_SASL_USERNAME'));
    expect(refs.password?.key).toBe(keyOf('KAFKA_SASL_PASSWORD'));
    expect(refs.ca?.key).toBe(keyOf('KAFKA_SSL_CA'));
    expect(Object.keys(refs).sort()).toEqual(['ca', 'password', 'sasl', 'tls', 'username']);
  });

  it('the Secret recipe gives KEDA the mechanism the service uses, and TLS on', () => {
    const recipe = readRepoFile(`${DIR}/kustomization.yaml`);
    const literal = (key: string) => new RegExp(`--from-literal=${key}=(\\w+)`).exec(recipe)?.[1];
    const refs = Object.fromEntries(triggerAuth.spec.secretTargetRef.map((r) => [r.parameter, r.key]));
    const mechanism = env.KAFKA_SASL_MECHANISM as keyof typeof KEDA_SASL;
    expect(literal(refs.sasl!)).toBe(KEDA_SASL[mechanism]);
    expect(literal(refs.tls!)).toBe('enable');
    for (const key of [refs.username, refs.password, refs.ca])
      expect(recipe).toContain(`--from-file=${key}=`);
  });
});
