#!/usr/bin/env bash
# `make test`: every suite. The lab and browser suites (e2e) run one file at a time, and vitest
# gives a 2-core machine one worker, so one run would take the ten-minute load test (test/soak)
# in turn with everything else. The load test needs nothing but its own lab (its namespaces,
# ports and files are its own), so it runs in a second vitest beside the rest; its report follows
# theirs. Exits non-zero when either run failed; an interrupt stops both (each tears down its lab).
set -uo pipefail
cd "$(dirname "$0")/.."
VITEST=node_modules/.bin/vitest

log=$(mktemp "${TMPDIR:-/tmp}/lanvpn-soak-XXXXXX")
"$VITEST" run --project soak >"$log" 2>&1 &
soak=$!
finish() {
  kill "$soak" 2>/dev/null && wait "$soak" 2>/dev/null
  rm -f "$log"
}
trap finish EXIT
trap 'exit 130' INT TERM

"$VITEST" run --project unit --project contract --project webui --project e2e
rest=$?
wait "$soak"
soaked=$?
echo
echo "── test/soak, the ten-minute load test, run beside the suites above (exit $soaked) ──"
cat "$log"
[ "$rest" -eq 0 ] && [ "$soaked" -eq 0 ]
