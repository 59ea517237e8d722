/**
 * docker-compose.yml checked by reading it (there is no Docker engine where the tests run): the
 * destination's environment against the settings schema, and the wiring between the services.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, loadConfig, SETTINGS, type Env } from '../../../src/config.js';
import {
  bindMounts,
  commandOf,
  dependsOn,
  environment,
  healthTestOf,
  loadCompose,
  publishedPorts,
  rawEnvironment,
  serviceOf,
} from './compose.js';
import { readRepoFile, readYaml, repoFileExists } from './repo.js';

const compose = loadCompose();
const destination = serviceOf(compose, 'destination');
const destinationEnv = environment(destination);
const SETTING_NAMES = new Set(SETTINGS.map((s) => s.name));

/** Only the given variables, never the test runner's own environment. */
const noFiles = (): never => {
  throw new Error('no file reads in this test');
};
const load = (env: Env) => loadConfig(env, noFiles);

const isSettingVariable = (name: string) =>
  SETTING_NAMES.has(name) || (name.endsWith('_FILE') && SETTING_NAMES.has(name.slice(0, -'_FILE'.length)));

const hostPort = (url: string) => {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || (u.protocol === 'https:' ? 443 : 80)), path: u.pathname };
};

/** `--flag value` from an argument list. */
const flag = (args: string[], name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

describe('docker-compose.yml: the destination against the settings schema (src/config.ts)', () => {
  it('sets only variables that are settings (or their _FILE variant)', () => {
    const unknown = Object.keys(destinationEnv).filter((k) => !isSettingVariable(k));
    expect(unknown).toEqual([]);
    expect(Object.keys(destinationEnv).length).toBeGreaterThan(5);
  });

  it('sets a Zendesk account (ZENDESK_URL or ZENDESK_SUBDOMAIN) and one complete authentication', () => {
    const has = (n: string) => Boolean(destinationEnv[n] ?? destinationEnv[`${n}_FILE`]);
    expect(has('ZENDESK_URL') || has('ZENDESK_SUBDOMAIN')).toBe(true);
    const auth =
      has('ZENDESK_OAUTH_TOKEN') ||
      (has('ZENDESK_OAUTH_CLIENT_ID') && has('ZENDESK_OAUTH_CLIENT_SECRET')) ||
      (has('ZENDESK_EMAIL') && (has('ZENDESK_API_TOKEN') || has('ZENDESK_PASSWORD')));
    expect(auth).toBe(true);
  });

  it('covers every setting the schema requires (and fails when the schema grows a new one)', () => {
    // What an empty environment is refused for is, by definition, what has no default.
    let problems: string[] = [];
    try {
      load({});
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems = e.problems.map((p) => p.variable);
    }
    // Each required setting and the settings that may stand in for it.
    const alternatives: Record<string, string[]> = {
      ZENDESK_SUBDOMAIN: ['ZENDESK_URL'],
      ZENDESK_OAUTH_TOKEN: ['ZENDESK_OAUTH_CLIENT_ID', 'ZENDESK_EMAIL'],
    };
    expect(problems.sort()).toEqual(Object.keys(alternatives).sort());
    for (const required of problems) {
      const satisfiedBy = [required, ...(alternatives[required] ?? [])].filter((n) => destinationEnv[n]);
      expect(satisfiedBy, `${required} or an alternative`).not.toEqual([]);
    }
  });

  it('is accepted by loadConfig as it stands, with no warning about unknown variables', () => {
    const config = load(destinationEnv);
    expect(config.warnings.filter((w) => w.includes('not a setting'))).toEqual([]);
    expect(config.zendesk.auth.kind).toBe('bearer');
    expect(config.http.host).toBe('0.0.0.0');
    expect(config.kafka.brokers).toEqual(['kafka:19092']);
    expect(config.kafka.dlqTopic).toBe(`${config.kafka.topic}.dlq`);
  });

  it('writes every environment value of every service as a string (Compose rejects some other types)', () => {
    const notStrings = Object.entries(compose.services).flatMap(([name, s]) =>
      Object.entries(rawEnvironment(s))
        .filter(([, v]) => typeof v !== 'string')
        .map(([k]) => `${name}.${k}`),
    );
    expect(notStrings).toEqual([]);
  });

  it('gives the producer only settings, pointing at the same topic, brokers and registry', () => {
    const producer = serviceOf(compose, 'producer');
    const env = environment(producer);
    expect(Object.keys(env).filter((k) => !isSettingVariable(k))).toEqual([]);
    for (const k of ['KAFKA_BROKERS', 'KAFKA_TOPIC', 'SCHEMA_REGISTRY_URL']) {
      expect(env[k], k).toBe(destinationEnv[k]);
    }
    // produce needs no Zendesk settings (the CLI fills them in), so Kafka-side settings must parse alone.
    expect(() => load({ ...env, ZENDESK_URL: 'http://127.0.0.1', ZENDESK_OAUTH_TOKEN: 'x' })).not.toThrow();
  });
});

describe('docker-compose.yml: wiring between the services', () => {
  it('points KAFKA_BROKERS at the listener Kafka advertises on the compose network', () => {
    const advertised = environment(serviceOf(compose, 'kafka')).KAFKA_ADVERTISED_LISTENERS ?? '';
    const listeners = advertised.split(',').map((l) => l.replace(/^[A-Z_]+:\/\//, ''));
    for (const broker of (destinationEnv.KAFKA_BROKERS ?? '').split(',')) expect(listeners).toContain(broker);
  });

  it('points SCHEMA_REGISTRY_URL at the registry service and its Confluent-compatible API', () => {
    const url = hostPort(destinationEnv.SCHEMA_REGISTRY_URL ?? '');
    expect(url.host).toBe('registry');
    expect(publishedPorts(serviceOf(compose, 'registry')).map((p) => p.containerPort)).toContain(url.port);
    expect(url.path).toBe('/apis/ccompat/v7');
    expect(serviceOf(compose, 'registry').image).toBe('apicurio/apicurio-registry:3.3.3');
  });

  it('points ZENDESK_URL at the sandbox, with the token the sandbox accepts', () => {
    const sandbox = serviceOf(compose, 'sandbox');
    const args = commandOf(sandbox);
    expect(args).toEqual(['sandbox', '--port', '8080', '--host', '0.0.0.0', '--token', 'sandbox-token']);
    const url = hostPort(destinationEnv.ZENDESK_URL ?? '');
    expect(url).toMatchObject({ host: 'sandbox', port: Number(flag(args, '--port')) });
    expect(destinationEnv.ZENDESK_OAUTH_TOKEN).toBe(flag(args, '--token'));
  });

  it('builds the sandbox, the destination and the producer from this repository', () => {
    for (const name of ['sandbox', 'destination', 'producer'])
      expect(serviceOf(compose, name).build, name).toBe('.');
    expect(commandOf(destination)).toEqual(['run']);
  });

  it('creates the source and dead-letter topics the destination uses, with KAFKA_PARTITIONS partitions', () => {
    const init = serviceOf(compose, 'kafka-init');
    expect(init.image).toBe(serviceOf(compose, 'kafka').image);
    const script = commandOf(init).join('\n');
    const creates = script
      .split('\n')
      .filter((l) => l.includes('kafka-topics.sh') && l.includes('--create'))
      .map((l) => l.trim().split(/\s+/));
    const created = creates.map((args) => ({
      topic: flag(args, '--topic'),
      partitions: flag(args, '--partitions'),
      bootstrap: flag(args, '--bootstrap-server'),
    }));
    const config = load(destinationEnv);
    expect(created.map((c) => c.topic).sort()).toEqual([config.kafka.topic, config.kafka.dlqTopic].sort());
    for (const c of created) {
      expect(c.partitions).toBe(String(config.kafka.partitions));
      expect(c.bootstrap).toBe(destinationEnv.KAFKA_BROKERS);
    }
    expect(creates.every((args) => args.includes('--if-not-exists'))).toBe(true);
    expect(init.restart).toBe('no');
  });

  it('starts the destination only after the topics exist and the registry and sandbox are healthy', () => {
    expect(dependsOn(destination)).toEqual({
      'kafka-init': 'service_completed_successfully',
      registry: 'service_healthy',
      sandbox: 'service_healthy',
    });
    expect(dependsOn(serviceOf(compose, 'kafka-init'))).toEqual({ kafka: 'service_healthy' });
  });

  it('has a health check behind every service_healthy condition and on every long-running service', () => {
    // A service built from this repository inherits the Dockerfile's HEALTHCHECK.
    const healthChecked = (name: string) => {
      const s = serviceOf(compose, name);
      return !s.healthcheck?.disable && (healthTestOf(s) !== undefined || s.build === '.');
    };
    for (const [name, s] of Object.entries(compose.services)) {
      for (const [dep, condition] of Object.entries(dependsOn(s))) {
        if (condition === 'service_healthy')
          expect(healthChecked(dep), `${name} waits for ${dep}`).toBe(true);
      }
      const oneShot = s.restart === 'no';
      if (!oneShot) expect(healthChecked(name), name).toBe(true);
    }
    expect(healthTestOf(serviceOf(compose, 'sandbox'))?.join(' ')).toContain('127.0.0.1:8080/');
  });

  it('gives the destination longer to stop than its own drain timeout', () => {
    const grace = /^(\d+)s$/.exec(destination.stop_grace_period ?? '');
    expect(grace).not.toBeNull();
    expect(Number(grace?.[1]) * 1000).toBeGreaterThan(load(destinationEnv).shutdownTimeoutMs);
  });

  it('lets the destination scale out: no fixed container name, a host port range, Prometheus by DNS', () => {
    expect(destination.container_name).toBeUndefined();
    expect(publishedPorts(destination).map((p) => p.hostPorts)).toEqual([expect.stringMatching(/^\d+-\d+$/)]);
    const prom = z
      .looseObject({
        scrape_configs: z.array(
          z.looseObject({
            job_name: z.string(),
            metrics_path: z.string().optional(),
            dns_sd_configs: z.array(
              z.looseObject({ names: z.array(z.string()), type: z.string(), port: z.number() }),
            ),
          }),
        ),
      })
      .parse(readYaml('deploy/prometheus/prometheus.yml'));
    const job = prom.scrape_configs.find((j) => j.job_name === 'zendesk-destination');
    expect(job?.metrics_path).toBe('/metrics');
    expect(readRepoFile('src/ops/health.ts')).toContain(`case '${job?.metrics_path}':`);
    expect(job?.dns_sd_configs).toEqual([expect.objectContaining({ names: ['destination'], type: 'A' })]);
    expect(job?.dns_sd_configs[0]?.port).toBe(Number(destinationEnv.HTTP_PORT));
    expect(publishedPorts(destination)[0]?.containerPort).toBe(Number(destinationEnv.HTTP_PORT));
  });

  it('mounts into Prometheus and Grafana only files that exist, where their configuration expects them', () => {
    const mounts = Object.fromEntries(
      ['prometheus', 'grafana', 'producer'].map((n) => [n, bindMounts(serviceOf(compose, n))]),
    );
    for (const m of Object.values(mounts).flat()) {
      if (m.source.startsWith('./')) expect(repoFileExists(m.source), m.source).toBe(true);
    }
    expect(mounts.prometheus).toContainEqual({
      source: './deploy/prometheus/prometheus.yml',
      target: '/etc/prometheus/prometheus.yml',
    });
    expect(commandOf(serviceOf(compose, 'prometheus'))).toContain(
      '--config.file=/etc/prometheus/prometheus.yml',
    );

    const provider = z
      .looseObject({ providers: z.array(z.looseObject({ options: z.looseObject({ path: z.string() }) })) })
      .parse(readYaml('deploy/grafana/provisioning/dashboards/zendesk-destination.yml'));
    const dashboardsDir = provider.providers[0]?.options.path;
    expect(mounts.grafana).toContainEqual({ source: './deploy/grafana/dashboards', target: dashboardsDir });
    expect(mounts.grafana).toContainEqual({
      source: './deploy/grafana/provisioning',
      target: '/etc/grafana/provisioning',
    });
    const home = environment(serviceOf(compose, 'grafana')).GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH ?? '';
    expect(home.startsWith(`${dashboardsDir}/`)).toBe(true);
    expect(repoFileExists(`deploy/grafana/dashboards/${home.slice(`${dashboardsDir}/`.length)}`)).toBe(true);

    const datasource = z
      .looseObject({
        datasources: z.array(z.looseObject({ uid: z.string(), url: z.string(), type: z.string() })),
      })
      .parse(readYaml('deploy/grafana/provisioning/datasources/prometheus.yml'));
    const ds = hostPort(datasource.datasources[0]?.url ?? '');
    expect(ds.host).toBe('prometheus');
    expect(publishedPorts(serviceOf(compose, 'prometheus')).map((p) => p.containerPort)).toContain(ds.port);
  });

  it('runs the demo producer on the sample events, only under the demo profile', () => {
    const producer = serviceOf(compose, 'producer');
    expect(producer.profiles).toEqual(['demo']);
    expect(commandOf(producer)).toEqual(['produce', '/examples/events.jsonl']);
    expect(bindMounts(producer)).toContainEqual({ source: './examples', target: '/examples' });
    expect(repoFileExists('examples/events.jsonl')).toBe(true);
    expect(dependsOn(producer)).toMatchObject({ 'kafka-init': 'service_completed_successfully' });
  });
});

describe('docker-compose.yml: safety', () => {
  it('publishes every port on 127.0.0.1 only', () => {
    const ports = Object.entries(compose.services).flatMap(([name, s]) =>
      publishedPorts(s).map((p) => ({ name, ...p })),
    );
    expect(ports.length).toBeGreaterThanOrEqual(6);
    expect(ports.filter((p) => p.hostIp !== '127.0.0.1')).toEqual([]);
  });

  it('advertises Kafka to the host on loopback and never creates topics by accident', () => {
    const kafka = environment(serviceOf(compose, 'kafka'));
    expect(kafka.KAFKA_ADVERTISED_LISTENERS).toMatch(/HOST:\/\/127\.0\.0\.1:9092/);
    expect(kafka.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(kafka.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
    expect(serviceOf(compose, 'kafka').image).toBe('apache/kafka:4.1.1');
  });

  it('pins every image to a version', () => {
    const images = Object.values(compose.services).flatMap((s) => (s.image && !s.build ? [s.image] : []));
    expect(images.length).toBeGreaterThanOrEqual(5);
    expect(images.filter((i) => !/:[\w.-]+$/.test(i) || i.endsWith(':latest'))).toEqual([]);
  });

  it('leaves no `$` for Compose to interpolate by mistake (shell variables are written $$)', () => {
    const values = readRepoFile('docker-compose.yml')
      .split('\n')
      .filter((l) => !l.trim().startsWith('#'))
      .join('\n')
      .replace(/\$\$/g, '');
    // What remains must be deliberate ${VAR} / ${VAR:-default} interpolation.
    expect(values.match(/\$(?!\{[A-Z_][A-Z0-9_]*(?::?-[^}]*)?\})/g) ?? []).toEqual([]);
  });
});
