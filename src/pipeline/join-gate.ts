/**
 * A hook KafkaJS does not offer: an awaited call before the consumer (re)joins its group.
 *
 * KafkaJS rejoins as soon as it hears a rebalance. Heard after a batch, our eachBatch can hold it
 * (handover.ts); heard while idle in a fetch (the heartbeat after an empty fetch), there is no batch to
 * hold back, and it rejoins at once: runs still in flight on a partition that is then revoked are sent
 * again by its next owner, and while both write an older write can land after a newer one.
 *
 * Every join of KafkaJS 2.x (ConsumerGroup's join, whatever made it rejoin) starts by looking up the
 * group coordinator on the consumer's own cluster, and nothing else of the consumer does that but
 * `describeGroup`, which we do not use. That look-up is wrapped to await `beforeJoin` first. The cluster
 * is created by the Kafka object's private factory, wrapped for the one `consumer()` call only. When
 * this KafkaJS has no such factory, the consumer is made as usual and `gated` is false.
 */
import type { Consumer, ConsumerConfig, Kafka } from 'kafkajs';

type Cluster = { findGroupCoordinator?: (...args: unknown[]) => Promise<unknown> };
type ClusterFactory = (options: unknown) => Cluster;

export function consumerWithJoinGate(
  kafka: Kafka,
  config: ConsumerConfig,
  beforeJoin: () => Promise<void>,
): { consumer: Consumer; gated: boolean } {
  const own = kafka as unknown as Record<symbol, ClusterFactory | undefined>;
  const key = Object.getOwnPropertySymbols(kafka).find(
    (s) => s.description === 'private:Kafka:createCluster',
  );
  const create = key === undefined ? undefined : own[key];
  if (key === undefined || typeof create !== 'function')
    return { consumer: kafka.consumer(config), gated: false };
  let gated = false;
  own[key] = (options) => {
    const cluster = create(options);
    const find = cluster.findGroupCoordinator?.bind(cluster);
    if (find) {
      cluster.findGroupCoordinator = async (...args) => {
        await beforeJoin();
        return find(...args);
      };
      gated = true;
    }
    return cluster;
  };
  try {
    return { consumer: kafka.consumer(config), gated };
  } finally {
    own[key] = create;
  }
}
