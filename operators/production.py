"""Validate, build, rebuild one department, open the spec, reveal outputs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import bpy
from bpy.props import EnumProperty, StringProperty

from ..departments import DEPARTMENT_NAMES
from ..pipeline.steps import build_into, build_summary, validate_and_plan, validate_into
from ..production.diagnostics import ProductionError
from ..runtime.properties import active_scene, preset_folders, production_state, scene_state

if TYPE_CHECKING:
    from bpy.stub_internal.rna_enums import OperatorReturnItems


def _spec_path(context: bpy.types.Context) -> str:
    return production_state(active_scene(context)).spec_path


def _production_scene(context: bpy.types.Context) -> bpy.types.Scene:
    scene = active_scene(context)
    return scene_state(scene).production_scene or scene


class BACKLOT_OT_validate_spec(bpy.types.Operator):
    """Read the production spec and list every issue"""

    bl_idname = "backlot.validate_spec"
    bl_label = "Validate Spec"
    bl_options = {"REGISTER"}

    def execute(self, context: bpy.types.Context) -> set[OperatorReturnItems]:
        if not _spec_path(context):
            self.report({"ERROR"}, "Choose a production spec (.yaml) first")
            return {"CANCELLED"}
        result = validate_into(_production_scene(context), _spec_path(context), preset_folders(context))
        counts = result.counts()
        self.report(
            {"INFO"} if result.valid else {"WARNING"},
            f"{counts['error']} error(s), {counts['warning']} warning(s)",
        )
        return {"FINISHED"}


class _BuildMixin:
    """Shared by Build Production and Build Department (Blender cannot register an operator subclass)."""

    department: EnumProperty(  # type: ignore[valid-type]
        name="Department",
        items=[("ALL", "All", "Every department")]
        + [(name, name.title(), f"Rebuild only the {name} department") for name in DEPARTMENT_NAMES],
        default="ALL",
    )

    def execute(self, context: bpy.types.Context) -> set[OperatorReturnItems]:
        assert isinstance(self, bpy.types.Operator)
        if not _spec_path(context):
            self.report({"ERROR"}, "Choose a production spec (.yaml) first")
            return {"CANCELLED"}
        scene = _production_scene(context)
        result, plan = validate_and_plan(scene, _spec_path(context), preset_folders(context))
        if not result.valid or plan is None:
            first = next(i for i in result.issues if i.is_error)
            self.report({"ERROR"}, f"The spec has errors; first: {first.path}: {first.message}")
            return {"CANCELLED"}
        only = None if self.department == "ALL" else [self.department]
        state = scene_state(scene)
        try:
            report = build_into(scene, result, plan, only, state.reset_to_spec)
        except ProductionError as error:  # e.g. a broken preset in the user's folder
            self.report({"ERROR"}, f"Build stopped: {error.message}. {error.suggestion}")
            return {"CANCELLED"}
        state.reset_to_spec = False
        # A shot that still falls short is worth the warning colour; cheats are what a crew does anyway.
        self.report({"WARNING"} if report.staging_counts()["warnings"] else {"INFO"}, build_summary(report))
        return {"FINISHED"}


class BACKLOT_OT_build_production(_BuildMixin, bpy.types.Operator):
    """Build every scene, set, character, light and camera of the production (keeps your hand tweaks)"""

    bl_idname = "backlot.build_production"
    bl_label = "Build Production"
    bl_options = {"REGISTER", "UNDO"}


class BACKLOT_OT_build_department(_BuildMixin, bpy.types.Operator):
    """Rebuild one department only (keeps your hand tweaks)"""

    bl_idname = "backlot.build_department"
    bl_label = "Build Department"
    bl_options = {"REGISTER", "UNDO"}


class BACKLOT_OT_open_spec(bpy.types.Operator):
    """Open the production spec in a Text Editor datablock"""

    bl_idname = "backlot.open_spec"
    bl_label = "Open Spec"

    def execute(self, context: bpy.types.Context) -> set[OperatorReturnItems]:
        path = Path(bpy.path.abspath(_spec_path(context)))
        if path.is_dir():
            path = path / "production.yaml"
        if not path.is_file():
            self.report({"ERROR"}, f"No spec file at {path}")
            return {"CANCELLED"}
        text = next((t for t in bpy.data.texts if Path(bpy.path.abspath(t.filepath)) == path), None)
        text = text or bpy.data.texts.load(str(path))
        for area in context.screen.areas if context.screen else []:
            if area.type == "TEXT_EDITOR":
                area.spaces.active.text = text
        self.report({"INFO"}, f"Loaded {path.name} into the Text Editor")
        return {"FINISHED"}


class BACKLOT_OT_reveal_outputs(bpy.types.Operator):
    """Open the production's output folder in the file browser of the system"""

    bl_idname = "backlot.reveal_outputs"
    bl_label = "Reveal Outputs"

    folder: StringProperty(name="Folder", subtype="DIR_PATH")  # type: ignore[valid-type]

    def execute(self, context: bpy.types.Context) -> set[OperatorReturnItems]:
        spec = Path(bpy.path.abspath(_spec_path(context)))
        folder = Path(self.folder) if self.folder else (spec if spec.is_dir() else spec.parent) / "output"
        if not folder.is_dir():
            self.report({"WARNING"}, f"{folder} does not exist yet: render first")
            return {"CANCELLED"}
        bpy.ops.wm.path_open(filepath=str(folder))
        return {"FINISHED"}


CLASSES = (
    BACKLOT_OT_validate_spec,
    BACKLOT_OT_build_production,
    BACKLOT_OT_build_department,
    BACKLOT_OT_open_spec,
    BACKLOT_OT_reveal_outputs,
)
