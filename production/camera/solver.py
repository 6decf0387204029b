"""The framing solver's numerics: the stand-off, tilt and pan that put a region where a shot size says.

framing.py decides what to frame and from which side (the shot-size table, singles, pairs, over the shoulder)
and hands this module the region's boxes and the line the camera stands on. The solve is total: every input a
valid spec can give (a 4 mm lens, subjects a kilometre away, a region the lens cannot hold) answers with the
best placement it found and a warning saying what falls short, never an exception. See docs/camera.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, partial

from ..model import Sensor
from .optics import (
    Bounds,
    Vec3,
    box_corners,
    camera_axes,
    dot,
    field_of_view,
    look_at,
    project_point,
    sub,
)

MIN_STANDOFF_M = 0.05
"""Closest a solved camera gets to the subject's front plane."""
MAX_STANDOFF_M = 100_000.0
WIDTH_FILL_LIMIT = 0.9
"""Largest share of the horizontal field of view the framed region may span (two-shots and wide props)."""
MAX_PAN_DEG = 80.0
"""Farthest the solver turns the camera off the line to the subject: at a right angle the subject would be
beside the lens, which an ultra-wide lens's half field of view (77 degrees at 4 mm) would otherwise reach."""


@dataclass(frozen=True)
class Lens:
    """The lens, gate and picture shape a framing is solved for."""

    focal_mm: float
    sensor: Sensor
    fit: str
    aspect: float

    @cached_property
    def tan_half(self) -> tuple[float, float]:
        """Tangents of the half field of view, horizontal and vertical."""
        h_fov, v_fov = field_of_view(self.sensor, self.focal_mm, self.fit, self.aspect)
        return math.tan(h_fov / 2), math.tan(v_fov / 2)

    def project(self, point: Vec3, location: Vec3, rotation: Vec3) -> Vec3:
        return project_point(point, location, rotation, self.focal_mm, self.sensor, self.fit, self.aspect)


@dataclass(frozen=True)
class Goal:
    """What one shot-size row asks of the frame: the region's share of the frame height, the headroom above
    it, whether its width must fit too, and where across the frame (0..1) its centre goes."""

    name: str
    fill: float
    headroom: float
    fit_width: bool
    x_target: float
    shortfall_hint: str
    """What to do when the region cannot fill the frame as asked (said in the warning)."""


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


def solve(
    goal: Goal,
    boxes: list[Bounds],
    aim: Vec3,
    camera_at: Callable[[float], Vec3],
    lens: Lens,
    focus_point: Vec3,
) -> CameraPlacement:
    """Find the stand-off distance, tilt and pan that put the region's boxes where ``goal`` says; the camera
    stands at ``camera_at(distance)`` and looks toward ``aim``.

    In a camera's vertical plane a point's frame height depends only on its elevation angle from the lens,
    so the tilt cannot change the region's angular height: the distance alone sets it (the angle shrinks
    monotonically with distance, about as 1/distance, so secant steps on the logarithms converge in a few
    evaluations), the tilt then puts the top on the headroom line, and the pan puts the subject on its
    third. Pan and distance interact slightly: the two solves alternate until they agree. A pan that would
    turn part of the region behind the lens keeps the last pose that saw all of it; when none did, the camera
    looks straight at the region (`_straight_on`).
    """
    tan_h, tan_v = lens.tan_half
    y_top = 1 - 2 * goal.headroom
    y_bottom = y_top - 2 * goal.fill
    vertical_target = math.atan(y_top * tan_v) - math.atan(y_bottom * tan_v)
    width_limit = 2 * math.atan(tan_h) * WIDTH_FILL_LIMIT
    corners = [c for b in boxes for c in box_corners(b)]

    def log_oversize(log_distance: float, pan_angle: float) -> float:
        """log of (the region's angular size / the size the frame wants); decreasing in distance."""
        location = camera_at(math.exp(log_distance))
        measured = _corner_angles(corners, location, _heading(aim, location, pan_angle), goal.fit_width)
        if measured is None:
            return math.inf
        elevations, azimuths = measured
        oversize = (max(elevations) - min(elevations)) / vertical_target
        if goal.fit_width:
            oversize = max(oversize, (max(azimuths) - min(azimuths)) / width_limit)
        return math.log(oversize) if oversize > 0 else -math.inf

    nearest, farthest = math.log(MIN_STANDOFF_M), math.log(MAX_STANDOFF_M)
    # First guess: a pinhole seeing the region's height square on at the wanted share of the frame.
    region_height = max(c[2] for c in corners) - min(c[2] for c in corners)
    pinhole_distance = region_height / (2 * goal.fill * tan_v)
    log_distance = min(max(math.log(max(pinhole_distance, MIN_STANDOFF_M)), nearest), farthest)
    pan = 0.0
    seen: tuple[float, float, float] | None = None  # (log distance, pan, tilt) of a pose seeing every corner
    at_nearest = math.nan
    for _ in range(30):
        # Whether the nearest stand-off is too close: once it is, the small pans that follow keep it so.
        if not at_nearest > 0:
            at_nearest = log_oversize(nearest, pan)
        if at_nearest > 0:
            oversize_now = partial(log_oversize, pan_angle=pan)
            log_distance = root(oversize_now, nearest, farthest, log_distance, at_nearest)
        else:
            log_distance = nearest
        location = camera_at(math.exp(log_distance))
        measured = _corner_angles(corners, location, _heading(aim, location, pan), goal.fit_width)
        if measured is None:
            break
        tilt = max(measured[0]) - math.atan(y_top * tan_v)
        seen = (log_distance, pan, tilt)
        x_norm = 2 * goal.x_target - 1
        new_pan = _pan_for_x(aim, location, _heading(aim, location, 0.0), tilt, x_norm, tan_h, pan)
        if abs(new_pan - pan) < 1e-10:
            break
        pan = new_pan
    if seen is None:
        return _straight_on(goal, boxes, aim, camera_at(math.exp(log_distance)), lens, focus_point)
    location = camera_at(math.exp(seen[0]))
    return _composed(goal, boxes, aim, location, seen[1], seen[2], lens, focus_point)


