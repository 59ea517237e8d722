import type { Config } from '../config.js';
import { describeConfig, secretsOf } from '../config.js';
import { createDestination } from '../destination/index.js';
import { defaultDestinationSettings } from '../destination/settings.js';
import { createLogger } from '../ops/logger.js';
import { createMetrics, setEventsApiAllowance, watchJobSlots } from '../ops/metrics.js';
import { startHealthServer } from '../ops/health.js';
import { inFlightLimits, SegmentPipeline } from '../pipeline/consumer.js';
import { createKafka } from '../pipeline/kafka.js';
import { brokerTlsProblem, ensureTopics, PreflightError, registryProblem } from '../pipeline/preflight.js';
import { createRegistry, SegmentCodec } from '../segment/codec.js';
import { ZendeskClient } from '../zendesk/client.js';
import { AccountCheckError, checkAccount } from '../zendesk/preflight.js';
import { observeClient, observePipeline } from './observe.js';

/**
 * `run`: the service. Wires settings → logger, metrics, health → Zendesk client → destination →
 * consumer pipeline, and drains on SIGTERM/SIGINT. Resolves with the process exit code.
 */
export async function runCommand(config: Config): Promise<number> {
  const log = createLogger({
    level: config.log.level,
    format: config.log.format,
    secrets: secretsOf(config),
  });
  log.info('starting zendesk-destination', { config: describeConfig(config) });
  for (const w of config.warnings) log.warn(w);
  // A broker certificate this client refuses stops start-up at once, before /healthz can answer: no
  // retry heals it, and a process retrying it must not look alive.
  const tlsRefused = await brokerTlsProblem(config.kafka);
  if (tlsRefused) {
    log.error(tlsRefused);
    return 1;
  }

  // A fatal error (KafkaJS stopped for good, a partition stalled for good) stops the service and
  // exits 1, so the orchestrator restarts it; commits made so far are safe.
  let fatalError: Error | undefined;
  let fatalExit: ((error: Error) => void) | undefined;
  const fatal = (error: Error) => {
    fatalError ??= error;
    fatalExit?.(error);
  };
  const metrics = createMetrics();
  setEventsApiAllowance(
    metrics,
    config.destination.eventsMonthlyAllowance ?? defaultDestinationSettings.eventsMonthlyAllowance!,
  );
  const naive = config.pipeline.mode === 'naive';
  const client = new ZendeskClient({
    baseUrl: config.zendesk.baseUrl,
    auth: config.zendesk.auth,
    concurrency: config.zendesk.concurrency,
    requestTimeoutMs: config.zendesk.requestTimeoutMs,
    maxRetryTimeMs: config.zendesk.maxRetryTimeMs,
    accountRatePerMinute: config.zendesk.ratePerMinute,
    timeScale: config.zendesk.timeScale,
    hooks: observeClient(metrics),
    logger: log,
  });
  watchJobSlots(metrics, () => client.jobSlots());
  const destination = createDestination({
    api: client,
    settings: config.destination,
    logger: log,
    mode: config.pipeline.mode,
  });
  const kafka = createKafka({ ...config.kafka }, (level, message, meta) => log.log(level, message, meta));
  const codec = new SegmentCodec(
    createRegistry(config.schemaRegistry),
    SegmentCodec.subjectFor(config.kafka.topic),
  );
  const pipeline = new SegmentPipeline({
    kafka,
    topic: config.kafka.topic,
    ...(config.kafka.retryTopic ? { retryTopic: config.kafka.retryTopic } : {}),
    groupId: config.kafka.groupId,
    dlqTopic: config.kafka.dlqTopic,
    fromBeginning: config.kafka.fromBeginning,
    codec,
    destination,
    log,
    observer: observePipeline(metrics),
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    stallExitMs: config.stallExitMs,
    partitionsConcurrently: config.pipeline.partitionsConcurrently,
    laneConcurrency: config.pipeline.lanesPerPartition,
    maxBytesPerPartition: config.pipeline.fetchMaxBytesPerPartition,
    inFlightLimits: inFlightLimits(config.pipeline.maxInFlightEvents, config.pipeline.maxInFlightBytes),
    // KafkaJS stopped for good: exit non-zero so the orchestrator restarts us (commits are safe).
    onFatal: (error) => fatal(error),
    // Instances of one group share the account's job slots in the part of the partitions each reads.
    onPartOfWork: (part) => client.entitleJobSlots(part),
    // The naive baseline of the benchmark: one event at a time per partition, no coalescing.
    ...(naive ? { laneConcurrency: 1, coalesce: false } : {}),
  });
  const health = await startHealthServer({
    port: config.http.port,
    host: config.http.host,
    metrics,
    isReady: () => pipeline.readiness(),
    fatal: () => (fatalError ? `fatal: ${fatalError.message}` : undefined),
  });
  log.info('health and metrics listening', { host: config.http.host, port: health.port });

  let stopping: Promise<void> | undefined;
  /** What was still at work when the shutdown deadline passed: only exiting ends it. */
  let unfinished: string | undefined;
  /** Drains and closes everything; returns within the shutdown timeout plus two seconds, whatever hangs. */
  const stop = (signal: string) => {
    if (stopping) return stopping;
    log.info('stopping: draining in-flight events', { signal, deadlineMs: config.shutdownTimeoutMs });
    const work = (async () => {
      if (!(await pipeline.stop())) unfinished = 'the Kafka client (a disconnect still retrying)';
      await client.close();
      await health.close();
    })();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        unfinished ??= 'the shutdown';
        log.warn('shutdown took longer than its deadline; exiting anyway', {
          deadlineMs: config.shutdownTimeoutMs,
        });
        resolve();
      }, config.shutdownTimeoutMs + 2000);
    });
    stopping = Promise.race([work, late]).finally(() => clearTimeout(timer));
    return stopping;
  };
  const exit = new Promise<number>((resolve) => {
    for (const sig of ['SIGTERM', 'SIGINT'] as const)
      process.once(
        sig,
        () =>
          void stop(sig).then(
            () => resolve(fatalError ? 1 : 0),
            () => resolve(1),
          ),
      );
    fatalExit = () =>
      void stop('fatal').then(
        () => resolve(1),
        () => resolve(1),
      );
    if (fatalError) fatalExit(fatalError);
  });

  const summary = setInterval(() => {
    const c = pipeline.counts;
    log.info('progress', { ...c, readiness: pipeline.readiness() });
  }, 30_000);
  summary.unref();

  try {
    // Preflight: one clear line per problem. Missing topics stop start-up (or are created when asked);
    // a registry that does not answer is only a warning, since its outage pauses and heals like any other.
    await ensureTopics(kafka, {
      topics: {
        [config.kafka.topic]: 'source topic (KAFKA_TOPIC)',
        [config.kafka.dlqTopic]: 'dead-letter topic (KAFKA_DLQ_TOPIC)',
        ...(config.kafka.retryTopic ? { [config.kafka.retryTopic]: 'retry topic (KAFKA_RETRY_TOPIC)' } : {}),
      },
      create: config.kafka.createTopics,
      partitions: config.kafka.partitions,
      onCreated: (topic) => log.info('created topic', { topic, partitions: config.kafka.partitions }),
    });
    const registry = await registryProblem(config.schemaRegistry.url, config.schemaRegistry);
    if (registry) log.warn(`${registry}; decoding waits (partitions pause) until it does`);
    // The credentials (GET users/me): refused or pointing at something that is not Zendesk stops
    // start-up with one line; Zendesk down or slow (15 s at most here) is only a warning, since its
    // outage pauses and heals like any other.
    let accountTimer: NodeJS.Timeout | undefined;
    const account = await Promise.race([
      checkAccount(client, { auth: config.zendesk.auth, baseUrl: config.zendesk.baseUrl }).catch(
        (e: unknown) => e as Error,
      ),
      new Promise<'slow'>((r) => (accountTimer = setTimeout(() => r('slow'), 15_000))),
    ]).finally(() => clearTimeout(accountTimer));
    if (account === 'slow')
      log.warn('could not check the Zendesk account yet (no answer in 15 s); starting anyway');
    else if (account instanceof AccountCheckError && !account.retriable) throw account;
    else if (account instanceof Error)
      log.warn(`could not check the Zendesk account yet: ${account.message}`);
    else {
      log.info('zendesk account checked', { role: account.role, canCreateFields: account.canCreateFields });
      for (const w of account.warnings) log.warn(w);
    }
    await pipeline.start();
  } catch (e) {
    if (e instanceof PreflightError || e instanceof AccountCheckError) log.error((e as Error).message);
    else log.error('could not start the consumer', { error: (e as Error).message });
    await stop('startup-failure');
    return 1;
  }
  const code = await exit;
  clearInterval(summary);
  log.info('stopped', { ...pipeline.counts });
  // Let the transports flush the last lines, but never hang the exit on them.
  if (unfinished) log.warn('exiting with work unfinished after the shutdown deadline', { unfinished });
  await Promise.race([
    new Promise((r) => log.on('finish', r).end()),
    new Promise((r) => setTimeout(r, 1000).unref()),
  ]);
  // Expected after a deadline (a disconnect retrying against a broker that is down keeps its retry
  // timers): exit now. Without one, the process must end by itself; the CLI's guard reports it if not.
  if (unfinished) process.exit(code);
  return code;
}
