"""Framing: the shot-size table and the solver that places a camera so a size frames its real subject.

``frame_subject`` works on world bounds and a lens (optics.py) and answers with a plain
:class:`CameraPlacement`; see docs/camera.md for the table and the derivations.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache, partial
from typing import Any

from ..model import Sensor
from .optics import (
    Bounds,
    Vec3,
    add2,
    box_center,
    box_corners,
    camera_axes,
    dot,
    dot2,
    field_of_view,
    look_at,
    preset_number,
    project_point,
    sub,
    unit2,
    unit2_or_zero,
)

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
"""Closest a solved camera gets to the subject's front plane."""
MAX_STANDOFF_M = 100_000.0
CAMERA_CLEARANCE_M = 0.1
"""Closest an over-the-shoulder camera gets to the foreground subject's bounds (half a camera body)."""
OTS_FOREGROUND_EDGE = 0.6
"""Where an over-the-shoulder puts the foreground subject's inner edge (its bounds' projected edge nearest
the framed subject): this far across the frame from the subject's side, so the shoulder fills the rest."""
WIDTH_FILL_LIMIT = 0.9
"""Largest share of the horizontal field of view the framed region may span (two-shots and wide props)."""
THIRD = 1.0 / 3.0


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

    @cached_property
    def eye_point(self) -> Vec3:
        """The eyes at the front of the bounds (along the facing): where a POV looks from and focus lands.

        Cached: a shot asks for it on every frame."""
        center = box_center(self.bounds)
        facing = unit2(self.facing)
        front = max(dot2(sub(c, center), facing) for c in box_corners(self.bounds))
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
        "default_lens_mm": preset_number(data, "default_lens_mm", where, 50.0),
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
    fill = preset_number(data, "fill", where)
    headroom = float(data.get("headroom", 0.0))
    if headroom < 0 or fill + headroom > 1.0:
        raise ValueError(f"{where}: fill {fill} + headroom {headroom} must stay within the frame (<= 1)")
    return ShotSize(region=(float(region[0]), float(region[1])), fill=fill, headroom=headroom, **size_args)


def region_box(subject: Subject, region: tuple[float, float]) -> Bounds:
    """The slab of the subject's bounds between two fractions of its height measured from the top."""
    (x0, y0, _), (x1, y1, z1) = subject.bounds
    top, bottom = region
    return (x0, y0, z1 - bottom * subject.height), (x1, y1, z1 - top * subject.height)


