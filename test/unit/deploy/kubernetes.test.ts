/**
 * deploy/kubernetes/ against the service itself: manifests parse and are all used by a kustomization;
 * their settings are settings and load; ports, probes, selectors and the ServiceMonitor line up; the
 * grace period outlasts the drain; resources come from the measured peak RSS; secrets are files; the
 * KEDA cap is the partition count; alerts select only metrics the service exports.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, SETTINGS } from '../../../src/config.js';
import { createMetrics, METRIC_NAMES } from '../../../src/ops/metrics.js';
import { startHealthServer } from '../../../src/ops/health.js';
import {
  bytes,
  configMap,
  deployment,
  K8S_DIR,
  kustomization,
  manifestFiles,
  object,
  only,
  pdb,
  prometheusRule,
  scaledObject,
  service,
  serviceMonitor,
} from './kubernetes.js';
import { metricNamesIn, splitSeriesSuffix } from './promql.js';
import { readRepoFile, readYaml, readYamlDocuments, repoFileExists } from './repo.js';

const dep = only('Deployment', deployment);
const cm = only('ConfigMap', configMap);
const svc = only('Service', service);
const container = dep.spec.template.spec.containers[0]!;
const env = Object.fromEntries(container.env.map((e) => [e.name, e.value ?? '']));
const SETTING = new Map(SETTINGS.map((s) => [s.name, s]));
const baseLabels = kustomization
  .parse(readYaml(`${K8S_DIR}/base/kustomization.yaml`))
  .labels.filter((l) => l.includeSelectors)
  .reduce<Record<string, string>>((all, l) => ({ ...all, ...l.pairs }), {});
/** Labels as kustomize writes them: the base's common labels are added to objects and selectors. */
const withBase = (l: Record<string, string> = {}) => ({ ...l, ...baseLabels });
const podLabels = withBase(dep.spec.template.metadata.labels);
const includes = (set: Record<string, string>, sub: Record<string, string>) =>
  Object.entries(sub).every(([k, v]) => set[k] === v);

describe('deploy/kubernetes manifests', () => {
  it('parse, and each is a Kubernetes object or a kustomization', () => {
    const files = manifestFiles();
    expect(files.length).toBeGreaterThanOrEqual(10);
    for (const f of files) {
      const docs = readYamlDocuments(f);
      expect(docs.length, f).toBeGreaterThan(0);
      for (const d of docs) {
        if (f.endsWith('kustomization.yaml')) kustomization.parse(d);
        else expect(object.safeParse(d).success, f).toBe(true);
      }
    }
  });

  it('every manifest is used by its directory kustomization, and everything listed exists', () => {
    for (const f of manifestFiles().filter((x) => x.endsWith('kustomization.yaml'))) {
      const dir = path.posix.dirname(f);
      const k = kustomization.parse(readYaml(f));
      for (const r of [...k.resources, ...k.components])
        expect(repoFileExists(path.posix.join(dir, r)), `${f}: ${r}`).toBe(true);
      const siblings = manifestFiles(dir)
        .filter((x) => path.posix.dirname(x) === dir && x !== f)
        .map((x) => path.posix.basename(x));
      for (const s of siblings) expect(k.resources, `${f} does not list ${s}`).toContain(s);
    }
  });

  it.skipIf(!hasKubectl())('kubectl kustomize builds the example with every kind', () => {
    const out = execFileSync('kubectl', ['kustomize', `${K8S_DIR}/example`], { encoding: 'utf8' });
    const kinds = [...out.matchAll(/^kind: (\w+)$/gm)].map((m) => m[1]).sort();
    expect(kinds).toEqual([
      'ConfigMap',
      'Deployment',
      'PodDisruptionBudget',
      'PrometheusRule',
      'ScaledObject',
      'Service',
      'ServiceMonitor',
    ]);
  });
});

