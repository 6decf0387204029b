"""The "Backlot" tab in the 3D viewport's sidebar."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import bpy

from ..departments import DEPARTMENT_NAMES
from ..departments.camera import shot_cameras
from ..runtime.built import built_scene, staging_notes
from ..runtime.properties import active_scene, production_state
from . import continuity, render, script
from .base import BacklotPanel

if TYPE_CHECKING:
    from bpy.stub_internal.rna_enums import IconItems

SEVERITY_ICONS: dict[str, IconItems] = {"error": "ERROR", "warning": "ERROR", "info": "INFO"}
STAGING_ICONS: dict[str, IconItems] = {"warning": "ERROR", "cheat": "MODIFIER"}


def shot_staging(shot: Any) -> list[tuple[str, str, str]]:
    """(camera, kind, text) of the staging notes on a built shot's cameras, warnings first: a shot that still
    falls short matters more than a cheat that worked."""
    scene = built_scene(shot.scene_id)
    if scene is None:
        return []
    notes = [
        (name, kind, text)
        for name, camera in shot_cameras(scene, shot.shot_id)
        for kind, text in staging_notes(camera)
    ]
    return sorted(notes, key=lambda note: note[1] != "warning")


class _RowList(bpy.types.UIList):
    """A list drawn one row per item; subclasses fill the row."""

    def draw_item(
        self,
        context: bpy.types.Context,
        layout: bpy.types.UILayout,
        data: Any,
        item: Any,
        icon: int | None,
        active_data: Any,
        active_property: str | None,
        index: int | None = 0,
        flt_flag: int | None = 0,
    ) -> None:
        self.draw_row(layout.row(align=True), item)

    def draw_row(self, row: bpy.types.UILayout, item: Any) -> None:
        raise NotImplementedError


class BACKLOT_UL_issues(_RowList):
    bl_idname = "BACKLOT_UL_issues"

    def draw_row(self, row: bpy.types.UILayout, item: Any) -> None:
        row.label(
            text=f"{item.path}: {item.message}" if item.path else item.message,
            icon=SEVERITY_ICONS.get(item.severity, "DOT"),
        )


class BACKLOT_UL_shots(_RowList):
    bl_idname = "BACKLOT_UL_shots"

    def draw_row(self, row: bpy.types.UILayout, item: Any) -> None:
        row.label(text=item.shot_id, icon="CAMERA_DATA")
        row.label(text=f"{item.size}  {item.frame_start}-{item.frame_end}")
        row.label(text=item.status)
        notes = shot_staging(item)
        if notes:
            _, kind, text = notes[0]
            more = f" (+{len(notes) - 1} more)" if len(notes) > 1 else ""
            row.label(text=text + more, icon=STAGING_ICONS.get(kind, "INFO"))
        else:
            row.label(text="")  # the same columns on every row


class BACKLOT_PT_production(BacklotPanel):
    bl_idname = "BACKLOT_PT_production"
    bl_label = "Production"

    def draw(self, context: bpy.types.Context) -> None:
        layout = self.layout
        state = production_state(active_scene(context))
        layout.prop(state, "spec_path")
        row = layout.row(align=True)
        row.operator("backlot.validate_spec", icon="CHECKMARK")
        row.operator("backlot.open_spec", text="", icon="TEXT")
        if not state.spec_path:
            layout.label(text="Pick a production .yaml to start", icon="INFO")
            return
        if state.validated:
            layout.label(text=state.summary, icon="CHECKMARK" if state.valid else "ERROR")
        if len(state.issues):
            layout.template_list("BACKLOT_UL_issues", "", state, "issues", state, "active_issue", rows=4)
            if 0 <= state.active_issue < len(state.issues):
                issue = state.issues[state.active_issue]
                box = layout.box()
                if issue.where:
                    box.label(text=issue.where, icon="FILE_TEXT")
                if issue.suggestion:
                    box.label(text=f"Fix: {issue.suggestion}", icon="LIGHT")
        build = layout.column()
        build.enabled = not state.validated or state.valid
        build.scale_y = 1.4
        build.operator("backlot.build_production", icon="SCENE_DATA").department = "ALL"
        layout.prop(state, "reset_to_spec")
        if state.build_summary:
            layout.label(text=state.build_summary, icon="INFO")
        layout.operator("backlot.reveal_outputs", icon="FILE_FOLDER")


class BACKLOT_PT_shots(BacklotPanel):
    bl_idname = "BACKLOT_PT_shots"
    bl_label = "Shots"
    bl_parent_id = "BACKLOT_PT_production"

    def draw(self, context: bpy.types.Context) -> None:
        layout = self.layout
        state = production_state(active_scene(context))
        if not len(state.shots):
            layout.label(text="Validate a spec to list its shots")
            return
        layout.template_list("BACKLOT_UL_shots", "", state, "shots", state, "active_shot", rows=6)
        if not 0 <= state.active_shot < len(state.shots):
            return
        shot = state.shots[state.active_shot]
        layout.operator("backlot.select_shot", icon="VIEW_CAMERA").shot_id = shot.shot_id
        notes = shot_staging(shot)
        if notes:
            box = layout.box()
            for camera, kind, text in notes:
                box.label(text=f"Camera {camera}: {kind}: {text}", icon=STAGING_ICONS.get(kind, "INFO"))


class BACKLOT_PT_departments(BacklotPanel):
    bl_idname = "BACKLOT_PT_departments"
    bl_label = "Departments"
    bl_parent_id = "BACKLOT_PT_production"
    bl_options = {"DEFAULT_CLOSED"}

    def draw(self, context: bpy.types.Context) -> None:
        layout = self.layout
        state = production_state(active_scene(context))
        column = layout.column(align=True)
        column.enabled = state.valid
        for name in DEPARTMENT_NAMES:
            column.operator(
                "backlot.build_department", text=f"Rebuild {name.title()}", icon="FILE_REFRESH"
            ).department = name


CLASSES = (
    BACKLOT_UL_issues,
    BACKLOT_UL_shots,
    BACKLOT_PT_production,
    BACKLOT_PT_shots,
    BACKLOT_PT_departments,
    *continuity.CLASSES,
    *render.CLASSES,
    *script.CLASSES,
)


# the stub declares register_classes_factory as returning None
register, unregister = bpy.utils.register_classes_factory(CLASSES)  # type: ignore[func-returns-value,misc]
