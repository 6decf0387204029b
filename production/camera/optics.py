"""Camera optics: sensors, lenses and field of view, rotations and projection, depth of field.

Pure maths with plain inputs (floats, 3-tuples, world-space bounds as ``(min_xyz, max_xyz)``) and plain
outputs, so the Blender camera department only copies numbers onto ``bpy`` data and the maths is testable
without Blender. Conventions follow Blender: metres, +Z up, a camera looks down its local -Z with +Y up,
rotations are Euler XYZ in radians, frame coordinates are those of
``bpy_extras.object_utils.world_to_camera_view`` ((0, 0) bottom-left, (1, 1) top-right).
Shot sizes solved from real bounds are in framing.py. See docs/camera.md for the tables and the derivations.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from ..model import Sensor

Vec3 = tuple[float, float, float]
Bounds = tuple[Vec3, Vec3]

SENSOR_FITS = ("AUTO", "HORIZONTAL", "VERTICAL")


# ---------------------------------------------------------------- presets


def preset_number(data: Mapping[str, Any], key: str, where: str, default: float | None = None) -> float:
    """A positive number from a preset file's mapping; anything else is an error that names the preset."""
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError(f"{where}: '{key}' must be a positive number, got {value!r}; fix the preset file")
    return float(value)


def sensor_from_preset(name: str, data: Mapping[str, Any]) -> Sensor:
    """A Sensor from a presets/sensors/<name>.yaml mapping (width_mm, height_mm, squeeze, coc_mm)."""
    where = f"sensor preset '{name}'"
    coc = data.get("coc_mm")
    return Sensor(
        name=name,
        width_mm=preset_number(data, "width_mm", where),
        height_mm=preset_number(data, "height_mm", where),
        squeeze=preset_number(data, "squeeze", where, 1.0),
        coc_mm=None if coc is None else preset_number(data, "coc_mm", where),
    )


# ---------------------------------------------------------------- lens and sensor


def frame_size_mm(sensor: Sensor, fit: str, aspect: float) -> tuple[float, float]:
    """Width and height of the imaged area on the (desqueezed) sensor, exactly as Blender fits it.

    HORIZONTAL spans ``sensor_width`` across the image width, VERTICAL spans ``sensor_height`` across its
    height, AUTO spans ``sensor_width`` across the larger image dimension
    (Blender's ``BKE_camera_sensor_fit``).
    ``aspect`` is the displayed image's width/height (resolution times pixel aspect).
    """
    if fit not in SENSOR_FITS:
        raise ValueError(f"sensor fit {fit!r} is not one of {', '.join(SENSOR_FITS)}")
    if aspect <= 0:
        raise ValueError(f"aspect ratio must be positive (width/height), got {aspect}")
    width = sensor.effective_width_mm
    if fit == "AUTO":
        return (width, width / aspect) if aspect >= 1.0 else (width * aspect, width)
    if fit == "HORIZONTAL":
        return width, width / aspect
    return sensor.height_mm * aspect, sensor.height_mm


def field_of_view(
    sensor: Sensor, focal_mm: float, fit: str = "AUTO", aspect: float = 16 / 9
) -> tuple[float, float]:
    """Horizontal and vertical field of view in radians of the rendered image."""
    if focal_mm <= 0:
        raise ValueError(f"focal length must be positive millimetres, got {focal_mm}")
    width, height = frame_size_mm(sensor, fit, aspect)
    return 2 * math.atan(width / (2 * focal_mm)), 2 * math.atan(height / (2 * focal_mm))


def focal_for_field_of_view(
    sensor: Sensor, fov_rad: float, fit: str, aspect: float, axis: str = "vertical"
) -> float:
    """The focal length that gives ``fov_rad`` across the image's ``axis`` (horizontal | vertical)."""
    width, height = frame_size_mm(sensor, fit, aspect)
    extent = {"horizontal": width, "vertical": height}[axis]
    return extent / (2 * math.tan(fov_rad / 2))


