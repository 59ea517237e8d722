import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../../src/config.js';
import { settingsTable } from '../../../scripts/settings-table.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('holds the settings table generated from the settings schema (npx tsx scripts/update-readme.ts)', () => {
    expect(readme).toContain(settingsTable());
    for (const s of SETTINGS) expect(readme).toContain(`\`${s.name}\``);
  });
  it('starts with exactly two command lines for a newcomer: the demo and the tests', () => {
    const blocks = [...readme.matchAll(/```\n([^`]*?)\n```/g)].slice(0, 2).map((m) => m[1]!.trim());
    expect(blocks).toEqual(['npm ci && npm run demo', 'npm ci && npm run test:all']);
  });
  it('names the command CI runs: .ci/run calls the README test command', () => {
    const ci = readFileSync(new URL('../../../.ci/run', import.meta.url), 'utf8');
    expect(ci).toMatch(/npm ci/);
    expect(ci).toMatch(/npm run test:all/);
  });
});
