"""Image codecs: a small deterministic PNG encoder and decoder, Blender's TGA masters, 16-bit display codes.

Pure numpy and zlib (no Pillow: this runs inside Blender). Display codes are display-referred 16-bit values
(the view transform already applied); `decode_display` and `encode_display` convert them to and from linear
light.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from pathlib import Path

import numpy as np
import numpy.typing as npt

from .colour_space import linear_to_srgb, srgb_to_linear

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_COMPRESSION = 6
_COLOUR_TYPES = {1: 0, 3: 2, 4: 6}  # channels -> PNG colour type (grey, RGB, RGBA)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def encode_png(pixels: npt.NDArray[np.uint8] | npt.NDArray[np.uint16]) -> bytes:
    """PNG bytes for an (H, W, C) uint8 or uint16 array, top row first. Same pixels, same bytes: no clock,
    no metadata, one filter (Sub) for every row."""
    if pixels.ndim != 3 or pixels.shape[2] not in _COLOUR_TYPES or pixels.dtype not in (np.uint8, np.uint16):
        raise ValueError(
            f"encode_png needs (height, width, 1|3|4) uint8 or uint16, got {pixels.shape} {pixels.dtype}"
        )
    height, width, channels = pixels.shape
    depth = 8 * pixels.dtype.itemsize
    rows = np.ascontiguousarray(pixels.astype(pixels.dtype.newbyteorder(">"), copy=False)).view(np.uint8)
    rows = rows.reshape(height, width * channels * pixels.dtype.itemsize)
    step = channels * pixels.dtype.itemsize
    filtered = rows.copy()
    filtered[:, step:] -= rows[:, :-step]  # Sub filter: each byte minus the one a pixel to the left, mod 256
    data = np.empty((height, filtered.shape[1] + 1), np.uint8)
    data[:, 0] = 1
    data[:, 1:] = filtered
    header = struct.pack(">IIBBBBB", width, height, depth, _COLOUR_TYPES[channels], 0, 0, 0)
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(data.tobytes(), PNG_COMPRESSION))
        + _chunk(b"IEND", b"")
    )


def write_png(path: Path, pixels: npt.NDArray[np.uint8] | npt.NDArray[np.uint16]) -> tuple[int, str]:
    """Write the PNG; return its size and SHA-256 (from the bytes written, not read back)."""
    data = encode_png(pixels)
    with path.open("wb") as handle:
        handle.write(data)
    return len(data), hashlib.sha256(data).hexdigest()


_DECODE_16: npt.NDArray[np.float32] | None = None


def decode_display(codes: npt.NDArray[np.uint16]) -> npt.NDArray[np.float32]:
    """16-bit sRGB codes -> linear light, by a 65,536-entry table (a power per pixel is slow)."""
    global _DECODE_16
    if _DECODE_16 is None:
        _DECODE_16 = srgb_to_linear(np.arange(65536) / 65535.0).astype(np.float32)
    return _DECODE_16[codes]


def encode_display(linear: npt.NDArray[np.floating]) -> npt.NDArray[np.uint16]:
    """Linear light -> 16-bit sRGB codes, rounded to nearest."""
    return np.rint(np.clip(linear_to_srgb(linear), 0.0, 1.0) * 65535.0).astype(np.uint16)


def to_depth(codes: npt.NDArray[np.uint16], depth: str) -> npt.NDArray[np.uint8] | npt.NDArray[np.uint16]:
    """16-bit codes -> the output's bits per channel (8: nearest of code / 257, as 65535 = 255 x 257)."""
    if depth == "16":
        return codes
    if depth == "8":
        return ((codes.astype(np.uint32) + 128) // 257).astype(np.uint8)  # integer rounding, no floats
    raise ValueError(f"PNG frames are 8 or 16 bits per channel, not {depth!r}")


def read_tga(path: Path) -> npt.NDArray[np.uint16]:
    """An uncompressed 8-bit true-colour TGA (Blender's TARGA_RAW master) as 16-bit codes (code x 257, which
    is exact: 65535 = 255 x 257), RGB, top row first. Plain numpy, so a worker thread can read it."""
    data = np.fromfile(path, np.uint8)
    problem = _tga_problem(data)
    if problem:
        raise ValueError(f"{path}: {problem}")
    offset, width, height, channels, top_first = _tga_layout(data)
    pixels = data[offset : offset + width * height * channels].reshape(height, width, channels)
    rgb = pixels[:, :, 2::-1]  # stored BGR(A)
    if not top_first:
        rgb = rgb[::-1]
    return rgb.astype(np.uint16) * np.uint16(257)


def tga_problem(path: Path) -> str:
    """'' when the file is a complete uncompressed 8-bit TGA, else why not (a master is checked)."""
    try:
        return _tga_problem(np.fromfile(path, np.uint8))
    except OSError as error:
        return f"cannot read: {error}"


def _tga_layout(data: npt.NDArray[np.uint8]) -> tuple[int, int, int, int, bool]:
    """(pixel offset, width, height, channels, top row first) from the 18-byte TGA header."""
    width, height = struct.unpack("<HH", data[12:16].tobytes())
    return 18 + int(data[0]), width, height, int(data[16]) // 8, bool(data[17] & 0x20)


def _tga_problem(data: npt.NDArray[np.uint8]) -> str:
    if len(data) < 18:
        return "truncated TGA (no header)"
    if data[1] != 0 or data[2] != 2 or data[16] not in (24, 32):
        return "not an uncompressed 8-bit true-colour TGA"
    offset, width, height, channels, _ = _tga_layout(data)
    if len(data) < offset + width * height * channels:
        return "truncated TGA (fewer pixels than its header says)"
    return ""


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def _unfilter_row(
    kind: int, row: npt.NDArray[np.uint8], previous: npt.NDArray[np.uint8], channels: int
) -> npt.NDArray[np.uint8]:
    if kind == 0:
        return row
    if kind == 2:
        return row + previous  # uint8 arithmetic wraps mod 256, as the filter defines
    if kind == 1:
        return np.cumsum(row.reshape(-1, channels), axis=0, dtype=np.uint8).ravel()
    out = row.astype(np.int64)
    above = previous.astype(np.int64)
    for i in range(len(out)):
        left = out[i - channels] if i >= channels else 0
        if kind == 3:
            out[i] = (out[i] + (left + above[i]) // 2) & 0xFF
        else:
            upper_left = above[i - channels] if i >= channels else 0
            out[i] = (out[i] + _paeth(int(left), int(above[i]), int(upper_left))) & 0xFF
    return out.astype(np.uint8)


def read_png(path: str | Path) -> npt.NDArray[np.uint8]:
    """8-bit RGB/RGBA/grey PNG (non-interlaced, as Blender writes) as RGBA uint8, rows top first."""
    data = Path(path).read_bytes()
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError(f"{path}: not a PNG file")
    position, compressed, header = 8, b"", b""
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        header = body if kind == b"IHDR" else header
        compressed += body if kind == b"IDAT" else b""
        position += 12 + length
    width, height, depth, colour_type, _, _, interlace = struct.unpack(">IIBBBBB", header)
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(colour_type)
    if depth != 8 or channels is None or interlace:
        raise ValueError(
            f"{path}: only 8-bit non-interlaced grey/RGB/RGBA PNGs are read here "
            f"(got depth {depth}, colour type {colour_type}, interlace {interlace}); save frames as RGBA 8"
        )
    stride = width * channels
    raw = np.frombuffer(zlib.decompress(compressed), np.uint8).reshape(height, stride + 1)
    rows = np.zeros((height, stride), np.uint8)
    previous = np.zeros(stride, np.uint8)
    for y in range(height):
        previous = rows[y] = _unfilter_row(int(raw[y, 0]), raw[y, 1:].copy(), previous, channels)
    pixels = rows.reshape(height, width, channels)
    if channels in (1, 2):
        pixels = np.concatenate([pixels[..., :1].repeat(3, -1), pixels[..., 1:]], -1)
    if pixels.shape[2] == 3:
        pixels = np.concatenate([pixels, np.full((height, width, 1), 255, np.uint8)], -1)
    return pixels
