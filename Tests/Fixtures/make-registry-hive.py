#!/usr/bin/python3
"""make-registry-hive.py OUTPUT SPEC.json [RECORDED-NAME]: writes a Windows registry hive with libhivex (Debian's
python3-hivex), for Embargo's tests. hivex edits hives but does not create them, so this writes an
empty one first (a base block and one bin holding the root key and its security record, to the
published regf format), then hivex adds every key and value of the spec and commits.

SPEC is {"Key\\Path": {"ValueName": ["sz" | "expand_sz" | "dword" | "binary-hex", value]}};
"" names a key's default value. A key with no values is written as {}. The base block records
RECORDED-NAME as the hive's file name, as Windows records `\\SystemRoot\\System32\\Config\\SOFTWARE`
(its last 31 characters); by default, that path with OUTPUT's file name.
"""
import json
import os
import struct
import sys

import hivex

REG_TYPES = {"sz": 1, "expand_sz": 2, "binary-hex": 3, "dword": 4}


def cell(data):
    size = (4 + len(data) + 7) & ~7
    return struct.pack("<i", -size) + data + b"\0" * (size - 4 - len(data))


def empty_hive(path, recorded_name):
    root_offset, sk_offset = 0x20, 0x20 + 0x58
    name = b"ROOT"
    nk = struct.pack(
        "<2sHQIIIIIIIIIIIIIIIHH",
        b"nk", 0x2C, 0, 0, 0, 0, 0, 0xFFFFFFFF, 0xFFFFFFFF, 0, 0xFFFFFFFF, sk_offset, 0xFFFFFFFF,
        0, 0, 0, 0, 0, len(name), 0,
    ) + name
    descriptor = struct.pack("<BBHIIII", 1, 0, 0x8004, 0, 0, 0, 0)
    sk = struct.pack("<2sHIIII", b"sk", 0, sk_offset, sk_offset, 1, len(descriptor)) + descriptor
    cells = cell(nk)
    assert len(cells) == 0x58, len(cells)
    cells += cell(sk)
    free = 4096 - 0x20 - len(cells)
    cells += struct.pack("<i", free) + b"\0" * (free - 4)
    hbin = struct.pack("<4sIIQQI", b"hbin", 0, 4096, 0, 0, 0) + cells
    base = bytearray(4096)
    struct.pack_into("<4sIIQIIIIIII", base, 0, b"regf", 1, 1, 0, 1, 3, 0, 1, root_offset, 4096, 1)
    name_bytes = recorded_name[-31:].encode("utf-16-le")
    base[48:48 + len(name_bytes)] = name_bytes
    checksum = 0
    for index in range(127):
        checksum ^= struct.unpack_from("<I", base, index * 4)[0]
    struct.pack_into("<I", base, 508, checksum)
    with open(path, "wb") as out:
        out.write(bytes(base) + hbin)


def value(name, kind, data):
    if kind in ("sz", "expand_sz"):
        raw = (data + "\0").encode("utf-16-le")
    elif kind == "dword":
        raw = struct.pack("<I", data)
    else:
        raw = bytes.fromhex(data)
    return {"key": name, "t": REG_TYPES[kind], "value": raw}


def main():
    output, spec_path = sys.argv[1], sys.argv[2]
    with open(spec_path) as spec_file:
        spec = json.load(spec_file)
    default_name = "\\SystemRoot\\System32\\Config\\" + os.path.basename(output).upper()
    empty_hive(output, sys.argv[3] if len(sys.argv) > 3 else default_name)
    hive = hivex.Hivex(output, write=True)
    for path, values in spec.items():
        node = hive.root()
        for part in path.split("\\"):
            child = hive.node_get_child(node, part)
            node = child if child else hive.node_add_child(node, part)
        if values:
            hive.node_set_values(node, [value(name, kind, data) for name, (kind, data) in values.items()])
    hive.commit(output)


main()
