/**
 * Progress for long commands: a redrawn line with rate and ETA on a terminal, a plain line every few
 * seconds otherwise (logs, CI). Writes to stderr so stdout stays machine-readable.
 */
export class Progress {
  private readonly start = Date.now();
  private last = 0;
  private readonly tty: boolean;

  constructor(
    private readonly label: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly everyMs = 5000,
  ) {
    this.tty = !!out.isTTY;
  }

  update(done: number, total?: number, fraction?: number, force = false): void {
    const now = Date.now();
    if (!force && now - this.last < (this.tty ? 100 : this.everyMs)) return;
    this.last = now;
    const secs = Math.max(0.001, (now - this.start) / 1000);
    const rate = done / secs;
    const f = fraction ?? (total ? done / total : undefined);
    const eta = f && f > 0 && f < 1 ? ` eta ${fmt((secs / f) * (1 - f))}` : '';
    const pct = f !== undefined ? ` ${(f * 100).toFixed(1)}%` : '';
    const count = total !== undefined ? `${done}/${total}` : `${done}`;
    if (this.tty) {
      const width = 24;
      const bar = f !== undefined ? `[${'#'.repeat(Math.round(f * width)).padEnd(width, '.')}]` : '';
      this.out.write(`\r${this.label} ${bar}${pct} ${count} ${rate.toFixed(0)}/s${eta}\x1b[K`);
    } else {
      this.out.write(`${this.label}:${pct} ${count} ${rate.toFixed(0)}/s${eta}\n`);
    }
  }

  done(done: number, total?: number): void {
    this.update(done, total, total ? 1 : undefined, true);
    if (this.tty) this.out.write('\n');
  }
}

function fmt(s: number): string {
  if (s < 60) return `${Math.ceil(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.ceil(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
