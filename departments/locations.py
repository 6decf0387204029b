"""Locations department: a blockout set per scene and a world per location.

Placeholder level (issue 3): a floor and walls sized from the location preset's `size`, and a plain world
colour by interior/exterior and time of day. Sets, skies and the sun come with the lighting and locations
issue.
"""

from __future__ import annotations

import bpy

from ..production.model import Location, Production
from .context import BuildContext
from .stage import department_collection, story_scene

NAME = "locations"
DEFAULT_SIZE = (12.0, 12.0, 4.0)


def _box_mesh(name: str, width: float, depth: float, height: float, interior: bool) -> bpy.types.Mesh:
    """Floor, plus three walls (back, left, right) for interiors or two side walls for exteriors."""
    w, d, h = width / 2, depth / 2, height
    verts = [(-w, -d, 0), (w, -d, 0), (w, d, 0), (-w, d, 0), (-w, -d, h), (w, -d, h), (w, d, h), (-w, d, h)]
    faces = [(0, 1, 2, 3), (3, 2, 6, 7), (0, 3, 7, 4), (1, 5, 6, 2)]
    if not interior:
        faces = [(0, 1, 2, 3), (0, 3, 7, 4), (1, 5, 6, 2)]
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata(verts, [], faces)
    mesh.update()
    return mesh


def _world(ctx: BuildContext, location: Location, night: bool) -> bpy.types.World:
    world = ctx.ensure(
        "worlds", f"location:{location.name}/world", f"{location.name} World", bpy.data.worlds.new
    )
    colour = (0.01, 0.012, 0.02) if night else ((0.05, 0.05, 0.05) if location.interior else (0.4, 0.5, 0.7))
    ctx.assign(world, "color", colour)
    return world  # type: ignore[no-any-return]


def build(production: Production, ctx: BuildContext) -> None:
    for scene in production.scenes:
        location = production.location(scene.location)
        size = tuple(location.settings.get("size") or DEFAULT_SIZE)
        width, depth, height = (float(v) for v in (*size, *DEFAULT_SIZE[len(size) :])[:3])
        key = f"scene:{scene.id}/set"
        dimensions = (width, depth, height, location.interior)
        mesh = ctx.ensure("meshes", key, f"{location.name} Set", lambda n, d=dimensions: _box_mesh(n, *d))
        collection = department_collection(ctx, scene.id, "Set")
        ctx.ensure_object(key, f"{scene.id} {location.name} Set", mesh, collection)
        night = scene.time is not None and (
            scene.time.named == "night"
            or (scene.time.when is not None and not 6 <= scene.time.when.hour < 19)
        )
        story_scene(ctx, scene.id).world = _world(ctx, location, night)
