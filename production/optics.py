"""Camera optics and framing: sensors, field of view, shot sizes solved from real bounds, depth of field.

Pure maths with plain inputs (floats, 3-tuples, world-space bounds as ``(min_xyz, max_xyz)``) and plain
outputs, so the Blender camera department only copies numbers onto ``bpy`` data and the maths is testable
without Blender. Conventions follow Blender: metres, +Z up, a camera looks down its local -Z with +Y up,
rotations are Euler XYZ in radians, frame coordinates are those of
``bpy_extras.object_utils.world_to_camera_view`` ((0, 0) bottom-left, (1, 1) top-right).
See docs/camera.md for the tables and the derivations.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

Vec3 = tuple[float, float, float]
Bounds = tuple[Vec3, Vec3]

SENSOR_FITS = ("AUTO", "HORIZONTAL", "VERTICAL")
CAMERA_HEIGHTS = ("eye", "low", "high", "overhead", "ground", "shoulder", "hip")
"""Named camera heights; a number is a lens height in metres above the subject's floor (bounds min z)."""
CameraHeight = str | float
EYE_FROM_TOP = 0.064
"""Eye line of a standing adult as a fraction of body height from the top (eye height ≈ 0.936 H, Drillis &
Contini 1966 body-segment proportions)."""
HEIGHT_ELEVATION_DEG = {"low": -20.0, "high": 30.0, "overhead": 60.0}
"""Angle of the line from the subject's eye point up (+) or down (-) to the camera for the angled heights."""
BODY_LEVEL_FROM_FLOOR = {"shoulder": 0.818, "hip": 0.530}
"""Shoulder and hip joint heights as fractions of stature (Drillis & Contini 1966): level camera heights."""
GROUND_CLEARANCE_M = 0.15
"""Lowest lens height above the subject's floor (bounds min z): a camera on a ground plate or hi-hat."""
MIN_STANDOFF_M = 0.05
"""Closest a solved camera gets to the subject's front plane (for OTS: to the foreground subject's back)."""
OTS_FOREGROUND_X = 0.85
"""Where an over-the-shoulder puts the foreground subject's centre: this far across the frame on its side."""
WIDTH_FILL_LIMIT = 0.9
"""Largest share of the horizontal field of view the framed region may span (two-shots and wide props)."""
THIRD = 1.0 / 3.0


@dataclass(frozen=True)
class Sensor:
    """A camera gate; ``squeeze`` > 1 is an anamorphic lens (scene squeezed that many times)."""

    name: str
    width_mm: float
    height_mm: float
    squeeze: float = 1.0
    coc_mm: float | None = None

    @property
    def effective_width_mm(self) -> float:
        """Width of the gate as the desqueezed image sees it: what Blender's ``sensor_width`` must be."""
        return self.width_mm * self.squeeze

    @property
    def circle_of_confusion_mm(self) -> float:
        """The preset's value, else the common diagonal/1442 rule (0.030 mm on full frame)."""
        if self.coc_mm is not None:
            return self.coc_mm
        return math.hypot(self.width_mm, self.height_mm) / 1442.0


@dataclass(frozen=True)
class ShotSize:
    """One row of the shot-size table (presets/shot_sizes/<NAME>.yaml); see docs/camera.md."""

    name: str
    region: tuple[float, float] | None
    """Framed part of the subject: (top, bottom) as fractions of its height measured from the top."""
    fill: float | None
    """Share of the frame height the region occupies."""
    headroom: float | None
    """Share of the frame height between the region's top and the top of the frame."""
    height: CameraHeight = "eye"
    side_deg: float = 0.0
    subjects: int = 1
    default_lens_mm: float = 50.0
    fit_width: bool = False
    """Also keep the region within WIDTH_FILL_LIMIT of the frame width (two-shots, props)."""


