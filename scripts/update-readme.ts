/** Regenerates the settings table in README.md from SETTINGS (src/config/settings.ts). */
import { readFileSync, writeFileSync } from 'node:fs';
import { settingsTable } from './settings-table.js';

const START = /<!-- settings-table:start[^>]*-->/;
const END = '<!-- settings-table:end -->';
const readme = readFileSync('README.md', 'utf8');
const start = readme.match(START);
if (!start || !readme.includes(END)) throw new Error('README.md has no settings-table markers');
const head = readme.slice(0, start.index! + start[0].length);
const tail = readme.slice(readme.indexOf(END));
writeFileSync('README.md', `${head}\n${settingsTable()}\n${tail}`);
