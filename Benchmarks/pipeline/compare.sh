#!/usr/bin/env bash
# The whole scanner side by side with the peers on one tree, whole processes, best of RUNS runs
# after a warm-up: `embargo scan` (every archive member opened), `embargo scan --max-depth 0` (no
# archive opened), Hyperscan's hsscan and YARA with the same vendor-style pattern set (they open no
# archive), and ClamAV's clamscan when it is installed with a database. Prints one table row per tool
# with its ratio to hsscan.
# usage: Benchmarks/pipeline/compare.sh TREE... (environment: RUNS, JOBS, PEERS, EMBARGO)
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 TREE..." >&2; exit 2; }
jobs=${JOBS:-2}
here=$(cd "$(dirname "$0")" && pwd)
peers=${PEERS:-$here/../../../shared/peers}
embargo=${EMBARGO:-$here/../../.build/release/embargo}
work=${WORK:-/tmp/embargo-pipeline}
mkdir -p "$work"
[ -x "$embargo" ] || { echo "build embargo first: swift build -c release --static-swift-stdlib --product embargo" >&2; exit 2; }
[ -x "$work/hsscan" ] || gcc -O2 -o "$work/hsscan" "$peers/hsscan.c" -lhs -lpthread
python3 "$here/../peers/vendor-patterns.py" vendor > "$work/vendor.txt"
python3 "$peers/to-yara.py" "$work/vendor.txt" > "$work/vendor.yar"
. "$here/../timing.sh"

# Warm the page cache.
for tree in "$@"; do find "$tree" -type f -print0 2>/dev/null | xargs -0 cat > /dev/null 2>&1 || true; done

hs=$(best "$work/hsscan" -j "$jobs" "$work/vendor.txt" "$@")
full=$(best "$embargo" scan --format jsonl --fail-on never --jobs "$jobs" "$@")
flat=$(best "$embargo" scan --max-depth 0 --format jsonl --fail-on never --jobs "$jobs" "$@")
row() { printf '| %s | %s | %s |\n' "$1" "$2" "$(python3 -c "print(f'{$2 / $hs:.2f}')")"; }
echo "| tool | seconds | / hsscan |"
echo "|---|---|---|"
row "hsscan -j $jobs (315 vendor patterns, no archive opened)" "$hs"
row "embargo scan --jobs $jobs (every archive member opened)" "$full"
row "embargo scan --max-depth 0 --jobs $jobs (no archive opened)" "$flat"
# YARA scans one target per run.
if command -v yara >/dev/null && [ $# -eq 1 ]; then
    row "yara -p $jobs (the same patterns, no archive opened)" "$(best yara -N -r -p "$jobs" "$work/vendor.yar" "$1")"
else
    echo "(yara: takes one target; give one tree to measure it)"
fi
if command -v clamscan >/dev/null && clamscan --version >/dev/null 2>&1 && [ -n "$(ls /var/lib/clamav 2>/dev/null)" ]; then
    row "clamscan -r (one thread, opens archives)" "$(best clamscan -r --no-summary --infected "$@")"
else
    echo "(clamscan: not installed with a signature database; not measured)"
fi
