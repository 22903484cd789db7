#!/usr/bin/env bash
# The matcher against Hyperscan over many generated vendor-style pattern sets (generate.py): for each
# seed, hsscan and `embargo bench --patterns` scan the corpus side by side (whole processes, best of
# RUNS, warm cache), their hits are compared for identity, and the ratio of their times printed; then
# the worst and the median ratio.
# usage: Benchmarks/patterns/sweep.sh [CORPUS] [FIRST_SEED] [LAST_SEED]   (environment: RUNS, JOBS, PEERS, EMBARGO)
set -euo pipefail
. "$(dirname "$0")/seeds.sh"
peers=${PEERS:-$here/../../../shared/peers}
[ -x "$work/hsscan" ] || gcc -O2 -o "$work/hsscan" "$peers/hsscan.c" -lhs -lpthread
echo "| seed | patterns | engine | hsscan (s) | embargo (s) | embargo / hsscan | hits |"
echo "|---|---|---|---|---|---|---|"
ratios=()
for seed in $(seq "$first" "$last"); do
    set_file=$(generated_set "$seed")
    count=$(grep -c . "$set_file")
    "$work/hsscan" -j "$jobs" "$set_file" "$corpus" 2>/dev/null | sort > "$work/hs-$seed.hits"
    "$embargo" bench --patterns "$set_file" --jobs "$jobs" --print-hits "$corpus" 2> "$work/embargo-$seed.err" | sort > "$work/embargo-$seed.hits"
    if cmp -s "$work/hs-$seed.hits" "$work/embargo-$seed.hits"; then same="identical ($(wc -l < "$work/hs-$seed.hits") files)"; else same="DIFFERENT"; fi
    engine=$(grep -o 'engine [a-z-]*' "$work/embargo-$seed.err" | head -1 | cut -d' ' -f2 || true)
    hs=$(best "$work/hsscan" -j "$jobs" "$set_file" "$corpus")
    em=$(best "$embargo" bench --patterns "$set_file" --jobs "$jobs" "$corpus")
    ratio=$(python3 -c "print(f'{$em / $hs:.2f}')")
    ratios+=("$ratio")
    echo "| $seed | $count | ${engine:-?} | $hs | $em | $ratio | $same |"
done
summary "" "${ratios[@]}"
