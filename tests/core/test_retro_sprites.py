"""Sprite sheets: the atlas rectangles are exactly the sheet's non-empty regions, PNGs round-trip."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from backlot.production.image.codecs import read_png
from backlot.production.retro.sprites import pack_sprite_sheet, sprite_directions
from PIL import Image


def sprite(rng: np.random.Generator, size: int = 40) -> np.ndarray:
    """A transparent frame with an opaque blob of random size and place (a rendered character stand-in)."""
    image = np.zeros((size, size, 4), np.uint8)
    w, h = rng.integers(3, 20, 2)
    x, y = rng.integers(0, size - w), rng.integers(0, size - h)
    image[y : y + h, x : x + w, :3] = rng.integers(0, 256, (h, w, 3))
    image[y : y + h, x : x + w, 3] = 255
    image[y, x, 3] = 0 if w > 1 and h > 1 else 255  # a transparent corner must not shrink the box
    return image


def test_atlas_rectangles_match_the_sheets_non_empty_regions(tmp_path: Path) -> None:
    rng = np.random.default_rng(11)
    directions = sprite_directions(8)
    rows = [[sprite(rng) for _ in range(3)] for _ in directions]
    paths = []  # one row goes in as PNG files written by Pillow (adaptive row filters), the rest as arrays
    for i, frame in enumerate(rows[0]):
        paths.append(tmp_path / f"south_{i}.png")
        Image.fromarray(frame, "RGBA").save(paths[-1])
    names = [name for name, _ in directions]
    pack_sprite_sheet(
        [paths, *rows[1:]], tmp_path / "sheet.png", tmp_path / "sheet.json", names, [80, 80, 160]
    )
    sheet = np.asarray(Image.open(tmp_path / "sheet.png").convert("RGBA"))  # decoded independently
    atlas = json.loads((tmp_path / "sheet.json").read_text())
    assert atlas["meta"]["size"] == {"w": sheet.shape[1], "h": sheet.shape[0]}
    covered = np.zeros(sheet.shape[:2], bool)
    for index, entry in enumerate(atlas["frames"]):
        rect, source = entry["frame"], entry["spriteSourceSize"]
        region = sheet[rect["y"] : rect["y"] + rect["h"], rect["x"] : rect["x"] + rect["w"]]
        assert not covered[rect["y"] : rect["y"] + rect["h"], rect["x"] : rect["x"] + rect["w"]].any()
        covered[rect["y"] : rect["y"] + rect["h"], rect["x"] : rect["x"] + rect["w"]] = True
        opaque_y, opaque_x = np.nonzero(region[..., 3])
        assert (opaque_x.min(), opaque_y.min()) == (0, 0), "rectangle is not tight on the left/top"
        assert (opaque_x.max() + 1, opaque_y.max() + 1) == (rect["w"], rect["h"]), "not tight right/bottom"
        original = rows[index // 3][index % 3]
        trimmed = original[source["y"] : source["y"] + source["h"], source["x"] : source["x"] + source["w"]]
        assert np.array_equal(region[region[..., 3] > 0], trimmed[trimmed[..., 3] > 0])
        assert entry["duration"] == [80, 80, 160][index % 3]
    assert not sheet[..., 3][~covered].any(), "opaque pixels outside every atlas rectangle"
    tags = atlas["meta"]["frameTags"]
    assert [t["name"] for t in tags] == names and tags[1] == {
        "name": "south_east",
        "from": 3,
        "to": 5,
        "direction": "forward",
    }


@pytest.mark.parametrize("mode", ["RGBA", "RGB", "L"])
def test_png_reader_matches_pillow(tmp_path: Path, mode: str) -> None:
    rng = np.random.default_rng(2)
    smooth = np.cumsum(rng.integers(0, 4, (17, 23, 4)), axis=1).astype(np.uint8)  # makes Pillow use filters
    Image.fromarray(smooth, "RGBA").convert(mode).save(tmp_path / "in.png")
    expected = np.asarray(Image.open(tmp_path / "in.png").convert("RGBA"))
    assert np.array_equal(read_png(tmp_path / "in.png"), expected)


def test_directions_are_evenly_spaced() -> None:
    for count in (4, 8):
        angles = [angle for _, angle in sprite_directions(count)]
        assert angles == [i * 360 / count for i in range(count)]
    with pytest.raises(ValueError, match="4 or 8"):
        sprite_directions(6)
