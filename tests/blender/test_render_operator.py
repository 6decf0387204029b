"""backlot.render_production in Blender: execute() renders everything; modal() driven by synthetic TIMER and
ESC events (no GUI exists here) advances frame by frame, stops cleanly on Esc, and the next render resumes."""

from __future__ import annotations

import json
import shutil
import types
from collections import Counter
from pathlib import Path
from typing import Any

import bpy
from backlot.operators.render import BACKLOT_OT_render_production
from backlot.production.render.checkpoint import Checkpoint
from render_kit import TINY, expected_files, files_on_disk, shot_frames
from test_panels import draw_all

TIMER = types.SimpleNamespace(type="TIMER", value="NOTHING")
ESC = types.SimpleNamespace(type="ESC", value="PRESS")
MOUSE = types.SimpleNamespace(type="MOUSEMOVE", value="NOTHING")
OPS: Any = bpy.ops  # `bpy.ops.backlot` is registered at run time: the stubs do not know it
TOTAL_FRAMES = sum(len(f) for f in shot_frames().values())


class ModalHarness:
    """The operator's own methods bound to a stand-in instance: Blender only creates operator instances
    for a running window manager, which headless Blender does not have."""

    restart = False
    shots = ""
    outputs = ""

    def __init__(self) -> None:
        self.reports: list[tuple[set[str], str]] = []
        for name in ("begin", "modal", "finish", "_show", "_cleanup", "_stop"):
            setattr(self, name, types.MethodType(getattr(BACKLOT_OT_render_production, name), self))

    def report(self, level: set[str], message: str) -> None:
        self.reports.append((level, message))


def rendered(root: Path) -> Counter[tuple[str, int]]:
    lines = (root / "production.log").read_text().splitlines()
    return Counter((e["shot"], e["frame"]) for e in map(json.loads, lines) if e["event"] == "rendered")


def tiny_spec(tmp_path: Path) -> Path:
    shutil.copytree(TINY, tmp_path / "tiny")
    spec = tmp_path / "tiny" / "production.yaml"
    bpy.context.scene.backlot.spec_path = str(spec)
    return spec


def test_execute_renders_everything(clean_blender: None, tmp_path: Path) -> None:
    spec = tiny_spec(tmp_path)
    assert OPS.backlot.render_production() == {"FINISHED"}
    assert files_on_disk(spec.parent) == expected_files(spec.parent)
    assert spec.with_suffix(".blend").is_file()  # the checkpoint lives in the saved .blend
    assert "progress:" + bpy.context.scene.backlot.render_status in draw_all()


def test_modal_advances_per_timer_stops_on_esc_and_resumes(clean_blender: None, tmp_path: Path) -> None:
    spec = tiny_spec(tmp_path)
    op: Any = ModalHarness()
    assert op.begin(bpy.context) == ""
    state = bpy.context.scene.backlot
    assert op.modal(bpy.context, TIMER) == {"RUNNING_MODAL"}  # prepare
    progress = []
    for _ in range(3):
        assert op.modal(bpy.context, MOUSE) == {"PASS_THROUGH"}  # the UI keeps its events
        assert op.modal(bpy.context, TIMER) == {"RUNNING_MODAL"}
        progress.append(state.render_progress)
    assert progress == sorted(progress) and progress[0] < progress[-1] < 100
    assert sum(rendered(spec.parent).values()) == 3  # one frame per TIMER event

    assert op.modal(bpy.context, ESC) == {"RUNNING_MODAL"}
    outcome = set()
    for _ in range(5):
        outcome = op.modal(bpy.context, TIMER)
        if outcome != {"RUNNING_MODAL"}:
            break
    assert outcome == {"CANCELLED"}
    assert sum(rendered(spec.parent).values()) == 3  # stopped between frames: nothing after Esc
    checkpoint = Checkpoint.from_json(state.checkpoint)
    assert checkpoint.renders_done == 3
    assert state.render_status == "cancelled"
    assert any("resume" in message for _, message in op.reports)

    assert OPS.backlot.render_production() == {"FINISHED"}  # Render again: resumes
    counts = rendered(spec.parent)
    assert sum(counts.values()) == TOTAL_FRAMES and set(counts.values()) == {1}
    assert files_on_disk(spec.parent) == expected_files(spec.parent)


def test_a_scratch_folder_leading_out_stops_the_operator_with_a_message(
    clean_blender: None, tmp_path: Path
) -> None:
    """A `.backlot` link to a folder outside the production: the operator refuses with the link named and
    writes nothing there (no traceback in the UI)."""
    spec = tiny_spec(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (spec.parent / ".backlot").symlink_to(outside)
    with_reports: list[str] = []
    try:
        result = OPS.backlot.render_production()
    except RuntimeError as error:  # bpy.ops turns an operator's ERROR report into RuntimeError
        with_reports.append(str(error))
        result = {"CANCELLED"}
    assert result == {"CANCELLED"}
    assert with_reports and ".backlot" in with_reports[0] and "Traceback" not in with_reports[0]
    assert list(outside.iterdir()) == []
