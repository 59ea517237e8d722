#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { URL } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
// A checkout installed with --ignore-scripts (or before its first build) has no dist/ yet.
if (!existsSync(cli)) {
  process.stderr.write('zendesk-destination is not built (dist/cli.js is missing): run `npm run build`\n');
  process.exit(1);
}
await import(cli.href);