@lru_cache(maxsize=1024)
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
    ``height`` and ``side_deg`` default to the size's row. Cached (every input and the answer are
    immutable): shots of one scene often ask for the same framing.
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
    aim = _mean([box_center(b) for b in boxes])
    toward_camera = _camera_direction(subjects, side)
    standoff = max(dot2(sub(c, aim), toward_camera) for b in boxes for c in box_corners(b))
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
    """Camera beside ``foreground``'s shoulder, looking at ``subject`` past it.

    Works on the foreground's real horizontal bounds, not its centre: a wide lens stands close, where the
    shoulder's projected size is nothing like a point's. See docs/camera.md, "Over the shoulder".
    """
    assert size.region is not None
    box = region_box(subject, size.region)
    aim = box_center(box)
    back_axis = unit2(sub(box_center(foreground.bounds), aim))
    shoulder_axis = (back_axis[1], -back_axis[0]) if side >= 0 else (-back_axis[1], back_axis[0])

    def local(point: Vec3) -> tuple[float, float]:
        """(along the line from the subject toward the foreground, toward the shoulder side)."""
        offset = sub(point, aim)
        return dot2(offset, back_axis), dot2(offset, shoulder_axis)

    subject_front = max(local(c)[0] for c in box_corners(box))
    foreground_corners = [local(c) for c in box_corners(foreground.bounds)[::2]]  # the 4 horizontal corners
    along_extent = (min(c[0] for c in foreground_corners), max(c[0] for c in foreground_corners))
    lateral_clear = max(c[1] for c in foreground_corners) + CAMERA_CLEARANCE_M
    # The angle between the subject's centre (on its third) and the foreground's inner edge (at
    # OTS_FOREGROUND_EDGE on the other side), for a level camera.
    spread = math.tan(
        math.atan((2 * OTS_FOREGROUND_EDGE - 1) * frame.tan_half_h) + math.atan(THIRD * frame.tan_half_h)
    )
    eye_z = foreground.eye_point[2]
    ground_z = min(subject.bounds[0][2], foreground.bounds[0][2])

    def lateral(along: float) -> float:
        """Sideways offset putting the foreground's nearest corner ``spread`` from the subject's centre."""
        offset = _ots_lateral(along, foreground_corners, spread)
        if along_extent[0] - CAMERA_CLEARANCE_M < along < along_extent[1] + CAMERA_CLEARANCE_M:
            offset = max(offset, lateral_clear)  # beside the foreground, never inside it
        return offset

    def camera_at(distance: float) -> Vec3:
        along = subject_front + distance
        side_offset = lateral(along)
        x = aim[0] + back_axis[0] * along + shoulder_axis[0] * side_offset
        y = aim[1] + back_axis[1] * along + shoulder_axis[1] * side_offset
        return (x, y, _camera_z(height, eye_z, ground_z, math.hypot(x - aim[0], y - aim[1])))

    # Turning from the subject toward the shoulder side is a left turn in a right-handed (back, shoulder)
    # pair: the foreground then shows on frame left and the subject on the right third.
    shoulder_on_left = back_axis[0] * shoulder_axis[1] - back_axis[1] * shoulder_axis[0] > 0
    x_target = 0.5 + THIRD / 2 * (1 if shoulder_on_left else -1)
    hint = (
        f"the lens is too wide to frame {subject.name} from behind {foreground.name}; "
        "use a longer lens or move them apart"
    )
    placement = _solve(
        size, [box], aim, camera_at, x_target, frame, focal_mm, sensor, fit, aspect, hint, subject.eye_point
    )
    shows = [
        project_point(c, placement.location, placement.rotation_euler, focal_mm, sensor, fit, aspect)
        for c in box_corners(foreground.bounds)
    ]
    if not any(p[2] > 0 and 0 < p[0] < 1 for p in shows):
        note = (
            f"OTS: {foreground.name}'s shoulder is out of frame (the camera stands beside or in front of it "
            f"to frame {subject.name} on this lens); use a longer lens or move them apart"
        )
        placement = replace(placement, warnings=(*placement.warnings, note))
    return placement


def _ots_lateral(along: float, corners: list[tuple[float, float]], spread: float) -> float:
    """Smallest sideways offset L >= 0 of a camera at ``along`` that sees every corner at least
    atan(``spread``) from the subject's centre (the origin), on the shoulder side.

    For a corner (a, l) and the camera at (along, L), cross - spread * dot of the two view directions is
    the downward parabola -k L^2 + (a + k l) L - (along l + k along^2 - k along a) (k = spread): the angle
    reaches the spread between its roots. When some corner never reaches it (the camera is too far back
    for the spread) the camera takes that corner's widest angle, the parabola's vertex.
    """
    k = spread
    lowest, widest = 0.0, math.inf
    for a, lat in corners:
        b = a + k * lat
        c = along * lat + k * along * along - k * along * a
        discriminant = b * b - 4 * k * c
        if discriminant < 0:
            widest = min(widest, b / (2 * k))
            continue
        lowest = max(lowest, (b - math.sqrt(discriminant)) / (2 * k))
    return lowest if widest == math.inf else max(0.0, widest)


