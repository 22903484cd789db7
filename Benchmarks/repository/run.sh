#!/usr/bin/env bash
# Repository scanning throughput: a generated Debian repository of N packages (default 2000, two of
# them Kaspersky's, the rest ordinary packages of 20-200 KiB each), scanned index-only (the
# default) and with --deep, each the best of RUNS runs; prints packages per second.
# usage: Benchmarks/repository/run.sh [N]      (needs dpkg-dev; EMBARGO=path/to/embargo)
set -euo pipefail
count=${1:-2000}
here=$(cd "$(dirname "$0")" && pwd)
embargo=${EMBARGO:-$here/../../.build/release/embargo}
fixtures=$here/../../Tests/Fixtures/vendor
work=${WORK:-/tmp/embargo-repository-bench}
[ -x "$embargo" ] || { echo "build embargo first: swift build -c release" >&2; exit 2; }

if [ ! -f "$work/.complete-$count" ]; then
    rm -rf "$work" && mkdir -p "$work/repo/pool/main" "$work/staging"
    cp "$fixtures/kesl_12.1.0-1234_amd64.deb" "$fixtures/kaspersky-cybertrace_4.3.0-1_amd64.deb" "$work/repo/pool/main/"
    for i in $(seq 3 "$count"); do
        tree="$work/staging/p$i"
        mkdir -p "$tree/DEBIAN" "$tree/usr/lib/tool$i"
        printf 'Package: tool%s\nVersion: 1.%s\nArchitecture: amd64\nMaintainer: Example <dev@example.org>\nDescription: ordinary tool %s\n' "$i" "$i" "$i" > "$tree/DEBIAN/control"
        head -c $(( (i % 10 + 1) * 20 * 1024 )) /dev/urandom > "$tree/usr/lib/tool$i/data.bin"
        dpkg-deb --build --root-owner-group -Zgzip -z1 "$tree" "$work/repo/pool/main/tool${i}_1.${i}_amd64.deb" > /dev/null
        rm -rf "$tree"
    done
    mkdir -p "$work/repo/dists/stable/main/binary-amd64"
    (cd "$work/repo" && dpkg-scanpackages --multiversion pool /dev/null 2> /dev/null > dists/stable/main/binary-amd64/Packages)
    gzip -9 --keep "$work/repo/dists/stable/main/binary-amd64/Packages"
    (cd "$work/repo/dists/stable" && {
        printf 'Origin: Benchmark\nSuite: stable\nSHA256:\n'
        find main -type f | sort | while read -r f; do
            printf ' %s %s %s\n' "$(sha256sum "$f" | cut -d' ' -f1)" "$(stat -c %s "$f")" "$f"
        done
    } > Release)
    touch "$work/.complete-$count"
fi
find "$work/repo" -type f -print0 | xargs -0 cat > /dev/null

. "$here/../timing.sh"
size=$(du -sh "$work/repo/pool" | cut -f1)
index=$(best "$embargo" scan "$work/repo" --format jsonl --fail-on never)
deep=$(best "$embargo" scan "$work/repo" --deep --format jsonl --fail-on never)
findings=$("$embargo" scan "$work/repo" --format jsonl --fail-on never 2>/dev/null | grep -c '"type":"finding"')
printf '| mode | packages | pool | seconds | packages/s | findings |\n|---|---|---|---|---|---|\n'
printf '| index only | %s | %s | %s | %.0f | %s |\n' "$count" "$size" "$index" "$(python3 -c "print($count / $index)")" "$findings"
findings=$("$embargo" scan "$work/repo" --deep --format jsonl --fail-on never 2>/dev/null | grep -c '"type":"finding"')
printf '| --deep | %s | %s | %s | %.0f | %s |\n' "$count" "$size" "$deep" "$(python3 -c "print($count / $deep)")" "$findings"