describe('settings', () => {
  it('every ConfigMap key and container variable is a setting (or its _FILE form)', () => {
    for (const name of [...Object.keys(cm.data), ...Object.keys(env)]) {
      const known = SETTING.has(name) || (name.endsWith('_FILE') && SETTING.has(name.slice(0, -5)));
      expect(known, `${name} is not a setting`).toBe(true);
    }
    expect(container.envFrom.map((e) => e.configMapRef?.name)).toContain(cm.metadata.name);
  });

  it('secrets come as files from a mounted Secret, and only secrets do', () => {
    const secretVolumes = new Set(dep.spec.template.spec.volumes.filter((v) => v.secret).map((v) => v.name));
    const secretMounts = container.volumeMounts
      .filter((m) => secretVolumes.has(m.name))
      .map((m) => m.mountPath);
    expect(secretMounts.length).toBe(1);
    const fileVars = Object.entries(env).filter(([k]) => k.endsWith('_FILE') && !SETTING.has(k));
    expect(fileVars.length).toBeGreaterThan(0);
    for (const [name, value] of fileVars) {
      expect(SETTING.get(name.slice(0, -5))?.secret, `${name}: not a secret setting`).toBe(true);
      expect(value.startsWith(`${secretMounts[0]}/`), `${name} points outside the Secret`).toBe(true);
    }
    for (const s of SETTINGS.filter((x) => x.secret))
      expect(Object.keys(cm.data), `${s.name} in the ConfigMap`).not.toContain(s.name);
  });

  it('the ConfigMap and the container settings load (the service would start with them)', () => {
    const files = new Map(
      Object.entries(env)
        .filter(([k]) => k.endsWith('_FILE'))
        .map(([, v]) => [v, 'secret']),
    );
    const config = loadConfig({ ...cm.data, ...env }, (p) => {
      const f = files.get(p);
      if (f === undefined) throw Object.assign(new Error('not mounted'), { code: 'ENOENT' });
      return f;
    });
    expect(config.http).toEqual({ host: '0.0.0.0', port: container.ports[0]!.containerPort });
    expect(config.zendesk.auth.kind).toBe('bearer');
  });
});

