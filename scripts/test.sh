#!/usr/bin/env bash
# Sets up and runs every test against the real local stack, then stops the stack (even on failure).
# Prints `N passed, N failed` counted from vitest's JSON report; exits non-zero on any failure.
#   npm run test:all [-- <vitest args>]
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
REPORT="$ROOT/.stack/vitest-report.json"
mkdir -p "$ROOT/.stack"
rm -f "$REPORT"

# A stack still starting in the background is waited for first, so `down` finds every pid it wrote.
cleanup() {
  [[ -n "${stack_pid:-}" ]] && wait "$stack_pid" 2>/dev/null
  bash "$ROOT/scripts/stack.sh" down || true
}
trap cleanup EXIT

[[ -d node_modules ]] || npm ci || { echo "npm ci failed" >&2; exit 1; }
# Which runtime ran the suite (.ci/run puts Node 24 first on PATH; vitest and the services it starts use it).
echo "node $(node --version) ($(command -v node)): build, typecheck, lint and every test"
# The stack (JVMs, keytool) starts in the background while the checks below use the CPU: about a
# minute saved; its output is shown once it is up, or when it failed.
STACK_LOG="$ROOT/.stack/stack-up.log"
# The tests' stacks start their JVMs with C1 only (faster start, see scripts/stack.sh); not the bench's.
export STACK_JVM_FAST_START=1
bash "$ROOT/scripts/stack.sh" up >"$STACK_LOG" 2>&1 &
stack_pid=$!
npm run --silent build || { echo "build (tsc) failed" >&2; exit 1; }
npm run --silent typecheck || { echo "typecheck (src, tests, bench, scripts) failed" >&2; exit 1; }
npm run --silent lint || { echo "lint failed" >&2; exit 1; }
npm run --silent format:check || { echo "formatting (prettier --check .) failed: npm run format" >&2; exit 1; }
stack_rc=0
wait "$stack_pid" || stack_rc=$?
stack_pid=
cat "$STACK_LOG" >&2
[[ $stack_rc -eq 0 ]] || { echo "the local stack did not start" >&2; exit 1; }
eval "$(bash "$ROOT/scripts/stack.sh" env)"
export KAFKA_BROKERS SCHEMA_REGISTRY_URL

npx vitest run --reporter=default --reporter=json --outputFile.json="$REPORT" "$@"
rc=$?
# On a failure, what the broker and the registry said last (a failing case may come from either).
if [[ $rc -ne 0 ]]; then
  for f in "$ROOT/.stack/registry/stdout.log" "$ROOT/.stack/kafka/server.log"; do
    [[ -f "$f" ]] && { echo "--- tail of ${f#"$ROOT"/}" >&2; tail -40 "$f" >&2; }
  done
  # Named last, after the log tails, so the end of the log says which tests failed.
  [[ -s "$REPORT" ]] && node "$ROOT/scripts/failed-tests.mjs" "$REPORT"
fi

if [[ ! -s "$REPORT" ]]; then echo "vitest wrote no JSON report" >&2; echo "0 passed, 1 failed"; exit 1; fi
read -r passed failed total < <(node -e '
  const r = require(process.argv[1]);
  console.log(r.numPassedTests, r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0) + (r.numFailedTestSuites && !r.numFailedTests ? r.numFailedTestSuites : 0), r.numTotalTests);
' "$REPORT")
echo "$passed passed, $failed failed"
if [[ "$total" -eq 0 ]]; then echo "no test ran" >&2; exit 1; fi
if [[ $rc -ne 0 || $failed -ne 0 ]]; then exit 1; fi
exit 0
