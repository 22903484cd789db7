#!/usr/bin/env bash
# Throughput on a large Windows Installer package and on a multi-layer container image, side by
# side with the tools that unpack the same bytes: msitools' msiextract for the MSI, tar (and gzip)
# for the image's layers. The MSI holds about SIZE_MB (default 200) of this machine's shared
# libraries, built by wixl; the image has four layers of shared libraries and documentation, the
# last removing part of the first, written as an OCI layout with gzip layers and as a Docker >= 25
# archive (uncompressed layers) by Tests/Fixtures/make-container-image.py. Whole processes,
# --jobs 1, best of RUNS (3) warm runs; prints seconds and MB/s of the input.
# usage: Benchmarks/installers/run.sh        (needs wixl, msitools; EMBARGO=path/to/embargo)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$here/../..
embargo=${EMBARGO:-$root/.build/release/embargo}
work=${WORK:-/tmp/embargo-installer-bench}
size_mb=${SIZE_MB:-600}
runs=${RUNS:-3}
[ -x "$embargo" ] || { echo "build embargo first: swift build -c release" >&2; exit 2; }
mkdir -p "$work"

# Files of 100 KiB or more from a system folder (recursively), in name order, until about $2 MB;
# copied flat into $3, numbered so that names do not collide.
collect() {
    mkdir -p "$3"
    local total=0 index=0
    find "$1" -type f -size +100k | sort | while read -r file; do
        [ "$total" -lt $(( $2 << 20 )) ] || break
        index=$((index + 1))
        cp "$file" "$3/$index-$(basename "$file")"
        total=$(( total + $(stat -c %s "$file") ))
    done || true  # find ends with SIGPIPE once the loop has enough
}

best() { # command...: the best wall time of $runs runs, in seconds
    local best=""
    for _ in $(seq "$runs"); do
        local start end
        start=$(date +%s.%N)
        "$@" > /dev/null 2>&1 || true
        end=$(date +%s.%N)
        best=$(python3 -c "t = $end - $start; b = '$best'; print(t if not b or t < float(b) else b)")
    done
    printf '%.3f' "$best"
}

rate() { python3 -c "print(f'{$1 / 1e6 / $2:.0f}')"; }

if [ ! -f "$work/setup.msi" ]; then
    collect /usr/lib "$size_mb" "$work/msi-files"
    {
        echo '<?xml version="1.0" encoding="utf-8"?><Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">'
        echo '<Product Id="*" Name="Bench" Language="1033" Version="1.0.0" Manufacturer="Example" UpgradeCode="6F1E4C1A-57B1-4E8A-9B1E-0F8E4D6C1A05">'
        echo '<Package Compressed="yes"/><Media Id="1" Cabinet="bench.cab" EmbedCab="yes"/>'
        echo '<Directory Id="TARGETDIR" Name="SourceDir"><Directory Id="ProgramFilesFolder"><Directory Id="INSTALLDIR" Name="Bench">'
        echo '<Component Id="Main" Guid="6F1E4C1A-57B1-4E8A-9B1E-0F8E4D6C1A06">'
        index=0
        for file in "$work"/msi-files/*; do
            index=$((index + 1))
            echo "<File Id=\"F$index\" Name=\"$(basename "$file")\" Source=\"msi-files/$(basename "$file")\"/>"
        done
        echo '</Component></Directory></Directory></Directory><Feature Id="Main" Level="1"><ComponentRef Id="Main"/></Feature></Product></Wix>'
    } > "$work/setup.wxs"
    (cd "$work" && wixl -o setup.msi setup.wxs)
fi

if [ ! -f "$work/image-oci.tar" ]; then
    collect /usr/lib/x86_64-linux-gnu 120 "$work/s1/usr/lib"
    cp -a "$work/s1" "$work/s2" && mkdir -p "$work/s2/usr/share" && cp -r /usr/share/doc "$work/s2/usr/share/"
    cp -a "$work/s2" "$work/s3" && collect /usr/lib/x86_64-linux-gnu/perl5 1 "$work/s3/usr/lib/perl5" && cp -r /usr/share/zoneinfo "$work/s3/usr/share/" 2>/dev/null || true
    cp -a "$work/s3" "$work/s4" && find "$work/s4/usr/lib" -name 'libicu*' -delete
    for layout in oci docker-oci; do
        "$root/Tests/Fixtures/make-container-image.py" "$work/image-$layout.tar" "$layout" \
            "bench/app:1=$work/s1,$work/s2,$work/s3,$work/s4"
    done
fi

msi_bytes=$(stat -c %s "$work/setup.msi")
unpacked=$(du -sb "$work/msi-files" | cut -f1)
echo "MSI: $((msi_bytes >> 20)) MiB package, $((unpacked >> 20)) MiB of files"
# The package expands past the default 400 MB budget per file: raised, so that every file is read.
t_embargo=$(best "$embargo" scan --jobs 1 --max-expanded 4GB --format jsonl --output /dev/null "$work/setup.msi")
rm -rf "$work/extract" && mkdir -p "$work/extract"
t_msiextract=$(best msiextract -C "$work/extract" "$work/setup.msi")
echo "  embargo scan      $t_embargo s  $(rate "$msi_bytes" "$t_embargo") MB/s of package"
echo "  msiextract        $t_msiextract s  $(rate "$msi_bytes" "$t_msiextract") MB/s of package"
echo "  embargo / msiextract $(python3 -c "print(f'{$t_embargo / $t_msiextract:.2f}')")"

for layout in oci docker-oci; do
    image=$work/image-$layout.tar
    bytes=$(stat -c %s "$image")
    echo "image ($layout): $((bytes >> 20)) MiB, 4 layers"
    t_embargo=$(best "$embargo" scan --jobs 1 --max-expanded 4GB --format jsonl --output /dev/null "$image")
    rm -rf "$work/untar" && mkdir -p "$work/untar"
    # The peer: unpack the archive, then every layer's files (what a scanner without image support
    # would have to do before reading a byte).
    untar() {
        rm -rf "$work/untar" && mkdir -p "$work/untar/layers" && tar -xf "$image" -C "$work/untar"
        for blob in "$work"/untar/blobs/sha256/*; do
            tar -xf "$blob" -C "$work/untar/layers" 2>/dev/null || true
        done
    }
    t_tar=$(best untar)
    echo "  embargo scan      $t_embargo s  $(rate "$bytes" "$t_embargo") MB/s"
    echo "  tar (all layers)  $t_tar s  $(rate "$bytes" "$t_tar") MB/s"
    echo "  embargo / tar     $(python3 -c "print(f'{$t_embargo / $t_tar:.2f}')")"
done
