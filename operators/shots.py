"""Select a shot: show its story scene through its camera over its frame range
(`runtime.properties.preview_shot`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import bpy
from bpy.props import StringProperty

from ..runtime.properties import preview_shot

if TYPE_CHECKING:
    from bpy.stub_internal.rna_enums import OperatorReturnItems


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