@dataclass(frozen=True)
class Subject:
    """Something to frame: its evaluated world bounds, the horizontal way it faces, where its eyes are."""

    bounds: Bounds
    facing: tuple[float, float] = (0.0, -1.0)
    eye_from_top: float = EYE_FROM_TOP
    name: str = "subject"

    @property
    def height(self) -> float:
        return self.bounds[1][2] - self.bounds[0][2]

    @property
    def eye_point(self) -> Vec3:
        """The eyes at the front of the bounds (along the facing): where a POV looks from and focus lands."""
        center = _box_center(self.bounds)
        facing = _unit2(self.facing)
        front = max(_dot2(sub(c, center), facing) for c in box_corners(self.bounds))
        z = self.bounds[1][2] - self.eye_from_top * self.height
        return (center[0] + facing[0] * front, center[1] + facing[1] * front, z)


@dataclass(frozen=True)
class FramedRegion:
    """Where the framed region landed, in world_to_camera_view frame coordinates."""

    boxes: tuple[Bounds, ...]
    x_center: float
    y_bottom: float
    y_top: float

    @property
    def fill(self) -> float:
        return self.y_top - self.y_bottom

    @property
    def headroom(self) -> float:
        return 1.0 - self.y_top


@dataclass(frozen=True)
class CameraPlacement:
    """A solved camera: everything the Blender side needs, as plain data."""

    location: Vec3
    rotation_euler: Vec3
    focal_mm: float
    sensor_fit: str
    focus_distance_m: float
    region: FramedRegion
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Frame:
    """The pinhole frustum of one lens/sensor/aspect: tangents of the half field of view."""

    tan_half_h: float
    tan_half_v: float


# ---------------------------------------------------------------- presets


def _number(data: Mapping[str, Any], key: str, where: str, default: float | None = None) -> float:
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
        width_mm=_number(data, "width_mm", where),
        height_mm=_number(data, "height_mm", where),
        squeeze=_number(data, "squeeze", where, 1.0),
        coc_mm=None if coc is None else _number(data, "coc_mm", where),
    )


def shot_size_from_preset(name: str, data: Mapping[str, Any]) -> ShotSize:
    """Build a ShotSize from a presets/shot_sizes/<NAME>.yaml mapping, checking the fractions make a frame."""
    where = f"shot size preset '{name}'"
    region = data.get("region")
    height = data.get("height", "eye")
    if height not in CAMERA_HEIGHTS:
        raise ValueError(f"{where}: 'height' is {height!r}; use one of {', '.join(CAMERA_HEIGHTS)}")
    size_args: dict[str, Any] = {
        "name": name,
        "height": height,
        "side_deg": float(data.get("side_deg", 0.0)),
        "subjects": int(data.get("subjects", 1)),
        "default_lens_mm": _number(data, "default_lens_mm", where, 50.0),
        "fit_width": bool(data.get("fit_width", False)),
    }
    if region is None:
        return ShotSize(region=None, fill=None, headroom=None, **size_args)
    if (
        not isinstance(region, list | tuple)
        or len(region) != 2
        or not all(isinstance(v, int | float) for v in region)
        or not 0.0 <= region[0] < region[1] <= 1.0
    ):
        raise ValueError(
            f"{where}: 'region' is {region!r}; write [top, bottom] as fractions of the subject's height "
            "from its top, with 0 <= top < bottom <= 1"
        )
    fill = _number(data, "fill", where)
    headroom = float(data.get("headroom", 0.0))
    if headroom < 0 or fill + headroom > 1.0:
        raise ValueError(f"{where}: fill {fill} + headroom {headroom} must stay within the frame (<= 1)")
    return ShotSize(region=(float(region[0]), float(region[1])), fill=fill, headroom=headroom, **size_args)


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


def squeezed_resolution(display_width_px: int, display_height_px: int, sensor: Sensor) -> tuple[int, int]:
    """Render resolution that shows as ``display_width x display_height`` once the pixel aspect is applied."""
    return max(1, round(display_width_px / sensor.squeeze)), display_height_px


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


def camera_axes(rotation_euler: Vec3) -> tuple[Vec3, Vec3, Vec3]:
    """World-space (right, up, forward) of a camera: its local +X, +Y and -Z."""
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


# ---------------------------------------------------------------- framing


