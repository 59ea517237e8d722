/** The validated settings as the service uses them: plain fields from the table, the rest from the rules. */
import type { DestinationSettings } from '../destination/settings.js';
import type { ZendeskAuth } from '../zendesk/auth.js';
import type { KafkaTls, RegistrySettings, Sasl } from './rules.js';
import type { SectionOf, TopLevelFields } from './settings.js';

export interface Config extends TopLevelFields {
  kafka: SectionOf<'kafka'> & { dlqTopic: string; sasl?: Sasl; tls?: KafkaTls };
  schemaRegistry: RegistrySettings;
  zendesk: SectionOf<'zendesk'> & {
    /** `https://<subdomain>.zendesk.com` or ZENDESK_URL, without a trailing slash. */
    baseUrl: string;
    auth: ZendeskAuth;
  };
  destination: DestinationSettings;
  http: SectionOf<'http'>;
  log: SectionOf<'log'>;
  pipeline: SectionOf<'pipeline'>;
  /** Start-up warnings (deprecated credentials, ignored settings …), to be logged once; no secrets. */
  warnings: string[];
}

/** The settings of the commands that only talk to Kafka and the registry (`produce`, `dlq`): no Zendesk needed. */
export type KafkaSideConfig = Pick<Config, 'kafka' | 'schemaRegistry'>;