def _composed(
    goal: Goal,
    boxes: list[Bounds],
    aim: Vec3,
    location: Vec3,
    pan: float,
    tilt: float,
    lens: Lens,
    focus_point: Vec3,
) -> CameraPlacement:
    """The placement the solve found, with a warning when the region fills less than the row asks."""
    h = _heading(aim, location, pan)
    rotation = (math.pi / 2 + tilt, 0.0, math.atan2(-h[0], h[1]))
    region = framed_region(tuple(boxes), aim, location, rotation, lens)
    if not all(math.isfinite(v) for v in (*location, *rotation, region.fill, region.x_center)):
        return _straight_on(goal, boxes, aim, location, lens, focus_point)
    warnings = []
    if region.fill < goal.fill * 0.98:
        warnings.append(
            f"{goal.name}: the region fills {region.fill:.2f} of the frame height, not {goal.fill:.2f}; "
            + goal.shortfall_hint
        )
    return _placement(location, rotation, lens, focus_point, region, warnings)


def _straight_on(
    goal: Goal, boxes: list[Bounds], aim: Vec3, location: Vec3, lens: Lens, focus_point: Vec3
) -> CameraPlacement:
    """The answer when no composed pose sees the whole region: the camera where the solve left it, looking
    straight at the region's centre (it stands off that centre, so the direction has a length)."""
    rotation = look_at(location, aim)
    region = framed_region(tuple(boxes), aim, location, rotation, lens)
    warning = (
        f"{goal.name}: this lens cannot compose the region as the shot size asks (part of it falls behind "
        "the camera); the camera looks straight at it instead. Use a longer lens or move the subjects closer"
    )
    return _placement(location, rotation, lens, focus_point, region, [warning])


def _placement(
    location: Vec3, rotation: Vec3, lens: Lens, focus_point: Vec3, region: FramedRegion, warnings: list[str]
) -> CameraPlacement:
    """The placement, focused on ``focus_point``'s depth (never behind the lens)."""
    focus = max(dot(sub(focus_point, location), camera_axes(rotation)[2]), MIN_STANDOFF_M)
    return CameraPlacement(location, rotation, lens.focal_mm, lens.fit, focus, region, tuple(warnings))


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


def framed_region(
    boxes: tuple[Bounds, ...], center: Vec3, location: Vec3, rotation: Vec3, lens: Lens
) -> FramedRegion:
    """Where the boxes' corners and their ``center`` land in the frame of a solved camera."""
    projected = [lens.project(c, location, rotation) for b in boxes for c in box_corners(b)]
    return FramedRegion(
        boxes=boxes,
        x_center=lens.project(center, location, rotation)[0],
        y_bottom=min(p[1] for p in projected),
        y_top=max(p[1] for p in projected),
    )


def _pan_for_x(
    point: Vec3,
    location: Vec3,
    base: tuple[float, float],
    tilt: float,
    x_norm: float,
    tan_half_h: float,
    guess: float,
) -> float:
    """Pan (radians, counter-clockwise from ``base``) that shows ``point`` at normalised x in [-1, 1]."""
    d = sub(point, location)

    def x_at(pan: float) -> float:
        c, s = math.cos(pan), math.sin(pan)
        h = (base[0] * c - base[1] * s, base[0] * s + base[1] * c)
        depth = (d[0] * h[0] + d[1] * h[1]) * math.cos(tilt) + d[2] * math.sin(tilt)
        across = d[0] * h[1] - d[1] * h[0]
        if depth <= 1e-12:  # turned past the point: it is off the frame on its own side
            return math.copysign(math.inf, across)
        return across / (depth * tan_half_h) - x_norm

    limit = min(math.atan(tan_half_h) * 1.2, math.radians(MAX_PAN_DEG))
    return root(x_at, -limit, limit, guess)


def root(
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
