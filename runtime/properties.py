"""`scene.backlot`: the one PropertyGroup root, and the add-on preferences.

The scene where a production is loaded holds its state (spec path, issues, shots, build summary, render
checkpoint). Generated story scenes point back to it through `production_scene`, so the panel works in any of
them.
"""

from __future__ import annotations

import bpy
from bpy.props import (
    BoolProperty,
    CollectionProperty,
    IntProperty,
    PointerProperty,
    StringProperty,
)

from .built import built_camera, built_scene
from .script_properties import BACKLOT_PG_script


class BACKLOT_PG_issue(bpy.types.PropertyGroup):
    path: StringProperty(name="Path")  # type: ignore[valid-type]
    severity: StringProperty(name="Severity")  # type: ignore[valid-type]
    message: StringProperty(name="Message")  # type: ignore[valid-type]
    suggestion: StringProperty(name="Fix")  # type: ignore[valid-type]
    where: StringProperty(name="Where")  # type: ignore[valid-type]


class BACKLOT_PG_shot(bpy.types.PropertyGroup):
    shot_id: StringProperty(name="Shot")  # type: ignore[valid-type]
    scene_id: StringProperty(name="Scene")  # type: ignore[valid-type]
    frame_start: IntProperty(name="Start")  # type: ignore[valid-type]
    frame_end: IntProperty(name="End")  # type: ignore[valid-type]
    size: StringProperty(name="Size")  # type: ignore[valid-type]
    status: StringProperty(name="Status", default="not built")  # type: ignore[valid-type]


class BACKLOT_PG_scene(bpy.types.PropertyGroup):
    spec_path: StringProperty(  # type: ignore[valid-type]
        name="Spec",
        subtype="FILE_PATH",
        description="Production .yaml file or production folder",
    )
    validated: BoolProperty(name="Validated")  # type: ignore[valid-type]
    valid: BoolProperty(name="Valid")  # type: ignore[valid-type]
    issues: CollectionProperty(type=BACKLOT_PG_issue)  # type: ignore[valid-type]
    active_issue: IntProperty(name="Issue")  # type: ignore[valid-type]
    summary: StringProperty(name="Summary")  # type: ignore[valid-type]
    shots: CollectionProperty(type=BACKLOT_PG_shot)  # type: ignore[valid-type]
    active_shot: IntProperty(name="Shot", update=lambda self, ctx: _preview_active_shot(self, ctx))  # type: ignore[valid-type]
    build_summary: StringProperty(name="Last build")  # type: ignore[valid-type]
    build_report: StringProperty(name="Build report (JSON)")  # type: ignore[valid-type]
    reset_to_spec: BoolProperty(  # type: ignore[valid-type]
        name="Reset to spec", description="Overwrite hand tweaks with the spec's values on the next build"
    )
    story_scene: StringProperty(name="Story scene", description="Scene id from the spec")  # type: ignore[valid-type]
    production_scene: PointerProperty(  # type: ignore[valid-type]
        type=bpy.types.Scene, name="Production", description="The scene holding this production's state"
    )
    built_spec_hash: StringProperty(name="Spec built", description="Hash of the spec last built")  # type: ignore[valid-type]
    checkpoint: StringProperty(name="Render checkpoint (JSON)")  # type: ignore[valid-type]
    farm_jobs: StringProperty(name="Farm jobs (JSON)")  # type: ignore[valid-type]
    continuity: StringProperty(name="Continuity report (JSON)")  # type: ignore[valid-type]
    render_progress: IntProperty(name="Progress", subtype="PERCENTAGE", min=0, max=100)  # type: ignore[valid-type]
    render_status: StringProperty(name="Render status")  # type: ignore[valid-type]
    script: PointerProperty(type=BACKLOT_PG_script, name="Script helper")  # type: ignore[valid-type]


def _preview_active_shot(state: BACKLOT_PG_scene, context: bpy.types.Context) -> None:
    """Selecting a shot in the list previews it (same as the Select Shot operator)."""
    if 0 <= state.active_shot < len(state.shots) and context.window_manager is not None:
        preview_shot(context, state.shots[state.active_shot].shot_id)


def preview_shot(context: bpy.types.Context, shot_id: str) -> bool:
    """Switch to the shot's scene, bind its camera and preview its frame range. False if not built."""
    state = production_state(active_scene(context))
    item = next((s for s in state.shots if s.shot_id == shot_id), None)
    if item is None:
        return False
    scene = built_scene(item.scene_id)
    camera = built_camera(shot_id)
    if scene is None or camera is None:
        return False
    if context.window is not None and context.window.scene != scene:
        context.window.scene = scene
    scene.camera = camera
    scene.use_preview_range = True
    scene.frame_preview_start, scene.frame_preview_end = item.frame_start, item.frame_end
    scene.frame_set(item.frame_start)
    return True


def active_scene(context: bpy.types.Context) -> bpy.types.Scene:
    """The context's scene: the stubs mark it Optional, but a window and headless Blender always have one."""
    scene = context.scene
    assert scene is not None, "no scene in this context"
    return scene


def scene_state(scene: bpy.types.Scene) -> BACKLOT_PG_scene:
    """This scene's own `scene.backlot`, typed: the stubs cannot know a property registered at run time."""
    state: BACKLOT_PG_scene = scene.backlot  # type: ignore[attr-defined]
    return state


def production_state(scene: bpy.types.Scene) -> BACKLOT_PG_scene:
    """The state of the production this scene belongs to (itself when it is the production scene)."""
    state = scene_state(scene)
    if state.production_scene is not None and state.production_scene != scene:
        return scene_state(state.production_scene)
    return state


class BacklotPreferences(bpy.types.AddonPreferences):
    bl_idname = __package__ or "backlot"

    preset_folders: StringProperty(  # type: ignore[valid-type]
        name="User preset folders", description="Folders with presets/<kind>/<name>.yaml, separated by ';'"
    )
    llm_url: StringProperty(name="LLM server", default="http://localhost:11434")  # type: ignore[valid-type]
    llm_model: StringProperty(name="Model", default="llama3.2")  # type: ignore[valid-type]
    output_root: StringProperty(name="Default output root", subtype="DIR_PATH")  # type: ignore[valid-type]

    def draw(self, context: bpy.types.Context) -> None:
        layout = self.layout
        layout.prop(self, "preset_folders")
        layout.prop(self, "output_root")
        layout.prop(self, "llm_url")
        layout.prop(self, "llm_model")


def preferences(context: bpy.types.Context) -> BacklotPreferences | None:
    addon = context.preferences.addons.get(BacklotPreferences.bl_idname)
    return addon.preferences if addon else None


def preset_folders(context: bpy.types.Context) -> list[str]:
    prefs = preferences(context)
    if prefs is None or not prefs.preset_folders.strip():
        return []
    return [part.strip() for part in prefs.preset_folders.split(";") if part.strip()]


CLASSES = (BACKLOT_PG_issue, BACKLOT_PG_shot, BACKLOT_PG_script, BACKLOT_PG_scene, BacklotPreferences)


def register() -> None:
    for cls in CLASSES:
        bpy.utils.register_class(cls)
    # the stubs know neither a property registered at run time nor that bpy.props functions return a value
    bpy.types.Scene.backlot = PointerProperty(type=BACKLOT_PG_scene)  # type: ignore[attr-defined,func-returns-value]


def unregister() -> None:
    del bpy.types.Scene.backlot  # type: ignore[attr-defined]
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
