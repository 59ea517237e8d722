#!/usr/bin/env bash
# The whole pipeline on this machine: Kafka + schema registry (real, from Maven Central), the Zendesk
# sandbox, the sample events of examples/, the destination itself; prints what Zendesk now holds and the
# dead letters by reason, then stops everything.   npm run demo
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
[[ -d node_modules ]] || npm ci --no-audit --no-fund
npm run --silent build
trap 'bash scripts/stack.sh down' EXIT
bash scripts/stack.sh up
eval "$(bash scripts/stack.sh env)"
export KAFKA_BROKERS SCHEMA_REGISTRY_URL
node --import tsx scripts/demo.ts "$@"
