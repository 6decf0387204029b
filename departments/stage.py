"""The stage: one Blender scene per story scene, a collection per department, shot markers bound to cameras.

Runs before and after the departments: `prepare` makes the scenes they build into, `bind_shots` puts a marker
at each shot's first frame bound to that shot's camera, so the scene plays as its cut.
"""

from __future__ import annotations

import json
from collections import defaultdict

import bpy

from ..production.model import Production, Scene
from ..production.plan import master_resolution
from ..runtime import compat
from ..runtime.built import scene_key
from ..runtime.properties import scene_state
from .context import BuildContext

NAME = "stage"
MARKERS = "backlot_markers"
DEPARTMENT_COLLECTIONS = ("Set", "Cast", "Lights", "Cameras")


def scene_name(scene: Scene) -> str:
    return f"{scene.id} {scene.heading}".strip() if scene.heading else f"{scene.id} {scene.location}"


def story_scene(ctx: BuildContext, scene_id: str) -> bpy.types.Scene:
    found = ctx.find("scenes", scene_key(scene_id))
    assert found is not None, f"stage.prepare has not created scene {scene_id}"
    return found


def department_collection(ctx: BuildContext, scene_id: str, part: str) -> bpy.types.Collection:
    """`part` is one of DEPARTMENT_COLLECTIONS; departments put everything they make in theirs."""
    scene = story_scene(ctx, scene_id)
    name = f"{scene_id} {part}"
    return ctx.ensure_collection(f"scene:{scene_id}/{part}", name, scene.collection)


def prepare(production: Production, ctx: BuildContext) -> None:
    width, height = master_resolution(production)
    for scene in production.scenes:
        blender_scene = ctx.ensure("scenes", scene_key(scene.id), scene_name(scene), bpy.data.scenes.new)
        state = scene_state(blender_scene)
        state.story_scene = scene.id
        state.production_scene = ctx.root
        start, end = ctx.plan.scene_ranges.get(scene.id, (1, 1))
        fps = production.fps
        ctx.assign_all(
            blender_scene,
            {
                "render.fps": round(fps),  # Blender plays fps / fps_base: exact for 23.976, 12.5, ...
                "render.fps_base": round(fps) / fps,
                "frame_start": start,
                "frame_end": max(start, end),
                "render.resolution_x": width,
                "render.resolution_y": height,
                # While the scenes are still empty: changing the engine of a full scene cost ~14 ms per scene
                # at 1,000 shots. (Once set, each scene has a dependency graph that every later write tags.)
                "render.engine": compat.engine_id(production.render.engine),
            },
        )
        _view_transform(ctx, blender_scene, production.style.view_transform)
        for part in DEPARTMENT_COLLECTIONS:
            department_collection(ctx, scene.id, part)


def _view_transform(ctx: BuildContext, scene: bpy.types.Scene, name: str) -> None:
    """The style's view transform. Which ones exist depends on Blender's colour management (its version, a
    studio's OCIO config), so one it lacks is a build problem and the scene keeps its own."""
    try:
        ctx.assign(scene, "view_settings.view_transform", name)
    except TypeError as exc:  # Blender lists the ones it has
        known = str(exc).partition(" not found in ")[2] or "those under Render Properties > Color Management"
        problem = f"style.view_transform {name!r} is not a view transform of this Blender; use one of {known}"
        if problem not in ctx.report.problems:
            ctx.report.problems.append(problem)


def bind_shots(production: Production, ctx: BuildContext) -> None:
    """A marker per shot at its first frame, bound to its camera; the scene camera is the first shot's."""
    shot_plans_by_scene = defaultdict(list)
    for shot_plan in ctx.plan.shots:
        shot_plans_by_scene[shot_plan.scene_id].append(shot_plan)
    for scene in production.scenes:
        blender_scene = story_scene(ctx, scene.id)
        previous = set(json.loads(blender_scene.get(MARKERS, "[]")))
        markers = {marker.name: marker for marker in blender_scene.timeline_markers}  # .get() scans
        names = []
        for shot_plan in shot_plans_by_scene[scene.id]:
            camera = ctx.find("objects", f"shot:{shot_plan.shot_id}/camera")
            marker = markers.get(shot_plan.shot_id)
            if marker is None:
                marker = blender_scene.timeline_markers.new(shot_plan.shot_id, frame=shot_plan.frame_start)
            elif marker.frame != shot_plan.frame_start:
                marker.frame = shot_plan.frame_start
            marker.camera = camera
            names.append(shot_plan.shot_id)
            if blender_scene.camera is None and camera is not None:
                blender_scene.camera = camera
        for stale in previous - set(names):
            marker = markers.get(stale)
            if marker is not None:
                blender_scene.timeline_markers.remove(marker)
                ctx.report.removed.append(f"marker: {scene.id}/{stale}")
        blender_scene[MARKERS] = json.dumps(names)