def _point_of_view(
    viewer: Subject, target: Subject, focal_mm: float, sensor: Sensor, fit: str, aspect: float
) -> CameraPlacement:
    """The viewer's eyes, on the front plane of the head, looking at the target's eye point."""
    location = viewer.eye_point
    look = target.eye_point
    rotation = look_at(location, look)
    region = _framed_region((target.bounds,), look, location, rotation, focal_mm, sensor, fit, aspect)
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
    so the tilt cannot change the region's angular height: the distance alone sets it (the angle shrinks
    monotonically with distance, about as 1/distance, so secant steps on the logarithms converge in a few
    evaluations), the tilt then puts the top on the headroom line, and the pan puts the subject on its
    third. Pan and distance interact slightly: the two solves alternate until they agree.
    """
    assert size.fill is not None and size.headroom is not None
    y_top = 2 * (1 - size.headroom) - 1
    y_bottom = y_top - 2 * size.fill
    vertical_target = math.atan(y_top * frame.tan_half_v) - math.atan(y_bottom * frame.tan_half_v)
    width_limit = 2 * math.atan(frame.tan_half_h) * WIDTH_FILL_LIMIT
    corners = [c for b in boxes for c in box_corners(b)]
    warnings: list[str] = []

    def log_oversize(log_distance: float, pan_angle: float) -> float:
        """log of (the region's angular size / the size the frame wants); decreasing in distance."""
        location = camera_at(math.exp(log_distance))
        measured = _corner_angles(corners, location, _heading(aim, location, pan_angle), size.fit_width)
        if measured is None:
            return math.inf
        elevations, azimuths = measured
        oversize = (max(elevations) - min(elevations)) / vertical_target
        if size.fit_width:
            oversize = max(oversize, (max(azimuths) - min(azimuths)) / width_limit)
        return math.log(oversize)

    nearest, farthest = math.log(MIN_STANDOFF_M), math.log(MAX_STANDOFF_M)
    # First guess: a pinhole seeing the region's height square on at the wanted share of the frame.
    region_height = max(c[2] for c in corners) - min(c[2] for c in corners)
    pinhole_distance = region_height / (2 * size.fill * frame.tan_half_v)
    log_distance = min(max(math.log(max(pinhole_distance, MIN_STANDOFF_M)), nearest), farthest)
    pan, tilt = 0.0, 0.0
    at_nearest = math.nan
    for _ in range(30):
        # Whether the nearest stand-off is too close: once it is, the small pans that follow keep it so.
        if not at_nearest > 0:
            at_nearest = log_oversize(nearest, pan)
        if at_nearest > 0:
            oversize_now = partial(log_oversize, pan_angle=pan)
            log_distance = _root(oversize_now, nearest, farthest, log_distance, at_nearest)
        else:
            log_distance = nearest
        location = camera_at(math.exp(log_distance))
        measured = _corner_angles(corners, location, _heading(aim, location, pan), size.fit_width)
        assert measured is not None
        tilt = max(measured[0]) - math.atan(y_top * frame.tan_half_v)
        new_pan = _pan_for_x(aim, location, _heading(aim, location, 0.0), tilt, 2 * x_target - 1, frame, pan)
        if abs(new_pan - pan) < 1e-10:
            break
        pan = new_pan
    location = camera_at(math.exp(log_distance))
    h = _heading(aim, location, pan)
    rotation = (math.pi / 2 + tilt, 0.0, math.atan2(-h[0], h[1]))
    region = _framed_region(tuple(boxes), aim, location, rotation, focal_mm, sensor, fit, aspect)
    if region.fill < size.fill * 0.98:
        warnings.append(
            f"{size.name}: the region fills {region.fill:.2f} of the frame height, not {size.fill:.2f}; "
            + shortfall_hint
        )
    forward = camera_axes(rotation)[2]
    focus = dot(sub(focus_point, location), forward)
    return CameraPlacement(location, rotation, focal_mm, fit, focus, region, tuple(warnings))


def _heading(aim: Vec3, location: Vec3, pan_angle: float) -> tuple[float, float]:
    """Horizontal unit view direction of a camera at ``location`` turned ``pan_angle`` off ``aim``."""
    base = math.atan2(aim[1] - location[1], aim[0] - location[0]) + pan_angle
    return math.cos(base), math.sin(base)


def _corner_angles(
    corners: list[Vec3], location: Vec3, heading: tuple[float, float], fit_width: bool
) -> tuple[list[float], list[float]] | None:
    """Elevations and (for sizes that fit the width) azimuths of the corners seen from ``location`` looking
    along ``heading``; None if one is behind."""
    hx, hy = heading
    elevations, azimuths = [], []
    for c in corners:
        dx, dy, dz = c[0] - location[0], c[1] - location[1], c[2] - location[2]
        depth = dx * hx + dy * hy
        if depth <= 1e-6:
            return None
        elevations.append(math.atan2(dz, depth))
        if fit_width:
            azimuths.append(math.atan2(dx * hy - dy * hx, depth))
    return elevations, azimuths


def _framed_region(
    boxes: tuple[Bounds, ...],
    center: Vec3,
    location: Vec3,
    rotation: Vec3,
    focal_mm: float,
    sensor: Sensor,
    fit: str,
    aspect: float,
) -> FramedRegion:
    """Where the boxes' corners and their ``center`` land in the frame of a solved camera."""
    projected = [
        project_point(c, location, rotation, focal_mm, sensor, fit, aspect)
        for b in boxes
        for c in box_corners(b)
    ]
    return FramedRegion(
        boxes=boxes,
        x_center=project_point(center, location, rotation, focal_mm, sensor, fit, aspect)[0],
        y_bottom=min(p[1] for p in projected),
        y_top=max(p[1] for p in projected),
    )


def _pan_for_x(
    point: Vec3,
    location: Vec3,
    base: tuple[float, float],
    tilt: float,
    x_norm: float,
    frame: _Frame,
    guess: float,
) -> float:
    """Pan (radians, counter-clockwise from ``base``) that shows ``point`` at normalised x in [-1, 1]."""
    d = sub(point, location)

    def x_at(pan: float) -> float:
        c, s = math.cos(pan), math.sin(pan)
        h = (base[0] * c - base[1] * s, base[0] * s + base[1] * c)
        depth = (d[0] * h[0] + d[1] * h[1]) * math.cos(tilt) + d[2] * math.sin(tilt)
        return (d[0] * h[1] - d[1] * h[0]) / (depth * frame.tan_half_h) - x_norm

    limit = math.atan(frame.tan_half_h) * 1.2
    return _root(x_at, -limit, limit, guess)


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
        base = unit2(subjects[0].facing)
    else:
        a, b = (box_center(s.bounds) for s in subjects)
        across = unit2(sub(b, a))
        normal = (-across[1], across[0])  # camera here sees a on the left
        mean_facing = unit2_or_zero(add2(unit2(subjects[0].facing), unit2(subjects[1].facing)))
        base = normal if dot2(mean_facing, normal) >= -1e-9 else (-normal[0], -normal[1])
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


def _root(
    fn: Callable[[float], float], low: float, high: float, guess: float, f_low: float | None = None
) -> float:
    """Where a function that changes sign once on [low, high] crosses zero, starting from ``guess``.

    Secant steps (fast on the near-linear functions the solver hands in) inside a bracket that shrinks
    every step; a step that would leave the bracket, or an infinite value, bisects instead. The answer is
    the bracket's end on the negative side, so a root next to a pole (+inf) lands on the finite side.
    ``f_low`` is ``fn(low)`` when the caller has it already.
    """
    f_low = fn(low) if f_low is None else f_low
    rising = f_low < 0
    negative, positive = (low, high) if rising else (high, low)
    previous = (low, f_low)
    x = min(max(guess, low), high)
    for _ in range(100):
        value = fn(x)
        if value <= 0:
            negative = x
        else:
            positive = x
        if abs(value) < 1e-12:
            return x
        if abs(positive - negative) < 1e-13 * max(1.0, abs(x)):
            break
        step = math.nan
        if math.isfinite(value) and math.isfinite(previous[1]) and value != previous[1]:
            step = x - value * (x - previous[0]) / (value - previous[1])
        previous = (x, value)
        x = step if min(negative, positive) < step < max(negative, positive) else (negative + positive) / 2
    return negative


def _mean(points: Sequence[Vec3]) -> Vec3:
    n = len(points)
    return (sum(p[0] for p in points) / n, sum(p[1] for p in points) / n, sum(p[2] for p in points) / n)
