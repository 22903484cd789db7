#!/bin/sh
# Tests/Fixtures/make-lvm-metadata.sh: writes Tests/Fixtures/lvm/physical-volume-head.bin.gz, the first
# MiB of a 64 MiB LVM2 physical volume (label, PV header, metadata area) as LVM's own tools write it:
# pvcreate and vgcreate on a loop device, then vgcfgrestore of a volume group description with these
# logical volumes (extents of 4 MiB; the data area starts at 1 MiB):
#   root  linear, in two segments: extents 5-6, then 1-2 (16 MiB, out of order on the disk)
#   swap  linear, one segment: extents 8-9 (8 MiB)
#   blank segment type "zero" (4 MiB), which no physical extent backs
# It needs root and a loop device (device-mapper is not needed: nothing is activated). The tests
# write file systems into the extents themselves; the metadata is kept here because CI machines
# may have no loop devices.
set -eu
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'losetup -d "$device" 2>/dev/null || true; rm -rf "$work"' EXIT
truncate -s 64M "$work/pv.img"
device=$(losetup -f --show "$work/pv.img")
export LVM_SUPPRESS_FD_WARNINGS=1
pvcreate -q --dataalignment 1m "$device"
vgcreate -q -s 4m embargo "$device"
vgcfgbackup -q -f "$work/vg.txt" embargo
python3 - "$work/vg.txt" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
volumes = """
logical_volumes {
root {
id = "Root00-0000-0000-0000-0000-0000-000000"
status = ["READ", "WRITE", "VISIBLE"]
flags = []
segment_count = 2
segment1 {
start_extent = 0
extent_count = 2
type = "striped"
stripe_count = 1
stripes = ["pv0", 5]
}
segment2 {
start_extent = 2
extent_count = 2
type = "striped"
stripe_count = 1
stripes = ["pv0", 1]
}
}
swap {
id = "Swap00-0000-0000-0000-0000-0000-000000"
status = ["READ", "WRITE", "VISIBLE"]
flags = []
segment_count = 1
segment1 {
start_extent = 0
extent_count = 2
type = "striped"
stripe_count = 1
stripes = ["pv0", 8]
}
}
blank {
id = "Blank0-0000-0000-0000-0000-0000-000000"
status = ["READ", "WRITE", "VISIBLE"]
flags = []
segment_count = 1
segment1 {
start_extent = 0
extent_count = 1
type = "zero"
}
}
}
"""
end = text.rindex("}")
open(path, "w").write(text[:end] + volumes + text[end:])
PY
vgcfgrestore -q -f "$work/vg.txt" embargo 2>/dev/null
lvs -o lv_name,seg_pe_ranges,seg_type embargo
vgexport -q embargo
losetup -d "$device"
head -c 1048576 "$work/pv.img" | gzip -9n > lvm/physical-volume-head.bin.gz
