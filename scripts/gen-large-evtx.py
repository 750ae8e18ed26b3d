#!/usr/bin/env python3
"""Builds a large, valid .evtx from a real one by repeating its 64 KiB chunks.

Every chunk of an EVTX file is self-contained (its own string and template tables and
checksums), so a file made of real chunks is as real as its source; only the file header's
chunk count, last chunk number and CRC32 are rewritten. Record ids repeat, which readers do
not care about.

  scripts/gen-large-evtx.py SOURCE.evtx COPIES OUT.evtx
"""
import struct, sys, zlib

def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    source, copies, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    data = open(source, "rb").read()
    if data[:8] != b"ElfFile\0":
        sys.exit(f"{source}: not an .evtx file")
    header = bytearray(data[:4096])
    chunks = [data[i:i + 65536] for i in range(4096, len(data), 65536)]
    chunks = [c for c in chunks if len(c) == 65536 and c[:8] == b"ElfChnk\0"]
    total = len(chunks) * copies
    if total > 0xFFFF:
        sys.exit(f"{total} chunks: more than an .evtx header can count (65535)")
    struct.pack_into("<Q", header, 8, 0)            # first chunk number
    struct.pack_into("<Q", header, 16, total - 1)   # last chunk number
    struct.pack_into("<H", header, 42, total)       # number of chunks
    struct.pack_into("<I", header, 120, struct.unpack_from("<I", header, 120)[0] & ~1)  # not dirty
    struct.pack_into("<I", header, 124, zlib.crc32(bytes(header[:120])) & 0xFFFFFFFF)
    with open(out, "wb") as f:
        f.write(header)
        for _ in range(copies):
            for c in chunks:
                f.write(c)
    print(f"{out}: {4096 + total * 65536} bytes, {total} chunks from {source}")

if __name__ == "__main__":
    main()
