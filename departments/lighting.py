"""Lighting department: key, fill and rim per scene, placed around the scene's first character.

Placeholder level (issue 3): area lights at the setup's key angle, fill power from the key/fill ratio at equal
distance, rim from `rim_stops`. Photometric ratios, gels in Kelvin, practicals and the sun come with the
lighting issue.
"""

from __future__ import annotations

import math

import bpy
from mathutils import Vector

from ..production.model import Production
from .context import BuildContext
from .placement import aim, place_cast
from .stage import department_collection

NAME = "lighting"
KEY_POWER_W = 400.0
LIGHT_DISTANCE_M = 3.0


def build(production: Production, ctx: BuildContext) -> None:
    for scene in production.scenes:
        spots = place_cast(production, scene)
        centre = next(iter(spots.values()), None)
        x, y = (centre.x, centre.y) if centre else (0.0, 0.0)
        z = (centre.height * 0.9) if centre else 1.6
        setup = scene.lighting
        side = 1 if setup.key_side == "left" else -1
        roles = {
            "key": (math.radians(setup.key_angle) * side, KEY_POWER_W),
            "fill": (-math.radians(setup.key_angle) * side, KEY_POWER_W / setup.key_fill_ratio),
            "rim": (math.pi - math.radians(30) * side, KEY_POWER_W * 2**setup.rim_stops),
        }
        collection = department_collection(ctx, scene.id, "Lights")
        for role, (angle, power) in roles.items():
            key = f"scene:{scene.id}/light:{role}"
            data = ctx.ensure(
                "lights", key, f"{scene.id} {role.title()}", lambda n: bpy.data.lights.new(n, "AREA")
            )
            ctx.assign_all(data, {"energy": power, "size": 1.0})
            obj = ctx.ensure_object(key, f"{scene.id} {role.title()}", data, collection)
            # the camera side is -Y; angle 0 is on the camera axis
            position = Vector(
                (x + LIGHT_DISTANCE_M * math.sin(angle), y - LIGHT_DISTANCE_M * math.cos(angle), z + 1)
            )
            ctx.assign_all(
                obj, {"location": tuple(position), "rotation_euler": tuple(aim(position, (x, y, z)))}
            )
