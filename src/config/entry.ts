/** One declarative settings-table entry (see settings.ts). */
import type { Parser } from './parsers.js';

export interface Entry<T, A extends string | undefined, D extends string | null> {
  default: D;
  description: string;
  secret?: boolean;
  parse: Parser<T>;
  /** `section.field` (or a top-level field) of `Config` that takes the parsed value as is. */
  at?: A;
}

export const entry = <
  T,
  const A extends string | undefined = undefined,
  const D extends string | null = null,
>(
  e: Entry<T, A, D>,
) => e;
