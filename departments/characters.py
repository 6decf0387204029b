"""Characters department: each character on set in every scene they play, as a stand-in or a linked asset.

A stand-in is a parametric human figure (head, neck, torso, pelvis, arms, hands, legs, feet) built from the
character's height and build with the proportions in docs/characters.md, one material slot per costume piece
so the wardrobe can dress it per scene. A character with `model` instances the named collection of that
.blend instead. Either way the root object is keyed `scene:{id}/character:{name}` and carries an eye-point
empty (`.../eye`) for POV and eye-lines; shot blocking walks the root between marks.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from typing import cast

import bpy

from ..production.model import Character, Production, Scene
from ..production.staging.costume import FIGURE_SLOTS
from ..runtime import compat
from .context import BuildContext
from .placement import Walk, place_cast, walks
from .stage import department_collection

NAME = "characters"
HEAD_FRACTION = 1 / 7.5  # head height / body height: the classic figure-drawing canon
EYE_FRACTION = 1 - HEAD_FRACTION / 2  # eyes halfway down the head: 0.9333 of the height
SIDES = 10  # around each limb


@dataclass(frozen=True)
class Build:
    """Breadths as fractions of height (Drillis & Contini's average, varied per build)."""

    shoulder: float  # outer edges of the upper arms at shoulder height
    hip: float  # pelvis breadth
    depth: float  # chest depth
    girth: float  # limb thickness relative to average


BUILDS = {
    "slim": Build(shoulder=0.235, hip=0.175, depth=0.105, girth=0.85),
    "average": Build(shoulder=0.259, hip=0.191, depth=0.12, girth=1.0),
    "athletic": Build(shoulder=0.285, hip=0.195, depth=0.13, girth=1.12),
    "heavy": Build(shoulder=0.285, hip=0.235, depth=0.165, girth=1.3),
}
# Joint heights as fractions of height (Drillis & Contini 1966).
SHOULDER, ELBOW, WRIST, FINGERTIP = 0.818, 0.630, 0.485, 0.377
WAIST, HIP_JOINT, CROTCH, KNEE, ANKLE, FOOT_LENGTH = 0.60, 0.530, 0.47, 0.285, 0.039, 0.152
# Body part -> material slot; a mesh face attribute `backlot_part` holds the part's index in PARTS.
PART_SLOTS = {
    "head": "skin",
    "hair": "hair",
    "neck": "skin",
    "torso": "top",
    "upper_arm": "top",
    "forearm": "top",
    "hand": "skin",
    "pelvis": "bottom",
    "thigh": "bottom",
    "shin": "bottom",
    "foot": "shoes",
    "coat_tail": "outerwear",
    "headwear": "headwear",
    "belt": "accessory",
}
PARTS = tuple(PART_SLOTS)
PART_ATTRIBUTE = "backlot_part"

Ring = tuple[float, float, float, float, float]  # (z, x radius, y radius, centre x, centre y)


class _MeshBuilder:
    """Collects tubes (rings joined side by side) with their part, for one `from_pydata`."""

    def __init__(self) -> None:
        self.verts: list[tuple[float, float, float]] = []
        self.faces: list[tuple[int, ...]] = []
        self.parts: list[int] = []

    def tube(
        self,
        part: str,
        rings: list[Ring],
        sides: int = SIDES,
        poles: tuple[float | None, float | None] = (None, None),
        turn: float = 0.0,
    ) -> None:
        """Rings bottom to top; a pole height closes that end in a point, otherwise the end is capped flat
        (or left open when the part is a shell: poles of -inf)."""
        base = len(self.verts)
        for z, rx, ry, cx, cy in rings:
            for k in range(sides):
                angle = turn + 2 * math.pi * k / sides
                self.verts.append((cx + rx * math.cos(angle), cy + ry * math.sin(angle), z))
        for r in range(len(rings) - 1):
            for k in range(sides):
                a, b = base + r * sides + k, base + r * sides + (k + 1) % sides
                self._face(part, (a, b, b + sides, a + sides))
        for end, pole in ((0, poles[0]), (len(rings) - 1, poles[1])):
            start = base + end * sides
            ring = list(range(start, start + sides))
            if pole == -math.inf:
                continue
            if pole is None:
                self._face(part, tuple(ring) if end else tuple(reversed(ring)))
                continue
            _, _, _, cx, cy = rings[end]
            self.verts.append((cx, cy, pole))
            tip = len(self.verts) - 1
            for k in range(sides):
                pair = (ring[k], ring[(k + 1) % sides])
                self._face(part, (*pair, tip) if end else (pair[1], pair[0], tip))

    def _face(self, part: str, face: tuple[int, ...]) -> None:
        self.faces.append(face)
        self.parts.append(PARTS.index(part))


def _ellipsoid_rings(
    centre_z: float, rx: float, ry: float, rz: float, lat_from: float, lat_to: float
) -> list[Ring]:
    steps = 4
    lats = [lat_from + (lat_to - lat_from) * i / steps for i in range(steps + 1)]
    return [(centre_z + rz * math.sin(t), rx * math.cos(t), ry * math.cos(t), 0.0, 0.0) for t in lats]


def figure_geometry(height: float, build: str) -> _MeshBuilder:
    """The stand-in at the origin, feet on z = 0, facing -Y; every size from height and build."""
    h, b = height, BUILDS[build]
    head = h * HEAD_FRACTION
    mesh = _MeshBuilder()
    # Head: skin up to the brow, hair above; the headwear shell reaches the top of the head exactly.
    centre = h - head / 2
    hx, hy, hz = 0.33 * head, 0.42 * head, 0.49 * head
    mesh.tube("head", _ellipsoid_rings(centre, hx, hy, hz, -1.2, 0.35), poles=(centre - hz, None))
    mesh.tube(
        "hair", _ellipsoid_rings(centre, hx * 1.01, hy * 1.01, hz, 0.35, 1.2), poles=(None, centre + hz)
    )
    shell = _ellipsoid_rings(centre, hx * 1.06, hy * 1.06, head / 2, 0.2, 1.2)
    mesh.tube("headwear", shell, poles=(-math.inf, h))
    neck_r = 0.032 * h * b.girth
    mesh.tube(
        "neck", [(SHOULDER * h - 0.02 * h, neck_r, neck_r, 0, 0), (h - head * 0.8, neck_r, neck_r, 0, 0)]
    )
    # Torso from the waist to the shoulders, arms outside it; pelvis from the crotch to the waist.
    arm_r = 0.026 * h * b.girth
    torso_half = b.shoulder * h / 2 - 2 * arm_r  # the arms hang just outside the chest
    chest = b.depth * h / 2
    waist = (WAIST * h, b.hip * h / 2 * 0.92, chest * 0.9, 0.0, 0.0)
    mesh.tube(
        "torso",
        [waist, (0.72 * h, torso_half * 0.95, chest, 0, 0), (SHOULDER * h, torso_half, chest * 0.85, 0, 0)],
    )
    mesh.tube("pelvis", [(CROTCH * h, b.hip * h / 2, chest * 0.85, 0, 0), waist])
    mesh.tube(
        "belt",
        [
            (0.59 * h, b.hip * h / 2 * 0.97, chest * 0.95, 0, 0),
            (0.61 * h, b.hip * h / 2 * 0.97, chest * 0.95, 0, 0),
        ],
    )
    coat: list[Ring] = [
        (0.38 * h, b.hip * h / 2 * 1.12, chest * 1.1, 0, 0),
        (WAIST * h, b.hip * h / 2 * 1.0, chest * 1.02, 0, 0),
    ]
    mesh.tube("coat_tail", coat, poles=(-math.inf, -math.inf))
    thigh_r, knee_r, ankle_r = 0.045 * h * b.girth, 0.03 * h * b.girth, 0.02 * h * b.girth
    for side in (-1, 1):
        arm_x = side * (b.shoulder * h / 2 - arm_r)
        forearm_r = 0.021 * h * b.girth
        mesh.tube(
            "upper_arm",
            [
                (ELBOW * h, forearm_r * 1.05, forearm_r * 1.05, arm_x, 0),
                (SHOULDER * h, arm_r, arm_r, arm_x, 0),
            ],
            poles=(None, SHOULDER * h + arm_r),
        )
        mesh.tube(
            "forearm",
            [
                (WRIST * h, forearm_r * 0.75, forearm_r * 0.75, arm_x, 0),
                (ELBOW * h, forearm_r, forearm_r, arm_x, 0),
            ],
        )
        hand = 0.055 * h * b.girth / 2
        mesh.tube(
            "hand",
            [(FINGERTIP * h, hand * 0.6, hand * 0.35, arm_x, 0), (WRIST * h, hand, hand * 0.45, arm_x, 0)],
            sides=6,
        )
        leg_x = side * b.hip * h / 4
        mesh.tube(
            "thigh",
            [(KNEE * h, knee_r, knee_r, leg_x, 0), (HIP_JOINT * h + 0.03 * h, thigh_r, thigh_r, leg_x, 0)],
        )
        mesh.tube("shin", [(ANKLE * h, ankle_r, ankle_r, leg_x, 0), (KNEE * h, knee_r, knee_r, leg_x, 0)])
        foot = FOOT_LENGTH * h
        toe_y, heel_y = -0.75 * foot, 0.25 * foot
        half_w = 0.027 * h * b.girth
        half_l = (heel_y - toe_y) / 2
        centre_y = (heel_y + toe_y) / 2
        box = [
            (z, half_w * math.sqrt(2), half_l * math.sqrt(2), leg_x, centre_y) for z in (0.0, ANKLE * h * 1.6)
        ]
        mesh.tube("foot", box, sides=4, turn=math.pi / 4)
    return mesh


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
