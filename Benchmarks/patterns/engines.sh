#!/usr/bin/env bash
# The automatic engine choice against every engine forced, over generated vendor-style pattern sets
# (generate.py): for each seed, `embargo bench --patterns` runs with `--engine automatic`, `teddy`,
# `fdr` and `aho-corasick` (whole processes, best of RUNS, warm cache; an engine that refuses the set,
# Teddy beyond 64 anchors, is left out), and the automatic time is printed as a ratio to the fastest
# engine. Then the worst and the median of those ratios: the issue's bound is 1.5.
# usage: Benchmarks/patterns/engines.sh [CORPUS] [FIRST_SEED] [LAST_SEED]   (environment: RUNS, JOBS, EMBARGO)
set -euo pipefail
. "$(dirname "$0")/seeds.sh"
engines=(automatic teddy fdr aho-corasick)
echo "| seed | patterns | chosen | ${engines[0]} (s) | ${engines[1]} (s) | ${engines[2]} (s) | ${engines[3]} (s) | automatic / fastest |"
echo "|---|---|---|---|---|---|---|---|"
ratios=()
for seed in $(seq "$first" "$last"); do
    set_file=$(generated_set "$seed")
    count=$(grep -c . "$set_file")
    cells=()
    chosen=""
    fastest=999999
    automatic=0
    for engine in "${engines[@]}"; do
        # A first run tells whether the engine takes the set and, for the automatic one, what it chose.
        if ! "$embargo" bench --patterns "$set_file" --engine "$engine" --jobs "$jobs" "$corpus" \
            2> "$work/engine-$seed.err" > /dev/null; then
            cells+=("refused")
            continue
        fi
        [ "$engine" = automatic ] && chosen=$(grep -o 'engine [a-z-]*' "$work/engine-$seed.err" | head -1 | cut -d' ' -f2 || true)
        seconds=$(best "$embargo" bench --patterns "$set_file" --engine "$engine" --jobs "$jobs" "$corpus")
        cells+=("$seconds")
        [ "$engine" = automatic ] && automatic=$seconds
        fastest=$(python3 -c "print(min($fastest, $seconds))")
    done
    ratio=$(python3 -c "print(f'{$automatic / $fastest:.2f}')")
    ratios+=("$ratio")
    row="| $seed | $count | ${chosen:-?} |"
    for cell in "${cells[@]}"; do row+=" $cell |"; done
    echo "$row $ratio |"
done
summary "automatic / fastest engine: " "${ratios[@]}"
