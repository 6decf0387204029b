"""Framing: the shot-size table and where a camera stands so a size frames its real subject.

``frame_subject`` works on world bounds and a lens (optics.py), decides the side and the line the camera
stands on (singles, pairs, over the shoulder, point of view) and hands the numbers to solver.py; it answers
with a plain :class:`CameraPlacement`. Like the solver it is total on what a valid spec can give: a flat or
inside-out box, a TWO with one person in the scene, two people on one spot get the best framing and a
warning, never an exception. See docs/camera.md for the table and the derivations.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from typing import Any

from ..model import Sensor
from .line import turn_toward
from .optics import (
    Bounds,
    Vec3,
    add2,
    box_center,
    box_corners,
    camera_axes,
    dot,
    dot2,
    look_at,
    preset_number,
    sub,
    unit2,
    unit2_or_zero,
)
from .solver import MAX_PAN_DEG, CameraPlacement, Goal, Lens, framed_region, solve

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
MIN_SUBJECT_HEIGHT_M = 0.01
"""A subject with flat bounds (a decal, an empty) is framed as a slab this tall."""
DEFAULT_FACING = (0.0, -1.0)
"""Backlot's cast faces -Y: the facing of a subject that has none."""
CAMERA_CLEARANCE_M = 0.1
"""Closest an over-the-shoulder camera gets to the foreground subject's bounds (half a camera body)."""
OTS_FOREGROUND_EDGE = 0.6
"""Where an over-the-shoulder puts the foreground subject's inner edge (its bounds' projected edge nearest
the framed subject): this far across the frame from the subject's side, so the shoulder fills the rest."""
THIRD = 1.0 / 3.0
LINE_LIMIT_DEG = 80.0
"""Farthest a single's camera turns from the square-on view of the line's camera side: past it the camera
would stand on the line, where the cut jumps."""


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
    """Also keep the region within solver.WIDTH_FILL_LIMIT of the frame width (two-shots, props)."""
    group: bool = False
    """A shot naming two subjects frames both (a master's wide shot), though the size needs only one."""


@dataclass(frozen=True)
class Subject:
    """Something to frame: its evaluated world bounds, the horizontal way it faces, where its eyes are."""

    bounds: Bounds
    facing: tuple[float, float] = DEFAULT_FACING
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
        facing = unit2_or_zero(self.facing)  # no facing: the eyes above the centre
        front = max(dot2(sub(c, center), facing) for c in box_corners(self.bounds))
        z = self.bounds[1][2] - self.eye_from_top * self.height
        return (center[0] + facing[0] * front, center[1] + facing[1] * front, z)


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
        "group": bool(data.get("group", False)),
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
    line_side: tuple[float, float] | None = None,
) -> CameraPlacement:
    """Place a camera so ``size`` frames ``subject`` on this lens.

    ``other`` is the second subject: the partner of a TWO, the foreground shoulder of an OTS (``subject``
    is the one framed), the target a POV character looks at. A TWO or OTS without one frames ``subject``
    alone, with a warning. ``height`` and ``side_deg`` default to the size's row. ``line_side`` is the unit
    horizontal direction from the scene's line of action toward its cameras (line.py): a single turns
    ``side_deg`` from its subject's facing toward it, a pair and a shoulder stand on it. Cached (every input
    and the answer are immutable): shots of one scene often ask for the same framing.
    """
    subject, notes = _usable(subject)
    if other is not None:
        other, other_notes = _usable(other)
        notes += other_notes
    height = size.height if height is None else height
    _check_height(height)
    side = size.side_deg if side_deg is None else side_deg
    lens = Lens(focal_mm, sensor, fit, aspect)
    if size.region is not None and other is not None and size.subjects == 2 and _one_spot(subject, other):
        where = f"{subject.name} and {other.name} stand on one spot"
        notes.append(f"{size.name}: {where}; framed from {subject.name}'s facing")
    if size.region is None:
        if other is None:
            raise ValueError(f"shot size {size.name} needs a target to look at; pass it as `other`")
        placement = _point_of_view(subject, other, lens)
    elif size.subjects == 2 and other is None:
        notes.append(f"{size.name}: frames two people, but only {subject.name} is there; framed alone")
        placement = _single_or_pair(size, [subject], lens, height, side, line_side)
    elif size.name == "OTS" and other is not None:
        placement = _over_the_shoulder(size, subject, other, lens, height, side, line_side)
    else:
        pair = [subject] if (size.subjects == 1 and not size.group) or other is None else [subject, other]
        placement = _single_or_pair(size, pair, lens, height, side, line_side)
    return replace(placement, warnings=(*notes, *placement.warnings)) if notes else placement


