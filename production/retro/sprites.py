"""Sprite sheets for game engines: one PNG with every direction x animation frame, plus a JSON atlas.

The render finalize step passes the rendered frames (paths to RGBA PNGs, or uint8 arrays) as rows of
directions; each frame is trimmed to its non-transparent pixels and packed on a grid, and the atlas uses
Aseprite's JSON layout (`frames` with `frame`, `spriteSourceSize`, `sourceSize`, `duration` in ms, and
`meta.frameTags` per direction), which Godot, Unity, Phaser and Defold importers read. PNG is read here with
zlib and numpy (no Pillow: this runs inside Blender) and written by `production.image.codecs`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from ..image.codecs import read_png, write_png

Image = npt.NDArray[np.uint8]  # (height, width, 4) RGBA, top row first
# Camera azimuth around the character for each direction, degrees counter-clockwise seen from above, 0 = in
# front of the character (it faces the camera: the "down"/south sprite of a top-down game).
DIRECTIONS = {
    4: (("south", 0.0), ("east", 90.0), ("north", 180.0), ("west", 270.0)),
    8: (
        ("south", 0.0),
        ("south_east", 45.0),
        ("east", 90.0),
        ("north_east", 135.0),
        ("north", 180.0),
        ("north_west", 225.0),
        ("west", 270.0),
        ("south_west", 315.0),
    ),
}


def sprite_directions(count: int) -> tuple[tuple[str, float], ...]:
    """(name, camera azimuth in degrees) for 4 or 8 directions."""
    if count not in DIRECTIONS:
        raise ValueError(f"sprite sheets have 4 or 8 directions, got {count}")
    return DIRECTIONS[count]


# ---------------------------------------------------------------------------------------------------- packing


@dataclass(frozen=True)
class SheetFrame:
    name: str
    x: int  # where the trimmed frame sits in the sheet
    y: int
    width: int
    height: int
    source: tuple[int, int, int, int]  # (x, y, w, h) of the trimmed part inside the original frame
    source_size: tuple[int, int]
    duration_ms: int


def _trim(image: Image) -> tuple[int, int, int, int]:
    """(x, y, w, h) of the non-transparent pixels; a fully transparent frame keeps one pixel."""
    ys, xs = np.nonzero(image[..., 3])
    if len(xs) == 0:
        return 0, 0, 1, 1
    return int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)


def _as_rgba(frame: str | Path | npt.ArrayLike) -> Image:
    if isinstance(frame, str | Path):
        return read_png(frame)
    array = np.asarray(frame)
    if array.dtype != np.uint8 or array.ndim != 3 or array.shape[2] != 4:
        raise ValueError(f"sprite frames must be RGBA uint8 arrays (height, width, 4), got {array.shape}")
    return array


def pack_sprite_sheet(
    rows: Sequence[Sequence[str | Path | npt.ArrayLike]],
    sheet_path: str | Path,
    atlas_path: str | Path,
    row_names: Sequence[str] = (),
    duration_ms: int | Sequence[int] = 100,
    padding: int = 1,
) -> list[SheetFrame]:
    """Pack `rows` (one per direction, each the animation's frames) into one PNG and an Aseprite JSON atlas.

    Every frame is trimmed to its opaque pixels and placed in a grid cell as large as the largest trimmed
    frame, `padding` transparent pixels apart. Returns the placed frames (what the atlas lists).
    """
    if not rows or not all(rows):
        raise ValueError("a sprite sheet needs at least one row with at least one frame")
    names = list(row_names) or [f"row{i}" for i in range(len(rows))]
    if len(names) != len(rows):
        raise ValueError(f"{len(names)} row names for {len(rows)} rows")
    images = [[_as_rgba(frame) for frame in row] for row in rows]
    boxes = [[_trim(image) for image in row] for row in images]
    cell_w = max(box[2] for row in boxes for box in row) + padding
    cell_h = max(box[3] for row in boxes for box in row) + padding
    columns = max(len(row) for row in images)
    sheet = np.zeros((len(images) * cell_h - padding, columns * cell_w - padding, 4), np.uint8)
    frames = []
    for r, (name, row, row_boxes) in enumerate(zip(names, images, boxes, strict=True)):
        for c, (image, (x, y, w, h)) in enumerate(zip(row, row_boxes, strict=True)):
            top, left = r * cell_h, c * cell_w
            sheet[top : top + h, left : left + w] = image[y : y + h, x : x + w]
            duration = duration_ms if isinstance(duration_ms, int) else duration_ms[c]
            size = (image.shape[1], image.shape[0])
            frames.append(SheetFrame(f"{name} {c}", left, top, w, h, (x, y, w, h), size, int(duration)))
    write_png(Path(sheet_path), sheet)
    atlas = {
        "frames": [
            {
                "filename": f.name,
                "frame": {"x": f.x, "y": f.y, "w": f.width, "h": f.height},
                "rotated": False,
                "trimmed": (f.width, f.height) != f.source_size,
                "spriteSourceSize": dict(zip("xywh", f.source, strict=True)),
                "sourceSize": {"w": f.source_size[0], "h": f.source_size[1]},
                "duration": f.duration_ms,
            }
            for f in frames
        ],
        "meta": {
            "app": "Backlot",
            "image": Path(sheet_path).name,
            "format": "RGBA8888",
            "size": {"w": sheet.shape[1], "h": sheet.shape[0]},
            "scale": "1",
            "frameTags": _tags(names, [len(row) for row in images]),
        },
    }
    Path(atlas_path).write_text(json.dumps(atlas, indent=1), encoding="utf-8")
    return frames


def _tags(names: Sequence[str], lengths: Sequence[int]) -> list[dict[str, object]]:
    """One Aseprite frame tag per row (direction): its frames' index range in the atlas."""
    tags, start = [], 0
    for name, length in zip(names, lengths, strict=True):
        tags.append({"name": name, "from": start, "to": start + length - 1, "direction": "forward"})
        start += length
    return tags