def region_box(subject: Subject, region: tuple[float, float]) -> Bounds:
    """The slab of the subject's bounds between two fractions of its height measured from the top."""
    (x0, y0, _), (x1, y1, z1) = subject.bounds
    top, bottom = region
    return (x0, y0, z1 - bottom * subject.height), (x1, y1, z1 - top * subject.height)


def frame_subject(
    size: ShotSize,
    subject: Subject,
    focal_mm: float,
    sensor: Sensor,
    aspect: float,
    fit: str = "AUTO",
    height: CameraHeight | None = None,
    side_deg: float | None = None,
    other: Subject | None = None,
) -> CameraPlacement:
    """Place a camera so ``size`` frames ``subject`` on this lens.

    ``other`` is the second subject: the partner of a TWO, the foreground shoulder of an OTS (``subject``
    is the one framed), the target a POV character looks at.
    ``height`` and ``side_deg`` default to the size's row.
    """
    _check_subject(subject)
    height = size.height if height is None else height
    _check_height(height)
    side = size.side_deg if side_deg is None else side_deg
    h_fov, v_fov = field_of_view(sensor, focal_mm, fit, aspect)
    frame = _Frame(math.tan(h_fov / 2), math.tan(v_fov / 2))
    if size.subjects == 2 and other is None:
        raise ValueError(f"shot size {size.name} frames two subjects; pass the second one as `other`")
    if other is not None:
        _check_subject(other)
    if size.region is None:
        if other is None:
            raise ValueError(f"shot size {size.name} needs a target to look at; pass it as `other`")
        return _point_of_view(subject, other, focal_mm, sensor, fit, aspect)
    assert size.fill is not None and size.headroom is not None
    if size.name == "OTS":
        assert other is not None
        return _over_the_shoulder(size, subject, other, frame, focal_mm, sensor, fit, aspect, height, side)
    subjects = [subject] if size.subjects == 1 or other is None else [subject, other]
    boxes = [region_box(s, size.region) for s in subjects]
    aim = _mean([_box_center(b) for b in boxes])
    toward_camera = _camera_direction(subjects, side)
    standoff = max(_dot2(sub(c, aim), toward_camera) for b in boxes for c in box_corners(b))
    eye_z = max(s.eye_point[2] for s in subjects)
    ground_z = min(s.bounds[0][2] for s in subjects)
    x_target = 0.5
    if len(subjects) == 1:
        # The subject's facing as seen in the image: toward frame right (+) or left (-); room goes there.
        looks_right = math.sin(math.radians(side))
        x_target = (
            0.5
            if abs(looks_right) < math.sin(math.radians(5))
            else 0.5 - math.copysign(THIRD / 2, looks_right)
        )

    def camera_at(distance: float) -> Vec3:
        horizontal = standoff + distance
        x = aim[0] + toward_camera[0] * horizontal
        y = aim[1] + toward_camera[1] * horizontal
        return (x, y, _camera_z(height, eye_z, ground_z, horizontal))

    hint = "the subjects are too wide for the frame; use a wider aspect or move them closer together"
    return _solve(
        size, boxes, aim, camera_at, x_target, frame, focal_mm, sensor, fit, aspect, hint, subject.eye_point
    )


