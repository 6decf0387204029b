"""Camera rigs on Blender data: what the camera department hands its solved poses to.

A rig is a small hierarchy an artist can grab: a root empty (the base: tripod spot, start of the dolly track,
crane pivot) carrying the camera, with rig parts in between where the rig has them (a dolly cart riding a
track curve, a crane arm swinging about its pivot). The camera aims with a Track To constraint at an aim
empty, so re-aiming is moving one empty. Moves are keyed per frame from the pure samples of
`production.camera_moves`; a still rig gets plain tweak-aware values instead of keys.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import bpy
from mathutils import Matrix, Vector

from ..production.camera_moves import CameraPose
from ..production.optics import Bounds, Vec3, camera_axes
from .context import BuildContext

GEOMETRY_TYPES = {"MESH", "CURVE", "SURFACE", "META", "FONT", "CURVES", "POINTCLOUD", "VOLUME"}
CRANE_ARM_M = 3.0
"""Reach of a crane/jib arm from its pivot to the camera, rising at CRANE_ARM_RISE_DEG."""
CRANE_ARM_RISE_DEG = 20.0
SAMPLES = "backlot_samples"
TRACK_CONSTRAINT = "Backlot Track"
AIM_CONSTRAINT = "Backlot Aim"
LINEAR = 1  # index of 'LINEAR' in Keyframe.interpolation, for foreach_set


@dataclass(frozen=True)
class RigParts:
    """The objects of one built rig; `camera` is the one stage.bind_shots binds and renders."""

    root: bpy.types.Object
    camera: bpy.types.Object
    aim: bpy.types.Object


def world_bounds(depsgraph: bpy.types.Depsgraph, root: bpy.types.Object) -> Bounds | None:
    """Evaluated world-space bounds of `root` and everything under it (children, instanced collections)."""
    family = {root, *root.children_recursive}
    corners: list[Vector] = []
    for instance in depsgraph.object_instances:
        owner = instance.parent.original if instance.is_instance else instance.object.original
        if owner not in family or instance.object.type not in GEOMETRY_TYPES:
            continue
        matrix = instance.matrix_world.copy()
        corners += [matrix @ Vector(corner) for corner in instance.object.bound_box]
    if not corners:
        return None
    xs, ys, zs = ([c[i] for c in corners] for i in range(3))
    return (min(xs), min(ys), min(zs)), (max(xs), max(ys), max(zs))


def facing_of(obj: bpy.types.Object) -> tuple[float, float]:
    """The horizontal way a figure faces: its local -Y in the world (Backlot's cast faces -Y at rest)."""
    front = obj.matrix_world.to_3x3() @ Vector((0.0, -1.0, 0.0))
    return (front.x, front.y) if math.hypot(front.x, front.y) > 1e-6 else (0.0, -1.0)


# ---------------------------------------------------------------- keys


def keyed_value(obj: bpy.types.Object, data_path: str, index: int, frame: float, default: float) -> float:
    """The value `obj`'s action gives a channel on `frame` (a walking character's root), else `default`."""
    action = obj.animation_data.action if obj.animation_data is not None else None
    if action is None:
        return default
    for layer in action.layers:
        for strip in layer.strips:
            for bag in strip.channelbags:
                curve = bag.fcurves.find(data_path, index=index)
                if curve is not None:
                    return float(curve.evaluate(frame))
    return default


def key_channels(
    ctx: BuildContext,
    owner: bpy.types.ID,
    key: str,
    channels: dict[tuple[str, int], Sequence[float]],
    first_frame: int,
) -> None:
    """Key one value per frame on `owner` from `first_frame` on, in an action keyed `key`.

    An action is the unit of tweak-keeping for animation: when the samples are the ones written last time
    the action is left alone (an artist's key edits survive); when the spec's samples changed, or on reset
    to spec, it is rewritten.
    """
    signature = hashlib.sha1(
        json.dumps(
            [first_frame, sorted((p, i, [round(v, 6) for v in vals]) for (p, i), vals in channels.items())]
        ).encode()
    ).hexdigest()
    action = ctx.ensure("actions", key, f"{owner.name} Move", bpy.data.actions.new)
    if owner.animation_data is None:
        owner.animation_data_create()
    if owner.animation_data.action != action:
        owner.animation_data.action = action
    if action.get(SAMPLES) == signature and not ctx.reset:
        return
    for layer in action.layers:
        for strip in layer.strips:
            for bag in strip.channelbags:
                bag.fcurves.clear()
    for (data_path, index), values in channels.items():
        curve = action.fcurve_ensure_for_datablock(owner, data_path, index=index)
        points = curve.keyframe_points
        points.add(len(values))
        points.foreach_set("co", [v for i, value in enumerate(values) for v in (first_frame + i, value)])
        points.foreach_set("interpolation", [LINEAR] * len(values))
        curve.update()
    if action.get(SAMPLES) is not None:
        ctx.report.updated.append(f"actions: {action.name}")
    action[SAMPLES] = signature


def unkey(owner: bpy.types.ID) -> None:
    """A rig that stopped moving: drop its action so the still values hold."""
    if owner.animation_data is not None and owner.animation_data.action is not None:
        owner.animation_data.action = None


def _channels(values: Sequence[Sequence[float]], data_path: str) -> dict[tuple[str, int], list[float]]:
    return {(data_path, axis): [v[axis] for v in values] for axis in range(len(values[0]))}


def _moves(values: Sequence[Sequence[float]]) -> bool:
    return any(abs(v[i] - values[0][i]) > 1e-7 for v in values for i in range(len(v)))


# ---------------------------------------------------------------- rig parts


def _empty(
    ctx: BuildContext, key: str, name: str, collection: bpy.types.Collection, display: str, size: float
) -> bpy.types.Object:
    obj = ctx.ensure_object(key, name, None, collection)
    ctx.assign_all(obj, {"empty_display_type": display, "empty_display_size": size})
    return obj


def _parent(child: bpy.types.Object, parent: bpy.types.Object | None) -> None:
    """Parent without an inverse, so the child's location is simply in the parent's space."""
    if child.parent != parent:
        child.parent = parent
        child.matrix_parent_inverse = Matrix.Identity(4)


def _constraint(obj: bpy.types.Object, kind: str, name: str) -> Any:
    found = obj.constraints.get(name)
    return found if found is not None else obj.constraints.new(kind)


def _place(
    ctx: BuildContext,
    obj: bpy.types.Object,
    key: str,
    path: str,
    values: Sequence[Sequence[float]],
    first_frame: int,
) -> None:
    """A still value is a tweak-aware assignment; a moving one is keyed per frame."""
    if _moves(values):
        key_channels(ctx, obj, f"{key}/action", _channels(values, path), first_frame)
    else:
        unkey(obj)
        ctx.assign(obj, path, tuple(values[0]))


def offset(point: Sequence[float], direction: Sequence[float], scale: float) -> Vec3:
    """point + direction * scale."""
    return (point[0] + direction[0] * scale, point[1] + direction[1] * scale, point[2] + direction[2] * scale)


def _track(
    ctx: BuildContext, key: str, name: str, collection: bpy.types.Collection, points: list[Vec3]
) -> bpy.types.Object:
    """A poly curve through the dolly's positions (relative to the rig root); Follow Path runs on it."""
    data = ctx.ensure("curves", key, name, lambda n: bpy.data.curves.new(n, "CURVE"))
    data.dimensions = "3D"
    data.use_path = True
    wanted = [(*p, 1.0) for p in points]
    spline = data.splines[0] if len(data.splines) == 1 else None
    current = [tuple(pt.co) for pt in spline.points] if spline is not None and spline.type == "POLY" else []
    if len(current) != len(wanted) or any(
        abs(a - b) > 1e-6 for c, w in zip(current, wanted, strict=True) for a, b in zip(c, w, strict=True)
    ):
        data.splines.clear()
        spline = data.splines.new("POLY")
        spline.points.add(len(wanted) - 1)
        spline.points.foreach_set("co", [v for p in wanted for v in p])
    return ctx.ensure_object(key, name, data, collection)


def _track_points(locations: list[Vec3], right: Vec3) -> tuple[list[Vec3], list[float]]:
    """Distinct points along the path and each frame's fraction of the path length (Follow Path's offset)."""
    points = [locations[0]]
    for p in locations[1:]:
        if math.dist(p, points[-1]) > 1e-6:
            points.append(p)
    if len(points) == 1:  # a dolly that holds still: a one-metre track across the view, the cart mid-way
        c = points[0]
        ends = [(c[0] + right[0] * k, c[1] + right[1] * k, c[2] + right[2] * k) for k in (-0.5, 0.5)]
        return ends, [0.5] * len(locations)
    travelled = [0.0]
    for a, b in itertools.pairwise(locations):
        travelled.append(travelled[-1] + math.dist(a, b))
    return points, [t / travelled[-1] for t in travelled]


def build_rig(
    ctx: BuildContext,
    key: str,
    label: str,
    rig: str,
    camera_data: bpy.types.Camera,
    poses: list[CameraPose],
    aim_depth: float,
    collection: bpy.types.Collection,
    first_frame: int,
    pivot: Vec3,
) -> RigParts:
    """Root, rig parts, camera and aim empty for `rig`, moving through `poses` (one per frame).

    `pivot` is where a crane or jib's column stands (see `crane_pivot`); other rigs ignore it.
    """
    locations = [p.location for p in poses]
    forwards = [camera_axes(p.rotation_euler)[2] for p in poses]
    aims = [offset(loc, fwd, aim_depth) for loc, fwd in zip(locations, forwards, strict=True)]
    start = locations[0]
    display = {"dolly": "SINGLE_ARROW", "crane": "CONE", "jib": "CONE", "drone": "CIRCLE"}.get(rig, "ARROWS")
    root = _empty(ctx, f"{key}/rig", f"{label} Rig", collection, display, 0.3)
    _parent(root, None)
    camera = ctx.ensure_object(key, label, camera_data, collection)
    relative = [offset(p, start, -1.0) for p in locations]
    if rig == "dolly":
        points, fractions = _track_points(relative, camera_axes(poses[0].rotation_euler)[0])
        track = _track(ctx, f"{key}/track", f"{label} Track", collection, points)
        _parent(track, root)
        cart = _empty(ctx, f"{key}/cart", f"{label} Dolly", collection, "CUBE", 0.15)
        _parent(cart, None)  # Follow Path places it in the track's world space
        follow = _constraint(cart, "FOLLOW_PATH", TRACK_CONSTRAINT)
        follow.name, follow.target, follow.use_fixed_location = TRACK_CONSTRAINT, track, True
        if _moves([(f,) for f in fractions]):
            offset_path = f'constraints["{TRACK_CONSTRAINT}"].offset_factor'
            key_channels(ctx, cart, f"{key}/cart/action", {(offset_path, 0): fractions}, first_frame)
        else:
            unkey(cart)
            follow.offset_factor = fractions[0]
        _parent(camera, cart)
        ctx.assign(root, "location", start)
        ctx.assign(camera, "location", (0.0, 0.0, 0.0))
    elif rig in ("crane", "jib"):
        _crane(ctx, key, label, collection, root, camera, poses, first_frame, pivot)
    else:
        _parent(camera, root)
        ctx.assign(root, "location", start)
        _place(ctx, camera, key, "location", relative, first_frame)
    aim = _empty(ctx, f"{key}/aim", f"{label} Aim", collection, "SPHERE", 0.1)
    _parent(aim, None)
    _place(ctx, aim, f"{key}/aim", "location", aims, first_frame)
    track_to = _constraint(camera, "TRACK_TO", AIM_CONSTRAINT)
    track_to.name, track_to.target = AIM_CONSTRAINT, aim
    track_to.track_axis, track_to.up_axis, track_to.use_target_z = "TRACK_NEGATIVE_Z", "UP_Y", False
    return RigParts(root, camera, aim)


def crane_pivot(start: CameraPose) -> Vec3:
    """Where a crane's column stands for a camera starting at `start`: an arm's length behind and below it."""
    forward = camera_axes(start.rotation_euler)[2]
    horizontal = math.hypot(forward[0], forward[1]) or 1.0
    back = (-forward[0] / horizontal, -forward[1] / horizontal)
    rise = math.radians(CRANE_ARM_RISE_DEG)
    reach = CRANE_ARM_M * math.cos(rise)
    x, y, z = start.location
    return (x + back[0] * reach, y + back[1] * reach, z - CRANE_ARM_M * math.sin(rise))


def _crane(
    ctx: BuildContext,
    key: str,
    label: str,
    collection: bpy.types.Collection,
    root: bpy.types.Object,
    camera: bpy.types.Object,
    poses: list[CameraPose],
    first_frame: int,
    pivot: Vec3,
) -> None:
    """Root on the pivot behind and below the camera; the arm swings (Z) and booms (Y); the camera rides its
    end, telescoping when a move asks for a reach the arm does not have."""
    ctx.assign(root, "location", pivot)
    arm = _empty(ctx, f"{key}/arm", f"{label} Arm", collection, "SINGLE_ARROW", 0.5)
    _parent(arm, root)
    _parent(camera, arm)
    rotations, reaches, swing = [], [], None
    for pose in poses:
        d = [pose.location[i] - pivot[i] for i in range(3)]
        heading = math.atan2(d[1], d[0])
        if swing is not None:  # unwrap so the arm never swings the long way round
            heading += 2 * math.pi * round((swing - heading) / (2 * math.pi))
        swing = heading
        rotations.append((0.0, -math.atan2(d[2], math.hypot(d[0], d[1])), heading))
        reaches.append((math.sqrt(sum(v * v for v in d)), 0.0, 0.0))
    _place(ctx, arm, f"{key}/arm", "rotation_euler", rotations, first_frame)
    _place(ctx, camera, key, "location", reaches, first_frame)
