"""Panels draw without error for empty, invalid and valid specs.

Drawing needs a GUI, so the layout is a recorder; everything it is asked to show is checked against the real
RNA of the data (every `prop(data, name)` must name a real property, every operator must exist and every
operator property set must be real).
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import bpy
import pytest
from backlot import panels
from backlot.runtime.properties import active_scene, scene_state
from build_kit import build_with_operator

# `bpy.ops.backlot` is registered at run time: the stubs do not know it (the attr-defined ignores below).


def _enum_items(function: str, parameter: str) -> Any:
    """The values a UILayout function accepts for `parameter` (the stub types `bl_rna` as BlenderRNA)."""
    rna = cast(bpy.types.Struct, bpy.types.UILayout.bl_rna)
    return cast(bpy.types.EnumProperty, rna.functions[function].parameters[parameter]).enum_items


class RecordingLayout:
    def __init__(self, log: list[str]):
        self.log = log
        self.enabled = True
        self.scale_y = 1.0
        self.active = True

    def _child(self, *args: Any, **kwargs: Any) -> RecordingLayout:
        return RecordingLayout(self.log)

    row = column = box = split = _child

    def label(self, text: str = "", icon: str = "NONE", **kwargs: Any) -> None:
        if icon != "NONE":
            assert icon in _enum_items("label", "icon"), icon
        self.log.append(f"label:{text}")
        if icon != "NONE":
            self.log.append(f"icon:{icon}:{text}")

    def separator(self, **kwargs: Any) -> None:
        pass

    def progress(self, factor: float = 0.0, type: str = "BAR", text: str = "") -> None:
        assert 0.0 <= factor <= 1.0, factor
        assert type in _enum_items("progress", "type"), type
        self.log.append(f"progress:{text}")

    def prop(self, data: Any, name: str, **kwargs: Any) -> None:
        assert name in data.bl_rna.properties, f"{type(data).__name__} has no property {name!r}"
        self.log.append(f"prop:{name}")

    def operator(self, idname: str, **kwargs: Any) -> Any:
        module, name = idname.split(".")
        op = getattr(getattr(bpy.ops, module), name)
        properties = op.get_rna_type().properties
        self.log.append(f"operator:{idname}")

        class OperatorProperties:
            def __setattr__(self, key: str, value: Any) -> None:
                assert key in properties, f"{idname} has no property {key!r}"

        return OperatorProperties()

    def template_list(
        self,
        list_type: str,
        list_id: str,
        data: Any,
        prop: str,
        active_data: Any,
        active_prop: str,
        **kwargs: Any,
    ) -> None:
        assert hasattr(bpy.types, list_type), f"UIList {list_type} is not registered"
        assert prop in data.bl_rna.properties and active_prop in active_data.bl_rna.properties
        self.log.append(f"list:{prop}")


def draw_all() -> list[str]:
    log: list[str] = []
    for panel in panels.CLASSES:
        if issubclass(panel, bpy.types.Panel):
            panel.draw(SimpleNamespace(layout=RecordingLayout(log)), bpy.context)  # type: ignore[arg-type]
    return log


def draw_list_rows(state: Any) -> list[str]:
    """Every issue and shot row as the UILists draw it (the row drawing does not use the list itself)."""
    log: list[str] = []
    for item in state.issues:
        panels.BACKLOT_UL_issues.draw_row(None, RecordingLayout(log), item)  # type: ignore[arg-type]
    for item in state.shots:
        panels.BACKLOT_UL_shots.draw_row(None, RecordingLayout(log), item)  # type: ignore[arg-type]
    return log


def test_empty_spec(clean_blender: None) -> None:
    log = draw_all()
    assert "prop:spec_path" in log
    assert "label:Pick a production .yaml to start" in log


def test_invalid_spec_lists_issues(clean_blender: None, tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("production:\n  title: X\n  shots: [{scene: 1}]\n")
    bpy.context.scene.backlot.spec_path = str(spec)
    bpy.ops.backlot.validate_spec()  # type: ignore[attr-defined]
    log = draw_all()
    assert "list:issues" in log
    rows = draw_list_rows(scene_state(active_scene(bpy.context)))
    assert any(line.startswith("label:") and "shots" in line for line in rows), rows
    assert any(line.startswith("label:Fix:") for line in log)


def test_valid_built_spec_lists_shots(clean_blender: None, example_copy: Path) -> None:
    assert build_with_operator(example_copy) == {"FINISHED"}
    log = draw_all()
    assert "list:shots" in log
    assert "label:1A" in draw_list_rows(scene_state(active_scene(bpy.context)))
    assert "operator:backlot.select_shot" in log
    assert "operator:backlot.build_department" in log


def test_select_shot_previews_its_range(clean_blender: None, example_copy: Path) -> None:
    assert build_with_operator(example_copy) == {"FINISHED"}
    state = bpy.context.scene.backlot
    item = next(s for s in state.shots if s.shot_id == "2C")
    assert bpy.ops.backlot.select_shot(shot_id="2C") == {"FINISHED"}  # type: ignore[attr-defined]
    scene = next(s for s in bpy.data.scenes if s.get("backlot_key") == "scene:2")
    assert scene.camera.get("backlot_key") == "shot:2C/camera"
    assert (scene.frame_preview_start, scene.frame_preview_end) == (item.frame_start, item.frame_end)
    with pytest.raises(RuntimeError, match="not built"):
        bpy.ops.backlot.select_shot(shot_id="nope")  # type: ignore[attr-defined]


def test_script_panel_offers_the_helper_and_cancel_only_while_busy(
    clean_blender: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backlot.operators import script as script_ops

    idle = draw_all()
    assert {"prop:logline", "prop:script_text", "operator:backlot.script_draft"} <= set(idle)
    assert "operator:backlot.script_cancel" not in idle
    monkeypatch.setattr(script_ops.session, "active", object())
    assert "operator:backlot.script_cancel" in draw_all()


def test_continuity_panel_shows_screen_time_costumes_and_warnings(
    clean_blender: None, example_copy: Path
) -> None:
    # The costume change after scene 2 becomes a continuity error when scene 3 follows without a time cut.
    text = example_copy.read_text(encoding="utf-8")
    example_copy.write_text(
        text.replace("INT. WAREHOUSE - NIGHT", "INT. WAREHOUSE - CONTINUOUS"), encoding="utf-8"
    )
    bpy.context.scene.backlot.spec_path = str(example_copy)
    bpy.ops.backlot.validate_spec()  # type: ignore[attr-defined]
    log = draw_all()
    # Hand-worked in tests/core/test_continuity.py: the Courier is seen for 25 s in 10 shots of the example.
    assert "label:Courier: 25 s on screen in 10 shot(s)" in log
    assert "label:Scene 3: courier_torn" in log
    assert "label:After scene 2: courier_rain -> courier_torn" in log
    assert any(line.startswith("label:Courier changes costume") and "continuous" in line for line in log)


def test_continuity_panel_is_empty_for_an_invalid_spec(clean_blender: None, tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("production:\n  title: X\n  shots: [{scene: 1}]\n")
    bpy.context.scene.backlot.spec_path = str(spec)
    bpy.ops.backlot.validate_spec()  # type: ignore[attr-defined]
    assert "label:Validate a spec to see its continuity" in draw_all()
