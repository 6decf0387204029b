"""Files built byte by byte from their format specifications (not from the code under test), for the tests
that decide whether a file is complete."""

from __future__ import annotations

import struct


def exr_bytes(width: int = 3, height: int = 2) -> bytes:
    """A minimal valid OpenEXR: single part, scanlines, no compression, half-float B, G, R channels, built
    from the OpenEXR file layout document (magic, version, header attributes, offset table, chunks)."""

    def attribute(name: bytes, kind: bytes, value: bytes) -> bytes:
        return name + b"\0" + kind + b"\0" + struct.pack("<i", len(value)) + value

    channels = b"".join(c + b"\0" + struct.pack("<iB3xii", 1, 0, 1, 1) for c in (b"B", b"G", b"R")) + b"\0"
    window = struct.pack("<4i", 0, 0, width - 1, height - 1)
    header = (
        b"\x76\x2f\x31\x01"
        + struct.pack("<I", 2)
        + attribute(b"channels", b"chlist", channels)
        + attribute(b"compression", b"compression", b"\0")
        + attribute(b"dataWindow", b"box2i", window)
        + attribute(b"displayWindow", b"box2i", window)
        + attribute(b"lineOrder", b"lineOrder", b"\0")
        + attribute(b"pixelAspectRatio", b"float", struct.pack("<f", 1.0))
        + attribute(b"screenWindowCenter", b"v2f", struct.pack("<2f", 0.0, 0.0))
        + attribute(b"screenWindowWidth", b"float", struct.pack("<f", 1.0))
        + b"\0"
    )
    line = struct.pack(f"<{3 * width}e", *([0.5] * 3 * width))
    chunks = [struct.pack("<ii", y, len(line)) + line for y in range(height)]
    start = len(header) + 8 * height
    offsets = [start + sum(map(len, chunks[:i])) for i in range(height)]
    return header + struct.pack(f"<{height}Q", *offsets) + b"".join(chunks)


def mp4_bytes() -> bytes:
    """Top-level boxes of an MP4 as an encoder writes them: ftyp, mdat, then the movie header moov last
    (ISO/IEC 14496-12: a box is a 32-bit big-endian size, counting its 8-byte header, and a 4-letter type)."""

    def box(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", 8 + len(payload)) + kind + payload

    return box(b"ftyp", b"isom\0\0\2\0isomiso2") + box(b"mdat", b"\1" * 300) + box(b"moov", b"\0" * 108)
