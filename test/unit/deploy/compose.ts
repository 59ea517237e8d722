/**
 * docker-compose.yml as the deploy tests see it: validated into the few shapes they rely on, with
 * helpers for the forms Compose allows (environment as a map or a KEY=VALUE list, short port syntax).
 */
import { z } from 'zod';
import { readYaml } from './repo.js';

const stringList = z.array(z.string());

const healthcheck = z.looseObject({
  test: z.union([z.string(), stringList]).optional(),
  disable: z.boolean().optional(),
  interval: z.string().optional(),
  timeout: z.string().optional(),
  start_period: z.string().optional(),
  retries: z.number().optional(),
});

const service = z.looseObject({
  image: z.string().optional(),
  build: z.union([z.string(), z.looseObject({ context: z.string() })]).optional(),
  command: z.union([z.string(), stringList]).optional(),
  entrypoint: z.union([z.string(), stringList]).optional(),
  // Compose accepts numbers and booleans here too; strings only is this repository's rule (below).
  environment: z.union([z.record(z.string(), z.unknown()), stringList]).optional(),
  ports: z.array(z.union([z.string(), z.number(), z.looseObject({})])).optional(),
  volumes: z.array(z.union([z.string(), z.looseObject({})])).optional(),
  depends_on: z
    .union([stringList, z.record(z.string(), z.looseObject({ condition: z.string().optional() }))])
    .optional(),
  healthcheck: healthcheck.optional(),
  profiles: stringList.optional(),
  stop_grace_period: z.string().optional(),
  container_name: z.string().optional(),
  restart: z.string().optional(),
});

export type Service = z.infer<typeof service>;

const composeFile = z.looseObject({
  services: z.record(z.string(), service),
  volumes: z.record(z.string(), z.unknown()).optional(),
});

export type Compose = z.infer<typeof composeFile>;

export const loadCompose = (file = 'docker-compose.yml'): Compose => composeFile.parse(readYaml(file));

export function serviceOf(compose: Compose, name: string): Service {
  const s = compose.services[name];
  if (!s) throw new Error(`docker-compose.yml has no service "${name}"`);
  return s;
}

/** The raw environment of a service; values as written (non-strings kept, to be reported). */
export function rawEnvironment(s: Service): Record<string, unknown> {
  const env = s.environment;
  if (!env) return {};
  if (!Array.isArray(env)) return { ...env };
  return Object.fromEntries(
    env.map((entry) => {
      const i = entry.indexOf('=');
      return i < 0 ? [entry, null] : [entry.slice(0, i), entry.slice(i + 1)];
    }),
  );
}

/** The environment as the process sees it (strings), after Compose's `$$` → `$` unescaping. */
export function environment(s: Service): Record<string, string> {
  return Object.fromEntries(
    Object.entries(rawEnvironment(s)).map(([k, v]) => [k, String(v ?? '').replace(/\$\$/g, '$')]),
  );
}

export const commandOf = (s: Service): string[] =>
  s.command === undefined
    ? []
    : Array.isArray(s.command)
      ? s.command
      : s.command.split(/\s+/).filter(Boolean);

export const healthTestOf = (s: Service): string[] | undefined =>
  s.healthcheck?.test === undefined
    ? undefined
    : Array.isArray(s.healthcheck.test)
      ? s.healthcheck.test
      : ['CMD-SHELL', s.healthcheck.test];

export interface PublishedPort {
  hostIp: string | undefined;
  hostPorts: string;
  containerPort: number;
}

/** Short syntax `[HOST_IP:]HOST_PORT[-END]:CONTAINER_PORT[/proto]`; a bare container port has no host IP. */
export function publishedPorts(s: Service): PublishedPort[] {
  return (s.ports ?? []).map((p) => {
    if (typeof p !== 'string')
      throw new Error(`use the short "IP:HOST:CONTAINER" port syntax, not ${JSON.stringify(p)}`);
    const m =
      /^(?:(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:]+\]):)?(?:(\d+(?:-\d+)?)?:)?(\d+)(?:\/(?:tcp|udp))?$/i.exec(p);
    if (!m) throw new Error(`unreadable port mapping ${p}`);
    return { hostIp: m[1], hostPorts: m[2] ?? '', containerPort: Number(m[3]) };
  });
}

export function dependsOn(s: Service): Record<string, string> {
  const d = s.depends_on;
  if (!d) return {};
  if (Array.isArray(d)) return Object.fromEntries(d.map((n) => [n, 'service_started']));
  return Object.fromEntries(Object.entries(d).map(([n, v]) => [n, v.condition ?? 'service_started']));
}

/** `./deploy/x:/etc/x:ro` → { source: './deploy/x', target: '/etc/x' }. */
export function bindMounts(s: Service): { source: string; target: string }[] {
  return (s.volumes ?? []).flatMap((v) => {
    if (typeof v !== 'string') return [];
    const [source, target] = v.split(':');
    return source && target ? [{ source, target }] : [];
  });
}
