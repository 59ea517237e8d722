#!/usr/bin/env bash
# Runs a command with the local stack up: installs if needed, builds, starts Kafka and the registry,
# exports the settings that point at them, runs "$@", and stops the stack whatever happens.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
[[ -d node_modules ]] || npm ci --no-audit --no-fund
npm run --silent build
trap 'bash scripts/stack.sh down' EXIT
bash scripts/stack.sh up
eval "$(bash scripts/stack.sh env)"
export KAFKA_BROKERS SCHEMA_REGISTRY_URL
"$@"
