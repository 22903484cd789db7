#!/bin/sh
# Tests/Fixtures/make-xfs-btree-image.sh: writes Tests/Fixtures/xfs/btree.xfs.gz, a 300 MB XFS (the
# smallest mkfs.xfs makes) filled through the Linux kernel's XFS driver, and Tests/Fixtures/xfs/
# btree.sha256, the SHA-256 of each file:
#   logs/fragmented.log   400 blocks written one block apart: 400 extents and 400 holes, far more
#                         than an inode holds, so the data fork is a B+tree
#   logs/notes.txt        a short file (extent list)
# It needs root and loop devices. The image is kept here because mounting needs privileges that a
# CI machine may not grant.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
mounted=""
trap '[ -n "$mounted" ] && umount "$work/mnt"; rm -rf "$work"' EXIT
truncate -s 300M "$work/btree.xfs"
mkfs.xfs -q -L btree "$work/btree.xfs"
mkdir -p "$work/mnt"
mount -o loop "$work/btree.xfs" "$work/mnt"
mounted=1
mkdir -p "$work/mnt/logs"
python3 -c '
import sys
with open(sys.argv[1], "wb") as f:
    for index in range(400):
        f.seek(index * 8192)
        f.write((b"%06d block of the audit log: AO Kaspersky Lab agent seen\n" % index).ljust(4096, b"."))' \
    "$work/mnt/logs/fragmented.log"
printf 'Remember to remove the AO Kaspersky Lab agent (XFS).\n' > "$work/mnt/logs/notes.txt"
sync
(cd "$work/mnt" && find . -type f | sort | while read -r file; do
    printf '%s  %s\n' "$(sha256sum "$file" | cut -d' ' -f1)" "${file#.}"
done) > "$here/xfs/btree.sha256"
inode=$(stat -c %i "$work/mnt/logs/fragmented.log")
umount "$work/mnt"
mounted=""
# The fragmented file's data fork must really be a B+tree.
xfs_db -r -c "inode $inode" -c "print core.format" "$work/btree.xfs" | grep -q btree ||
    { echo "logs/fragmented.log is not in B+tree form" >&2; exit 1; }
gzip -9nc "$work/btree.xfs" > "$here/xfs/btree.xfs.gz"
