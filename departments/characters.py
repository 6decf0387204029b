"""Characters department: each character on set in every scene they play, as a stand-in or a linked asset.

A stand-in is a parametric human figure (head, neck, torso, pelvis, arms, hands, legs, feet) built from the
character's height and build (production/staging/figure.py), one material slot per costume piece
so the wardrobe can dress it per scene. A character with `model` instances the named collection of that
.blend instead. Either way the root object is keyed `scene:{id}/character:{name}` and carries an eye-point
empty (`.../eye`) for POV and eye-lines; shot blocking walks the root between marks.
"""

from __future__ import annotations

import functools
import json
from typing import cast

import bpy

from ..production.model import Character, Production, Scene
from ..production.staging.blocking import Walk, place_cast, walks
from ..production.staging.costume import FIGURE_SLOTS
from ..production.staging.figure import EYE_FRACTION, HEAD_FRACTION, PART_SLOTS, PARTS, figure_geometry
from ..runtime import compat
from .context import BuildContext
from .stage import department_collection

NAME = "characters"
PART_ATTRIBUTE = "backlot_part"  # mesh face attribute: the index in PARTS of the face's body part


def stand_in_mesh(character: Character, name: str) -> bpy.types.Mesh:
    """The figure as one mesh: a material slot per FIGURE_SLOTS entry, the body part of each face kept in
    the `backlot_part` attribute (for tests and tools that measure or select parts)."""
    geometry = figure_geometry(character.height, character.build)
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata(geometry.verts, [], geometry.faces)
    slot_of_part = [FIGURE_SLOTS.index(PART_SLOTS[part]) for part in PARTS]
    mesh.polygons.foreach_set("material_index", [slot_of_part[p] for p in geometry.parts])
    part_attribute = cast(bpy.types.IntAttribute, mesh.attributes.new(PART_ATTRIBUTE, "INT", "FACE"))
    part_attribute.data.foreach_set("value", geometry.parts)
    for _ in FIGURE_SLOTS:
        mesh.materials.append(None)
    mesh.update()
    return mesh


def _asset_collection(ctx: BuildContext, character: Character) -> bpy.types.Collection | None:
    """The character's collection from its .blend, linked (or appended) once however often we rebuild."""
    assert character.model is not None
    path, wanted = str(character.model), character.collection or character.name
    if character.link:
        for collection in bpy.data.collections:
            library = collection.library
            if (
                library is not None
                and collection.name == wanted
                and bpy.path.abspath(library.filepath) == path
            ):
                return collection
    else:
        key = f"character:{character.name}/asset"
        appended = ctx.find("collections", key)
        if appended is not None:
            ctx.seen.add(("collections", key))
            return appended
    try:
        available = compat.blend_collections(character.model)
    except (OSError, RuntimeError) as exc:
        ctx.report.problems.append(f"{character.name}: cannot read {path} ({exc}); using a stand-in")
        return None
    if wanted not in available:
        ctx.report.problems.append(
            f"{character.name}: {path} has no collection '{wanted}' "
            f"(it has: {', '.join(available) or 'none'}); using a stand-in"
        )
        return None
    # the stub declares load() as returning None, not its context manager
    with bpy.data.libraries.load(path, link=character.link) as (_, target):  # type: ignore[func-returns-value,attr-defined]
        target.collections = [wanted]
    collection = target.collections[0]
    if not character.link:
        collection = ctx.ensure(
            "collections", f"character:{character.name}/asset", wanted, lambda _: collection
        )
    return collection


def _root(
    ctx: BuildContext, key: str, name: str, data: bpy.types.ID | None, cast: bpy.types.Collection
) -> bpy.types.Object:
    """The figure's root; recreated when the character switches between stand-in (mesh) and asset (empty)."""
    existing = ctx.find("objects", key)
    if existing is not None and (existing.type == "EMPTY") != (data is None):
        bpy.data.objects.remove(existing)
    return ctx.ensure_object(key, name, data, cast)


