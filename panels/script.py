"""The "Script" panel of the Backlot tab: model server, brief, script actions and the live status line."""

from __future__ import annotations

import bpy

from ..operators.script import active_run
from ..runtime.properties import active_scene, production_state
from .base import BacklotPanel


class BACKLOT_PT_script(BacklotPanel):
    bl_idname = "BACKLOT_PT_script"
    bl_label = "Script"
    bl_options = {"DEFAULT_CLOSED"}

    def draw(self, context: bpy.types.Context) -> None:
        layout = self.layout
        state = production_state(active_scene(context)).script
        busy = active_run() is not None

        server = layout.box()
        server.prop(state, "server_url")
        row = server.row(align=True)
        row.prop(state, "api", text="")
        row.prop(state, "model", text="")
        row.operator("backlot.script_check_server", text="", icon="FILE_REFRESH")
        if state.server_status:
            online = state.server_status.startswith("Online")
            server.label(text=state.server_status, icon="CHECKMARK" if online else "ERROR")

        brief = layout.box()
        brief.label(text="Brief", icon="TEXT")
        for name in ("title", "logline", "runtime_minutes", "audience", "key_messages", "tone"):
            brief.prop(state, name)
        if state.questions:
            brief.label(text=state.questions, icon="QUESTION")
        draft = brief.row()
        draft.enabled = not busy
        draft.operator("backlot.script_draft", icon="GREASEPENCIL")

        script = layout.box()
        script.prop(state, "script_text")
        script.prop(state, "scene_index")
        script.prop(state, "instruction")
        actions = script.column(align=True)
        actions.enabled = not busy and state.script_text is not None
        actions.operator("backlot.script_revise", icon="GREASEPENCIL")
        actions.operator("backlot.script_shots", icon="CAMERA_DATA")
        actions.operator("backlot.script_to_production", icon="SCENE_DATA")
        if state.runtime_label:
            script.label(text=f"Runtime: {state.runtime_label}", icon="TIME")

        if busy:
            row = layout.row()
            row.label(text=state.status or "Waiting for the model...", icon="SORTTIME")
            row.operator("backlot.script_cancel", icon="CANCEL")
        elif state.status:
            layout.label(text=state.status, icon="INFO")


CLASSES = (BACKLOT_PT_script,)
