"""Lighting department: each scene's lighting setup as real lamps, and its world (sky, sun, moon, fog).

The setup's rig (presets/light_rigs/<setup>.yaml) is placed round the scene's subject relative to the camera
axis of the scene's first shot, so every shot of the scene keeps the same motivation. Levels are ratios in
stops at the subject (production/light/rig.py with production/light/photometry.py): key/fill N:1 puts key / N
of illuminance on the subject from the fill, whatever the lamps' types, sizes and distances. Colours are
blackbody Kelvin through the named gels, white-balanced to the style's `white_balance`. A shot that overrides
the scene's lighting gets its lamp levels keyed (constant) over its frame range.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import bpy
from mathutils import Vector

from ..production.light.colour_temperature import Gel, white_balance
from ..production.light.rig import LampPlan, plan_rig, rig_from_preset
from ..production.model import Lighting, Production, Scene
from ..production.staging.blocking import Placement, place_cast
from ..runtime import compat
from .context import BuildContext
from .locations import aim, set_size
from .stage import department_collection
from .world import build_world

NAME = "lighting"
EYE_HEIGHT = 0.93
"""Eyes sit at about 0.93 of standing height; used until the characters department adds an eye empty."""
WALL_MARGIN = 0.25


def _subject(
    production: Production, ctx: BuildContext, scene: Scene
) -> tuple[tuple[float, float, float], float]:
    """(eye point of the scene's principal subject, camera heading of its first shot) in radians."""
    spots = place_cast(production, scene)
    shots = production.shots_in(scene.id)
    first = shots[0] if shots else None
    name = next((n for n in ((first.subject,) if first else ()) if n in spots), next(iter(spots), None))
    spot = spots.get(name) if name else None
    if spot is None:
        spot = Placement(0.0, 0.0, 0.0, 1.75)
    heading = spot.facing + (math.radians(first.camera.angle) if first else 0.0)
    eye = ctx.find("objects", f"scene:{scene.id}/character:{name}/eye") if name else None
    if eye is not None and eye.parent is not None:
        point = eye.parent.matrix_basis @ eye.matrix_parent_inverse @ eye.matrix_basis.translation
        return (point.x, point.y, point.z), heading
    return (spot.x, spot.y, EYE_HEIGHT * spot.height), heading


def _gels(lighting: Lighting, ctx: BuildContext) -> dict[str, list[Gel]]:
    """Gel presets by role; an unreadable one is reported and skipped rather than stopping the build."""
    gels: dict[str, list[Gel]] = {}
    for role, name in lighting.gels.items():
        data = ctx.presets.get("gels", name)
        try:
            gels[role] = [Gel.from_preset(name, data or {})] if data is not None else []
        except ValueError as exc:
            ctx.report.problems.append(str(exc))
            continue
        if data is None:
            ctx.report.problems.append(
                f"gel {name!r} for the {role}: no presets/gels/{name}.yaml; left ungelled"
            )
    return gels


def plan_scene(production: Production, ctx: BuildContext, scene: Scene, lighting: Lighting) -> list[LampPlan]:
    """The lamps of `lighting` for this scene, kept inside an interior's walls and under its ceiling."""
    rig_data = ctx.presets.get("light_rigs", lighting.setup)
    if rig_data is None:
        ctx.report.problems.append(f"no light rig for setup {lighting.setup!r}: using three_point")
        rig_data = ctx.presets.get("light_rigs", "three_point") or {}
    try:
        rig = rig_from_preset(lighting.setup, rig_data)
    except ValueError as exc:
        raise ctx.broken_preset("light_rigs", lighting.setup, str(exc)) from None
    subject, heading = _subject(production, ctx, scene)
    location = production.location(scene.location)
    bounds = None
    if location.interior:
        width, depth, height = set_size(location)
        margin = WALL_MARGIN
        bounds = (
            (-width / 2 + margin, -math.inf, margin),  # no wall on the camera side
            (width / 2 - margin, depth / 2 - margin, height - margin),
        )
    balance = white_balance(production.style.white_balance)
    return plan_rig(rig, lighting, subject, heading, _gels(lighting, ctx), balance, bounds)


def _lamp(
    ctx: BuildContext, scene: Scene, plan: LampPlan, collection: bpy.types.Collection
) -> bpy.types.Object:
    key = f"scene:{scene.id}/light:{plan.role}"
    label = f"{scene.id} {plan.role.title()}"
    data = ctx.ensure("lights", key, label, lambda n: bpy.data.lights.new(n, plan.light_type))
    ctx.assign_all(data, {"type": plan.light_type, "energy": plan.power, "color": plan.colour})
    data = bpy.data.lights[data.name]  # its Python type follows `type`
    if plan.light_type == "AREA":
        shape_values: dict[str, Any] = {"shape": plan.shape, "size": plan.size}
        if plan.size_y is not None:
            shape_values["size_y"] = plan.size_y
        ctx.assign_all(data, shape_values)
    else:
        ctx.assign(data, "shadow_soft_size", plan.size / 2)
    if plan.light_type == "SPOT":
        ctx.assign_all(data, {"spot_size": math.radians(50.0), "spot_blend": 0.3})
    obj = ctx.ensure_object(key, label, data, collection)
    position = Vector(plan.position)
    ctx.assign_all(obj, {"location": plan.position, "rotation_euler": aim(position, plan.target)})
    return obj


def _key_shot_levels(
    ctx: BuildContext,
    scene: Scene,
    lamps: Mapping[str, bpy.types.Object],
    levels: list[tuple[int, dict[str, float]]],
) -> None:
    """Constant keys on lamp power at each shot's first frame, where a shot overrides the lighting."""
    for role, lamp in lamps.items():
        action = ctx.ensure(
            "actions",
            f"scene:{scene.id}/light:{role}/shots",
            f"{scene.id} {role} per shot",
            bpy.data.actions.new,
        )
        anim = lamp.data.animation_data_create()
        anim.action = action
        for curve in list(compat.fcurves(lamp.data)):
            curve.keyframe_points.clear()
        for frame, powers in levels:
            lamp.data.energy = powers[role]
            lamp.data.keyframe_insert("energy", frame=frame)
        for curve in compat.fcurves(lamp.data):
            for point in curve.keyframe_points:
                point.interpolation = "CONSTANT"


def build(production: Production, ctx: BuildContext) -> None:
    for scene in production.scenes:
        collection = department_collection(ctx, scene.id, "Lights")
        lamps = {
            plan.role: _lamp(ctx, scene, plan, collection)
            for plan in plan_scene(production, ctx, scene, scene.lighting)
        }
        shots = production.shots_in(scene.id)
        if any(shot.lighting is not None for shot in shots):
            frames = {p.shot_id: p.frame_start for p in ctx.plan.shots if p.scene_id == scene.id}
            levels = []
            for shot in shots:
                plans = plan_scene(production, ctx, scene, shot.lighting or scene.lighting)
                powers = {p.role: p.power for p in plans}
                levels.append((frames.get(shot.id, 1), {role: powers.get(role, 0.0) for role in lamps}))
            _key_shot_levels(ctx, scene, lamps, levels)
        day_to_night = scene.lighting.day_to_night
        build_world(ctx, production, scene, day_to_night)
