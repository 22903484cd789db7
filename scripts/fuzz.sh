#!/bin/sh
# scripts/fuzz.sh TARGET SECONDS: coverage-guided fuzzing of one reader (or of the whole pipeline,
# TARGET=item) with libFuzzer and AddressSanitizer, seeded by scripts/make-fuzz-seeds.sh. The corpus
# grows in .build-fuzz/corpus/TARGET from run to run. A crash is saved to
# Tests/Fixtures/fuzz-regressions/TARGET/ and the script fails: commit the input, and
# FuzzRegressionTests runs it ever after. `scripts/fuzz.sh list` names the targets. With
# EMBARGO_FUZZ_BINARY set, that binary is used as it is (for long campaigns over one build).
set -eu
cd "$(dirname "$0")/.."
scratch=.build-fuzz
if [ "${1:-}" = list ]; then
    swift build --product embargo-fuzz >/dev/null && .build/debug/embargo-fuzz list
    exit 0
fi
target=$1
seconds=$2
# EMBARGO_FUZZ_BINARY: a fuzzing binary built before (so that long runs all fuzz the same build).
binary=${EMBARGO_FUZZ_BINARY:-$scratch/debug/embargo-fuzz}
if [ -z "${EMBARGO_FUZZ_BINARY:-}" ]; then
    swift build --scratch-path "$scratch" --product embargo-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING \
        -Xswiftc -parse-as-library -Xswiftc -use-ld=lld >&2
fi
corpus=$scratch/corpus/$target
artifacts=$scratch/artifacts/$target
mkdir -p "$corpus" "$artifacts"
scripts/make-fuzz-seeds.sh "$target" "$corpus"
export EMBARGO_FUZZ_TARGET="$target" SWIFT_BACKTRACE=enable=no ASAN_OPTIONS="detect_leaks=0:${ASAN_OPTIONS:-}"
status=0
"$binary" "$corpus" -max_total_time="$seconds" -artifact_prefix="$artifacts/" -rss_limit_mb=4096 \
    -timeout=30 -print_final_stats=1 || status=$?
if [ "$status" -ne 0 ]; then
    regressions=Tests/Fixtures/fuzz-regressions/$target
    mkdir -p "$regressions"
    cp "$artifacts"/* "$regressions/" 2>/dev/null || true
    echo "fuzz target $target failed (status $status); inputs saved in $regressions" >&2
fi
exit "$status"
