#!/usr/bin/env bash
# npm run bench: builds, starts the local stack, runs bench/bench.ts, stops the stack.
exec bash "$(dirname "${BASH_SOURCE[0]}")/with-stack.sh" node --import tsx bench/bench.ts "$@"
