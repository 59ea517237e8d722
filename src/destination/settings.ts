/** What the operator decides about the destination's behaviour (SPEC section 6, ZENDESK_* switches). */
export interface DestinationSettings {
  /** The track allow-list: exact, case-sensitive event names. */
  trackEvents: string[];
  /** `verified` on every user upsert. */
  createUsersAsVerified: boolean;
  /** A group without userId upserts only the organization instead of being dead-lettered. */
  sendGroupCallsWithoutUserId: boolean;
  /** Honour `traits.company.remove` on identify. */
  removeUsersFromOrganization: boolean;
  /** Honour `deleted: true` on group. */
  allowOrganizationDeletes: boolean;
  /** Events API `source`; "zendesk" is reserved by Zendesk. */
  eventSource: string;
  /** Events API events per month the plan allows; a warning as this process's count nears it. */
  eventsMonthlyAllowance?: number;
}

export const defaultDestinationSettings: DestinationSettings = Object.freeze({
  trackEvents: [],
  createUsersAsVerified: false,
  sendGroupCallsWithoutUserId: false,
  removeUsersFromOrganization: false,
  allowOrganizationDeletes: false,
  eventSource: 'segment',
  eventsMonthlyAllowance: 750_000,
}) as DestinationSettings;

/** Throws on settings Zendesk would refuse for every event, so the mistake shows at start-up. */
export function checkSettings(settings: DestinationSettings): void {
  const source = settings.eventSource.trim();
  if (source === '') throw new Error('eventSource must not be empty');
  if (source.toLowerCase() === 'zendesk') throw new Error('eventSource "zendesk" is reserved by Zendesk');
}
