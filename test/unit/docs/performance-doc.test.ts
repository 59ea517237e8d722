import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BEGIN, END, targetsTable, writePerformanceDoc } from '../../../bench/doc.js';

const summary = {
  'identify.ceiling_ratio': 0.93,
  'identify.ceiling_requests_per_event': 0.012,
  'mixed.floor_ratio': 3.1,
  'skip.ratio_to_decode': 0.2,
  'scaleout.ratio': 0.95,
  'scaleout.share_429': 0.002,
  'scaleout.dead_letters': 0,
  peak_rss_mb: 280,
  state_equal: true,
  bench_seconds: 600,
};

describe('docs/performance.md figures come from the bench run', () => {
  it('targets are marked met or not from the measured figures', () => {
    const t = targetsTable(summary);
    expect(t).toMatch(/identify ≥ 0\.9 of the ceiling \| \*\*0\.93\*\* \| yes/);
    expect(t).toMatch(/mixed ≤ 1\.2 × the request floor \| \*\*3\.10\*\* \| \*\*no\*\*/);
    expect(t).toMatch(/skip-heavy ≥ 0\.5 × decode-only \| \*\*0\.20\*\* \| \*\*no\*\*/);
    expect(t).toMatch(/429s ≤ 1 % of requests \| \*\*0\.20 %\*\* \| yes/);
  });

  it('a miss that two decimals would round up to the target is shown with three', () => {
    const t = targetsTable({ ...summary, 'scaleout.ratio': 0.8983, 'identify.ceiling_ratio': 0.9 });
    expect(t).toMatch(/scale-out ≥ 0\.9 × one instance \| \*\*0\.898\*\* \| \*\*no\*\*/);
    expect(t).toMatch(/identify ≥ 0\.9 of the ceiling \| \*\*0\.90\*\* \| yes/);
  });

  it('only the block between the markers is replaced; a doc without markers is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'perfdoc-'));
    const path = join(dir, 'performance.md');
    writeFileSync(path, `# Performance\n\nprose before\n\n${BEGIN}\nold figures\n${END}\n\nprose after\n`);
    writePerformanceDoc('REPORT LINES', 'BENCH {"x":1}', summary, path);
    const doc = readFileSync(path, 'utf8');
    expect(doc).not.toContain('old figures');
    expect(doc).toContain('REPORT LINES');
    expect(doc).toContain('BENCH {"x":1}');
    expect(doc.startsWith('# Performance\n\nprose before\n\n')).toBe(true);
    expect(doc.endsWith('\n\nprose after\n')).toBe(true);
    writeFileSync(path, 'no markers');
    expect(() => writePerformanceDoc('r', 'b', summary, path)).toThrow(/markers/);
  });
});