describe('ports, probes, selectors', () => {
  const port = container.ports[0]!;

  it('one named port, the HTTP_PORT the service listens on, exposed by the Service and scraped by the ServiceMonitor', () => {
    expect(container.ports).toHaveLength(1);
    expect(String(port.containerPort)).toBe(env.HTTP_PORT);
    expect(readRepoFile('Dockerfile')).toMatch(new RegExp(`^EXPOSE ${port.containerPort}$`, 'm'));
    const svcPort = svc.spec.ports[0]!;
    expect(svcPort.targetPort).toBe(port.name);
    const sm = only('ServiceMonitor', serviceMonitor);
    expect(sm.spec.endpoints.map((e) => [e.port, e.path])).toEqual([[svcPort.name, '/metrics']]);
    expect(includes(withBase(svc.metadata.labels), sm.spec.selector.matchLabels)).toBe(true);
  });

  it('the Service, the PodDisruptionBudget and the Deployment select the pods; the Service lists unready ones', () => {
    expect(includes(podLabels, withBase(dep.spec.selector.matchLabels))).toBe(true);
    expect(includes(podLabels, withBase(svc.spec.selector))).toBe(true);
    expect(includes(podLabels, withBase(only('PodDisruptionBudget', pdb).spec.selector.matchLabels))).toBe(
      true,
    );
    // /readyz fails through an outage: its metrics must still be scraped then.
    expect(svc.spec.publishNotReadyAddresses).toBe(true);
  });

  it('liveness and readiness probe /healthz and /readyz on that port, and the service answers them', async () => {
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: port.name });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: port.name });
    let ready = false;
    const server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      metrics: createMetrics({ defaultMetrics: false }),
      isReady: () => ready,
    });
    try {
      const get = async (p: string) => (await fetch(`http://127.0.0.1:${server.port}${p}`)).status;
      expect(await get(container.livenessProbe.httpGet.path)).toBe(200);
      expect(await get(container.readinessProbe.httpGet.path)).toBe(503);
      ready = true;
      expect(await get(container.readinessProbe.httpGet.path)).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('the pod', () => {
  it('outlives the drain: the grace period is above SHUTDOWN_TIMEOUT_MS plus the 2 s exit margin', () => {
    const shutdownMs = Number(cm.data.SHUTDOWN_TIMEOUT_MS ?? SETTING.get('SHUTDOWN_TIMEOUT_MS')!.default);
    expect(dep.spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(shutdownMs + 2000);
  });

  it('runs as non-root on a read-only root file system, no privileges', () => {
    expect(dep.spec.template.spec.securityContext.runAsUser).not.toBe(0);
    expect(container.securityContext.capabilities.drop).toContain('ALL');
  });

  it('asks for the measured peak RSS (docs/performance.md) and is limited well above it', () => {
    const doc = readRepoFile('docs/performance.md');
    const peaks = [
      ...[...doc.matchAll(/peak RSS (\d+) MB/g)].map((m) => Number(m[1])),
      ...[...doc.matchAll(/\*\*(\d+) MB\*\*/g)].map((m) => Number(m[1])),
    ];
    expect(peaks.length).toBeGreaterThan(1);
    const peak = Math.max(...peaks) * 1e6;
    expect(bytes(container.resources.requests.memory)).toBeGreaterThanOrEqual(peak);
    expect(bytes(container.resources.limits.memory)).toBeGreaterThanOrEqual(peak * 1.25);
  });
});

describe('KEDA ScaledObject', () => {
  const so = only('ScaledObject', scaledObject);

  it('scales the Deployment on the consumer group lag of the source topic, capped at the partition count', () => {
    expect(so.spec.scaleTargetRef.name).toBe(dep.metadata.name);
    expect(so.spec.maxReplicaCount).toBe(Number(cm.data.KAFKA_PARTITIONS));
    expect(so.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
    const [t] = so.spec.triggers;
    expect(t?.type).toBe('kafka');
    expect(t?.metadata).toMatchObject({
      bootstrapServers: cm.data.KAFKA_BROKERS,
      consumerGroup: cm.data.KAFKA_GROUP_ID,
      topic: cm.data.KAFKA_TOPIC,
      allowIdleConsumers: 'false',
    });
    expect(Number(t?.metadata.lagThreshold)).toBeGreaterThan(0);
  });
});

describe('PrometheusRule', () => {
  const rules = only('PrometheusRule', prometheusRule).spec.groups.flatMap((g) => g.rules);
  const exported = new Set<string>(Object.values(METRIC_NAMES));

  it('selects only metrics the service exports', () => {
    for (const r of rules) {
      const names = metricNamesIn(r.expr);
      expect(names.length, r.alert).toBeGreaterThan(0);
      for (const n of names) {
        const { base } = splitSeriesSuffix(n);
        expect(exported.has(n) || exported.has(base), `${r.alert}: ${n}`).toBe(true);
      }
    }
  });

  it('alerts on growing lag, dead letters, stalled and long-paused partitions, and 401/403 answers', () => {
    const uses = (metric: string) => rules.filter((r) => metricNamesIn(r.expr).includes(metric));
    expect(uses(METRIC_NAMES.consumerLag).length).toBeGreaterThan(0);
    expect(uses(METRIC_NAMES.deadLetters).length).toBeGreaterThan(0);
    expect(uses(METRIC_NAMES.stalledPartitions).length).toBeGreaterThan(0);
    expect(
      uses(METRIC_NAMES.pausedPartitions).some((r) => /^\d+m$/.test(r.for ?? '') && parseInt(r.for!) >= 15),
    ).toBe(true);
    // A partition paused by an outage is resumed after each pause (backoff up to 60 s) and tries again for
    // up to the retry budget before the next pause: the gauge reads 0 meanwhile. The paused-long alert
    // must look across those gaps (max_over_time over a window longer than backoff + budget), or an
    // outage that never heals restarts its `for` at each try and never alerts.
    const gapMs = 60_000 + Number(SETTING.get('ZENDESK_MAX_RETRY_TIME_MS')!.default);
    for (const r of uses(METRIC_NAMES.pausedPartitions).filter((x) => /paused/i.test(x.alert))) {
      const m = new RegExp(
        `max_over_time\\(${METRIC_NAMES.pausedPartitions}(?:\\{[^}]*\\})?\\[(\\d+)m\\]\\)`,
      ).exec(r.expr);
      expect(m, `${r.alert} reads the paused gauge through max_over_time`).not.toBeNull();
      expect(Number(m![1]) * 60_000, r.alert).toBeGreaterThan(gapMs);
    }
    expect(uses(METRIC_NAMES.zendeskRequests).some((r) => /status=~"401\|403"/.test(r.expr))).toBe(true);
    // The status label is the one the request counter has.
    expect(createMetrics({ defaultMetrics: false }).zendeskRequests.labels('e', 'GET', '401')).toBeDefined();
    for (const r of rules) expect(r.for, `${r.alert} fires on one scrape`).toMatch(/^\d+m$/);
  });
});

function hasKubectl(): boolean {
  try {
    execFileSync('kubectl', ['version', '--client'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
