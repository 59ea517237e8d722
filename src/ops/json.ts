/** Reading untyped JSON (Zendesk answers, Segment events): is this a plain object? One guard for all. */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The value as a plain object, or undefined when it is not one (null, an array, a scalar). */
export const asObject = (v: unknown): Record<string, unknown> | undefined => (isObject(v) ? v : undefined);
