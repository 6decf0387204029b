"""Derived frames: the PNG encoder against Pillow's decoder, letterbox/crop geometry by hand, bit depths."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from backlot.production import frames
from PIL import Image


def decode_png(data: bytes) -> np.ndarray:
    """A plain PNG reader (all five row filters, per the PNG spec): Pillow narrows 16-bit RGB."""
    pos, idat = 8, b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
    channels = {0: 1, 2: 3, 6: 4}[colour]
    step, stride = channels * depth // 8, width * channels * depth // 8
    raw = zlib.decompress(idat)
    rows, previous = [], [0] * stride
    for y in range(height):
        kind, line = raw[y * (stride + 1)], raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)]
        row: list[int] = []
        for x, byte in enumerate(line):
            a = row[x - step] if x >= step else 0
            b, c = previous[x], previous[x - step] if x >= step else 0
            p = a + b - c
            predictor = [
                0,
                a,
                b,
                (a + b) // 2,
                a if abs(p - a) <= min(abs(p - b), abs(p - c)) else (b if abs(p - b) <= abs(p - c) else c),
            ][kind]
            row.append((byte + predictor) & 255)
        rows.append(row)
        previous = row
    array = np.array(rows, np.uint8)
    if depth == 16:
        return array.view(">u2").reshape(height, width, channels).astype(np.uint16)
    return array.reshape(height, width, channels)


@pytest.mark.parametrize("dtype, channels", [(np.uint8, 3), (np.uint8, 4), (np.uint16, 3), (np.uint8, 1)])
def test_png_round_trips(dtype: type, channels: int) -> None:
    rng = np.random.default_rng(7)
    pixels = rng.integers(0, np.iinfo(dtype).max + 1, (17, 23, channels), dtype=dtype)
    data = frames.encode_png(pixels)
    assert np.array_equal(decode_png(data), pixels)
    with Image.open(io.BytesIO(data)) as image:  # and a real decoder accepts it
        image.load()
        assert image.size == (23, 17)
        if dtype is np.uint8:
            assert np.array_equal(np.asarray(image).reshape(pixels.shape), pixels)


def test_png_is_deterministic_and_has_no_metadata() -> None:
    pixels = np.full((4, 4, 3), 200, np.uint8)
    data = frames.encode_png(pixels)
    assert data == frames.encode_png(pixels.copy())
    assert b"tEXt" not in data and b"tIME" not in data


def test_letterbox_of_a_239_picture_in_16_9() -> None:
    # A 1920x1080 master holding a 2.39:1 picture: 1920 / 2.39 = 803.3 rows of picture, 138 black above.
    codes = np.full((1080, 1920, 3), 40000, np.uint16)
    out = frames.fit_frame(codes, (1920, 1080), 2.39, True, frames.decode_display, frames.encode_display)
    assert out.shape == (1080, 1920, 3)
    picture_rows = np.flatnonzero(out[:, 960, 0])
    assert len(picture_rows) == round(1920 / 2.39)
    assert picture_rows[0] == (1080 - round(1920 / 2.39)) // 2
    assert np.all(out[picture_rows] == 40000)  # copied 1:1, not resampled


def test_crop_fills_the_frame_with_the_centre_of_the_picture() -> None:
    codes = np.zeros((100, 200, 3), np.uint16)
    codes[:, 50:150] = 65535  # the centre half is white
    out = frames.fit_frame(codes, (50, 50), None, False, frames.decode_display, frames.encode_display)
    assert out.shape == (50, 50, 3) and np.all(out == 65535)  # a square crop of the centre: all white


def test_downscale_averages_light_not_codes() -> None:
    codes = np.zeros((2, 2, 3), np.uint16)
    codes[0, 0] = codes[1, 1] = 65535  # a checkerboard of black and white
    out = frames.fit_frame(codes, (1, 1), None, True, frames.decode_display, frames.encode_display)
    # Half the light: linear 0.5 -> sRGB 0.7354 (IEC 61966-2-1), not the 0.5 a code average gives.
    assert out[0, 0, 0] / 65535 == pytest.approx(1.055 * 0.5 ** (1 / 2.4) - 0.055, abs=1e-4)


def test_bit_depth() -> None:
    codes = np.array([[[0, 257, 65535]]], np.uint16)
    assert frames.to_depth(codes, "8").tolist() == [[[0, 1, 255]]]
    every = np.arange(65536, dtype=np.uint16).reshape(1, -1, 1)
    assert np.array_equal(
        frames.to_depth(every, "8"), np.rint(every.astype(np.float64) * 255 / 65535).astype(np.uint8)
    )
    assert frames.to_depth(codes, "16") is codes
    with pytest.raises(ValueError):
        frames.to_depth(codes, "32")
