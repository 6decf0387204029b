"""Isometric and 2:1 pixel-art dimetric cameras: orthographic, looking down at 45° azimuth.

A ground tile of side `tile_world` metres, seen from azimuth 45°, spans its diagonal √2 * tile_world across
the screen and √2 * tile_world * sin(elevation) down it. True isometric (elevation atan(1/√2) = 35.264°) makes
the three axes equal on screen; the pixel-art "isometric" of games is dimetric with elevation 30°
(sin = 1/2), so a tile is exactly twice as wide as it is tall (2:1 pixel lines).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ELEVATIONS = {
    "isometric": math.degrees(math.atan(1 / math.sqrt(2))),  # 35.264°
    "dimetric": 30.0,  # asin(1/2): 2:1 tiles
}
AZIMUTH = 45.0
SENSOR_FITS = ("AUTO", "HORIZONTAL", "VERTICAL")


@dataclass(frozen=True)
class OrthoCamera:
    """Blender camera settings: ORTHO with `ortho_scale` (frame width in metres), Euler XYZ in radians."""

    ortho_scale: float
    rotation_euler: tuple[float, float, float]
    location: tuple[float, float, float]
    tile_pixels: tuple[float, float]  # (width, height) of one ground tile on screen


def tile_camera(
    mode: str,
    tile_width_px: float,
    resolution_x: int,
    target: tuple[float, float, float] = (0.0, 0.0, 0.0),
    tile_world: float = 1.0,
    distance: float = 50.0,
    resolution_y: int | None = None,
    sensor_fit: str = "HORIZONTAL",
) -> OrthoCamera:
    """The orthographic camera that draws a `tile_world`-metre ground tile `tile_width_px` pixels wide.

    It looks at `target` from `distance` metres (far enough to clear the set; orthographic size does not
    depend on it) at 45° azimuth from the -X/-Y quadrant, so +X runs down-right and +Y up-right on screen.
    Blender's camera looks down its local -Z; rotation (90° - elevation, 0, -45°) tilts it from horizontal
    and turns it to face the +X+Y diagonal. Blender's `ortho_scale` spans the frame's width with sensor fit
    HORIZONTAL, its height with VERTICAL, and the longer side with AUTO: give `resolution_y` for the last two.
    """
    if mode not in ELEVATIONS:
        raise ValueError(f"tile camera mode {mode!r} is not one of {', '.join(ELEVATIONS)}")
    if tile_width_px <= 0 or resolution_x < 1 or tile_world <= 0 or (resolution_y or 1) < 1:
        raise ValueError("tile width, resolution and tile size must be positive")
    if sensor_fit not in SENSOR_FITS:
        raise ValueError(f"sensor fit {sensor_fit!r} is not one of {', '.join(SENSOR_FITS)}")
    elevation = math.radians(ELEVATIONS[mode])
    diagonal = math.sqrt(2.0) * tile_world
    frame_width = diagonal * resolution_x / tile_width_px  # metres across the frame
    height_ratio = (resolution_y or resolution_x) / resolution_x
    fits_height = sensor_fit == "VERTICAL" or (sensor_fit == "AUTO" and height_ratio > 1.0)
    ortho_scale = frame_width * height_ratio if fits_height else frame_width
    horizontal = distance * math.cos(elevation) / math.sqrt(2.0)
    location = (
        target[0] - horizontal,
        target[1] - horizontal,
        target[2] + distance * math.sin(elevation),
    )
    return OrthoCamera(
        ortho_scale=ortho_scale,
        rotation_euler=(math.pi / 2 - elevation, 0.0, -math.radians(AZIMUTH)),
        location=location,
        tile_pixels=(tile_width_px, tile_width_px * math.sin(elevation)),
    )
