#!/usr/bin/env bash
# `make test`: every suite. The lab and browser suites (e2e) run one file at a time, and vitest
# gives a 2-core machine one worker, so one run would take the ten-minute load test (test/soak)
# in turn with everything else. The load test needs nothing but its own lab (its namespaces,
# ports and files are its own), so it runs in a second vitest beside the rest; its report follows
# theirs. The last lines name every failed test of both runs, so a log that keeps only its tail
# (CI's) still says what failed. Exits non-zero when either run failed; an interrupt stops both
# (each tears down its lab).
set -uo pipefail
cd "$(dirname "$0")/.."
VITEST=node_modules/.bin/vitest

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lanvpn-test-XXXXXX")
"$VITEST" run --project soak --reporter=default --reporter=json \
  --outputFile.json="$tmp/soak.json" >"$tmp/soak.log" 2>&1 &
soak=$!
finish() {
  kill "$soak" 2>/dev/null && wait "$soak" 2>/dev/null
  rm -rf "$tmp"
}
trap finish EXIT
trap 'exit 130' INT TERM

"$VITEST" run --project unit --project contract --project webui --project e2e \
  --reporter=default --reporter=json --outputFile.json="$tmp/rest.json"
rest=$?
wait "$soak"
soaked=$?
echo
echo "── test/soak, the ten-minute load test, run beside the suites above (exit $soaked) ──"
cat "$tmp/soak.log"
echo
node scripts/test-summary.mjs "$tmp/rest.json" "$tmp/soak.json"
[ "$rest" -eq 0 ] && [ "$soaked" -eq 0 ]
