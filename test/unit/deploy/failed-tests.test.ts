/**
 * scripts/failed-tests.mjs names the failed tests at the end of a CI log, after the stack's log tails
 * (CI shows only the log's end). Fed a vitest JSON report shaped like a real one.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoPath } from './repo.js';

function run(reports: unknown[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'failed-tests-'));
  const files = reports.map((r, i) => {
    const f = join(dir, `r${i}.json`);
    writeFileSync(f, JSON.stringify(r));
    return f;
  });
  // stderr is where the script writes; 2>&1 through a shell keeps the order simple
  return execFileSync(
    'sh',
    ['-c', `node "$0" "$@" 2>&1`, repoPath('scripts/failed-tests.mjs'), ...files, join(dir, 'missing.json')],
    {
      encoding: 'utf8',
    },
  );
}

describe('scripts/failed-tests.mjs', () => {
  it('names each failed test with its message and our frame, not node_modules frames, and skips passes', () => {
    const out = run([
      {
        testResults: [
          {
            name: '/x/test/integration/a.test.ts',
            status: 'failed',
            assertionResults: [
              { fullName: 'suite passes', status: 'passed' },
              {
                fullName: 'suite breaks',
                status: 'failed',
                duration: 1234.4,
                failureMessages: [
                  'AssertionError: expected 1 to be 2\n    at Proxy.<anonymous> (file:///x/node_modules/@vitest/expect/dist/index.js:1:1)\n    at /x/test/integration/a.test.ts:70:19',
                ],
              },
            ],
          },
        ],
      },
      {
        testResults: [
          { name: '/x/test/b.test.ts', status: 'failed', message: 'SyntaxError: nope', assertionResults: [] },
        ],
      },
    ]);
    expect(out).toContain('FAILED');
    expect(out).toMatch(
      /a\.test\.ts > suite breaks \(1234 ms\)\n\s+AssertionError: expected 1 to be 2\n\s+at \/x\/test\/integration\/a\.test\.ts:70:19/,
    );
    expect(out).not.toContain('node_modules');
    expect(out).not.toContain('suite passes');
    expect(out).toMatch(/b\.test\.ts \(the file failed outside its tests\)\n\s+SyntaxError: nope/);
  });

  it('says nothing when every test passed', () => {
    expect(
      run([
        {
          testResults: [
            {
              name: '/x/a.test.ts',
              status: 'passed',
              assertionResults: [{ fullName: 'ok', status: 'passed' }],
            },
          ],
        },
      ]),
    ).toBe('');
  });
});
