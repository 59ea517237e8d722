import type { FieldScope, ZCustomField, ZendeskApi } from '../zendesk/api.js';
import { isZendeskError } from '../zendesk/errors.js';
import type { FieldDefinition } from './plan.js';

/** How long a 403 on creating a field definition is remembered (default 10 minutes). */
export const DEFAULT_REFUSAL_MEMORY_MS = 10 * 60_000;

export interface FieldCatalogOptions {
  onCreated?: (field: ZCustomField) => void;
  /** A definition was not created: `forbidden` (403, remembered) or `rejected` (any other refusal). */
  onNotCreated?: (key: string, why: 'forbidden' | 'rejected') => void;
  /** A 403 started a refusal period (once per period, worth one warn line). */
  onCreationRefused?: () => void;
  now?: () => number;
  refusalMemoryMs?: number;
}

/**
 * The custom field definitions of one scope (user or organization), read once (all pages) and
 * cached for the life of the process, so a busy stream costs one listing, not one per event.
 *
 * Missing definitions are created; concurrent callers asking for the same missing key share one
 * creation. When another process created the key first (Zendesk answers 422: key taken), the
 * definitions are read again and the other process's field is used.
 *
 * Keys are compared case-insensitively: a field an admin keyed `Plan_Tier` is the one our
 * `plan_tier` means, and Zendesk would refuse to create a second one anyway.
 *
 * A definition Zendesk refuses to create is left out, never fatal to the event: the caller sends
 * the rest without it (SPEC 1a, 2). A 403 (only admins may create fields; an agent token gets 403)
 * is remembered for `refusalMemoryMs`: in that time no creation is tried in this scope, so an agent
 * token costs one refused call per scope and period, not one per event. Outages still throw.
 */
export class FieldCatalog {
  private fields: Promise<Map<string, ZCustomField>> | null = null;
  private readonly creating = new Map<string, Promise<ZCustomField>>();
  /** Count of listings and creations, for tests and metrics. */
  readonly stats = { listings: 0, creations: 0, raceRereads: 0, refusals: 0 };
  /** Until when creation is known to be refused (403) in this scope. */
  private refusedUntil = Number.NEGATIVE_INFINITY;
  private readonly now: () => number;
  private readonly refusalMemoryMs: number;

  constructor(
    private readonly api: ZendeskApi,
    private readonly scope: FieldScope,
    private readonly options: FieldCatalogOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.refusalMemoryMs = options.refusalMemoryMs ?? DEFAULT_REFUSAL_MEMORY_MS;
  }

  /** Whether field creation in this scope is currently known to be refused (403). */
  get creationRefused(): boolean {
    return this.now() < this.refusedUntil;
  }

  /** All definitions, keyed by lower-cased key. */
  all(): Promise<Map<string, ZCustomField>> {
    if (this.fields === null) {
      const loading = this.read();
      this.fields = loading;
      // A failed read must not be cached: the next event tries again (an outage passes).
      loading.catch(() => {
        if (this.fields === loading) this.fields = null;
      });
    }
    return this.fields;
  }

  async get(key: string): Promise<ZCustomField | undefined> {
    return (await this.all()).get(key.toLowerCase());
  }

  /**
   * Makes sure every definition exists; resolves to the definitions by lower-cased key. A
   * definition Zendesk refused to create is absent from the result (see the class comment); an
   * outage rejects.
   */
  async ensure(definitions: FieldDefinition[]): Promise<Map<string, ZCustomField>> {
    const known = await this.all();
    const missing = definitions.filter((d) => !known.has(d.key.toLowerCase()));
    if (missing.length > 0) {
      const settled = await Promise.allSettled(missing.map((d) => this.createUnlessRefused(d)));
      const outage = settled.find((r) => r.status === 'rejected');
      if (outage) throw (outage as PromiseRejectedResult).reason;
    }
    return this.all();
  }

  private async createUnlessRefused(definition: FieldDefinition): Promise<void> {
    if (this.creationRefused) {
      this.options.onNotCreated?.(definition.key, 'forbidden');
      return;
    }
    try {
      await this.create(definition);
    } catch (err) {
      if (!isZendeskError(err) || err.action !== 'reject') throw err;
      if (err.status === 403) {
        if (!this.creationRefused) {
          this.stats.refusals++;
          this.options.onCreationRefused?.();
        }
        this.refusedUntil = Math.max(this.refusedUntil, this.now() + this.refusalMemoryMs);
        this.options.onNotCreated?.(definition.key, 'forbidden');
      } else {
        this.options.onNotCreated?.(definition.key, 'rejected');
      }
    }
  }

  /** Forget the cache: the next call reads the definitions again (e.g. after a field was deleted). */
  invalidate(): void {
    this.fields = null;
  }

  private async read(): Promise<Map<string, ZCustomField>> {
    this.stats.listings++;
    const list = await this.api.listFields(this.scope);
    return new Map(list.map((f) => [f.key.toLowerCase(), f]));
  }

  private create(definition: FieldDefinition): Promise<ZCustomField> {
    const id = definition.key.toLowerCase();
    let pending = this.creating.get(id);
    if (pending === undefined) {
      pending = this.createOnce(definition).finally(() => this.creating.delete(id));
      this.creating.set(id, pending);
    }
    return pending;
  }

  private async createOnce(definition: FieldDefinition): Promise<ZCustomField> {
    const id = definition.key.toLowerCase();
    // Another caller may have finished creating it while we waited for the listing.
    const cached = (await this.all()).get(id);
    if (cached) return cached;
    try {
      this.stats.creations++;
      const field = await this.api.createField(this.scope, {
        key: definition.key,
        type: definition.type,
        title: definition.title,
        description: 'Created by the Segment destination from a trait of the same name.',
      });
      (await this.all()).set(id, field);
      this.options.onCreated?.(field);
      return field;
    } catch (err) {
      if (!isZendeskError(err) || err.action !== 'reject' || err.status === 403) throw err;
      // Most likely the key was just taken by another process: read again and use theirs.
      this.stats.raceRereads++;
      this.invalidate();
      const found = (await this.all()).get(id);
      if (found) return found;
      throw err;
    }
  }
}

/** One catalog per scope, shared by every event of a destination. */
export interface FieldCatalogs {
  user: FieldCatalog;
  organization: FieldCatalog;
}

export interface FieldCatalogsOptions {
  onCreated?: (scope: FieldScope, f: ZCustomField) => void;
  onNotCreated?: (scope: FieldScope, key: string, why: 'forbidden' | 'rejected') => void;
  onCreationRefused?: (scope: FieldScope) => void;
  now?: () => number;
  refusalMemoryMs?: number;
}

export function createFieldCatalogs(
  api: ZendeskApi,
  onCreated?: (scope: FieldScope, f: ZCustomField) => void,
  options: Omit<FieldCatalogsOptions, 'onCreated'> = {},
): FieldCatalogs {
  const { onNotCreated, onCreationRefused, ...rest } = options;
  const forScope = (scope: FieldScope): FieldCatalogOptions => ({
    ...rest,
    ...(onCreated ? { onCreated: (f: ZCustomField) => onCreated(scope, f) } : {}),
    ...(onNotCreated
      ? { onNotCreated: (key: string, why: 'forbidden' | 'rejected') => onNotCreated(scope, key, why) }
      : {}),
    ...(onCreationRefused ? { onCreationRefused: () => onCreationRefused(scope) } : {}),
  });
  return {
    user: new FieldCatalog(api, 'user', forScope('user')),
    organization: new FieldCatalog(api, 'organization', forScope('organization')),
  };
}