def _over_the_shoulder(
    size: ShotSize,
    subject: Subject,
    foreground: Subject,
    frame: _Frame,
    focal_mm: float,
    sensor: Sensor,
    fit: str,
    aspect: float,
    height: CameraHeight,
    side: float,
) -> CameraPlacement:
    """Camera behind ``foreground``'s shoulder on the line from ``subject`` through it, backed off."""
    assert size.region is not None
    box = region_box(subject, size.region)
    aim = _box_center(box)
    fg_center = _box_center(foreground.bounds)
    back_axis = _unit2(sub(fg_center, aim))
    shoulder_axis = (back_axis[1], -back_axis[0]) if side >= 0 else (-back_axis[1], back_axis[0])
    back = max(_dot2(sub(c, fg_center), back_axis) for c in box_corners(foreground.bounds))
    spacing = math.hypot(fg_center[0] - aim[0], fg_center[1] - aim[1])
    eye_z = foreground.eye_point[2]
    ground_z = min(subject.bounds[0][2], foreground.bounds[0][2])
    # Angle between the two subjects as seen by the camera when each sits where the frame wants it.
    spread = math.tan(
        math.atan((2 * OTS_FOREGROUND_X - 1) * frame.tan_half_h) + math.atan(THIRD * frame.tan_half_h)
    )

    def lateral(behind: float) -> float:
        """Sideways offset L showing the centres ``spread`` apart: atan(L/behind) - atan(L/(behind+spacing)).

        Too far back for that, it takes the widest spread there is (the shoulder nearer the centre).
        """
        far = behind + spacing
        reachable = spacing**2 - 4 * spread**2 * behind * far
        return (spacing - math.sqrt(max(reachable, 0.0))) / (2 * spread)

    def camera_at(distance: float) -> Vec3:
        along = back + distance
        side_offset = lateral(along)
        x = fg_center[0] + back_axis[0] * along + shoulder_axis[0] * side_offset
        y = fg_center[1] + back_axis[1] * along + shoulder_axis[1] * side_offset
        horizontal = math.hypot(x - aim[0], y - aim[1])
        return (x, y, _camera_z(height, eye_z, ground_z, horizontal))

    # The foreground shoulder shows on the camera's shoulder side, the subject on the other third.
    right_of_view = (-back_axis[1], back_axis[0])
    shoulder_on_right = _dot2(shoulder_axis, right_of_view) < 0
    x_target = 0.5 + THIRD / 2 * (-1 if shoulder_on_right else 1)
    hint = (
        f"the lens is too wide to frame {subject.name} from behind {foreground.name}; "
        "use a longer lens or move them apart"
    )
    return _solve(
        size, [box], aim, camera_at, x_target, frame, focal_mm, sensor, fit, aspect, hint, subject.eye_point
    )


def _point_of_view(
    viewer: Subject, target: Subject, focal_mm: float, sensor: Sensor, fit: str, aspect: float
) -> CameraPlacement:
    """The viewer's eyes, on the front plane of the head, looking at the target's eye point."""
    location = viewer.eye_point
    look = target.eye_point
    rotation = look_at(location, look)
    corners = [
        project_point(c, location, rotation, focal_mm, sensor, fit, aspect)
        for c in box_corners(target.bounds)
    ]
    region = FramedRegion(
        boxes=(target.bounds,),
        x_center=project_point(look, location, rotation, focal_mm, sensor, fit, aspect)[0],
        y_bottom=min(c[1] for c in corners),
        y_top=max(c[1] for c in corners),
    )
    depth = dot(sub(look, location), camera_axes(rotation)[2])
    return CameraPlacement(location, rotation, focal_mm, fit, depth, region)


