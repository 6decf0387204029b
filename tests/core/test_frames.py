"""Derived frames: the PNG encoder against Pillow's decoder, letterbox/crop geometry by hand, bit depths."""

from __future__ import annotations

import io
import struct
import zlib
from typing import cast

import numpy as np
import numpy.typing as npt
import pytest
from backlot.production.image import codecs
from backlot.production.render import frames
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
def test_png_round_trips(dtype: type[np.uint8] | type[np.uint16], channels: int) -> None:
    rng = np.random.default_rng(7)
    # numpy's stubs cannot carry a union of dtypes through integers(): say which arrays these are
    pixels = cast(
        "npt.NDArray[np.uint8] | npt.NDArray[np.uint16]",
        rng.integers(0, np.iinfo(dtype).max + 1, (17, 23, channels), dtype=dtype),
    )
    data = codecs.encode_png(pixels)
    assert np.array_equal(decode_png(data), pixels)
    with Image.open(io.BytesIO(data)) as image:  # and a real decoder accepts it
        image.load()
        assert image.size == (23, 17)
        if dtype is np.uint8:
            assert np.array_equal(np.asarray(image).reshape(pixels.shape), pixels)


def test_png_is_deterministic_and_has_no_metadata() -> None:
    pixels = np.full((4, 4, 3), 200, np.uint8)
    data = codecs.encode_png(pixels)
    assert data == codecs.encode_png(pixels.copy())
    assert b"tEXt" not in data and b"tIME" not in data


def test_letterbox_of_a_239_picture_in_16_9() -> None:
    # A 1920x1080 master holding a 2.39:1 picture: 1920 / 2.39 = 803.3 rows of picture, 138 black above.
    codes = np.full((1080, 1920, 3), 40000, np.uint16)
    out = frames.fit_frame(codes, (1920, 1080), 2.39, True, codecs.decode_display, codecs.encode_display)
    assert out.shape == (1080, 1920, 3)
    picture_rows = np.flatnonzero(out[:, 960, 0])
    assert len(picture_rows) == round(1920 / 2.39)
    assert picture_rows[0] == (1080 - round(1920 / 2.39)) // 2
    assert np.all(out[picture_rows] == 40000)  # copied 1:1, not resampled


def test_crop_fills_the_frame_with_the_centre_of_the_picture() -> None:
    codes = np.zeros((100, 200, 3), np.uint16)
    codes[:, 50:150] = 65535  # the centre half is white
    out = frames.fit_frame(codes, (50, 50), None, False, codecs.decode_display, codecs.encode_display)
    assert out.shape == (50, 50, 3) and np.all(out == 65535)  # a square crop of the centre: all white


def test_downscale_averages_light_not_codes() -> None:
    codes = np.zeros((2, 2, 3), np.uint16)
    codes[0, 0] = codes[1, 1] = 65535  # a checkerboard of black and white
    out = frames.fit_frame(codes, (1, 1), None, True, codecs.decode_display, codecs.encode_display)
    # Half the light: linear 0.5 -> sRGB 0.7354 (IEC 61966-2-1), not the 0.5 a code average gives.
    assert out[0, 0, 0] / 65535 == pytest.approx(1.055 * 0.5 ** (1 / 2.4) - 0.055, abs=1e-4)


def test_bit_depth() -> None:
    codes = np.array([[[0, 257, 65535]]], np.uint16)
    assert codecs.to_depth(codes, "8").tolist() == [[[0, 1, 255]]]
    every = np.arange(65536, dtype=np.uint16).reshape(1, -1, 1)
    assert np.array_equal(
        codecs.to_depth(every, "8"), np.rint(every.astype(np.float64) * 255 / 65535).astype(np.uint8)
    )
    assert codecs.to_depth(codes, "16") is codes
    with pytest.raises(ValueError):
        codecs.to_depth(codes, "32")


def tga_bytes(rgb: np.ndarray, top_first: bool) -> bytes:
    """An uncompressed 24-bit TGA written from the format's definition (Truevision TGA 2.0): 18-byte header,
    BGR pixels, rows bottom-up unless descriptor bit 5 is set, then a footer a reader must ignore."""
    height, width = rgb.shape[:2]
    header = struct.pack("<BBBHHBHHHHBB", 0, 0, 2, 0, 0, 0, 0, 0, width, height, 24, 0x20 if top_first else 0)
    rows = rgb if top_first else rgb[::-1]
    return header + rows[:, :, ::-1].astype(np.uint8).tobytes() + b"\0" * 8 + b"TRUEVISION-XFILE.\0"


@pytest.mark.parametrize("top_first", [False, True])
def test_tga_master_reads_as_16_bit_codes_top_row_first(tmp_path, top_first: bool) -> None:
    rng = np.random.default_rng(3)
    rgb = rng.integers(0, 256, (5, 7, 3), dtype=np.uint16)
    path = tmp_path / "master.tga"
    path.write_bytes(tga_bytes(rgb, top_first))
    assert codecs.tga_problem(path) == ""
    codes = codecs.read_tga(path)
    assert codes.dtype == np.uint16 and codes.shape == (5, 7, 3)
    assert np.array_equal(codes, rgb * 257)  # 8-bit code c is 16-bit code c * 257 (255 -> 65535)


def test_a_cut_tga_master_is_refused(tmp_path) -> None:
    path = tmp_path / "master.tga"
    data = tga_bytes(np.zeros((4, 4, 3), np.uint16), top_first=False)
    path.write_bytes(data[: 18 + 4 * 4 * 3 - 1])
    assert "truncated" in codecs.tga_problem(path)
    with pytest.raises(ValueError, match="truncated"):
        codecs.read_tga(path)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + data[8:])
    assert "not an uncompressed" in codecs.tga_problem(path)


def test_anamorphic_master_is_desqueezed() -> None:
    """A 2x anamorphic master holds every pair of columns of the scene in one wide pixel. Desqueezing it to
    half the scene's size must equal averaging the scene itself over 2x2 blocks (both are exact area means
    over the same footprints)."""
    rng = np.random.default_rng(5)
    scene = rng.random((8, 16, 3)).astype(np.float64)  # linear light, square pixels
    squeezed = (scene[:, 0::2] + scene[:, 1::2]) / 2  # what the anamorphic camera records: 8 x 8
    expected = scene.reshape(4, 2, 8, 2, 3).mean(axis=(1, 3))  # 4 x 8, by 2x2 blocks
    desqueezed = frames.fit_frame(squeezed, (8, 4), None, True, pixel_aspect=2.0)
    assert desqueezed.shape == (4, 8, 3)
    assert np.allclose(desqueezed, expected, atol=1e-6)


def test_anamorphic_master_letterboxes_by_its_displayed_aspect() -> None:
    """An 8 x 6 master with 2:1 pixels shows as 16 x 6 (8:3). Into a 16 x 16 frame the picture is 16 wide
    and 6 tall: 5 black rows above and below."""
    master = np.ones((6, 8, 3), np.float32)
    framed = frames.fit_frame(master, (16, 16), None, True, pixel_aspect=2.0)
    assert framed.shape == (16, 16, 3)
    lit = np.flatnonzero(framed[:, 0, 0] > 0.5)
    assert lit.tolist() == list(range(5, 11))
    assert np.allclose(framed[5:11], 1.0)
