#!/bin/sh
# scripts/fuzz.sh TARGET SECONDS: coverage-guided fuzzing of one reader (or of the whole pipeline,
# TARGET=item) with libFuzzer and AddressSanitizer, seeded by scripts/make-fuzz-seeds.sh. The corpus
# grows in .build-fuzz-runs/corpus/TARGET from run to run. A crash is saved to
# Tests/Fixtures/fuzz-regressions/TARGET/ and the script fails: commit the input, and
# FuzzRegressionTests runs it ever after. `scripts/fuzz.sh list` names the targets;
# `scripts/fuzz.sh build` builds the fuzzing binary and prints its path. With EMBARGO_FUZZ_BINARY
# set, that binary is used as it is (for runs side by side, or long campaigns over one build).
set -eu
cd "$(dirname "$0")/.."
scratch=.build-fuzz
# Corpora and crash inputs live outside the scratch path: SwiftPM owns `$scratch/artifacts`.
runs=.build-fuzz-runs
build() {
    swift build --scratch-path "$scratch" --product embargo-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING \
        -Xswiftc -parse-as-library -Xswiftc -use-ld=lld >&2
    echo "$scratch/debug/embargo-fuzz"
}
case "${1:-}" in
list)
    swift build --product embargo-fuzz >/dev/null && .build/debug/embargo-fuzz list
    exit 0
    ;;
build)
    build
    exit 0
    ;;
esac
target=$1
seconds=$2
binary=${EMBARGO_FUZZ_BINARY:-$(build)}
corpus=$runs/corpus/$target
artifacts=$runs/crashes/$target
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
