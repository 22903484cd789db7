#!/usr/bin/python3
"""make-rpm-database.py bdb[:PAGESIZE[:big]]|ndb OUTPUT RPM...: writes an rpm database holding the headers of the
given .rpm files, for Embargo's tests.

bdb: a Berkeley DB hash database written by libdb (Debian's python3-bsddb3), keyed by the header
instance number as rpm keys /var/lib/rpm/Packages (key 0: the next instance number); Debian's rpm
reads it back with its bdb_ro backend. PAGESIZE sets libdb's page size (small pages spread a header
over a chain of overflow pages); `big` writes the database big-endian, as on s390x or POWER. ndb: rpm's NDB Packages.db (rpm's lib/backend/ndb/rpmpkg.c): a 32-byte header, one page of
16-byte slots, then one block per header (blob header, header, blob tail), in 16-byte units. Debian's
rpm has no NDB backend, so this layout is written to that description.
"""
import struct
import sys
import zlib


def header_blob(path):
    """The main header of an .rpm file without its 8-byte magic, as rpm's databases store it."""
    data = open(path, "rb").read()
    offset = 96  # the lead
    for index in range(2):
        assert data[offset:offset + 3] == b"\x8e\xad\xe8", path
        count, size = struct.unpack_from(">II", data, offset + 8)
        length = 16 + 16 * count + size
        if index == 1:
            return data[offset + 8:offset + length]
        offset += (length + 7) & ~7  # the signature header is padded to 8 bytes


def write_bdb(output, blobs, page_size=None, big_endian=False):
    from bsddb3 import db
    database = db.DB()
    if page_size:
        database.set_pagesize(page_size)
    if big_endian:
        database.set_lorder(4321)
    database.open(output, dbtype=db.DB_HASH, flags=db.DB_CREATE)
    # Key 0 holds the next header instance number, as rpm keeps it (rpm's reader expects it).
    order = ">I" if big_endian else "<I"
    database.put(struct.pack(order, 0), struct.pack(order, len(blobs) + 1))
    for instance, blob in enumerate(blobs, start=1):
        database.put(struct.pack(">I" if big_endian else "<I", instance), blob)
    database.close()


def write_ndb(output, blobs):
    slots = bytearray(4096)
    struct.pack_into("<4sIII", slots, 0, b"RpmP", 0, 1, 1)
    blocks = bytearray()
    first_block = 4096 // 16
    for index, blob in enumerate(blobs, start=1):
        block = first_block + len(blocks) // 16
        entry = struct.pack("<4sIII", b"BlbS", index, zlib.adler32(blob), len(blob)) + blob
        entry += struct.pack("<III", zlib.adler32(blob), len(blob), 0x45626C42)  # tail: "BlbE"
        entry += b"\0" * (-len(entry) % 16)
        struct.pack_into("<4sIII", slots, 16 * (index + 1), b"Slot", index, block, len(entry) // 16)
        blocks += entry
    for slot in range(len(blobs) + 2, 4096 // 16):
        struct.pack_into("<4sIII", slots, 16 * slot, b"Slot", 0, 0, 0)
    with open(output, "wb") as out:
        out.write(bytes(slots) + bytes(blocks))


kind, output, packages = sys.argv[1].split(":"), sys.argv[2], sys.argv[3:]
blobs = [header_blob(path) for path in packages]
if kind[0] == "bdb":
    write_bdb(output, blobs, int(kind[1]) if len(kind) > 1 else None, len(kind) > 2 and kind[2] == "big")
else:
    write_ndb(output, blobs)
