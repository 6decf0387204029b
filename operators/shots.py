"""Select a shot: show its story scene through its camera over its frame range."""

from __future__ import annotations

from typing import TYPE_CHECKING

import bpy
from bpy.props import StringProperty

from ..departments.stage import built_scene
from ..properties import active_scene, production_state

if TYPE_CHECKING:
    from bpy.stub_internal.rna_enums import OperatorReturnItems


def preview_shot(context: bpy.types.Context, shot_id: str) -> bool:
    """Switch to the shot's scene, bind its camera and preview its frame range. False if not built."""
    state = production_state(active_scene(context))
    item = next((s for s in state.shots if s.shot_id == shot_id), None)
    if item is None:
        return False
    scene = built_scene(item.scene_id)
    camera = next((o for o in bpy.data.objects if o.get("backlot_key") == f"shot:{shot_id}/camera"), None)
    if scene is None or camera is None:
        return False
    if context.window is not None and context.window.scene != scene:
        context.window.scene = scene
    scene.camera = camera
    scene.use_preview_range = True
    scene.frame_preview_start, scene.frame_preview_end = item.frame_start, item.frame_end
    scene.frame_set(item.frame_start)
    return True


class BACKLOT_OT_select_shot(bpy.types.Operator):
    """Preview a shot: its scene, its camera and its frame range"""

    bl_idname = "backlot.select_shot"
    bl_label = "Select Shot"
    bl_options = {"REGISTER", "UNDO"}

    shot_id: StringProperty(name="Shot")  # type: ignore[valid-type]

    def execute(self, context: bpy.types.Context) -> set[OperatorReturnItems]:
        if not preview_shot(context, self.shot_id):
            self.report({"ERROR"}, f"Shot {self.shot_id} is not built yet: press Build Production")
            return {"CANCELLED"}
        return {"FINISHED"}


CLASSES = (BACKLOT_OT_select_shot,)