def blender_sensor(sensor: Sensor) -> tuple[float, float]:
    """``camera.data.sensor_width/sensor_height`` for this gate (the width is desqueezed for anamorphics)."""
    return sensor.effective_width_mm, sensor.height_mm


def render_pixel_aspect(sensor: Sensor) -> tuple[float, float]:
    """``render.pixel_aspect_x/y``: an anamorphic squeeze is stored as wide pixels (2x -> 2:1)."""
    return sensor.squeeze, 1.0


# ---------------------------------------------------------------- rotations and projection


def rotation_matrix(rotation_euler: Vec3) -> tuple[Vec3, Vec3, Vec3]:
    """Rows of Blender's Euler XYZ matrix R = Rz @ Ry @ Rx."""
    rx, ry, rz = rotation_euler
    cx, sx, cy, sy, cz, sz = (
        math.cos(rx),
        math.sin(rx),
        math.cos(ry),
        math.sin(ry),
        math.cos(rz),
        math.sin(rz),
    )
    return (
        (cz * cy, cz * sy * sx - sz * cx, cz * sy * cx + sz * sx),
        (sz * cy, sz * sy * sx + cz * cx, sz * sy * cx - cz * sx),
        (-sy, cy * sx, cy * cx),
    )


def camera_axes(rotation_euler: Sequence[float]) -> tuple[Vec3, Vec3, Vec3]:
    """World-space (right, up, forward) of a camera: its local +X, +Y and -Z."""
    return _camera_axes(tuple(rotation_euler))


@lru_cache(maxsize=4096)
def _camera_axes(rotation_euler: Vec3) -> tuple[Vec3, Vec3, Vec3]:
    """Cached: moves and focus ask for the same rotation on every frame of a still or travelling shot."""
    m = rotation_matrix(rotation_euler)
    right = (m[0][0], m[1][0], m[2][0])
    up = (m[0][1], m[1][1], m[2][1])
    forward = (-m[0][2], -m[1][2], -m[2][2])
    return right, up, forward


def look_rotation(forward: Vec3) -> Vec3:
    """Euler XYZ of a camera looking along ``forward`` with no roll (straight up/down keeps yaw 0)."""
    fx, fy, fz = forward
    horizontal = math.hypot(fx, fy)
    if horizontal == 0 and fz == 0:
        raise ValueError("cannot aim a camera along a zero-length direction")
    pitch = math.atan2(fz, horizontal)
    yaw = math.atan2(-fx, fy) if horizontal > 1e-12 else 0.0
    return (math.pi / 2 + pitch, 0.0, yaw)


def look_at(location: Vec3, target: Vec3) -> Vec3:
    """Euler XYZ aiming a camera at ``location`` toward ``target`` (Blender's Track To with -Z and up Y)."""
    return look_rotation(sub(target, location))


def look_at_keeping(location: Vec3, target: Vec3, seen: Vec3) -> Vec3:
    """Euler XYZ (no roll) of a camera at ``location`` that sees ``target`` along ``seen``, a direction in
    camera space (+X right, +Y up, -Z ahead): a moving camera keeps its subject where the framing put it.

    With R = Rz(yaw) Rx(pi/2 + pitch), the world height of R k (k = ``seen`` normalised) is
    k_y cos(pitch) - k_z sin(pitch), which fixes the pitch; the yaw then turns R k onto the target.
    """
    length = math.sqrt(dot(seen, seen))
    kx, ky, kz = (v / length for v in seen)
    offset = sub(target, location)
    distance = math.sqrt(dot(offset, offset))
    if distance == 0 or kz >= 0:
        raise ValueError("look_at_keeping: the target must be away from the camera and seen in front of it")
    reach = math.hypot(ky, kz)
    rise = max(-1.0, min(1.0, offset[2] / distance / reach))
    pitch = math.asin(rise) - math.atan2(ky, -kz)
    across = -ky * math.sin(pitch) - kz * math.cos(pitch)
    yaw = math.atan2(offset[1], offset[0]) - math.atan2(across, kx)
    return (math.pi / 2 + pitch, 0.0, yaw)


