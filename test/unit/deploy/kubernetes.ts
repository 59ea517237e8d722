/**
 * deploy/kubernetes/ as the deploy tests see it: every manifest parsed and validated into the few
 * shapes the tests rely on (a manifest missing a field they read fails here, with the field named).
 */
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { readYamlDocuments, repoPath } from './repo.js';

export const K8S_DIR = 'deploy/kubernetes';

const labels = z.record(z.string(), z.string());
const meta = z.looseObject({ name: z.string().min(1), labels: labels.optional() });
export const object = z.looseObject({
  apiVersion: z.string().min(1),
  kind: z.string().min(1),
  metadata: meta,
});
export type K8sObject = z.infer<typeof object>;

const probe = z.looseObject({
  httpGet: z.looseObject({ path: z.string(), port: z.union([z.string(), z.number()]) }),
});
const envVar = z.looseObject({ name: z.string(), value: z.string().optional() });
const container = z.looseObject({
  name: z.string(),
  image: z.string(),
  args: z.array(z.string()).optional(),
  ports: z.array(z.looseObject({ name: z.string(), containerPort: z.number() })),
  env: z.array(envVar).default([]),
  envFrom: z
    .array(z.looseObject({ configMapRef: z.looseObject({ name: z.string() }).optional() }))
    .default([]),
  livenessProbe: probe,
  readinessProbe: probe,
  resources: z.looseObject({
    requests: z.looseObject({ memory: z.string(), cpu: z.string().optional() }),
    limits: z.looseObject({ memory: z.string() }),
  }),
  securityContext: z.looseObject({
    allowPrivilegeEscalation: z.literal(false),
    readOnlyRootFilesystem: z.literal(true),
    capabilities: z.looseObject({ drop: z.array(z.string()) }),
  }),
  volumeMounts: z.array(z.looseObject({ name: z.string(), mountPath: z.string() })).default([]),
});
export const deployment = object.extend({
  spec: z.looseObject({
    selector: z.looseObject({ matchLabels: labels }),
    template: z.looseObject({
      metadata: z.looseObject({ labels }),
      spec: z.looseObject({
        terminationGracePeriodSeconds: z.number(),
        securityContext: z.looseObject({ runAsNonRoot: z.literal(true), runAsUser: z.number() }),
        containers: z.array(container).length(1),
        volumes: z.array(z.looseObject({ name: z.string(), secret: z.looseObject({}).optional() })),
      }),
    }),
  }),
});
export const configMap = object.extend({ data: z.record(z.string(), z.string()) });
export const service = object.extend({
  spec: z.looseObject({
    selector: labels,
    publishNotReadyAddresses: z.boolean().optional(),
    ports: z.array(
      z.looseObject({ name: z.string(), port: z.number(), targetPort: z.union([z.string(), z.number()]) }),
    ),
  }),
});
export const pdb = object.extend({
  spec: z.looseObject({ selector: z.looseObject({ matchLabels: labels }) }),
});
export const serviceMonitor = object.extend({
  spec: z.looseObject({
    selector: z.looseObject({ matchLabels: labels }),
    endpoints: z.array(z.looseObject({ port: z.string(), path: z.string() })),
  }),
});
export const prometheusRule = object.extend({
  spec: z.looseObject({
    groups: z.array(
      z.looseObject({
        name: z.string(),
        rules: z.array(z.looseObject({ alert: z.string(), expr: z.string(), for: z.string().optional() })),
      }),
    ),
  }),
});
export const scaledObject = object.extend({
  spec: z.looseObject({
    scaleTargetRef: z.looseObject({ name: z.string() }),
    minReplicaCount: z.number(),
    maxReplicaCount: z.number(),
    triggers: z.array(z.looseObject({ type: z.string(), metadata: z.record(z.string(), z.string()) })),
  }),
});
export const kustomization = z.looseObject({
  kind: z.enum(['Kustomization', 'Component']),
  resources: z.array(z.string()).default([]),
  components: z.array(z.string()).default([]),
  labels: z.array(z.looseObject({ pairs: labels, includeSelectors: z.boolean().optional() })).default([]),
});

/** Every YAML file under deploy/kubernetes, relative to the repository. */
export function manifestFiles(dir = K8S_DIR): string[] {
  return readdirSync(repoPath(dir)).flatMap((name) => {
    const rel = path.posix.join(dir, name);
    if (statSync(repoPath(rel)).isDirectory()) return manifestFiles(rel);
    return /\.ya?ml$/.test(name) ? [rel] : [];
  });
}

/** The single object of `kind` among the manifests (kustomization files excluded), parsed by `schema`. */
export function only<T extends z.ZodType>(kind: string, schema: T): z.output<T> {
  const found = manifestFiles()
    .filter((f) => !f.endsWith('kustomization.yaml'))
    .flatMap((f) => readYamlDocuments(f))
    .filter((d) => (d as { kind?: unknown }).kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind} under ${K8S_DIR}, found ${found.length}`);
  return schema.parse(found[0]);
}

/** Kubernetes quantities of memory in bytes (Mi, Gi, M, G, plain). */
export function bytes(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|K|M|G)?$/.exec(q);
  if (!m) throw new Error(`not a memory quantity: ${q}`);
  const unit = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, K: 1e3, M: 1e6, G: 1e9 }[m[2] ?? ''] ?? 1;
  return Number(m[1]) * unit;
}
