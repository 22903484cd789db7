# Sourced by the scripts that run over generated pattern sets (sweep.sh, engines.sh) with their
# arguments [CORPUS] [FIRST_SEED] [LAST_SEED]: sets corpus, first, last, jobs, here, embargo and work
# (environment: JOBS, EMBARGO, WORK), loads timing.sh and warms the page cache over the corpus.
corpus=${1:-/usr/lib/x86_64-linux-gnu}
first=${2:-1}
last=${3:-24}
jobs=${JOBS:-2}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
embargo=${EMBARGO:-$here/../../.build/release/embargo}
work=${WORK:-/tmp/embargo-sweep}
mkdir -p "$work"
. "$here/../timing.sh"
find "$corpus" -type f -print0 | xargs -0 cat > /dev/null 2>&1 || true

# generated_set SEED: writes the set of SEED to $work/set-SEED.txt and prints that path.
generated_set() {
    python3 "$here/generate.py" "$1" > "$work/set-$1.txt"
    echo "$work/set-$1.txt"
}

# summary LABEL RATIO...: prints the worst and the median of the ratios.
summary() {
    python3 -c "
import statistics, sys
values = sorted(float(v) for v in sys.argv[2:])
print(f'{sys.argv[1]}worst {values[-1]:.2f}, median {statistics.median(values):.2f} over {len(values)} seeds')
" "$@"
}
