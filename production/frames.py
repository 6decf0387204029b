"""Derived frames: one master render per frame becomes every image output (resize, letterbox or crop, bit
depth, retro look), written as PNG by a small deterministic encoder.

Pure numpy. The master is display-referred (the view transform already applied by Blender) and 16 bits per
channel; resizing averages linear light, as a camera sensor would.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from .retro.colour_space import linear_to_srgb, srgb_to_linear
from .retro.pipeline import area_downscale

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


def picture_box(source: tuple[float, float], aspect: float | None) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of the production's picture inside a (w, h) frame: the frame cut to `aspect`."""
    width, height = source
    if aspect is None or abs(width / height - aspect) < 1e-3:
        return (0.0, 0.0, float(width), float(height))
    if width / height > aspect:
        inner = height * aspect
        return ((width - inner) / 2, 0.0, (width + inner) / 2, float(height))
    inner = width / aspect
    return (0.0, (height - inner) / 2, float(width), (height + inner) / 2)


def fit_frame(
    image: npt.NDArray,
    size: tuple[int, int],
    aspect: float | None,
    letterbox: bool,
    to_linear: Callable[[npt.NDArray], npt.NDArray] | None = None,
    from_linear: Callable[[npt.NDArray], npt.NDArray] | None = None,
    pixel_aspect: float = 1.0,
) -> npt.NDArray:
    """The master's picture (its `aspect` part) in a frame of `size` (w, h), same value type as `image`.

    letterbox: the whole picture fits inside `size`, with black bars; crop: the picture fills `size` and the
    overflow is cut. Resampling is by exact area averages of linear light (`to_linear` / `from_linear` convert
    when the values are encoded), so edges and fine detail keep their brightness; a picture that maps 1:1 onto
    output pixels is copied untouched. `pixel_aspect` (width / height of a master pixel, 2 for a 2x anamorphic
    master) desqueezes: boxes are laid out on the displayed picture, then mapped back to master columns.
    """
    height, width = image.shape[:2]
    box = picture_box((width * pixel_aspect, height), aspect)
    picture_aspect = (box[2] - box[0]) / (box[3] - box[1])
    out_w, out_h = size
    if letterbox:
        if out_w / out_h > picture_aspect:
            inner = (max(1, round(out_h * picture_aspect)), out_h)
        else:
            inner = (out_w, max(1, round(out_w / picture_aspect)))
        box = _snap(box, inner)
    else:
        inner = size
        box = _crop_box(box, out_w / out_h)
    box = (box[0] / pixel_aspect, box[1], box[2] / pixel_aspect, box[3])  # displayed -> master columns
    x0, y0, x1, y1 = box
    if (round(x1 - x0), round(y1 - y0)) == inner and all(float(v).is_integer() for v in box):
        picture = image[int(y0) : int(y1), int(x0) : int(x1)]
    else:
        linear = to_linear(image) if to_linear else image
        resized = area_downscale(linear, inner, box).astype(np.float32)
        picture = from_linear(resized) if from_linear else resized
    if inner == size:
        return picture
    canvas = np.zeros((out_h, out_w, image.shape[2]), picture.dtype)
    top, left = (out_h - inner[1]) // 2, (out_w - inner[0]) // 2
    canvas[top : top + inner[1], left : left + inner[0]] = picture
    return canvas


def _snap(
    box: tuple[float, float, float, float], inner: tuple[int, int]
) -> tuple[float, float, float, float]:
    """A box within half a pixel of `inner`'s size is that size: a letterboxed picture at the master's own
    resolution is then copied, not resampled by a fraction of a pixel."""
    x0, y0, x1, y1 = box
    width, height = x1 - x0, y1 - y0
    if abs(width - inner[0]) <= 0.5 and abs(height - inner[1]) <= 0.5:
        x0, y0 = float(round(x0 + (width - inner[0]) / 2)), float(round(y0 + (height - inner[1]) / 2))
        return (x0, y0, x0 + inner[0], y0 + inner[1])
    return box


def _crop_box(box: tuple[float, float, float, float], aspect: float) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = box
    width, height = x1 - x0, y1 - y0
    if width / height > aspect:
        inner = height * aspect
        return (x0 + (width - inner) / 2, y0, x0 + (width + inner) / 2, y1)
    inner = width / aspect
    return (x0, y0 + (height - inner) / 2, x1, y0 + (height + inner) / 2)
