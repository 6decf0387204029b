"""The Render sub-panel: progress and ETA from the running loop, what the checkpoint holds, Render/Resume."""

from __future__ import annotations

import bpy

from ..operators.render import checkpoint_summary
from ..runtime.properties import active_scene, production_state
from .base import BacklotPanel


class BACKLOT_PT_render(BacklotPanel):
    bl_idname = "BACKLOT_PT_render"
    bl_label = "Render"
    bl_parent_id = "BACKLOT_PT_production"

    def draw(self, context: bpy.types.Context) -> None:
        layout = self.layout
        state = production_state(active_scene(context))
        files, renders = checkpoint_summary(state)
        if state.render_status:
            layout.progress(factor=state.render_progress / 100, type="BAR", text=state.render_status)
        if files:
            layout.label(text=f"Checkpoint: {files} frame file(s) from {renders} render(s)", icon="CHECKMARK")
        column = layout.column()
        column.enabled = state.valid
        column.scale_y = 1.4
        column.operator(
            "backlot.render_production", text="Resume Render" if files else "Render", icon="RENDER_ANIMATION"
        )
        row = layout.row()
        row.enabled = state.valid and files > 0
        row.operator("backlot.render_production", text="Render All Again", icon="FILE_REFRESH").restart = True
        layout.label(text="Esc stops between frames; Render resumes", icon="INFO")


CLASSES = (BACKLOT_PT_render,)