def _single_or_pair(
    size: ShotSize,
    subjects: list[Subject],
    lens: Lens,
    height: CameraHeight,
    side: float,
    line_side: tuple[float, float] | None = None,
) -> CameraPlacement:
    """One subject on its third (looking room ahead of its gaze), or two centred between them."""
    assert size.region is not None and size.fill is not None and size.headroom is not None
    boxes = [region_box(s, size.region) for s in subjects]
    aim = _mean([box_center(b) for b in boxes])
    toward_camera = _camera_direction(subjects, side, line_side)
    standoff = max(dot2(sub(c, aim), toward_camera) for b in boxes for c in box_corners(b))
    eye_z = max(s.eye_point[2] for s in subjects)
    ground_z = min(s.bounds[0][2] for s in subjects)
    x_target = 0.5
    if len(subjects) == 1:
        # The subject's facing as seen in the image: toward frame right (+) or left (-); room goes there.
        image_right = (-toward_camera[1], toward_camera[0])
        looks_right = dot2(unit2(subjects[0].facing), image_right)
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
    goal = Goal(size.name, size.fill, size.headroom, size.fit_width, x_target, hint)
    return solve(goal, boxes, aim, camera_at, lens, subjects[0].eye_point)


def _over_the_shoulder(
    size: ShotSize,
    subject: Subject,
    foreground: Subject,
    lens: Lens,
    height: CameraHeight,
    side: float,
    line_side: tuple[float, float] | None = None,
) -> CameraPlacement:
    """Camera beside ``foreground``'s shoulder, looking at ``subject`` past it.

    Works on the foreground's real horizontal bounds, not its centre: a wide lens stands close, where the
    shoulder's projected size is nothing like a point's. See docs/camera.md, "Over the shoulder". Two people
    on one spot have no line between them: the camera then stands on the framed subject's facing.
    """
    assert size.region is not None and size.fill is not None and size.headroom is not None
    box = region_box(subject, size.region)
    aim = box_center(box)
    between = unit2_or_zero(sub(box_center(foreground.bounds), aim))
    back_axis = between if between != (0.0, 0.0) else unit2(subject.facing)
    shoulder_axis = (back_axis[1], -back_axis[0]) if side >= 0 else (-back_axis[1], back_axis[0])
    if line_side is not None and dot2(shoulder_axis, line_side) < 0:
        shoulder_axis = (-shoulder_axis[0], -shoulder_axis[1])  # the shoulder on the cameras' side

    def local(point: Vec3) -> tuple[float, float]:
        """(along the line from the subject toward the foreground, toward the shoulder side)."""
        offset = sub(point, aim)
        return dot2(offset, back_axis), dot2(offset, shoulder_axis)

    subject_front = max(local(c)[0] for c in box_corners(box))
    foreground_corners = [local(c) for c in box_corners(foreground.bounds)[::2]]  # the 4 horizontal corners
    along_extent = (min(c[0] for c in foreground_corners), max(c[0] for c in foreground_corners))
    lateral_clear = max(c[1] for c in foreground_corners) + CAMERA_CLEARANCE_M
    # The angle between the subject's centre (on its third) and the foreground's inner edge (at
    # OTS_FOREGROUND_EDGE on the other side), for a level camera; an ultra-wide lens would make it a right
    # angle or more, past anything a camera beside a shoulder can see.
    tan_h = lens.tan_half[0]
    spread_angle = math.atan((2 * OTS_FOREGROUND_EDGE - 1) * tan_h) + math.atan(THIRD * tan_h)
    spread = math.tan(min(spread_angle, math.radians(MAX_PAN_DEG)))
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
    goal = Goal(size.name, size.fill, size.headroom, size.fit_width, x_target, hint)
    placement = solve(goal, [box], aim, camera_at, lens, subject.eye_point)
    shows = [
        lens.project(c, placement.location, placement.rotation_euler) for c in box_corners(foreground.bounds)
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


def _point_of_view(viewer: Subject, target: Subject, lens: Lens) -> CameraPlacement:
    """The viewer's eyes, on the front plane of the head, looking at the target's eye point (or, when the
    two eye points meet, along the viewer's facing)."""
    location = viewer.eye_point
    look = target.eye_point
    warnings: tuple[str, ...] = ()
    if look == location:
        facing = unit2(viewer.facing)
        look = (location[0] + facing[0], location[1] + facing[1], location[2])
        warnings = (f"POV: {target.name}'s eyes are where {viewer.name}'s are; looking straight ahead",)
    rotation = look_at(location, look)
    region = framed_region((target.bounds,), look, location, rotation, lens)
    depth = dot(sub(look, location), camera_axes(rotation)[2])
    return CameraPlacement(location, rotation, lens.focal_mm, lens.fit, depth, region, warnings)


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


def _camera_direction(
    subjects: list[Subject], side_deg: float, line_side: tuple[float, float] | None = None
) -> tuple[float, float]:
    """Horizontal unit vector from the subjects toward the camera.

    A single: its facing turned ``side_deg`` toward its right, or with a line of action toward the line's
    camera side (never past LINE_LIMIT_DEG from it). A pair: perpendicular to the line between them, on the
    line's camera side, else on the side they face together (with the first subject on frame left when they
    face each other).
    """
    a, b = (box_center(s.bounds) for s in (subjects[0], subjects[-1]))
    across = unit2_or_zero(sub(b, a))
    if line_side is not None and (len(subjects) == 1 or across == (0.0, 0.0)):
        return turn_toward(unit2(subjects[0].facing), line_side, side_deg, LINE_LIMIT_DEG)
    if len(subjects) == 1 or across == (0.0, 0.0):  # one subject, or two on one spot: face the first
        base = unit2(subjects[0].facing)
    else:
        normal = (-across[1], across[0])  # camera here sees a on the left
        toward = line_side or unit2_or_zero(add2(unit2(subjects[0].facing), unit2(subjects[1].facing)))
        base = normal if dot2(toward, normal) >= -1e-9 else (-normal[0], -normal[1])
    angle = -math.radians(side_deg)
    c, s = math.cos(angle), math.sin(angle)
    return (base[0] * c - base[1] * s, base[0] * s + base[1] * c)


def _one_spot(a: Subject, b: Subject) -> bool:
    """Whether two subjects stand on one spot: no line between them to frame a pair or a shoulder across."""
    return unit2_or_zero(sub(box_center(b.bounds), box_center(a.bounds))) == (0.0, 0.0)


def _usable(subject: Subject) -> tuple[Subject, list[str]]:
    """``subject`` as the solver can frame it, with what had to change: bounds written max-first are
    sorted, flat bounds get MIN_SUBJECT_HEIGHT_M, a facing of no length faces -Y."""
    (x0, y0, z0), (x1, y1, z1) = subject.bounds
    low = (min(x0, x1), min(y0, y1), min(z0, z1))
    high = (max(x0, x1), max(y0, y1), max(z0, z1))
    notes = []
    if high[2] - low[2] < MIN_SUBJECT_HEIGHT_M:
        high = (high[0], high[1], low[2] + MIN_SUBJECT_HEIGHT_M)
        notes.append(f"{subject.name} has no height (flat or empty); framed as a thin slab")
    facing = subject.facing
    if math.hypot(*facing) < 1e-9:
        facing = DEFAULT_FACING
        notes.append(f"{subject.name} faces no way; framed as facing -Y")
    if (low, high) == subject.bounds and facing == subject.facing:
        return subject, notes
    return replace(subject, bounds=(low, high), facing=facing), notes


def _mean(points: Sequence[Vec3]) -> Vec3:
    n = len(points)
    return (sum(p[0] for p in points) / n, sum(p[1] for p in points) / n, sum(p[2] for p in points) / n)
