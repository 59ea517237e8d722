/**
 * Reading the environment and collecting what is wrong with it. A problem stops start-up with ONE
 * line naming the variable(s); values are never echoed, because an operator who pastes a token into
 * the wrong variable must not find it in the crash log.
 */
import { parserOf, SETTING_NAMES, TABLE, type Parsed } from './settings.js';

/** Prefixes of our variables: an unknown variable with one of them is most likely a typo. */
const OWN_PREFIXES = ['ZENDESK_', 'KAFKA_', 'SCHEMA_REGISTRY_'];

export interface ConfigProblem {
  variable: string;
  problem: string;
}

/** A setting is missing or malformed. `message` is one line and never contains a setting's value. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    super(problems.map((p) => `${p.variable}: ${p.problem}`.replace(/[\r\n]+/g, ' ')).join('; '));
    this.problems = problems;
  }

  /** The first variable at fault. */
  get variable(): string {
    return this.problems[0]?.variable ?? '';
  }
}

export type Env = Record<string, string | undefined>;
export type ReadFile = (path: string, encoding: 'utf8') => string;

/**
 * Problems found so far. A setting that is already reported as unreadable or malformed is "broken":
 * rules about missing settings stay quiet about it, so one mistake gives one message, not three.
 */
export class Problems {
  readonly list: ConfigProblem[] = [];
  private readonly broken = new Set<string>();

  /** `setting` is the base name; `variable` the one to name (the `_FILE` variant for file errors). */
  add(setting: string, problem: string, variable = setting): void {
    this.broken.add(setting);
    this.list.push({ variable, problem });
  }

  /** Reports a missing or inconsistent setting, unless one of the settings involved is already broken. */
  rule(variable: string, problem: string, involved: readonly string[] = []): void {
    if ([variable, ...involved].some((n) => this.broken.has(n))) return;
    this.add(variable, problem);
  }

  anyBroken(names: readonly string[]): boolean {
    return names.some((n) => this.broken.has(n));
  }
}

/**
 * Raw values: the variable or `<variable>_FILE` (Docker/Kubernetes secrets), trimmed; empty means
 * unset (compose writes `X=` a lot). Setting both is an error: silently preferring one hides a
 * deployment mistake.
 */
export function readRaw(
  env: Env,
  readFile: ReadFile,
  problems: Problems,
): Record<string, string | undefined> {
  const raw: Record<string, string | undefined> = {};
  for (const name of SETTING_NAMES) {
    const direct = env[name]?.trim();
    const filePath = env[`${name}_FILE`]?.trim();
    if (direct && filePath) {
      problems.add(name, `both ${name} and ${name}_FILE are set; use one`);
      continue;
    }
    if (filePath) {
      let content: string;
      try {
        content = String(readFile(filePath, 'utf8')).trim();
      } catch (e) {
        const code = (e as NodeJS.ErrnoException | undefined)?.code ?? 'read error';
        problems.add(name, `cannot read the file (${code})`, `${name}_FILE`);
        continue;
      }
      if (!content) problems.add(name, 'the file is empty', `${name}_FILE`);
      else raw[name] = content;
      continue;
    }
    raw[name] = direct || undefined;
  }
  return raw;
}

const KNOWN = new Set<string>(SETTING_NAMES);

export function unknownVariables(env: Env): string[] {
  return Object.keys(env)
    .filter((k) => OWN_PREFIXES.some((pre) => k.startsWith(pre)))
    .filter((k) => !KNOWN.has(k) && !(k.endsWith('_FILE') && KNOWN.has(k.slice(0, -5))))
    .sort()
    .map((k) => `${k} is not a setting of this service (a typo?); it is ignored`);
}

/** Each setting parsed by its table entry (the default when unset); a failure names the setting. */
export function parseAll(raw: Record<string, string | undefined>, problems: Problems): Parsed {
  const out: Record<string, unknown> = {};
  for (const name of SETTING_NAMES) {
    const value = raw[name] ?? TABLE[name].default ?? undefined;
    if (value === undefined) continue;
    const r = parserOf(name).safeParse(value);
    if (r.success) out[name] = r.data;
    // zod may report several issues for one value; the first says enough for one line.
    else problems.add(name, r.error.issues[0]?.message ?? 'invalid value');
  }
  return out as Parsed;
}
