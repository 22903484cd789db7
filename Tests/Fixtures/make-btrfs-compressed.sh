#!/bin/sh
# Tests/Fixtures/make-btrfs-compressed.sh: writes Tests/Fixtures/btrfs/compressed.btrfs.gz, a btrfs
# file system made by mkfs.btrfs and filled through the Linux kernel's btrfs driver with every file
# compressed (compress-force), and Tests/Fixtures/btrfs/compressed.sha256, the SHA-256 of each file:
#   zlib/log.txt, lzo/log.txt, zstd/log.txt   300 KB of text (three extents each) in each codec, the
#                                             middle 4 KiB rewritten afterwards, so that the file
#                                             takes bytes from the middle of an older extent
#   zstd/var/lib/dpkg/status                  a dpkg status with Kaspersky's kesl installed
#   zstd/notes.txt, lzo/notes.txt             short files kept compressed inline in the metadata
#   zstd/home/notes.txt                       a file in a subvolume (a file tree of its own)
#   zstd/random.bin                           incompressible data and a mention (stored as is by the
#                                             driver, which keeps no compressed extent that is larger)
# It needs root and loop devices. The image is kept here because mounting needs privileges that a
# CI machine may not grant.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
mounted=""
trap '[ -n "$mounted" ] && umount "$work/mnt"; rm -rf "$work"' EXIT
truncate -s 128M "$work/compressed.btrfs"
mkfs.btrfs -q -f -L compressed "$work/compressed.btrfs" >/dev/null 2>&1
mkdir -p "$work/mnt"
log() {
    python3 -c '
import sys
lines = ["%06d %s update check finished, nothing to report\n" % (index, sys.argv[2]) for index in range(6000)]
open(sys.argv[1], "w").write("".join(lines) + "Scanned by AO Kaspersky Lab\n")' "$1" "$2"
    sync
    # Rewriting the middle leaves the file reading the older extent's bytes on both sides of it.
    printf 'rewritten page %s\n' "$2" | dd of="$1" bs=4096 seek=20 conv=notrunc status=none
}
for codec in zlib lzo zstd; do
    mount -o loop,compress-force=$codec,max_inline=2048 "$work/compressed.btrfs" "$work/mnt"
    mounted=1
    mkdir -p "$work/mnt/$codec"
    log "$work/mnt/$codec/log.txt" "$codec"
    if [ "$codec" != zlib ]; then
        printf 'Remember to remove the AO Kaspersky Lab agent (%s).\n' "$codec" > "$work/mnt/$codec/notes.txt"
    fi
    if [ "$codec" = zstd ]; then
        mkdir -p "$work/mnt/zstd/var/lib/dpkg"
        printf 'Package: kesl\nStatus: install ok installed\nPriority: optional\nSection: misc\nMaintainer: AO Kaspersky Lab <support@kaspersky.com>\nArchitecture: amd64\nVersion: 12.1.0-1234\nDescription: Kaspersky Endpoint Security for Linux\n\n' > "$work/mnt/zstd/var/lib/dpkg/status"
        { head -c 20000 /dev/urandom; printf 'Signed by AO Kaspersky Lab\n'; } > "$work/mnt/zstd/random.bin"
        # A subvolume (a tree of its own), with a file inside.
        btrfs -q subvolume create "$work/mnt/zstd/home" >/dev/null
        printf 'Remember to remove the AO Kaspersky Lab agent (subvolume).\n' > "$work/mnt/zstd/home/notes.txt"
    fi
    sync
    umount "$work/mnt"
    mounted=""
done
mount -o loop,ro "$work/compressed.btrfs" "$work/mnt"
mounted=1
(cd "$work/mnt" && find . -type f | sort | while read -r file; do
    printf '%s  %s\n' "$(sha256sum "$file" | cut -d' ' -f1)" "${file#.}"
done) > "$here/btrfs/compressed.sha256"
# The logs must really be compressed, in their codec.
for codec in zlib lzo zstd; do
    filefrag -v "$work/mnt/$codec/log.txt" | grep -q encoded || { echo "$codec/log.txt is not compressed" >&2; exit 1; }
done
umount "$work/mnt"
mounted=""
gzip -9nc "$work/compressed.btrfs" > "$here/btrfs/compressed.btrfs.gz"
