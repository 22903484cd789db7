#!/bin/sh
# scripts/fuzz-all.sh SECONDS: runs every fuzz target for SECONDS (scripts/fuzz.sh), two at a time;
# fails if any target finds a crash (its input is then in Tests/Fixtures/fuzz-regressions/).
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-15}
swift build --product embargo-fuzz >/dev/null
targets=$(.build/debug/embargo-fuzz list)
# Build the fuzzing binary once before the targets run side by side.
scripts/fuzz.sh sniffer 1 >/dev/null 2>&1 || true
failed=""
run() {
    for target in "$@"; do
        if scripts/fuzz.sh "$target" "$seconds" > ".build-fuzz/$target.log" 2>&1; then
            echo "fuzz $target: $(grep -E 'stat::number_of_executed_units' ".build-fuzz/$target.log" | awk '{print $2}') runs, no crash"
        else
            echo "fuzz $target: FAILED (see .build-fuzz/$target.log)"
            tail -40 ".build-fuzz/$target.log"
            return 1
        fi
    done
}
first=$(echo "$targets" | awk 'NR % 2 == 1')
second=$(echo "$targets" | awk 'NR % 2 == 0')
status=0
run $first & one=$!
run $second & two=$!
wait $one || status=1
wait $two || status=1
exit $status
