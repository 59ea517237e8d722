/**
 * The Node.js versions package.json's `engines` names must run every package the lock installs: the
 * service's dependencies on the oldest version of each line, and the tools the README's test command
 * runs (vitest, vite, eslint) too. A dependency that needs a newer Node than we claim warns
 * EBADENGINE on every `npm ci` and may fail at run time.
 */
import { describe, expect, it } from 'vitest';
import semver from 'semver';
import { readRepoFile } from './repo.js';

interface LockEntry {
  engines?: { node?: string } | string[];
  optional?: boolean;
  dev?: boolean;
}

const pkg = JSON.parse(readRepoFile('package.json')) as { engines: { node: string } };
const lock = JSON.parse(readRepoFile('package-lock.json')) as { packages: Record<string, LockEntry> };

/** The oldest version of each line `range` names (`^20.19.0 || ^24.0.0` → 20.19.0, 24.0.0). */
const oldestOfEachLine = (range: string): string[] =>
  range.split('||').map((part) => semver.minVersion(part.trim())!.version);

/** The packages of the lock whose engines refuse `version`; optional platform binaries left out. */
function refusing(version: string): string[] {
  const out: string[] = [];
  for (const [where, entry] of Object.entries(lock.packages)) {
    const node = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
    if (!where || entry.optional || !node) continue;
    if (!semver.satisfies(version, node))
      out.push(`${where.replace(/^.*node_modules\//, '')} (node ${node})`);
  }
  return out;
}

describe('engines', () => {
  it('the lock file root carries the same engines as package.json', () => {
    expect(lock.packages['']?.engines).toEqual(pkg.engines);
  });

  it.each(oldestOfEachLine(pkg.engines.node))('every locked package runs on Node.js %s', (version) => {
    expect(refusing(version)).toEqual([]);
  });
});
