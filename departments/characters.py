"""Characters department: a figure per character per scene, on its mark.

Placeholder level (issue 3): a stand-in of the character's height made of boxes (legs, torso, head), so
framing and lighting have the right size. The parametric figure and linked assets come with the characters
issue.
"""

from __future__ import annotations

import bpy

from ..production.model import Character, Production
from .context import BuildContext
from .placement import place_cast
from .stage import department_collection

NAME = "characters"
HEAD_FRACTION = 1 / 7.5  # of body height: the classic figure-drawing canon
WIDTH_BY_BUILD = {"slim": 0.36, "average": 0.42, "athletic": 0.46, "heavy": 0.52}


def _boxes(character: Character) -> list[tuple[float, float, float, float, float, float]]:
    """(cx, cy, cz, sx, sy, sz) boxes: legs to the hip, torso to the neck, head on top."""
    h = character.height
    head = h * HEAD_FRACTION
    width = WIDTH_BY_BUILD[character.build] * h / 1.75
    hip, neck = h * 0.47, h - head * 1.15
    return [
        (0.0, 0.0, hip / 2, width * 0.8, width * 0.45, hip),
        (0.0, 0.0, (hip + neck) / 2, width, width * 0.55, neck - hip),
        (0.0, 0.0, h - head / 2, head * 0.75, head * 0.85, head),
    ]


def stand_in_mesh(character: Character, name: str) -> bpy.types.Mesh:
    verts: list[tuple[float, float, float]] = []
    faces: list[tuple[int, ...]] = []
    for cx, cy, cz, sx, sy, sz in _boxes(character):
        base = len(verts)
        for dz in (-0.5, 0.5):
            for dx, dy in ((-0.5, -0.5), (0.5, -0.5), (0.5, 0.5), (-0.5, 0.5)):
                verts.append((cx + dx * sx, cy + dy * sy, cz + dz * sz))
        faces += [(base, base + 3, base + 2, base + 1), (base + 4, base + 5, base + 6, base + 7)]
        faces += [(base + i, base + (i + 1) % 4, base + 4 + (i + 1) % 4, base + 4 + i) for i in range(4)]
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata(verts, [], faces)
    mesh.update()
    return mesh


def build(production: Production, ctx: BuildContext) -> None:
    meshes = {
        c.name: ctx.ensure(
            "meshes", f"character:{c.name}/mesh", f"{c.name} Stand-in", lambda n, c=c: stand_in_mesh(c, n)
        )
        for c in production.characters
    }
    for scene in production.scenes:
        collection = department_collection(ctx, scene.id, "Cast")
        for name, spot in place_cast(production, scene).items():
            mesh = meshes[name]
            obj = ctx.ensure_object(
                f"scene:{scene.id}/character:{name}", f"{scene.id} {name}", mesh, collection
            )
            ctx.assign_all(
                obj, {"location": (spot.x, spot.y, 0.0), "rotation_euler": (0.0, 0.0, spot.facing)}
            )
