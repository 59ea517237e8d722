/** Prints the README's settings table from the settings table (src/config/settings.ts); README is checked against it by a test. */
import { SETTINGS } from '../src/config.js';

export function settingsTable(): string {
  const rows = SETTINGS.map(
    (s) =>
      `| \`${s.name}\` | ${s.description.replace(/\|/g, '\\|')}${s.secret ? ' (secret; also `' + s.name + '_FILE`)' : ''} | ${
        s.default === null ? '—' : s.default === '' ? '(empty)' : `\`${s.default}\``
      } |`,
  );
  return ['| variable | meaning | default |', '|---|---|---|', ...rows].join('\n');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!))
  process.stdout.write(`${settingsTable()}\n`);
