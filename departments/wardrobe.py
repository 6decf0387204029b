"""Wardrobe department: each character wears the costume the spec gives for each scene.

Placeholder level (issue 3): one material per costume (first colour, roughness by fabric and condition),
linked to the character's object in each scene so the right costume shows in every shot. Per-piece slots and
the condition shaders come with the characters and wardrobe issue.
"""

from __future__ import annotations

import bpy

from ..production.model import Costume, Production
from .context import BuildContext

NAME = "wardrobe"
ROUGHNESS = {"vinyl": 0.2, "leather": 0.45, "silk": 0.3, "metal": 0.25, "plastic": 0.35, "rubber": 0.6}
DEFAULT_ROUGHNESS = 0.8


def srgb_to_linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _material(ctx: BuildContext, costume: Costume) -> bpy.types.Material:
    material = ctx.ensure("materials", f"costume:{costume.name}", costume.name, bpy.data.materials.new)
    colour = costume.colors[0] if costume.colors else (0.5, 0.5, 0.5)
    linear = tuple(srgb_to_linear(c) for c in colour)
    ctx.assign(material, "diffuse_color", (*linear, 1.0))
    roughness = 0.3 if costume.condition == "wet" else ROUGHNESS.get(costume.material, DEFAULT_ROUGHNESS)
    ctx.assign(material, "roughness", roughness)
    return material  # type: ignore[no-any-return]


def build(production: Production, ctx: BuildContext) -> None:
    materials = {costume.name: _material(ctx, costume) for costume in production.costumes}
    for scene in production.scenes:
        for name in scene.characters:
            obj = ctx.find("objects", f"scene:{scene.id}/character:{name}")
            costume = production.character(name).costume_for(scene.id)
            if obj is None or costume is None:
                continue
            if not obj.material_slots:
                obj.data.materials.append(None)
            slot = obj.material_slots[0]
            slot.link = "OBJECT"  # the mesh is shared across scenes; the costume is per scene
            slot.material = materials[costume]
