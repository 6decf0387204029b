"""Camera rigs on Blender data: what the camera department hands its solved poses to.

A rig is a small hierarchy an artist can grab: a root empty (the base: tripod spot, start of the dolly track,
crane pivot) carrying the camera, with rig parts in between where the rig has them (a dolly cart riding a
track curve, a crane arm swinging about its pivot). The camera aims with a Track To constraint at an aim
empty, so re-aiming is moving one empty. Moves are keyed per frame from the pure samples of
`production/camera/moves` and the rig's geometry (track, crane arm, aim roll) from `production/camera/rigs`;
a still rig gets plain tweak-aware values instead of keys.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import bpy
from mathutils import Matrix, Vector

from ..production.camera.moves import CameraPose, view_axes
from ..production.camera.optics import Bounds, Vec3, camera_axes, offset
from ..production.camera.rigs import aim_rolls, crane_arm, track_points
from .context import BuildContext

if TYPE_CHECKING:
    from bpy.stub_internal.rna_enums import ConstraintTypeItems

GEOMETRY_TYPES = {"MESH", "CURVE", "SURFACE", "META", "FONT", "CURVES", "POINTCLOUD", "VOLUME"}
SAMPLES = "backlot_samples"
CONSTANT, LINEAR = 0, 1  # indices of "CONSTANT" and "LINEAR" in Keyframe.interpolation, for foreach_set
IDENTITY = Matrix.Identity(4).freeze()


@dataclass(frozen=True)
class RigParts:
    """The objects of one built rig; `camera` is the one stage.bind_shots binds and renders."""

    root: bpy.types.Object
    camera: bpy.types.Object
    aim: bpy.types.Object


def world_bounds(depsgraph: bpy.types.Depsgraph, family: set[bpy.types.Object]) -> Bounds | None:
    """Evaluated world-space bounds of the objects in `family` and what they instance (linked models)."""
    corners: list[Vector] = []
    for instance in depsgraph.object_instances:
        owner = instance.parent.original if instance.is_instance else instance.object.original
        if owner not in family or instance.object.type not in GEOMETRY_TYPES:
            continue
        matrix = instance.matrix_world.copy()
        corners += [matrix @ Vector(corner) for corner in instance.object.bound_box]
    return _box(corners)


def is_static(obj: bpy.types.Object) -> bool:
    """Whether `obj` sits where its own transform and its parents' say, with the shape its mesh has:
    nothing evaluated (modifiers, constraints, animation, drivers, instancing) can move or reshape it."""
    animation = obj.animation_data
    return (
        obj.type in ("MESH", "EMPTY")
        and obj.parent_type == "OBJECT"
        and obj.instance_type == "NONE"
        and not obj.modifiers
        and not obj.constraints
        and (animation is None or (animation.action is None and not animation.drivers))
        and (obj.type != "MESH" or obj.data.shape_keys is None)
    )


def static_chain(obj: bpy.types.Object) -> bool:
    """Whether `obj` and every parent above it are static (see `is_static`)."""
    link: bpy.types.Object | None = obj
    while link is not None:
        if not is_static(link):
            return False
        link = link.parent
    return True


def world_matrix(obj: bpy.types.Object) -> Matrix:
    """World matrix of a static object (see `is_static`) and static parents, without a depsgraph."""
    if obj.parent is None:
        return obj.matrix_basis
    return world_matrix(obj.parent) @ obj.matrix_parent_inverse @ obj.matrix_basis


def static_bounds(family: list[bpy.types.Object], local_bounds: dict[int, list[Vector]]) -> Bounds | None:
    """World bounds of static meshes (see `is_static`): each mesh's own box through its world matrix,
    the same corners the evaluated bounding box gives. `local_bounds` caches boxes per mesh datablock."""
    corners: list[Vector] = []
    for obj in family:
        if obj.type != "MESH" or not obj.data.vertices:
            continue
        mesh = obj.data
        box = local_bounds.get(mesh.as_pointer())
        if box is None:
            co = array("f", bytes(12 * len(mesh.vertices)))
            mesh.vertices.foreach_get("co", co)
            low = [min(co[axis::3]) for axis in range(3)]
            high = [max(co[axis::3]) for axis in range(3)]
            box = [Vector(c) for c in itertools.product(*zip(low, high, strict=True))]
            local_bounds[mesh.as_pointer()] = box
        matrix = world_matrix(obj)
        corners += [matrix @ corner for corner in box]
    return _box(corners)


def _box(corners: list[Vector]) -> Bounds | None:
    if not corners:
        return None
    xs, ys, zs = ([c[i] for c in corners] for i in range(3))
    return (min(xs), min(ys), min(zs)), (max(xs), max(ys), max(zs))


def facing_of(matrix: Matrix) -> tuple[float, float]:
    """The horizontal way a figure with this world matrix faces: its local -Y (Backlot's cast faces -Y)."""
    front = matrix.to_3x3() @ Vector((0.0, -1.0, 0.0))
    return (front.x, front.y) if math.hypot(front.x, front.y) > 1e-6 else (0.0, -1.0)


# ---------------------------------------------------------------- keys


def keyed_value(obj: bpy.types.Object, data_path: str, index: int, frame: float, default: float) -> float:
    """The value `obj`'s action gives a channel on `frame` (a walking character's root), else `default`."""
    action = obj.animation_data.action if obj.animation_data is not None else None
    if action is None:
        return default
    for layer in action.layers:
        for strip in layer.strips:
            for bag in cast("bpy.types.ActionKeyframeStrip", strip).channelbags:  # the only kind of strip
                curve = bag.fcurves.find(data_path, index=index)
                if curve is not None:
                    return float(curve.evaluate(frame))
    return default


def key_channels(
    ctx: BuildContext,
    owner: bpy.types.Object | bpy.types.Camera,
    key: str,
    channels: Mapping[tuple[str, int], Sequence[float]],
    first_frame: int,
) -> None:
    """Key one value per frame on `owner` from `first_frame` on, in an action keyed `key` (linear)."""
    keys = {
        channel: (range(first_frame, first_frame + len(values)), values)
        for channel, values in channels.items()
    }
    _write_keys(ctx, owner, key, keys, LINEAR, f"{owner.name} Move")


def key_steps(
    ctx: BuildContext,
    owner: bpy.types.Object,
    key: str,
    channels: Mapping[tuple[str, int], Sequence[tuple[float, float]]],
) -> None:
    """Key held values on `owner`: each (frame, value) holds until the next (a shot's cheat)."""
    keys = {channel: ([f for f, _ in points], [v for _, v in points]) for channel, points in channels.items()}
    _write_keys(ctx, owner, key, keys, CONSTANT, f"{owner.name} Cheat")


def _write_keys(
    ctx: BuildContext,
    owner: bpy.types.Object | bpy.types.Camera,
    key: str,
    channels: Mapping[tuple[str, int], tuple[Sequence[float], Sequence[float]]],
    interpolation: int,
    label: str,
) -> None:
    """Key (frames, values) on `owner` in an action keyed `key`.

    An action is the unit of tweak-keeping for animation: when the keys are the ones written last time the
    action is left alone (an artist's key edits survive); when the spec's keys changed, or on reset to spec,
    it is rewritten.
    """
    digest = hashlib.sha1(str(interpolation).encode())
    for (data_path, index), (frames, values) in sorted(channels.items()):
        # Single precision (7 digits) absorbs last-bit differences between runs; it is converted in C.
        digest.update(
            f"{data_path}[{index}]".encode() + array("f", frames).tobytes() + array("f", values).tobytes()
        )
    signature = digest.hexdigest()
    action = ctx.ensure("actions", key, label, bpy.data.actions.new)
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
    for (data_path, index), (frames, values) in channels.items():
        curve = action.fcurve_ensure_for_datablock(owner, data_path, index=index)
        points = curve.keyframe_points
        points.add(len(values))
        co = [0.0] * (2 * len(values))  # frame, value, frame, value, ...
        co[0::2], co[1::2] = frames, values
        points.foreach_set("co", co)
        points.foreach_set("interpolation", [interpolation] * len(values))
        curve.update()
    if action.get(SAMPLES) is not None:
        ctx.report.updated.append(f"actions: {action.name}")
    action[SAMPLES] = signature


def unkey(owner: bpy.types.Object | bpy.types.Camera) -> None:
    """A rig that stopped moving: drop its action so the still values hold."""
    if owner.animation_data is not None and owner.animation_data.action is not None:
        owner.animation_data.action = None


def _channels(values: Sequence[Sequence[float]], data_path: str) -> dict[tuple[str, int], list[float]]:
    return {(data_path, axis): [v[axis] for v in values] for axis in range(len(values[0]))}


def _moves(values: Sequence[Sequence[float]]) -> bool:
    """Whether per-frame values change beyond float noise (frames equal to the first are skipped in C)."""
    first = values[0]
    return any(abs(a - b) > 1e-7 for v in values if v != first for a, b in zip(v, first, strict=True))


# ---------------------------------------------------------------- rig parts


def _empty(
    ctx: BuildContext, key: str, name: str, collection: bpy.types.Collection, display: str, size: float
) -> bpy.types.Object:
    obj = ctx.ensure_object(key, name, None, collection)
    ctx.assign_all(obj, {"empty_display_type": display, "empty_display_size": size})
    return obj


def _parent(child: bpy.types.Object, parent: bpy.types.Object | None) -> None:
    """Parent without an inverse, so the child's location is simply in the parent's space.

    A new object's inverse is already the identity: writing it anyway costs an update, and on 4.5 each
    update walks every node tree in the file."""
    if child.parent != parent:
        child.parent = parent
        if child.matrix_parent_inverse != IDENTITY:
            child.matrix_parent_inverse = IDENTITY


def _constraint(
    obj: bpy.types.Object, kind: ConstraintTypeItems, target: bpy.types.Object, settings: dict[str, Any]
) -> Any:
    """The object's constraint of type `kind` (a rig part carries one of each), made if missing, with
    `settings` and then `target` written where they differ.

    Found by type and left with Blender's own name: renaming a constraint makes Blender fix animation paths
    in every datablock of the file (half a millisecond each in a big production), and each write re-tags
    the dependency graph. The target goes last: once a constraint has one, every write makes Blender check
    the target still exists by walking `bpy.data.objects` (a quarter of a millisecond in a big production).
    """
    found = next((c for c in obj.constraints if c.type == kind), None)
    if found is None:
        found = obj.constraints.new(kind)
    for attribute, value in (settings | {"target": target}).items():
        if getattr(found, attribute) != value:
            setattr(found, attribute, value)
    return found


def _place(
    ctx: BuildContext,
    obj: bpy.types.Object,
    key: str,
    values: dict[str, Sequence[Sequence[float]]],
    first_frame: int,
) -> None:
    """Per property path, one value per frame: a still value is a tweak-aware assignment, moving ones are
    keyed per frame (together, in the object's one action)."""
    moving = {path: series for path, series in values.items() if _moves(series)}
    if moving:
        channels = {ch: v for path, series in moving.items() for ch, v in _channels(series, path).items()}
        key_channels(ctx, obj, f"{key}/action", channels, first_frame)
    else:
        unkey(obj)
    ctx.assign_all(obj, {path: tuple(series[0]) for path, series in values.items() if path not in moving})


def _track(
    ctx: BuildContext, key: str, name: str, collection: bpy.types.Collection, points: list[Vec3]
) -> bpy.types.Object:
    """A poly curve through the dolly's positions (relative to the rig root); Follow Path runs on it."""
    data = ctx.ensure("curves", key, name, lambda n: bpy.data.curves.new(n, "CURVE"))
    ctx.assign_all(data, {"dimensions": "3D", "use_path": True})
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

    `pivot` is where a crane or jib's column stands (see `rigs.crane_pivot`); other rigs ignore it.
    """
    locations = [p.location for p in poses]
    aims = [offset(loc, fwd, aim_depth) for loc, fwd in zip(locations, view_axes(poses), strict=True)]
    start = locations[0]
    display = {"dolly": "SINGLE_ARROW", "crane": "CONE", "jib": "CONE", "drone": "CIRCLE"}.get(rig, "ARROWS")
    root = _empty(ctx, f"{key}/rig", f"{label} Rig", collection, display, 0.3)
    _parent(root, None)
    camera = ctx.ensure_object(key, label, camera_data, collection)
    sx, sy, sz = start
    relative = [(x - sx, y - sy, z - sz) for x, y, z in locations]
    if rig == "dolly":
        points, fractions = track_points(relative, camera_axes(poses[0].rotation_euler)[0])
        track = _track(ctx, f"{key}/track", f"{label} Track", collection, points)
        _parent(track, root)
        cart = _empty(ctx, f"{key}/cart", f"{label} Dolly", collection, "CUBE", 0.15)
        _parent(cart, None)  # Follow Path places it in the track's world space
        moving = _moves([(f,) for f in fractions])
        still = {} if moving else {"offset_factor": fractions[0]}
        follow = _constraint(cart, "FOLLOW_PATH", track, {"use_fixed_location": True} | still)
        if moving:
            offset_path = f'constraints["{follow.name}"].offset_factor'
            key_channels(ctx, cart, f"{key}/cart/action", {(offset_path, 0): fractions}, first_frame)
        else:
            unkey(cart)
        _parent(camera, cart)
        ctx.assign(root, "location", start)
        ctx.assign(camera, "location", (0.0, 0.0, 0.0))
    elif rig in ("crane", "jib"):
        _crane(ctx, key, label, collection, root, camera, poses, first_frame, pivot)
    else:
        _parent(camera, root)
        ctx.assign(root, "location", start)
        _place(ctx, camera, key, {"location": relative}, first_frame)
    aim = _empty(ctx, f"{key}/aim", f"{label} Aim", collection, "SPHERE", 0.1)
    _parent(aim, None)
    rolls = aim_rolls(poses)
    _place(ctx, aim, f"{key}/aim", {"location": aims, "rotation_euler": rolls}, first_frame)
    aiming = {"track_axis": "TRACK_NEGATIVE_Z", "up_axis": "UP_Y"}
    _constraint(camera, "TRACK_TO", aim, aiming | ({"use_target_z": True} if _moves(rolls) else {}))
    return RigParts(root, camera, aim)


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
    rotations, reaches = crane_arm(poses, pivot)
    _place(ctx, arm, f"{key}/arm", {"rotation_euler": rotations}, first_frame)
    _place(ctx, camera, key, {"location": reaches}, first_frame)