def _walk_channels(
    start: tuple[float, float, float], moves: list[Walk], first_frame: int
) -> dict[str, list[tuple[float, float]]]:
    """Keyframes per channel: positions linear between marks (constant speed), facing constant per move."""
    x, y, facing = start
    channels: dict[str, dict[int, float]] = {
        "x": {first_frame: x},
        "y": {first_frame: y},
        "facing": {first_frame: facing},
    }
    for move in moves:
        for channel, (a, b) in (("x", (move.start[0], move.end[0])), ("y", (move.start[1], move.end[1]))):
            channels[channel][move.frame_start] = a
            channels[channel][move.frame_end] = b
        channels["facing"][move.frame_start] = move.facing
    return {channel: sorted(keys.items()) for channel, keys in channels.items()}


CHANNELS = {
    "x": ("location", 0, "LINEAR"),
    "y": ("location", 1, "LINEAR"),
    "facing": ("rotation_euler", 2, "CONSTANT"),
}


def _animate_walks(
    ctx: BuildContext, root: bpy.types.Object, key: str, keys: dict[str, list[tuple[float, float]]]
) -> None:
    """Write the walk keys into the root's keyed action; an unchanged walk keeps the artist's key edits."""
    action = ctx.ensure("actions", f"{key}/walk", f"{root.name} Walk", bpy.data.actions.new)
    signature = json.dumps(keys)
    if root.animation_data is None:
        root.animation_data_create()
    if action.get("backlot_walk") == signature and root.animation_data.action == action and not ctx.reset:
        return
    for layer in list(action.layers):
        action.layers.remove(layer)
    for slot in list(action.slots):
        action.slots.remove(slot)
    slot = action.slots.new(id_type="OBJECT", name=root.name)
    channelbag = action.layers.new("Walk").strips.new(type="KEYFRAME").channelbag(slot, ensure=True)
    for channel, points in keys.items():
        data_path, index, interpolation = CHANNELS[channel]
        curve = channelbag.fcurves.new(data_path, index=index)
        curve.keyframe_points.add(len(points))
        for point, (frame, value) in zip(curve.keyframe_points, points, strict=True):
            point.co = (frame, value)
            point.interpolation = interpolation
    root.animation_data.action = action
    root.animation_data.action_slot = slot
    action["backlot_walk"] = signature


def _place(
    ctx: BuildContext,
    scene: Scene,
    name: str,
    root: bpy.types.Object,
    spot: tuple[float, float, float],
    moves: list[Walk],
) -> None:
    """Walks animate the root; a character who stays put gets a tweakable location and facing."""
    key = f"scene:{scene.id}/character:{name}"
    if moves:
        first_frame = ctx.plan.scene_ranges.get(scene.id, (1, 1))[0]
        _animate_walks(ctx, root, key, _walk_channels(spot, moves, first_frame))
        return
    ctx.assign_all(root, {"location": (spot[0], spot[1], 0.0), "rotation_euler": (0.0, 0.0, spot[2])})


def build(production: Production, ctx: BuildContext) -> None:
    bodies: dict[str, bpy.types.ID | None] = {}
    for character in production.characters:
        asset = _asset_collection(ctx, character) if character.model is not None else None
        if asset is None:
            bodies[character.name] = ctx.ensure(
                "meshes",
                f"character:{character.name}/mesh",
                f"{character.name} Stand-in",
                functools.partial(stand_in_mesh, character),
            )
        else:
            bodies[character.name] = asset
    for scene in production.scenes:
        cast = department_collection(ctx, scene.id, "Cast")
        moves = walks(production, ctx.plan, scene)
        for name, spot in place_cast(production, scene).items():
            key = f"scene:{scene.id}/character:{name}"
            body = bodies[name]
            root = _root(
                ctx, key, f"{scene.id} {name}", body if isinstance(body, bpy.types.Mesh) else None, cast
            )
            if isinstance(body, bpy.types.Collection):
                root.instance_type = "COLLECTION"
                root.instance_collection = body
            _place(ctx, scene, name, root, (spot.x, spot.y, spot.facing), moves.get(name, []))
            eye = ctx.ensure_object(f"{key}/eye", f"{scene.id} {name} Eye", None, cast)
            if eye.parent != root:
                eye.parent = root
            head = spot.height * HEAD_FRACTION
            ctx.assign_all(
                eye,
                {"location": (0.0, -0.42 * head, spot.height * EYE_FRACTION), "empty_display_size": head / 4},
            )
