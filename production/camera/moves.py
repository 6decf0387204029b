"""Camera moves, rig motion and focus pulls as per-frame samples (pure keyframe curves).

A move starts from a CameraPose (where framing put the camera) and returns one pose per frame of the shot;
the Blender department keys them (or drives a rig with them). Modifiers (``handheld``, ``steadicam``) take a
list of poses and return a new one, so "push in, handheld" is ``handheld(push_in(...))``. Euler angles come
out unwrapped (continuous across frames) so Blender's interpolation never spins the long way round.
See docs/camera.md.
"""

from __future__ import annotations

import difflib
import inspect
import math
import random
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, NamedTuple

from .optics import (
    Bounds,
    Vec3,
    box_corners,
    camera_axes,
    camera_direction,
    dot,
    look_at_keeping,
    offset,
    sub,
)

Window = tuple[float, float]


class CameraPose(NamedTuple):
    """The animatable state of a camera on one frame (a tuple: a shot makes one per frame, cheaply)."""

    location: Vec3
    rotation_euler: Vec3
    focal_mm: float


# ---------------------------------------------------------------- easing


def _linear(t: float) -> float:
    return t


def _ease_in(t: float) -> float:
    return t * t * t


def _ease_out(t: float) -> float:
    return 1 - (1 - t) ** 3


def _ease_in_out(t: float) -> float:
    return 4 * t**3 if t < 0.5 else 1 - (-2 * t + 2) ** 3 / 2


def _sine_in_out(t: float) -> float:
    return -(math.cos(math.pi * t) - 1) / 2


def _expo_in_out(t: float) -> float:
    if t <= 0 or t >= 1:
        return min(max(t, 0.0), 1.0)
    return 2 ** (20 * t - 10) / 2 if t < 0.5 else (2 - 2 ** (-20 * t + 10)) / 2


EASINGS: dict[str, Callable[[float], float]] = {
    "linear": _linear,
    "ease_in": _ease_in,
    "ease_out": _ease_out,
    "ease_in_out": _ease_in_out,
    "sine_in_out": _sine_in_out,
    "expo_in_out": _expo_in_out,
}
"""Maps [0, 1] onto [0, 1] with ease(0) = 0 and ease(1) = 1 (cubic in/out, sine, exponential: easings.net)."""


def ease(name: str, t: float) -> float:
    """Eased progress; ``t`` outside [0, 1] is clamped."""
    return _easing(name)(min(max(t, 0.0), 1.0))


