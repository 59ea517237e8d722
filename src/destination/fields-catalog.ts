import type { FieldScope, ZCustomField, ZendeskApi } from '../zendesk/api.js';
import { isZendeskError } from '../zendesk/errors.js';
import type { FieldDefinition } from './plan.js';

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
 */
export class FieldCatalog {
  private fields: Promise<Map<string, ZCustomField>> | null = null;
  private readonly creating = new Map<string, Promise<ZCustomField>>();
  /** Count of listings and creations, for tests and metrics. */
  readonly stats = { listings: 0, creations: 0, raceRereads: 0 };

  constructor(
    private readonly api: ZendeskApi,
    private readonly scope: FieldScope,
    private readonly onCreated: (field: ZCustomField) => void = () => {},
  ) {}

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

  /** Makes sure every definition exists; resolves to the definitions by lower-cased key. */
  async ensure(definitions: FieldDefinition[]): Promise<Map<string, ZCustomField>> {
    const known = await this.all();
    const missing = definitions.filter((d) => !known.has(d.key.toLowerCase()));
    if (missing.length > 0) await Promise.all(missing.map((d) => this.create(d)));
    return this.all();
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
      this.onCreated(field);
      return field;
    } catch (err) {
      if (!isZendeskError(err) || err.action !== 'reject') throw err;
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

export function createFieldCatalogs(
  api: ZendeskApi,
  onCreated?: (scope: FieldScope, f: ZCustomField) => void,
): FieldCatalogs {
  return {
    user: new FieldCatalog(api, 'user', onCreated && ((f) => onCreated('user', f))),
    organization: new FieldCatalog(api, 'organization', onCreated && ((f) => onCreated('organization', f))),
  };
}
