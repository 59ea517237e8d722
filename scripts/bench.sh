#!/usr/bin/env bash
# npm run bench: builds, starts the local stack, runs bench/bench.ts, stops the stack.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
[[ -d node_modules ]] || npm ci --no-audit --no-fund
npm run --silent build
trap 'bash scripts/stack.sh down' EXIT
bash scripts/stack.sh up
eval "$(bash scripts/stack.sh env)"
export KAFKA_BROKERS SCHEMA_REGISTRY_URL
node --import tsx bench/bench.ts
