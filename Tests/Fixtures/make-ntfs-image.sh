#!/bin/sh
# Tests/Fixtures/make-ntfs-image.sh: writes Tests/Fixtures/ntfs/windows.ntfs.gz, a 12 MiB NTFS file
# system made by mkntfs and filled through ntfs-3g (the FUSE driver Linux mounts NTFS with) with a
# Windows-like tree, and Tests/Fixtures/ntfs/windows.sha256, the SHA-256 of each file put in:
#   Windows/System32/config/SOFTWARE   a registry hive (libhivex) with an Uninstall entry for
#                                      Kaspersky Endpoint Security
#   Program Files (x86)/Kaspersky Lab/KES/avp.exe   the signed vendor binary (non-resident data)
#   Users/Public/notes.txt              a short text mentioning the vendor (resident data)
#   Compressed/avp.exe, Compressed/log.txt          in a directory marked compressed: LZNT1 data
#   Sparse/holes.bin                    a sparse file: mentions after holes of 3 MiB and 1 MiB
#   Fragmented/audit.log                400 one-cluster fragments between holes: more runs than its
#                                      record holds, so its data and name move to extension records
#                                      that an attribute list points to
# It needs root, /dev/fuse, ntfs-3g and python3-hivex. The image is kept here because mounting
# needs privileges that a CI machine may not grant.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
mounted=""
trap '[ -n "$mounted" ] && umount "$work/mnt"; rm -rf "$work"' EXIT
truncate -s 12M "$work/windows.ntfs"
mkntfs -q -F -Q -L Windows "$work/windows.ntfs" >/dev/null 2>&1
mkdir -p "$work/mnt"
ntfs-3g -o compression "$work/windows.ntfs" "$work/mnt"
mounted=1
root="$work/mnt"
mkdir -p "$root/Windows/System32/config" "$root/Program Files (x86)/Kaspersky Lab/KES" "$root/Users/Public" \
    "$root/Compressed" "$root/Sparse"
printf '%s' '{"Microsoft\\Windows\\CurrentVersion\\Uninstall\\{7A4192A1-84C4-4E90-A31B-B4847CA8E23A}": {"DisplayName": ["sz", "Kaspersky Endpoint Security for Windows"], "Publisher": ["sz", "AO Kaspersky Lab"], "DisplayVersion": ["sz", "12.1.0.506"]}}' > "$work/spec.json"
"$here/make-registry-hive.py" "$root/Windows/System32/config/SOFTWARE" "$work/spec.json"
cp "$here/vendor/signed-kaspersky-avp.exe" "$root/Program Files (x86)/Kaspersky Lab/KES/avp.exe"
printf 'Remember to remove the AO Kaspersky Lab agent from the build machines.\n' > "$root/Users/Public/notes.txt"
# A directory marked compressed (FILE_ATTRIBUTE_COMPRESSED): files written into it are compressed.
python3 -c 'import os, sys; os.setxattr(sys.argv[1], "system.ntfs_attrib_be", (0x800).to_bytes(4, "big"))' "$root/Compressed"
cp "$here/vendor/signed-kaspersky-avp.exe" "$root/Compressed/avp.exe"
python3 -c '
import sys
lines = ["%06d quarantine scan finished without findings\n" % index for index in range(6000)]
open(sys.argv[1], "w").write("".join(lines) + "Scanned by AO Kaspersky Lab\n")' "$root/Compressed/log.txt"
python3 -c '
import sys
with open(sys.argv[1], "wb") as f:
    f.seek(3 << 20); f.write(b"Installed by AO Kaspersky Lab setup\n")
    f.seek(5 << 20); f.write(b"Installed by AO Kaspersky Lab setup\n")' "$root/Sparse/holes.bin"
mkdir -p "$root/Fragmented"
python3 -c '
import sys
with open(sys.argv[1], "wb") as f:
    for index in range(400):
        f.seek(index * 8192)
        f.write((b"%06d AO Kaspersky Lab agent seen\n" % index).ljust(4096, b"."))' "$root/Fragmented/audit.log"
(cd "$root" && find . -type f ! -name '$*' | sort | while read -r file; do
    printf '%s  %s\n' "$(sha256sum "$file" | cut -d' ' -f1)" "${file#.}"
done) > "$here/ntfs/windows.sha256"
sync
umount "$work/mnt"
mounted=""
# The compressed files must really be compressed (ntfs-3g compresses only with its option).
for file in /Compressed/avp.exe /Compressed/log.txt; do
    ntfsinfo -F "$file" "$work/windows.ntfs" | grep -q 'Compressed size' || { echo "$file is not compressed" >&2; exit 1; }
done
ntfsinfo -F /Fragmented/audit.log "$work/windows.ntfs" | grep -q 'ATTRIBUTE_LIST' ||
    { echo "/Fragmented/audit.log has no attribute list" >&2; exit 1; }
gzip -9nc "$work/windows.ntfs" > "$here/ntfs/windows.ntfs.gz"