def _solve(
    size: ShotSize,
    boxes: list[Bounds],
    aim: Vec3,
    camera_at: Callable[[float], Vec3],
    x_target: float,
    frame: _Frame,
    focal_mm: float,
    sensor: Sensor,
    fit: str,
    aspect: float,
    shortfall_hint: str,
    focus_point: Vec3,
) -> CameraPlacement:
    """Find the standoff distance, tilt and pan that put the region's box where the size's row says.

    In a camera's vertical plane a point's frame height depends only on its elevation angle from the lens,
    so the tilt cannot change the region's angular height: the distance alone sets it (bisection, the angle
    shrinks monotonically with distance), the tilt then puts the top on the headroom line, and the pan puts
    the subject on its third. Pan and distance interact slightly: the two solves alternate until they agree.
    """
    assert size.fill is not None and size.headroom is not None
    y_top = 2 * (1 - size.headroom) - 1
    y_bottom = y_top - 2 * size.fill
    vertical_target = math.atan(y_top * frame.tan_half_v) - math.atan(y_bottom * frame.tan_half_v)
    width_limit = 2 * math.atan(frame.tan_half_h) * WIDTH_FILL_LIMIT
    corners = [c for b in boxes for c in box_corners(b)]
    warnings: list[str] = []
    pan = 0.0

    def heading(location: Vec3, pan_angle: float) -> tuple[float, float]:
        base = math.atan2(aim[1] - location[1], aim[0] - location[0]) + pan_angle
        return math.cos(base), math.sin(base)

    def angles(location: Vec3, pan_angle: float) -> tuple[list[float], list[float]] | None:
        h = heading(location, pan_angle)
        right = (h[1], -h[0])
        elevations, azimuths = [], []
        for c in corners:
            d = sub(c, location)
            depth = d[0] * h[0] + d[1] * h[1]
            if depth <= 1e-6:
                return None
            elevations.append(math.atan2(d[2], depth))
            azimuths.append(math.atan2(d[0] * right[0] + d[1] * right[1], depth))
        return elevations, azimuths

    def oversize(distance: float, pan_angle: float) -> float:
        measured = angles(camera_at(distance), pan_angle)
        if measured is None:
            return math.inf
        elevations, azimuths = measured
        vertical = (max(elevations) - min(elevations)) / vertical_target
        return max(vertical, (max(azimuths) - min(azimuths)) / width_limit) if size.fit_width else vertical

    distance = MIN_STANDOFF_M
    tilt = 0.0
    for _ in range(30):
        if oversize(MIN_STANDOFF_M, pan) <= 1.0:
            distance = MIN_STANDOFF_M
        else:
            distance = _bisect(partial(_minus_one, oversize, pan), MIN_STANDOFF_M, 100_000.0)
        location = camera_at(distance)
        measured = angles(location, pan)
        assert measured is not None
        tilt = max(measured[0]) - math.atan(y_top * frame.tan_half_v)
        new_pan = _pan_for_x(aim, location, heading(location, 0.0), tilt, 2 * x_target - 1, frame)
        if abs(new_pan - pan) < 1e-10:
            break
        pan = new_pan
    location = camera_at(distance)
    h = heading(location, pan)
    rotation = (math.pi / 2 + tilt, 0.0, math.atan2(-h[0], h[1]))
    projected = [project_point(c, location, rotation, focal_mm, sensor, fit, aspect) for c in corners]
    region = FramedRegion(
        boxes=tuple(boxes),
        x_center=project_point(aim, location, rotation, focal_mm, sensor, fit, aspect)[0],
        y_bottom=min(p[1] for p in projected),
        y_top=max(p[1] for p in projected),
    )
    if region.fill < size.fill * 0.98:
        warnings.append(
            f"{size.name}: the region fills {region.fill:.2f} of the frame height, not {size.fill:.2f}; "
            + shortfall_hint
        )
    forward = camera_axes(rotation)[2]
    focus = dot(sub(focus_point, location), forward)
    return CameraPlacement(location, rotation, focal_mm, fit, focus, region, tuple(warnings))


def _pan_for_x(
    point: Vec3, location: Vec3, base: tuple[float, float], tilt: float, x_norm: float, frame: _Frame
) -> float:
    """Pan (radians, counter-clockwise from ``base``) that shows ``point`` at normalised x in [-1, 1]."""
    d = sub(point, location)

    def x_at(pan: float) -> float:
        c, s = math.cos(pan), math.sin(pan)
        h = (base[0] * c - base[1] * s, base[0] * s + base[1] * c)
        depth = (d[0] * h[0] + d[1] * h[1]) * math.cos(tilt) + d[2] * math.sin(tilt)
        return (d[0] * h[1] - d[1] * h[0]) / (depth * frame.tan_half_h) - x_norm

    limit = math.atan(frame.tan_half_h) * 1.2
    return _bisect(x_at, -limit, limit)


def _minus_one(oversize: Callable[[float, float], float], pan: float, distance: float) -> float:
    return oversize(distance, pan) - 1.0


def _check_height(height: CameraHeight) -> None:
    if isinstance(height, bool) or (not isinstance(height, int | float) and height not in CAMERA_HEIGHTS):
        raise ValueError(
            f"camera height {height!r} is not one of {', '.join(CAMERA_HEIGHTS)} or a height in metres"
        )


