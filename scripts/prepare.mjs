// `npm ci` / `npm install` in a checkout: build dist/ so the `zendesk-destination` executable works
// right away (bin/ imports dist/cli.js). Installs that have no sources beside the manifest (a Docker
// layer that copies package.json first, or an install of the published package) build nothing here:
// they build explicitly, or ship dist/ already.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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
process.exit(r.status ?? 1);
