"""Locations department: the set of each scene (a blockout from the location preset or a linked .blend), its
surface materials (wet, snowy by weather) and its practical lamps with glowing fixtures.

The blockout's shape is data (`blockout` in presets/locations); production/staging/sets.py turns it into
geometry. The sky, sun and moon depend on the scene's time, so the lighting department builds the world.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import bpy
from mathutils import Vector

from ..production.image.colour_space import srgb_to_linear
from ..production.light.colour_temperature import white_balance
from ..production.light.photometry import LightType
from ..production.light.rig import lamp_colour
from ..production.model import RGB, Location, Production, Scene
from ..production.staging.sets import SetGeometry, build_set, set_pieces, shape_mesh
from ..production.values import ValueProblem, parse_color
from .context import BuildContext
from .nodes import shader_material
from .stage import department_collection

NAME = "locations"
DEFAULT_SIZE = (12.0, 12.0, 4.0)
GEOMETRY = "backlot_geometry"
DEFAULT_SURFACE = {"color": parse_color("#808080"), "roughness": 0.8, "metallic": 0.0}
FIXTURE_GLOW = 10.0
"""Emission strength of a lit fixture: bright enough to read as the source in frame, not a light ratio."""
PRINCIPLED = 'node_tree.nodes["Principled BSDF"]'


def piece_part(name: str) -> str:
    """A set piece's part of the location's keys: `wall:left`, `ceiling`."""
    return name if name == "ceiling" else f"wall:{name}"


def piece_key(scene_id: str, name: str) -> str:
    """The key of a scene's set piece object (a wall, the ceiling): the camera department pulls wild ones."""
    return f"scene:{scene_id}/set/{piece_part(name)}"


def aim(origin: Vector, target: Sequence[float]) -> tuple[float, float, float]:
    """Euler rotation that points an object's -Z (lights, cameras) from `origin` at `target`, +Y up."""
    rotation = (Vector(target) - origin).to_track_quat("-Z", "Y").to_euler()
    return (rotation.x, rotation.y, rotation.z)


def set_size(location: Location) -> tuple[float, float, float]:
    size = [float(v) for v in location.settings.get("size") or ()]
    width, depth, height = (*size, *DEFAULT_SIZE[len(size) :])[:3]
    return (width, depth, height)


WEATHER_NUMBERS = {
    "sky_strength": (0.0, 1e3),
    "sun_strength": (0.0, 1e3),
    "sun_angle": (0.0, 180.0),
    "turbidity": (0.0, 100.0),
    "fog_density": (0.0, 10.0),
    "wetness": (0.0, 1.0),
}
"""What the sky, sun, fog and set builders read from a weather preset, and the range each may take."""


def weather(ctx: BuildContext, location: Location) -> dict[str, Any]:
    """The location's weather preset (presets/weather): sky, sun, fog and surface wetness, its numbers and
    ground colour checked (a user's preset folder may hold any file under a weather's name)."""
    conditions = ctx.presets.get("weather", location.weather) or {}
    for key, (low, high) in WEATHER_NUMBERS.items():
        value = conditions.get(key, low)
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            problem = f"`{key}` must be a number from {low:g} to {high:g}, got {value!r}"
            raise ctx.broken_preset("weather", location.weather, problem)
    if conditions.get("ground_color") is not None:
        try:
            conditions["ground_color"] = parse_color(conditions["ground_color"])
        except ValueProblem as problem:
            raise ctx.broken_preset("weather", location.weather, f"`ground_color`: {problem}") from None
    return conditions


def linear_rgb(srgb: RGB) -> RGB:
    """A colour as validation left it (sRGB 0..1) in Blender's linear light."""
    r, g, b = (float(c) for c in srgb_to_linear(srgb))
    return (r, g, b)


def _surface_values(ctx: BuildContext, location: Location, surface: str) -> dict[str, Any]:
    """Colour, roughness and metallic of a set surface, darker and glossier when wet, snow-white floors."""
    spec = {**DEFAULT_SURFACE, **(location.settings.get("surfaces") or {}).get(surface, {})}
    conditions = weather(ctx, location)
    colour = linear_rgb(spec["color"])
    roughness = float(spec["roughness"])
    if surface == "floor" and conditions.get("ground_color") and not location.interior:
        colour = linear_rgb(conditions["ground_color"])
    wetness = 0.0 if location.interior else float(conditions.get("wetness", 0.0))
    if wetness:  # a wet surface absorbs more (darker) and its film of water is smooth (glossier)
        colour = tuple(c * (1.0 - 0.5 * wetness) for c in colour)  # type: ignore[assignment]
        roughness *= 1.0 - 0.8 * wetness
    return {"colour": colour, "roughness": roughness, "metallic": float(spec.get("metallic", 0.0))}


