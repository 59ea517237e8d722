// `npm ci` / `npm install` in a checkout: build dist/ so the `zendesk-destination` executable works
// right away (bin/ imports dist/cli.js), and link it as node_modules/.bin/zendesk-destination, which npm
// does for a dependency's executables but never for the project's own. Installs that have no sources
// beside the manifest (a Docker layer that copies package.json first, or an install of the published
// package) build nothing here: they build explicitly, or ship dist/ already.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';

if (!existsSync('src/cli.ts') || !existsSync('tsconfig.build.json')) process.exit(0);
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc', { paths: [process.cwd()] });
} catch {
  // A production install (--omit=dev) of a checkout: nothing to build with; say how to get there.
  process.stderr.write('prepare: typescript is not installed; run `npm run build` after a full install\n');
  process.exit(0);
}
const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
linkOwnBin();

function linkOwnBin() {
  const link = 'node_modules/.bin/zendesk-destination';
  try {
    lstatSync(link);
    return; // there already (a link of ours, or whatever someone put there on purpose)
  } catch {
    // not there: make it
  }
  try {
    mkdirSync('node_modules/.bin', { recursive: true });
    symlinkSync('../../bin/zendesk-destination.js', link);
  } catch (e) {
    // A file system without symbolic links: the executable is still bin/zendesk-destination.js.
    process.stderr.write(`prepare: could not link ${link} (${e.message}); run bin/zendesk-destination.js\n`);
  }
}