def camera_direction(point: Vec3, location: Vec3, rotation_euler: Vec3) -> Vec3:
    """Where ``point`` lies as a camera at ``location`` sees it: (right, up, -ahead) in camera space."""
    right, up, forward = camera_axes(rotation_euler)
    offset = sub(point, location)
    return (dot(offset, right), dot(offset, up), -dot(offset, forward))


def project_point(
    point: Vec3,
    location: Vec3,
    rotation_euler: Vec3,
    focal_mm: float,
    sensor: Sensor,
    fit: str = "AUTO",
    aspect: float = 16 / 9,
) -> Vec3:
    """``world_to_camera_view`` without Blender: frame (x, y) from the bottom-left, depth along the view."""
    width, height = frame_size_mm(sensor, fit, aspect)
    right, up, forward = camera_axes(rotation_euler)
    offset = sub(point, location)
    depth = dot(offset, forward)
    if depth == 0:
        return (math.inf, math.inf, 0.0)
    x = dot(offset, right) * focal_mm / (depth * width) + 0.5
    y = dot(offset, up) * focal_mm / (depth * height) + 0.5
    return (x, y, depth)


def box_corners(bounds: Bounds) -> list[Vec3]:
    (x0, y0, z0), (x1, y1, z1) = bounds
    return [(x, y, z) for x in (x0, x1) for y in (y0, y1) for z in (z0, z1)]


# ---------------------------------------------------------------- depth of field


def hyperfocal_distance_m(focal_mm: float, f_stop: float, coc_mm: float) -> float:
    """H = f^2 / (N c) + f: focusing here keeps everything from H/2 to infinity acceptably sharp."""
    return (focal_mm**2 / (f_stop * coc_mm) + focal_mm) / 1000.0


def depth_of_field_m(
    focal_mm: float, f_stop: float, coc_mm: float, focus_distance_m: float
) -> tuple[float, float]:
    """Near and far limits of acceptable sharpness (far is ``math.inf`` from the hyperfocal distance on)."""
    if focus_distance_m <= focal_mm / 1000.0:
        raise ValueError(f"focus distance {focus_distance_m} m must be beyond the focal length {focal_mm} mm")
    hyperfocal = hyperfocal_distance_m(focal_mm, f_stop, coc_mm)
    f = focal_mm / 1000.0
    s = focus_distance_m
    near = s * (hyperfocal - f) / (hyperfocal + s - 2 * f)
    far = math.inf if s >= hyperfocal else s * (hyperfocal - f) / (hyperfocal - s)
    return near, far


# ---------------------------------------------------------------- vectors


def sub(a: Vec3, b: Vec3) -> Vec3:
    """a - b."""
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


def dot(a: Vec3, b: Vec3) -> float:
    """a . b."""
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def offset(point: Sequence[float], direction: Sequence[float], scale: float) -> Vec3:
    """point + direction * scale."""
    return (point[0] + direction[0] * scale, point[1] + direction[1] * scale, point[2] + direction[2] * scale)


def box_center(bounds: Bounds) -> Vec3:
    (x0, y0, z0), (x1, y1, z1) = bounds
    return ((x0 + x1) / 2, (y0 + y1) / 2, (z0 + z1) / 2)


def dot2(a: Sequence[float], b: Sequence[float]) -> float:
    return a[0] * b[0] + a[1] * b[1]


def add2(a: Sequence[float], b: Sequence[float]) -> tuple[float, float]:
    return a[0] + b[0], a[1] + b[1]


def unit2_or_zero(v: Sequence[float]) -> tuple[float, float]:
    length = math.hypot(v[0], v[1])
    return (0.0, 0.0) if length < 1e-9 else (v[0] / length, v[1] / length)


def unit2(v: Sequence[float]) -> tuple[float, float]:
    length = math.hypot(v[0], v[1])
    if length < 1e-9:
        raise ValueError(
            f"horizontal direction {tuple(v)} has no length (are two subjects in the same place?)"
        )
    return v[0] / length, v[1] / length
