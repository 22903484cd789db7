#!/usr/bin/env bash
# Side-by-side run of `embargo bench` against Hyperscan (hsscan) and YARA from ../shared/peers:
# identical output is checked, then each tool is timed as a whole process (best of RUNS, warm cache).
# usage: Benchmarks/peers/compare.sh CORPUS PEERS_DIR [WORKLOAD...]   (workloads: small vendor dense)
set -euo pipefail
corpus=${1:-/usr/lib/x86_64-linux-gnu}
peers=${2:-../shared/peers}
shift 2 || true
workloads=${*:-small vendor dense}
jobs=${JOBS:-2}
here=$(cd "$(dirname "$0")" && pwd)
embargo=${EMBARGO:-$here/../../.build/release/embargo}
work=${WORK:-/tmp/embargo-peers}
mkdir -p "$work"
command -v yara >/dev/null || { echo "yara is not installed (apt-get install yara)" >&2; exit 2; }
[ -x "$work/hsscan" ] || gcc -O2 -o "$work/hsscan" "$peers/hsscan.c" -lhs -lpthread
[ -x "$embargo" ] || { echo "build embargo first: swift build -c release" >&2; exit 2; }

# The pattern sets: the vendor-style and small sets come from this repository, the dense set is sampled.
python3 "$here/vendor-patterns.py" vendor > "$work/vendor.txt"
python3 "$here/vendor-patterns.py" small > "$work/small.txt"
[ -s "$work/dense.txt" ] || python3 "$peers/make-patterns.py" "$corpus" 10000 1 > "$work/dense.txt"
for w in $workloads; do python3 "$peers/to-yara.py" "$work/$w.txt" > "$work/$w.yar"; done

# Warm the page cache.
find "$corpus" -type f -print0 | xargs -0 cat > /dev/null 2>&1 || true
find "$corpus" -type f -print0 | xargs -0 cat > /dev/null 2>&1 || true

. "$here/../timing.sh"

printf '| workload | patterns | Embargo (s) | Hyperscan (s) | YARA (s) | Embargo / Hyperscan | YARA / Embargo | output |\n'
printf '|---|---|---|---|---|---|---|---|\n'
for w in $workloads; do
    p="$work/$w.txt"
    "$work/hsscan" -j "$jobs" "$p" "$corpus" 2>/dev/null | sort > "$work/$w.hs"
    "$embargo" bench --patterns "$p" --jobs "$jobs" --print-hits "$corpus" 2>/dev/null | sort > "$work/$w.embargo"
    yara -N -r -p "$jobs" "$work/$w.yar" "$corpus" 2>/dev/null | python3 "$peers/yara-to-hits.py" | sort > "$work/$w.yara"
    same="identical"
    cmp -s "$work/$w.hs" "$work/$w.embargo" || same="DIFFERS from hsscan"
    cmp -s "$work/$w.hs" "$work/$w.yara" || same="$same; yara differs from hsscan"
    te=$(best "$embargo" bench --patterns "$p" --jobs "$jobs" "$corpus")
    th=$(best "$work/hsscan" -j "$jobs" "$p" "$corpus")
    ty=$(best yara -N -r -p "$jobs" "$work/$w.yar" "$corpus")
    n=$(grep -c . "$p")
    printf '| %s | %s | %s | %s | %s | %.2f | %.1f | %s (%s files with hits) |\n' "$w" "$n" "$te" "$th" "$ty" \
        "$(python3 -c "print($te / $th)")" "$(python3 -c "print($ty / $te)")" "$same" "$(wc -l < "$work/$w.hs")"
done