def _camera_z(height: CameraHeight, eye_z: float, ground_z: float, horizontal: float) -> float:
    floor = ground_z + GROUND_CLEARANCE_M
    if isinstance(height, int | float):
        return max(floor, ground_z + float(height))
    if height == "eye":
        return eye_z
    if height == "ground":
        return floor
    if height in BODY_LEVEL_FROM_FLOOR:
        stature = (eye_z - ground_z) / (1 - EYE_FROM_TOP)
        return ground_z + stature * BODY_LEVEL_FROM_FLOOR[height]
    return max(floor, eye_z + horizontal * math.tan(math.radians(HEIGHT_ELEVATION_DEG[height])))


def _camera_direction(subjects: list[Subject], side_deg: float) -> tuple[float, float]:
    """Horizontal unit vector from the subjects toward the camera.

    A single: its facing turned ``side_deg`` toward its right. A pair: perpendicular to the line between
    them, on the side they face together (with the first subject on frame left when they face each other).
    """
    if len(subjects) == 1:
        base = _unit2(subjects[0].facing)
    else:
        a, b = (_box_center(s.bounds) for s in subjects)
        across = _unit2(sub(b, a))
        normal = (-across[1], across[0])  # camera here sees a on the left
        mean_facing = _unit2_or_zero(_add2(_unit2(subjects[0].facing), _unit2(subjects[1].facing)))
        base = normal if _dot2(mean_facing, normal) >= -1e-9 else (-normal[0], -normal[1])
    angle = -math.radians(side_deg)
    c, s = math.cos(angle), math.sin(angle)
    return (base[0] * c - base[1] * s, base[0] * s + base[1] * c)


def _check_subject(subject: Subject) -> None:
    low, high = subject.bounds
    if len(low) != 3 or len(high) != 3 or any(h < lo for lo, h in zip(low, high, strict=True)):
        raise ValueError(
            f"{subject.name}: bounds {subject.bounds} must be (min_xyz, max_xyz) with min <= max"
        )
    if subject.height <= 0:
        raise ValueError(f"{subject.name}: bounds have no height; is the object empty or flat?")
    if math.hypot(*subject.facing) == 0:
        raise ValueError(f"{subject.name}: facing direction {subject.facing} has zero length")


def _bisect(fn: Callable[[float], float], low: float, high: float) -> float:
    """Root of a function that changes sign once on [low, high] (monotonic either way)."""
    f_low = fn(low)
    for _ in range(200):
        mid = (low + high) / 2
        f_mid = fn(mid)
        if (f_mid > 0) == (f_low > 0):
            low, f_low = mid, f_mid
        else:
            high = mid
        if high - low < 1e-12 * max(1.0, abs(high)):
            break
    return (low + high) / 2


def _box_center(bounds: Bounds) -> Vec3:
    (x0, y0, z0), (x1, y1, z1) = bounds
    return ((x0 + x1) / 2, (y0 + y1) / 2, (z0 + z1) / 2)


def _mean(points: Sequence[Vec3]) -> Vec3:
    n = len(points)
    return (sum(p[0] for p in points) / n, sum(p[1] for p in points) / n, sum(p[2] for p in points) / n)


def sub(a: Vec3, b: Vec3) -> Vec3:
    """a - b."""
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


def dot(a: Vec3, b: Vec3) -> float:
    """a . b."""
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def _dot2(a: Sequence[float], b: Sequence[float]) -> float:
    return a[0] * b[0] + a[1] * b[1]


def _add2(a: Sequence[float], b: Sequence[float]) -> tuple[float, float]:
    return a[0] + b[0], a[1] + b[1]


def _unit2_or_zero(v: Sequence[float]) -> tuple[float, float]:
    length = math.hypot(v[0], v[1])
    return (0.0, 0.0) if length < 1e-9 else (v[0] / length, v[1] / length)


def _unit2(v: Sequence[float]) -> tuple[float, float]:
    length = math.hypot(v[0], v[1])
    if length < 1e-9:
        raise ValueError(
            f"horizontal direction {tuple(v)} has no length (are two subjects in the same place?)"
        )
    return v[0] / length, v[1] / length