def _easing(name: str) -> Callable[[float], float]:
    if name not in EASINGS:
        close = difflib.get_close_matches(name, EASINGS, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise ValueError(f"unknown easing '{name}'{hint}; use one of {', '.join(EASINGS)}")
    return EASINGS[name]


def progress(frame_count: int, easing: str = "ease_in_out", window: Window = (0.0, 1.0)) -> list[float]:
    """Eased 0..1 progress per frame; the move runs inside ``window`` (fractions of the shot), holds outside.

    Frame i of n sits at shot fraction i / (n - 1), so the first frame is 0 and the last is 1.
    """
    if frame_count < 1:
        raise ValueError(f"a move needs at least one frame, got {frame_count}")
    start, end = window
    if not 0.0 <= start < end <= 1.0:
        raise ValueError(f"move window {window} must be fractions of the shot with 0 <= start < end <= 1")
    last, curve = max(frame_count - 1, 1), _easing(easing)
    if window == (0.0, 1.0):  # the same values as below, without mapping into a window
        return [curve(i / last) for i in range(frame_count)]
    return [curve(min(max((i / last - start) / (end - start), 0.0), 1.0)) for i in range(frame_count)]


# ---------------------------------------------------------------- moves from a starting pose


def _translate(
    start: CameraPose, frame_count: int, direction: Vec3, distance_m: float, easing: str
) -> list[CameraPose]:
    """Move the camera `distance_m` along `direction` over the shot, orientation unchanged."""
    return [
        CameraPose(offset(start.location, direction, distance_m * t), start.rotation_euler, start.focal_mm)
        for t in progress(frame_count, easing)
    ]


def push_in(
    start: CameraPose, frame_count: int, distance_m: float = 1.0, easing: str = "ease_in_out"
) -> list[CameraPose]:
    """Dolly along the view axis toward the subject (negative distance pulls out)."""
    return _translate(start, frame_count, camera_axes(start.rotation_euler)[2], distance_m, easing)


def pull_out(
    start: CameraPose, frame_count: int, distance_m: float = 1.0, easing: str = "ease_in_out"
) -> list[CameraPose]:
    """Dolly back along the view axis."""
    return push_in(start, frame_count, -distance_m, easing)


def truck(
    start: CameraPose, frame_count: int, distance_m: float = 1.0, easing: str = "ease_in_out"
) -> list[CameraPose]:
    """Dolly sideways along the camera's right vector (negative goes left), orientation unchanged."""
    return _translate(start, frame_count, camera_axes(start.rotation_euler)[0], distance_m, easing)


def pedestal(
    start: CameraPose, frame_count: int, distance_m: float = 0.5, easing: str = "ease_in_out"
) -> list[CameraPose]:
    """Raise (or with a negative distance lower) the camera straight up the world Z axis."""
    return _translate(start, frame_count, (0.0, 0.0, 1.0), distance_m, easing)


def pan(
    start: CameraPose, frame_count: int, angle_deg: float = 30.0, easing: str = "ease_in_out"
) -> list[CameraPose]:
    """Turn about the world vertical (a tripod head's pan axis); positive turns left (counter-clockwise)."""
    rx, ry, rz = start.rotation_euler
    step = math.radians(angle_deg)
    return [start._replace(rotation_euler=(rx, ry, rz + step * t)) for t in progress(frame_count, easing)]


def tilt(
    start: CameraPose, frame_count: int, angle_deg: float = 15.0, easing: str = "ease_in_out"
) -> list[CameraPose]:
    """Turn about the camera's horizontal axis (Euler X with no roll); positive tilts up."""
    rx, ry, rz = start.rotation_euler
    step = math.radians(angle_deg)
    return [start._replace(rotation_euler=(rx + step * t, ry, rz)) for t in progress(frame_count, easing)]


def orbit(
    start: CameraPose,
    frame_count: int,
    center: Vec3,
    angle_deg: float = 360.0,
    rise_m: float = 0.0,
    easing: str = "linear",
) -> list[CameraPose]:
    """Circle ``center`` about the vertical (positive counter-clockwise from above), keeping it where the
    starting frame composed it (see `crane`).

    An arc is a partial orbit, a drone orbit an orbit with a rise.
    """
    seen = _seen_from(start, center)
    dx, dy = start.location[0] - center[0], start.location[1] - center[1]
    radius, heading = math.hypot(dx, dy), math.atan2(dy, dx)
    poses = [start]
    for t in progress(frame_count, easing):
        angle = heading + math.radians(angle_deg) * t
        location = (
            center[0] + radius * math.cos(angle),
            center[1] + radius * math.sin(angle),
            start.location[2] + rise_m * t,
        )
        poses.append(_keeping(poses[-1], location, center, seen))
    return _unwrapped(poses[1:])


def crane(
    start: CameraPose,
    frame_count: int,
    pivot: Vec3,
    target: Vec3,
    boom_deg: float = 30.0,
    swing_deg: float = 0.0,
    easing: str = "ease_in_out",
) -> list[CameraPose]:
    """A jib arm from ``pivot`` to the camera booms up ``boom_deg`` and swings ``swing_deg``; the head keeps
    ``target`` where the starting frame has it (the solved composition: headroom, third), not centred."""
    seen = _seen_from(start, target)
    dx, dy, dz = (start.location[i] - pivot[i] for i in range(3))
    reach, length = math.hypot(dx, dy), math.sqrt(dx * dx + dy * dy + dz * dz)
    elevation, heading = math.atan2(dz, reach), math.atan2(dy, dx)
    poses = [start]
    for t in progress(frame_count, easing):
        el = elevation + math.radians(boom_deg) * t
        az = heading + math.radians(swing_deg) * t
        location = (
            pivot[0] + length * math.cos(el) * math.cos(az),
            pivot[1] + length * math.cos(el) * math.sin(az),
            pivot[2] + length * math.sin(el),
        )
        poses.append(_keeping(poses[-1], location, target, seen))
    return _unwrapped(poses[1:])


def fly_over(
    start: CameraPose,
    frame_count: int,
    end_location: Vec3,
    target: Vec3 | None = None,
    easing: str = "sine_in_out",
) -> list[CameraPose]:
    """A drone pass in a straight line to ``end_location``, keeping ``target`` where the starting frame
    composed it (or keeping its heading)."""
    seen = None if target is None else _seen_from(start, target)
    poses = [start]
    for t in progress(frame_count, easing):
        location = _lerp3(start.location, end_location, t)
        if target is None or seen is None:
            poses.append(start._replace(location=location))
        else:
            poses.append(_keeping(poses[-1], location, target, seen))
    return _unwrapped(poses[1:])


def follow(
    start: CameraPose, frame_count: int, subject_path: Sequence[Vec3], lag_frames: float = 6.0
) -> list[CameraPose]:
    """Keep the starting offset to a moving subject (one point per frame), chasing it with critically damped
    lag across the view, keeping it where the starting frame composed it. Along the view the distance is
    held, as a Steadicam operator holds it: a lag there would walk a subject coming toward the camera out of
    the top of the frame."""
    path = _per_frame(subject_path, frame_count)
    away, seen = sub(start.location, path[0]), _seen_from(start, path[0])
    wanted = [_add(p, away) for p in path]
    forward = camera_axes(start.rotation_euler)[2]
    held = [
        offset(damped, forward, dot(sub(exact, damped), forward))
        for damped, exact in zip(_damped(wanted, lag_frames), wanted, strict=True)
    ]
    poses = [start]
    for location, aim in zip(held, path, strict=True):
        poses.append(_keeping(poses[-1], location, aim, seen))
    return _unwrapped(poses[1:])


def crash_zoom(
    start: CameraPose,
    frame_count: int,
    to_focal_mm: float,
    window: Window = (0.0, 0.25),
    easing: str = "expo_in_out",
) -> list[CameraPose]:
    """A fast zoom inside ``window``; focal length moves geometrically, as the image scale does."""
    ratio = to_focal_mm / start.focal_mm
    return [start._replace(focal_mm=start.focal_mm * ratio**t) for t in progress(frame_count, easing, window)]


def dolly_zoom(
    start: CameraPose,
    frame_count: int,
    subject_bounds: Bounds,
    to_focal_mm: float,
    easing: str = "ease_in_out",
) -> list[CameraPose]:
    """Zoom while dollying so the subject keeps its size and the background stretches (the "Vertigo" shot).

    Image size of the subject's front plane is focal / depth, so depth follows focal: d(t) = d0 * f(t) / f0.
    A subject with no front plane ahead of the lens (the camera inside its bounds: a POV from its eyes) has
    no size to keep: the camera holds still and only zooms.
    """
    forward = camera_axes(start.rotation_euler)[2]
    front = min(dot(sub(c, start.location), forward) for c in box_corners(subject_bounds))
    if front <= 0:
        return crash_zoom(start, frame_count, to_focal_mm, (0.0, 1.0), easing)
    poses = []
    for pose in crash_zoom(start, frame_count, to_focal_mm, (0.0, 1.0), easing):
        depth = front * pose.focal_mm / start.focal_mm
        poses.append(pose._replace(location=offset(start.location, forward, front - depth)))
    return poses


# ---------------------------------------------------------------- modifiers on a list of poses


def handheld(
    poses: Sequence[CameraPose],
    seed: int,
    rotation_deg: float = 0.6,
    location_m: float = 0.01,
    frequency_hz: float = 1.0,
    fps: float = 24.0,
) -> list[CameraPose]:
    """Add a deterministic operator wobble: per channel a sum of four seeded sines, bounded by the amplitude.

    Octave weights 1/2, 1/4, 1/8, 1/16 renormalised to sum to 1 bound each channel's offset by its amplitude;
    frequencies are jittered around ``frequency_hz`` x 1, 2, 4, 8, phases drawn from ``random.Random(seed)``,
    so the same seed gives the same shake on every build and Python version.
    """
    rng = random.Random(seed)
    weights = [0.5, 0.25, 0.125, 0.0625]
    total = sum(weights)
    channels = [
        [
            (w / total, frequency_hz * 2**k * rng.uniform(0.8, 1.25), rng.uniform(0, 2 * math.pi))
            for k, w in enumerate(weights)
        ]
        for _ in range(6)
    ]

    def noise(channel: int, seconds: float) -> float:
        return sum(w * math.sin(2 * math.pi * f * seconds + phase) for w, f, phase in channels[channel])

    shaken = []
    for i, pose in enumerate(poses):
        seconds = i / fps
        rotation = tuple(
            pose.rotation_euler[a] + math.radians(rotation_deg) * noise(a, seconds) for a in range(3)
        )
        location = tuple(pose.location[a] + location_m * noise(3 + a, seconds) for a in range(3))
        shaken.append(pose._replace(location=_vec3(location), rotation_euler=_vec3(rotation)))
    return shaken


def steadicam(poses: Sequence[CameraPose], lag_frames: float = 4.0) -> list[CameraPose]:
    """Float a path the way a steadicam arm does: critically damped location and rotation, focal untouched."""
    locations = _damped([p.location for p in poses], lag_frames)
    rotations = _damped([p.rotation_euler for p in _unwrapped(list(poses))], lag_frames)
    return [
        p._replace(location=loc, rotation_euler=rot)
        for p, loc, rot in zip(poses, locations, rotations, strict=True)
    ]


# ---------------------------------------------------------------- focus


def focus_pull(
    poses: Sequence[CameraPose],
    point_a: Vec3 | Sequence[Vec3],
    point_b: Vec3 | Sequence[Vec3],
    at: Window = (0.0, 0.8),
    easing: str = "sine_in_out",
) -> list[float]:
    """Focus distance per frame: on A until shot fraction ``at[0]``, travelling, on B from ``at[1]`` on.

    Points may be fixed or one per frame (moving subjects). Distances are depths along the view axis, as
    Blender's ``dof.focus_distance`` measures them (the plane of focus is perpendicular to the view).
    """
    depths_a = _depths(poses, point_a)
    if point_b is point_a:  # focus held on one point: nothing to pull
        return depths_a
    depths_b = _depths(poses, point_b)
    return [
        a + (b - a) * t for a, b, t in zip(depths_a, depths_b, progress(len(poses), easing, at), strict=True)
    ]


def _depths(poses: Sequence[CameraPose], point: Vec3 | Sequence[Vec3]) -> list[float]:
    """Depth of a fixed or moving point along each pose's view axis."""
    return [
        (px - lx) * fx + (py - ly) * fy + (pz - lz) * fz
        for ((lx, ly, lz), _, _), (px, py, pz), (fx, fy, fz) in zip(
            poses, _per_frame(point, len(poses)), view_axes(poses), strict=True
        )
    ]


def view_axes(poses: Sequence[CameraPose]) -> list[Vec3]:
    """Each pose's view axis (forward); a run of poses sharing one rotation shares its work."""
    axes: list[Vec3] = []
    rotation: Vec3 | None = None
    forward = (0.0, 0.0, -1.0)
    for pose in poses:
        if pose.rotation_euler is not rotation:
            rotation = pose.rotation_euler
            forward = camera_axes(rotation)[2]
        axes.append(forward)
    return axes


def rack_focus(
    poses: Sequence[CameraPose],
    point_a: Vec3 | Sequence[Vec3],
    point_b: Vec3 | Sequence[Vec3],
    at: float = 0.5,
    rack_frames: int = 8,
    easing: str = "sine_in_out",
) -> list[float]:
    """A quick pull of ``rack_frames`` frames starting at shot fraction ``at``."""
    last = max(len(poses) - 1, 1)
    end = min(1.0, at + rack_frames / last)
    return focus_pull(poses, point_a, point_b, (min(at, end - 1.0 / last), end), easing)


# ---------------------------------------------------------------- by name, as the spec says it

MOVES: dict[str, tuple[Callable[..., list[CameraPose]], dict[str, Any]]] = {
    "static": (lambda start, frame_count: [start] * frame_count, {}),
    "push_in": (push_in, {}),
    "pull_out": (pull_out, {}),
    "truck": (truck, {}),
    "pedestal": (pedestal, {}),
    "pan": (pan, {}),
    "tilt": (tilt, {}),
    "orbit": (orbit, {}),
    "arc": (orbit, {"angle_deg": 45.0, "easing": "ease_in_out"}),
    "drone_orbit": (orbit, {"rise_m": 2.0}),
    "crane": (crane, {}),
    "follow": (follow, {}),
    "fly_over": (fly_over, {}),
    "crash_zoom": (crash_zoom, {}),
    "dolly_zoom": (dolly_zoom, {}),
}
"""Spec move names -> function and its defaults for that name (an arc is a 45-degree eased orbit)."""


def move_samples(move: str, start: CameraPose, frame_count: int, **params: Any) -> list[CameraPose]:
    """Run a move by its spec name; parameters are checked so a typo gets a message, not a traceback."""
    if move not in MOVES:
        close = difflib.get_close_matches(move, MOVES, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise ValueError(f"unknown camera move '{move}'; {hint}known moves: {', '.join(MOVES)}")
    function, defaults = MOVES[move]
    accepted, required = _parameters(function)
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise ValueError(
            f"camera move '{move}' has no parameter {', '.join(unknown)}; it takes {', '.join(accepted)}"
        )
    missing = [name for name in required if name not in (*params, *defaults)]
    if missing:
        raise ValueError(f"camera move '{move}' needs {', '.join(missing)}")
    return function(start, frame_count, **{**defaults, **params})


# ---------------------------------------------------------------- helpers


@cache
def _parameters(function: Callable[..., Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A move's parameters after (start, frame_count), and those without a default (read once per move)."""
    parameters = {
        name: p
        for name, p in inspect.signature(function).parameters.items()
        if name not in ("start", "frame_count")
    }
    required = tuple(name for name, p in parameters.items() if p.default is inspect.Parameter.empty)
    return tuple(parameters), required


def _keeping(previous: CameraPose, location: Vec3, target: Vec3, seen: Vec3) -> CameraPose:
    """``previous`` moved to ``location``, turned to keep ``target`` where the start saw it
    (`look_at_keeping`); on the target itself (a fly-over through its target's eyes, a POV following the eyes
    it looks from) any way is as good as another, so it keeps the previous frame's."""
    if math.dist(location, target) < 1e-9:
        return previous._replace(location=location)
    return previous._replace(location=location, rotation_euler=look_at_keeping(location, target, seen))


def _seen_from(start: CameraPose, target: Vec3) -> Vec3:
    """Where the starting frame has ``target`` (camera space, for `look_at_keeping`); straight ahead when the
    target is not in front of it, which centres it."""
    seen = camera_direction(target, start.location, start.rotation_euler)
    return seen if seen[2] < 0 else (0.0, 0.0, -1.0)


def _damped(series: Sequence[Vec3], lag_frames: float) -> list[Vec3]:
    """Two cascaded one-pole low-passes: a critically damped follow with no overshoot, starting at rest."""
    if lag_frames <= 0:
        return [_vec3(p) for p in series]
    alpha = 1 - math.exp(-1 / lag_frames)
    first = second = series[0]
    out = []
    for value in series:
        first = _add(first, _scale(sub(value, first), alpha))
        second = _add(second, _scale(sub(first, second), alpha))
        out.append(second)
    return out


def _unwrapped(poses: list[CameraPose]) -> list[CameraPose]:
    """Shift each Euler angle by whole turns so it never jumps more than half a turn between frames."""
    out: list[CameraPose] = []
    for pose in poses:
        if out:
            prev = out[-1].rotation_euler
            angles = tuple(
                a + 2 * math.pi * round((p - a) / (2 * math.pi))
                for a, p in zip(pose.rotation_euler, prev, strict=True)
            )
            pose = pose._replace(rotation_euler=_vec3(angles))
        out.append(pose)
    return out


def _per_frame(point: Vec3 | Sequence[Vec3], count: int) -> list[Vec3]:
    if len(point) == 3 and all(isinstance(v, int | float) for v in point):
        return [_vec3(point)] * count  # type: ignore[arg-type]
    path = [_vec3(p) for p in point]  # type: ignore[arg-type]
    if len(path) != count:
        raise ValueError(f"a subject path has {len(path)} points but the shot has {count} frames")
    return path


def _vec3(v: Sequence[float]) -> Vec3:
    return (float(v[0]), float(v[1]), float(v[2]))


def _lerp3(a: Vec3, b: Vec3, t: float) -> Vec3:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t)


def _add(a: Vec3, b: Vec3) -> Vec3:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


def _scale(a: Vec3, k: float) -> Vec3:
    return (a[0] * k, a[1] * k, a[2] * k)
