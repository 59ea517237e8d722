import { readFileSync } from 'node:fs';

/**
 * The package's version, read from package.json beside src/ or dist/ (both one level below it), so
 * `--version` and the `build_info` metric always say what was installed, with no build step to forget.
 */
export const VERSION: string = (() => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
})();
