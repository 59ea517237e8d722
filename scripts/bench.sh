#!/usr/bin/env bash
# npm run bench: builds, starts the local stack, runs bench/bench.ts, stops the stack.
# The broker keeps Kafka's default group.initial.rebalance.delay.ms (3 s; the tests' stack uses 0), so
# instances started together join one group generation, as replicas of a deployment do: the scale-out
# run measures three instances sharing the account, not the rebalances of a staggered start.
export STACK_KAFKA_INITIAL_REBALANCE_DELAY_MS="${STACK_KAFKA_INITIAL_REBALANCE_DELAY_MS:-3000}"
exec bash "$(dirname "${BASH_SOURCE[0]}")/with-stack.sh" node --import tsx bench/bench.ts "$@"
