#!/bin/sh
# scripts/fuzz-all.sh SECONDS: runs every fuzz target for SECONDS (scripts/fuzz.sh), two at a time;
# fails if any target finds a crash (its input is then in Tests/Fixtures/fuzz-regressions/).
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-15}
swift build --product embargo-fuzz >/dev/null
targets=$(.build/debug/embargo-fuzz list)
# Build the fuzzing binary once: the targets then run side by side on it, with no build racing
# another in the same scratch path.
EMBARGO_FUZZ_BINARY=$(scripts/fuzz.sh build)
export EMBARGO_FUZZ_BINARY
logs=.build-fuzz-runs/logs
mkdir -p "$logs"
run() {
    for target in "$@"; do
        if scripts/fuzz.sh "$target" "$seconds" > "$logs/$target.log" 2>&1; then
            echo "fuzz $target: $(grep -E 'stat::number_of_executed_units' "$logs/$target.log" | awk '{print $2}') runs, no crash"
        else
            echo "fuzz $target: FAILED (see $logs/$target.log)"
            tail -40 "$logs/$target.log"
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
