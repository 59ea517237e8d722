#!/usr/bin/env bash
# The whole pipeline on this machine: Kafka + schema registry (real, from Maven Central), the Zendesk
# sandbox, the sample events of examples/, the destination itself; prints what Zendesk now holds and the
# dead letters by reason, then stops everything.   npm run demo
exec bash "$(dirname "${BASH_SOURCE[0]}")/with-stack.sh" node --import tsx scripts/demo.ts "$@"
