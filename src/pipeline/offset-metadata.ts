/**
 * The offsets that already have an outcome above the committed offset, carried in the commit's metadata
 * so that the partition's next owner (after a rebalance or a restart) does not deliver them again.
 * Pure. The broker keeps at most `offset.metadata.max.bytes` (default 4096) per partition, so the
 * encoding is compact: ranges of offsets, each as its distance from the end of the previous range (the
 * first from the committed offset) and its length, in base 36: `d1:3,5-2` is 3 and 8, 9, 10 above it.
 */

const PREFIX = 'd1:';
/** The broker's default `offset.metadata.max.bytes`. */
export const DEFAULT_METADATA_MAX_BYTES = 4096;

export interface Encoded {
  /** null: nothing above the committed offset (or nothing fits). */
  metadata: string | null;
  /** Offsets that did not fit: they will be delivered again by a next owner. */
  dropped: number;
}

/**
 * `committed` is the next offset to consume; `done` offsets below it are ignored. Ranges that do not fit
 * in `maxBytes` are dropped from the top: what is kept is still true, the rest is merely redelivered.
 */
export function encodeDone(
  committed: string,
  done: Iterable<string>,
  maxBytes = DEFAULT_METADATA_MAX_BYTES,
): Encoded {
  const list = Array.isArray(done) ? (done as string[]) : [...done];
  // Offsets of up to 15 digits are exact as doubles: no BigInt per offset (a commit may carry thousands).
  if (committed.length <= SAFE_DIGITS && list.every((o) => o.length <= SAFE_DIGITS))
    return encodeSmall(Number(committed), list, maxBytes);
  const base = BigInt(committed);
  const sorted = [...new Set(list.map((o) => BigInt(o)))]
    .filter((o) => o >= base)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const ranges: [bigint, bigint][] = [];
  for (const o of sorted) {
    const last = ranges.at(-1);
    if (last && o === last[1] + 1n) last[1] = o;
    else ranges.push([o, o]);
  }
  let out = PREFIX;
  let prev = base;
  let kept = 0;
  for (const [s, e] of ranges) {
    const piece = (kept ? ',' : '') + (s - prev).toString(36) + (e > s ? `-${(e - s).toString(36)}` : '');
    if (out.length + piece.length > maxBytes) break;
    out += piece;
    prev = e;
    kept += Number(e - s) + 1;
  }
  return { metadata: kept ? out : null, dropped: sorted.length - kept };
}

/** Decimal strings of at most this many digits are below 2^53. */
const SAFE_DIGITS = 15;

/** encodeDone with offsets below 2^53: the same encoding, on numbers (sorted only when not in order already). */
function encodeSmall(base: number, done: readonly string[], maxBytes: number): Encoded {
  const offsets: number[] = [];
  let ordered = true;
  for (const o of done) {
    const n = Number(o);
    if (n < base) continue;
    if (offsets.length && n <= offsets[offsets.length - 1]!) ordered = false;
    offsets.push(n);
  }
  if (!ordered) offsets.sort((a, b) => a - b);
  let out = PREFIX;
  let prev = base;
  let kept = 0;
  let distinct = 0;
  let full = false;
  for (let i = 0; i < offsets.length;) {
    const s = offsets[i]!;
    let e = s;
    // One range: consecutive offsets (a repeated one counts once).
    for (i++; i < offsets.length && offsets[i]! <= e + 1; i++) e = offsets[i]!;
    distinct += e - s + 1;
    if (full) continue;
    const piece = (kept ? ',' : '') + (s - prev).toString(36) + (e > s ? `-${(e - s).toString(36)}` : '');
    if (out.length + piece.length > maxBytes) {
      full = true;
      continue;
    }
    out += piece;
    prev = e;
    kept += e - s + 1;
  }
  return { metadata: kept ? out : null, dropped: distinct - kept };
}

/**
 * The offsets a commit's metadata says are done. Anything else (null, another tool's metadata, a
 * malformed string) says nothing: the partition is then delivered from the committed offset, as before.
 */
export function decodeDone(committed: string, metadata: string | null | undefined): Set<string> {
  const out = new Set<string>();
  if (!metadata?.startsWith(PREFIX) || !/^-?\d+$/.test(committed)) return out;
  const body = metadata.slice(PREFIX.length);
  if (!/^[0-9a-z]+(-[0-9a-z]+)?(,[0-9a-z]+(-[0-9a-z]+)?)*$/.test(body)) return out;
  let prev = BigInt(committed);
  if (prev < 0n) return out;
  const offsets: bigint[] = [];
  for (const piece of body.split(',')) {
    const [gap, len = '0'] = piece.split('-') as [string, string?];
    const s = prev + BigInt(parseInt(gap, 36));
    const n = parseInt(len, 36);
    // A range longer than the broker could ever need is not ours: say nothing rather than flood memory.
    if (n > 1_000_000 || offsets.length + n > 1_000_000) return new Set();
    for (let i = 0; i <= n; i++) offsets.push(s + BigInt(i));
    prev = s + BigInt(n);
  }
  for (const o of offsets) out.add(o.toString());
  return out;
}
