/**
 * Reading the deployment files of the repository for the deploy tests. YAML is read with js-yaml,
 * which is in node_modules only as a dependency of eslint (not declared in package.json): loaded
 * through require so a missing copy fails with one clear message instead of a type error.
 */
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const repoPath = (p: string): string => path.join(ROOT, p);
export const readRepoFile = (p: string): string => readFileSync(repoPath(p), 'utf8');
export const repoFileExists = (p: string): boolean => existsSync(repoPath(p));

interface JsYaml {
  load(source: string, options?: { filename?: string }): unknown;
  loadAll(source: string, iterator?: null, options?: { filename?: string }): unknown[];
}

function jsYaml(): JsYaml {
  try {
    return createRequire(import.meta.url)('js-yaml') as JsYaml;
  } catch {
    throw new Error(
      'js-yaml is not in node_modules (it came with eslint); the deploy tests need a YAML reader',
    );
  }
}

/** Parses one YAML document of the repository (anchors and `<<` merge keys resolved). */
export const readYaml = (p: string): unknown => jsYaml().load(readRepoFile(p), { filename: p });

/** Parses YAML text (an inline kustomize patch). */
export const parseYaml = (text: string): unknown => jsYaml().load(text);

/** Every YAML document of a repository file (Kubernetes manifests may hold several, `---`-separated). */
export const readYamlDocuments = (p: string): unknown[] =>
  jsYaml()
    .loadAll(readRepoFile(p), null, { filename: p })
    .filter((d) => d !== null && d !== undefined);