def _material(ctx: BuildContext, location: Location, surface: str) -> bpy.types.Material:
    material = shader_material(
        ctx, f"location:{location.name}/surface:{surface}", f"{location.name} {surface}"
    )
    values = _surface_values(ctx, location, surface)
    ctx.assign_all(
        material,
        {
            "diffuse_color": (*values["colour"], 1.0),
            "roughness": values["roughness"],
            "metallic": values["metallic"],
            f'{PRINCIPLED}.inputs["Base Color"].default_value': (*values["colour"], 1.0),
            f'{PRINCIPLED}.inputs["Roughness"].default_value': values["roughness"],
            f'{PRINCIPLED}.inputs["Metallic"].default_value': values["metallic"],
        },
    )
    return material


def _geometry_signature(*parts: Any) -> str:
    return hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _mesh(
    ctx: BuildContext, location: Location, part: str, signature: str, make: Callable[[], SetGeometry]
) -> bpy.types.Mesh:
    """One mesh of the location's blockout (`set`, or a piece such as `wall:left`), rebuilt in place only
    when what it is made from changed."""
    label = f"{location.name} {'Set' if part == 'set' else part.replace(':', ' ')}"
    mesh = ctx.ensure("meshes", f"location:{location.name}/{part}", label, bpy.data.meshes.new)
    if mesh.get(GEOMETRY) != signature:
        try:
            geometry = make()
        except (ValueError, TypeError) as exc:
            ctx.report.problems.append(f"location {location.name!r}: {exc}; built a bare floor instead")
            geometry = build_set(set_size(location), {}, {}) if part == "set" else SetGeometry()
        mesh.clear_geometry()
        mesh.from_pydata(geometry.verts, [], geometry.faces)
        mesh.polygons.foreach_set("material_index", geometry.face_surfaces)
        mesh.materials.clear()
        for surface in geometry.surfaces:
            mesh.materials.append(_material(ctx, location, surface))
        mesh.update()
        mesh[GEOMETRY] = signature
    else:
        for material in mesh.materials:
            surface = material.get("backlot_key", "").rpartition(":")[2]
            _material(ctx, location, surface)
    return mesh


def _blockout(ctx: BuildContext, scene: Scene, location: Location, collection: bpy.types.Collection) -> None:
    """The set object (floor, props) and, parented to it, one object per wall and the ceiling."""
    blockout = location.settings.get("blockout") or {}
    size = set_size(location)
    signature = _geometry_signature(size, blockout, location.marks, location.interior)
    mesh = _mesh(ctx, location, "set", signature, lambda: build_set(size, blockout, location.marks))
    holder = ctx.ensure_object(f"scene:{scene.id}/set", f"{scene.id} {location.name} Set", mesh, collection)
    try:
        pieces = set_pieces(size, blockout)
    except (ValueError, TypeError) as exc:
        ctx.report.problems.append(f"location {location.name!r}: {exc}; built no walls")
        pieces = {}
    for name in pieces:
        part = piece_part(name)
        piece = _mesh(ctx, location, part, signature, functools.partial(pieces.__getitem__, name))
        obj = ctx.ensure_object(
            piece_key(scene.id, name), f"{scene.id} {location.name} {name}", piece, collection
        )
        if obj.parent != holder:
            obj.parent = holder


def _linked_set(ctx: BuildContext, location: Location) -> bpy.types.Collection | None:
    """A collection linked from `model`; None (with the reason in the report) when it cannot be found."""
    if location.model is None:
        return None
    name = location.collection or location.name
    existing = next(
        (
            c
            for c in bpy.data.collections
            if c.library and c.name == name and bpy.path.abspath(c.library.filepath) == str(location.model)
        ),
        None,
    )
    if existing is not None:
        return existing
    try:
        # the stub declares load() as returning None, not its context manager
        with bpy.data.libraries.load(str(location.model), link=True) as (source, target):  # type: ignore[func-returns-value,attr-defined]
            if name not in source.collections:
                ctx.report.problems.append(
                    f"location {location.name!r}: no collection {name!r} in {location.model.name}; "
                    f"it has {', '.join(source.collections) or 'none'}: built the blockout instead"
                )
                return None
            target.collections = [name]
    except OSError as exc:
        ctx.report.problems.append(f"location {location.name!r}: cannot read {location.model}: {exc}")
        return None
    return target.collections[0]


def practical_colour(production: Production, spec: Mapping[str, Any]) -> RGB:
    """A practical's `color` (hex, e.g. neon) or its `kelvin` as a blackbody, in the scene's white balance."""
    if spec.get("color") is not None:
        return linear_rgb(spec["color"])
    return lamp_colour(float(spec.get("kelvin", 2700)), [], white_balance(production.style.white_balance))


