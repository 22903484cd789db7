#!/usr/bin/env bash
# Scan time of one tree of files in each place a golden image keeps it: the tree as a directory;
# ext4 and NTFS file systems of that tree (mkfs.ext4 -d; mkntfs and ntfs-3g) in a raw GPT disk; the
# same raw disks as qcow2, VMDK and VHDX (qemu-img). The tree is about SIZE_MB (default 300) of this
# machine's /usr/share and /usr/lib/x86_64-linux-gnu, half from each, files over 8 MiB left out,
# structure kept. Whole processes, --jobs JOBS (1), best of RUNS
# (3) warm runs; prints seconds and each time as a ratio: a container format to the raw disk (the
# issue's target: at most 1.3), a file system in a raw disk to the directory (at most 1.5).
# usage: Benchmarks/disks/run.sh     (needs qemu-img; NTFS rows need root, /dev/fuse and ntfs-3g;
#                                     EMBARGO=path/to/embargo, WORK=/tmp/embargo-disk-bench)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$here/../..
embargo=${EMBARGO:-$root/.build/release/embargo}
work=${WORK:-/tmp/embargo-disk-bench}
size_mb=${SIZE_MB:-300}
runs=${RUNS:-3}
jobs=${JOBS:-1}
[ -x "$embargo" ] || { echo "build embargo first: swift build -c release --static-swift-stdlib" >&2; exit 2; }
mkdir -p "$work"

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
scan() { "$embargo" scan --jobs "$jobs" --max-expanded 16GB --format jsonl --output /dev/null --fail-on never "$1"; }
ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }

if [ ! -d "$work/tree" ]; then
    # Files in path order, their folders kept, until about SIZE_MB / 2 from each top folder.
    python3 - "$work/tree" "$size_mb" <<'PY'
import os, shutil, sys
target, budget = sys.argv[1], int(sys.argv[2]) << 19
for top in ("/usr/share", "/usr/lib/x86_64-linux-gnu"):
    total = 0
    for folder, folders, files in os.walk(top):
        folders.sort()
        for name in sorted(files):
            source = os.path.join(folder, name)
            if total >= budget or os.path.islink(source) or not os.path.isfile(source):
                continue
            if os.path.getsize(source) > 8 << 20:
                continue
            destination = os.path.join(target, os.path.relpath(source, "/"))
            os.makedirs(os.path.dirname(destination), exist_ok=True)
            shutil.copyfile(source, destination)
            total += os.path.getsize(source)
PY
fi
tree_mb=$(( $(du -sm "$work/tree" | cut -f1) ))
disk_mb=$(( tree_mb * 3 / 2 + 128 ))
partition() { # image: a GPT with one partition from 1 MiB to the end, of TYPE $2
    truncate -s "${disk_mb}M" "$1"
    printf 'label: gpt\nstart=2048, type=%s\n' "$2" | sfdisk --quiet "$1"
}
if [ ! -f "$work/ext4.raw" ]; then
    partition "$work/ext4.raw" 0FC63DAF-8483-4772-8E79-3D69C3EC8CAA
    mkfs.ext4 -q -F -E offset=1048576 -d "$work/tree" "$work/ext4.raw" "$(( disk_mb - 2 ))M"
fi
if [ ! -f "$work/ntfs.raw" ] && command -v ntfs-3g > /dev/null && [ "$(id -u)" = 0 ]; then
    truncate -s "$(( disk_mb - 2 ))M" "$work/ntfs.part"
    mkntfs -q -F -Q "$work/ntfs.part" > /dev/null 2>&1
    mkdir -p "$work/mnt"
    if ntfs-3g "$work/ntfs.part" "$work/mnt"; then
        cp -r "$work/tree/." "$work/mnt/" && umount "$work/mnt"
        partition "$work/ntfs.raw" EBD0A0A2-B9E5-4433-87C0-68B6B72699C7
        dd if="$work/ntfs.part" of="$work/ntfs.raw" bs=1M seek=1 conv=notrunc status=none
    fi
    rm -f "$work/ntfs.part"
fi
for fs in ext4 ntfs; do
    [ -f "$work/$fs.raw" ] || continue
    for format in qcow2 vmdk vhdx; do
        [ -f "$work/$fs.$format" ] || qemu-img convert -O "$format" "$work/$fs.raw" "$work/$fs.$format"
    done
done

files=$(find "$work/tree" -type f | wc -l)
echo "tree: $tree_mb MiB, $files files; --jobs $jobs, best of $runs"
t_tree=$(best scan "$work/tree")
printf '  %-14s %8s s\n' "directory" "$t_tree"
for fs in ext4 ntfs; do
    [ -f "$work/$fs.raw" ] || { echo "  $fs: not built (needs root, /dev/fuse and ntfs-3g)"; continue; }
    t_raw=$(best scan "$work/$fs.raw")
    printf '  %-14s %8s s  %s x the directory\n' "$fs raw" "$t_raw" "$(ratio "$t_raw" "$t_tree")"
    for format in qcow2 vmdk vhdx; do
        t=$(best scan "$work/$fs.$format")
        printf '  %-14s %8s s  %s x the raw disk\n' "$fs $format" "$t" "$(ratio "$t" "$t_raw")"
    done
done
