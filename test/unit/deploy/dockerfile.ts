/**
 * A small Dockerfile reader: enough to check instructions, not a full parser (no heredocs, no
 * escape-directive changes). Continuation lines are joined and comments dropped, as BuildKit does.
 */
export interface Instruction {
  keyword: string;
  args: string;
}

export interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    // A comment line inside a continued instruction is skipped without ending it.
    if (line.startsWith('#') || (!line && !pending)) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    const full = `${pending}${line}`.trim();
    pending = '';
    if (!full) continue;
    const m = /^(\S+)\s*(.*)$/.exec(full);
    if (m) out.push({ keyword: (m[1] ?? '').toUpperCase(), args: m[2] ?? '' });
  }
  if (pending.trim()) throw new Error('Dockerfile ends inside a continued line');
  return out;
}

/** Instructions grouped by FROM; the instructions before the first FROM (global ARGs) are dropped. */
export function stagesOf(instructions: Instruction[]): Stage[] {
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const m = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`unreadable FROM: ${ins.args}`);
      stages.push({ image: m[1] ?? '', ...(m[2] ? { name: m[2] } : {}), instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(ins);
    }
  }
  return stages;
}

/** The JSON (exec) form of CMD/ENTRYPOINT/HEALTHCHECK CMD; undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.trim().startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) {
    throw new Error(`exec form must be a JSON array of strings: ${args}`);
  }
  return parsed as string[];
}

/** `HEALTHCHECK --interval=15s … CMD [...]` → its options and the command. */
export function parseHealthcheck(args: string): { options: Record<string, string>; command: string } {
  const options: Record<string, string> = {};
  let rest = args.trim();
  for (let m = /^--([a-z-]+)=(\S+)\s+/.exec(rest); m; m = /^--([a-z-]+)=(\S+)\s+/.exec(rest)) {
    options[m[1] ?? ''] = m[2] ?? '';
    rest = rest.slice(m[0].length);
  }
  const cmd = /^CMD\s+(.*)$/s.exec(rest);
  if (!cmd) throw new Error(`HEALTHCHECK without CMD: ${args}`);
  return { options, command: cmd[1] ?? '' };
}
