import type { BulkItemResult, Id, OrganizationInput, ZendeskApi } from '../api.js';
import type { BulkSwitch } from './bulk-items.js';
import { MicroBatcher, type ItemResult, type MicroBatcherOptions } from './micro-batcher.js';

export interface OrganizationWriteOptions extends MicroBatcherOptions {
  /**
   * Fewest organizations in one window that go out in bulk. Bulk costs a show_many, up to two jobs
   * and their (shared) polls, and a job takes seconds: below this, single create_or_update calls
   * are both cheaper and quicker.
   */
  bulkFrom: number;
}

/**
 * Organization writes with create_or_update's meaning, in bulk when many are in flight. Zendesk
 * has no create_or_update_many for organizations, so a batch asks `show_many?external_ids=` which
 * exist, then updates those by id through `update_many` and creates the others through
 * `create_many` (jobs, on the same job slots and shared polls as user upserts).
 *
 * The caller (OrganizationUpserter) keeps one write per organization in flight, so a batch never
 * holds one organization twice. Any item a job does not confirm (refused, failed, created by
 * someone else since show_many, an update result for another id) is re-run alone as
 * create_or_update, so its outcome is exactly the single call's.
 */
export class OrganizationWriteBatcher {
  private readonly batcher: MicroBatcher<OrganizationInput, Id>;
  readonly stats = { bulkBatches: 0, jobs: 0, lookups: 0, singleCalls: 0, itemRetries: 0 };

  constructor(
    private readonly api: ZendeskApi,
    private readonly bulk: BulkSwitch,
    private readonly o: OrganizationWriteOptions,
  ) {
    this.batcher = new MicroBatcher((items) => this.runBatch(items), o);
  }

  write(input: OrganizationInput): Promise<Id> {
    // Without an external id, show_many cannot tell whether it exists.
    if (input.external_id === undefined || input.external_id === null || input.external_id === '')
      return this.singleOrThrow(input);
    return this.batcher.add(input);
  }

  private async runBatch(inputs: OrganizationInput[]): Promise<ItemResult<Id>[]> {
    if (inputs.length < this.o.bulkFrom || !this.bulk.enabled) return this.singles(inputs);
    let existing: Map<string, Id>;
    try {
      this.stats.lookups++;
      const found = await this.api.showManyOrganizations(inputs.map((i) => String(i.external_id)));
      existing = new Map(found.flatMap((o) => (o.external_id ? [[o.external_id.toLowerCase(), o.id]] : [])));
    } catch {
      // Each item then meets Zendesk's trouble (or answer) on its own, as it would without bulk.
      return this.singles(inputs);
    }
    this.stats.bulkBatches++;
    const idOf = (i: OrganizationInput) => existing.get(String(i.external_id).toLowerCase());
    const creates: number[] = [];
    const updates: number[] = [];
    inputs.forEach((input, at) => (idOf(input) === undefined ? creates : updates).push(at));
    const out: ItemResult<Id>[] = new Array(inputs.length);
    await Promise.all([
      this.job(
        creates,
        inputs,
        out,
        (items) => this.api.createManyOrganizations(items),
        () => undefined,
      ),
      this.job(
        updates,
        inputs,
        out,
        (items) => this.api.updateManyOrganizations(items.map((i) => ({ ...i, id: idOf(i)! }))),
        idOf,
      ),
    ]);
    return out;
  }

  /** One job for the inputs at `positions`; what it does not confirm is re-run alone. */
  private async job(
    positions: number[],
    inputs: OrganizationInput[],
    out: ItemResult<Id>[],
    run: (items: OrganizationInput[]) => Promise<BulkItemResult[]>,
    expectedId: (i: OrganizationInput) => Id | undefined,
  ): Promise<void> {
    if (positions.length === 0) return;
    const items = positions.map((p) => inputs[p]!);
    let results: BulkItemResult[];
    try {
      this.stats.jobs++;
      results = await run(items);
    } catch (err) {
      if (!this.bulk.refused(err) && !isReject(err)) throw err;
      results = [];
    }
    const byIndex = new Map(results.map((r) => [r.index, r]));
    await Promise.all(
      positions.map(async (p, k) => {
        const r = byIndex.get(k);
        const want = expectedId(inputs[p]!);
        if (r?.ok && (want === undefined || r.id === want)) {
          out[p] = { ok: true, value: r.id };
          return;
        }
        if (results.length > 0) this.stats.itemRetries++;
        out[p] = await this.single(inputs[p]!);
      }),
    );
  }

  private singles(inputs: OrganizationInput[]): Promise<ItemResult<Id>[]> {
    return Promise.all(inputs.map((i) => this.single(i)));
  }

  private async single(input: OrganizationInput): Promise<ItemResult<Id>> {
    try {
      return { ok: true, value: await this.singleOrThrow(input) };
    } catch (error) {
      return { ok: false, error };
    }
  }

  private async singleOrThrow(input: OrganizationInput): Promise<Id> {
    this.stats.singleCalls++;
    return (await this.api.createOrUpdateOrganization(input)).organization.id;
  }
}

const isReject = (err: unknown): boolean =>
  typeof err === 'object' && err !== null && (err as { action?: unknown }).action === 'reject';
