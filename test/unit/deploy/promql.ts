/**
 * The metric names a PromQL expression selects, for checking dashboards against the exporter.
 * Enough PromQL for dashboards: label matchers, ranges, grouping clauses, strings, numbers, Grafana
 * variables and function calls are removed; the identifiers left over are metric names.
 */
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);

export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\$\{[^}]*\}|\$\w+/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = m[0];
    const after = stripped.slice((m.index ?? 0) + word.length);
    const before = stripped.slice(0, m.index ?? 0);
    // A function call, a keyword, or part of a number such as 1e3.
    if (/^\s*\(/.test(after) || KEYWORDS.has(word.toLowerCase()) || /[0-9.]$/.test(before)) continue;
    names.add(word);
  }
  return [...names];
}

/** `x_bucket` → { base: 'x', suffix: '_bucket' }; histogram and summary series share the base. */
export function splitSeriesSuffix(name: string): {
  base: string;
  suffix: '' | '_bucket' | '_sum' | '_count';
} {
  const m = /^(.*)(_bucket|_sum|_count)$/.exec(name);
  return m ? { base: m[1] ?? '', suffix: m[2] as '_bucket' | '_sum' | '_count' } : { base: name, suffix: '' };
}

/** Whether every use of `name` in `expr` sits directly inside one of the range functions given. */
export function alwaysInside(expr: string, name: string, functions: readonly string[]): boolean {
  const uses = [...expr.matchAll(new RegExp(`(?<![\\w:])${name}(?![\\w:])`, 'g'))];
  return uses.every((u) => {
    const before = expr.slice(0, u.index ?? 0);
    return new RegExp(`\\b(?:${functions.join('|')})\\s*\\(\\s*$`).test(before);
  });
}
