#!/bin/sh
# Tests/Fixtures/make-ext4-unclean-image.sh: writes Tests/Fixtures/ext4/unclean.ext4.gz, an ext4
# copied while the Linux kernel had it mounted (as a crash or a snapshot of a running machine leaves
# it: its journal needs recovery), and Tests/Fixtures/ext4/unclean.sha256, the SHA-256 of the files
# mkfs.ext4 -d put in place before the mount:
#   var/lib/dpkg/status   a dpkg status with Kaspersky's kesl installed
#   etc/notes.txt         a short text mentioning the vendor
# A file written while mounted (tmp/written-while-mounted.txt) may lie only in the journal.
# It needs root and loop devices. The image is kept here because mounting needs privileges that a
# CI machine may not grant.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
mounted=""
trap '[ -n "$mounted" ] && umount "$work/mnt"; rm -rf "$work"' EXIT
mkdir -p "$work/root/var/lib/dpkg" "$work/root/etc" "$work/root/tmp" "$work/mnt"
printf 'Package: kesl\nStatus: install ok installed\nPriority: optional\nSection: misc\nMaintainer: AO Kaspersky Lab <support@kaspersky.com>\nArchitecture: amd64\nVersion: 12.1.0-1234\nDescription: Kaspersky Endpoint Security for Linux\n\n' > "$work/root/var/lib/dpkg/status"
printf 'Remember to remove the AO Kaspersky Lab agent (ext4).\n' > "$work/root/etc/notes.txt"
(cd "$work/root" && find . -type f | sort | while read -r file; do
    printf '%s  %s\n' "$(sha256sum "$file" | cut -d' ' -f1)" "${file#.}"
done) > "$here/ext4/unclean.sha256"
mkfs.ext4 -q -F -L unclean -d "$work/root" "$work/unclean.ext4" 8M
mount -o loop "$work/unclean.ext4" "$work/mnt"
mounted=1
printf 'written while mounted\n' > "$work/mnt/tmp/written-while-mounted.txt"
sync
cp "$work/unclean.ext4" "$work/copy.ext4"
umount "$work/mnt"
mounted=""
dumpe2fs -h "$work/copy.ext4" 2>/dev/null | grep -q needs_recovery ||
    { echo "the copy's journal does not need recovery" >&2; exit 1; }
gzip -9nc "$work/copy.ext4" > "$here/ext4/unclean.ext4.gz"