def _lengths(value: Any, count: int) -> list[float]:
    """A size written as one number (every axis) or a list (the last entry repeats), as `count` metres."""
    values = [float(value)] if isinstance(value, int | float) else [float(v) for v in value]
    return (values + values[-1:] * count)[:count]


def _practical(
    ctx: BuildContext, production: Production, scene: Scene, location: Location, spec: Mapping[str, Any]
) -> None:
    name = str(spec.get("name", "practical"))
    key = f"scene:{scene.id}/practical:{name}"
    lamp_type = cast(LightType, str(spec.get("type", "POINT")).upper())  # Blender rejects other names
    data = ctx.ensure("lights", key, f"{scene.id} {name}", lambda n: bpy.data.lights.new(n, lamp_type))
    on = scene.lighting.practicals
    colour = practical_colour(production, spec)
    ctx.assign_all(
        data, {"type": lamp_type, "energy": float(spec.get("power", 40.0)) if on else 0.0, "color": colour}
    )
    data = bpy.data.lights[data.name]  # the Python type follows `type`
    size = _lengths(spec.get("size", 0.1), 2)
    if lamp_type == "AREA":
        ctx.assign_all(data, {"shape": "RECTANGLE", "size": size[0], "size_y": size[-1]})
    else:
        ctx.assign(data, "shadow_soft_size", size[0] / 2)
    if lamp_type == "SPOT":
        ctx.assign_all(data, {"spot_size": math.radians(float(spec.get("cone", 100.0))), "spot_blend": 0.4})
    collection = department_collection(ctx, scene.id, "Set")
    lamp = ctx.ensure_object(key, f"{scene.id} {name}", data, collection)
    position = Vector([float(v) for v in spec.get("at") or (0.0, 0.0, 2.5)])
    target = spec.get("aim") or (position.x, position.y, 0.0)
    ctx.assign_all(
        lamp, {"location": position.to_tuple(), "rotation_euler": aim(position, [float(v) for v in target])}
    )
    fixture = str(spec.get("fixture", "sphere"))
    fixture_size = _lengths(spec.get("fixture_size", 0.2), 3)
    mesh = ctx.ensure(
        "meshes",
        f"location:{location.name}/practical:{name}/fixture",
        f"{location.name} {name} fixture",
        bpy.data.meshes.new,
    )
    if not mesh.polygons:
        points, faces = shape_mesh(fixture, fixture_size)
        mesh.from_pydata([(x, y, z - fixture_size[2] / 2) for x, y, z in points], [], faces)
        mesh.update()
    glow = shader_material(ctx, f"scene:{scene.id}/practical:{name}/glow", f"{scene.id} {name} glow")
    ctx.assign_all(
        glow,
        {
            "diffuse_color": (*colour, 1.0),
            f'{PRINCIPLED}.inputs["Base Color"].default_value': (*colour, 1.0),
            f'{PRINCIPLED}.inputs["Emission Color"].default_value': (*colour, 1.0),
            f'{PRINCIPLED}.inputs["Emission Strength"].default_value': FIXTURE_GLOW if on else 0.0,
        },
    )
    body = ctx.ensure_object(f"{key}/fixture", f"{scene.id} {name} fixture", mesh, collection)
    if not body.material_slots:
        mesh.materials.append(None)
    body.material_slots[0].link = "OBJECT"  # the mesh is shared by scenes; on/off is per scene
    body.material_slots[0].material = glow
    # the lamp sits inside its fixture: the fixture must not shadow it
    ctx.assign_all(body, {"location": position.to_tuple(), "visible_shadow": False})


def build(production: Production, ctx: BuildContext) -> None:
    for scene in production.scenes:
        location = production.location(scene.location)
        collection = department_collection(ctx, scene.id, "Set")
        linked = _linked_set(ctx, location)
        key = f"scene:{scene.id}/set"
        if linked is not None:
            holder = ctx.ensure_object(key, f"{scene.id} {location.name} Set", None, collection)
            holder.instance_type = "COLLECTION"
            holder.instance_collection = linked
        else:
            _blockout(ctx, scene, location, collection)
        for spec in location.settings.get("practicals") or []:
            try:
                _practical(ctx, production, scene, location, spec)
            except (ValueError, TypeError, AttributeError, IndexError) as exc:
                ctx.report.problems.append(
                    f"location {location.name!r}: practical {spec!r} not built ({exc}); "
                    "write it as {name, type, at: [x, y, z], kelvin or color, power, fixture, fixture_size}"
                )
