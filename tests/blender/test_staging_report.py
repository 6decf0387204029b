"""Where the camera department's staging notes (cheats made, warnings left) reach people: `run.py build` (text
and `--json`), Build Production's message and the panel's last-build summary, and the shot list, which reads
them from the cameras so they survive reopening the file. The notes are written here by hand: these tests are
about showing them, not about the staging that makes them."""

from __future__ import annotations

import argparse
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import bpy
import pytest
from backlot import panels
from backlot.cli.console import Console
from backlot.departments.context import BuildReport, StagingNote
from backlot.pipeline import headless, steps
from backlot.runtime.properties import active_scene, scene_state
from build_kit import build_with_operator, keyed
from render_kit import ROOT, TINY
from test_panels import RecordingLayout, draw_all, draw_list_rows

# Out of story order on purpose: the build summary groups them by shot in the order the film plays.
NOTES = [
    StagingNote("2A", "A", "warning", "the wall 'back' hides Ada's head; fix: move the camera or Ada"),
    StagingNote("1A", "A", "cheat", "pulled the wild wall 'left' for this shot"),
    StagingNote("1B", "B", "cheat", "cheated the lens from 85 mm to 50 mm"),
    StagingNote("1A", "A", "cheat", "cheated the angle 20 degrees toward the line"),
]


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    shutil.copytree(TINY, tmp_path / "tiny")
    return tmp_path / "tiny" / "production.yaml"


def _cmd_build(spec: Path, json_mode: bool, monkeypatch: pytest.MonkeyPatch) -> str:
    """`run.py build` in this process, its build replaced by a report carrying NOTES and one other problem."""

    def fake_build(*args: object, **kwargs: object) -> BuildReport:
        return BuildReport(
            created=["objects: Cam"], problems=["no light rig 'noir': using three_point"], staging=NOTES
        )

    monkeypatch.setattr(headless, "build_into", fake_build)
    out = io.StringIO()
    args = argparse.Namespace(spec=str(spec), presets=[], department=[], reset=False, save=None)
    assert headless.cmd_build(args, Console(json_mode, out=out, err=io.StringIO())) == 0
    return out.getvalue()


def test_the_build_summary_counts_cheats_and_warnings_and_lists_them_by_shot(
    clean_blender: None, tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _cmd_build(tiny, False, monkeypatch).splitlines() == [
        "built Tiny Render: 1 created, 0 updated, 0 tweak(s) kept, 0 overridden by the spec, 0 reset, "
        "0 removed, 1 problem(s), 3 cheat(s), 1 staging warning(s)",
        "  problem: no light rig 'noir': using three_point",
        "staging (what the crew cheated, and what still falls short with its fix):",
        "  shot 1A, camera A: cheat: pulled the wild wall 'left' for this shot",
        "  shot 1A, camera A: cheat: cheated the angle 20 degrees toward the line",
        "  shot 1B, camera B: cheat: cheated the lens from 85 mm to 50 mm",
        "  shot 2A, camera A: warning: the wall 'back' hides Ada's head; fix: move the camera or Ada",
    ]


def test_build_json_carries_the_notes_and_their_counts(
    clean_blender: None, tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = json.loads(_cmd_build(tiny, True, monkeypatch))
    assert document["staging"] == {"cheats": 3, "warnings": 1}
    assert document["report"]["problems"] == ["no light rig 'noir': using three_point"]
    assert document["report"]["staging"][0] == {
        "shot": "2A",
        "camera": "A",
        "kind": "warning",
        "text": "the wall 'back' hides Ada's head; fix: move the camera or Ada",
    }
    assert len(document["report"]["staging"]) == 4


def test_a_real_build_with_json_prints_one_document_with_the_staging_counts(tiny: Path) -> None:
    """A subprocess, as a pipeline runs it: Blender's own messages must not reach stdout."""
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "run.py"),
            "build",
            str(tiny),
            "--json",
            "--save",
            str(tiny.parent / "x.blend"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    kinds = [note["kind"] for note in document["report"]["staging"]]
    assert document["staging"] == {"cheats": kinds.count("cheat"), "warnings": kinds.count("warning")}
    assert set(kinds) <= {"cheat", "warning"}


def _build_with_notes(spec: Path, monkeypatch: pytest.MonkeyPatch, notes: list[StagingNote]) -> set[str]:
    """Build Production, the departments' report given `notes` as its staging notes."""
    real = steps.build_production

    def with_notes(*args: Any, **kwargs: Any) -> BuildReport:
        report = real(*args, **kwargs)
        report.staging = notes
        return report

    monkeypatch.setattr(steps, "build_production", with_notes)
    return build_with_operator(spec)


def test_build_production_reports_the_counts_and_points_at_the_shot_list(
    clean_blender: None, tiny: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    assert _build_with_notes(tiny, monkeypatch, NOTES) == {"FINISHED"}
    summary = scene_state(active_scene(bpy.context)).build_summary
    assert "3 cheat(s), 1 staging warning(s)" in summary and "Shots list" in summary
    assert "label:" + summary in draw_all()
    captured = capfd.readouterr()
    assert "Warning: " + summary in captured.out + captured.err  # a shot falls short: the warning colour


def test_only_cheats_is_news_not_a_warning_and_no_notes_say_nothing(
    clean_blender: None, tiny: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    cheats_only = [note for note in NOTES if note.kind == "cheat"]
    assert _build_with_notes(tiny, monkeypatch, cheats_only) == {"FINISHED"}
    summary = scene_state(active_scene(bpy.context)).build_summary
    assert "3 cheat(s)" in summary and "staging warning(s)" not in summary and "Shots list" in summary
    captured = capfd.readouterr()
    assert "Info: " + summary in captured.out + captured.err
    assert _build_with_notes(tiny, monkeypatch, []) == {"FINISHED"}
    summary = scene_state(active_scene(bpy.context)).build_summary
    assert "cheat" not in summary and "Shots list" not in summary


def _store_notes(camera_key: str, notes: Any) -> None:
    """Store notes on a camera as the camera department does (JSON); a string is stored as it is."""
    camera = keyed("objects", camera_key)
    assert camera is not None, f"no camera {camera_key}"
    camera["backlot_staging"] = notes if isinstance(notes, str) else json.dumps(notes)


def _icon_rows(state: Any) -> list[tuple[str, str]]:
    """(icon, text) of every labelled icon the shot list's rows draw."""
    log: list[str] = []
    for item in state.shots:
        panels.BACKLOT_UL_shots.draw_row(None, RecordingLayout(log), item)  # type: ignore[arg-type]
    return [tuple(line.removeprefix("icon:").split(":", 1)) for line in log if line.startswith("icon:")]  # type: ignore[misc]


def test_the_shot_list_shows_each_shots_first_note_warnings_first_after_reopening(
    clean_blender: None, tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _build_with_notes(tiny, monkeypatch, []) == {"FINISHED"}
    for obj in bpy.data.objects:  # whatever the department stored: these tests write their own notes
        obj.pop("backlot_staging", None)
    cheat = {"kind": "cheat", "text": "pulled the wild wall 'left' for this shot"}
    warning = {"kind": "warning", "text": "Ben's head is hidden by the wall 'back'; fix: move Ben"}
    _store_notes("shot:1B/camera", [cheat, warning])
    _store_notes("shot:2A/camera", [cheat])
    blend = tiny.parent / "reopened.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(blend))
    bpy.ops.wm.open_mainfile(filepath=str(blend))
    state = scene_state(active_scene(bpy.context))
    assert _icon_rows(state) == [
        ("CAMERA_DATA", "1A"),
        ("CAMERA_DATA", "1B"),
        ("ERROR", warning["text"] + " (+1 more)"),
        ("CAMERA_DATA", "2A"),
        ("MODIFIER", cheat["text"]),
    ]
    state.active_shot = next(i for i, item in enumerate(state.shots) if item.shot_id == "1B")
    log = draw_all()
    assert f"label:Camera A: warning: {warning['text']}" in log
    assert f"label:Camera A: cheat: {cheat['text']}" in log


def test_a_hand_edited_staging_property_shows_no_notes_and_no_error(
    clean_blender: None, tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _build_with_notes(tiny, monkeypatch, []) == {"FINISHED"}
    for obj in bpy.data.objects:
        obj.pop("backlot_staging", None)
    _store_notes("shot:1A/camera", "not json [")
    _store_notes("shot:1B/camera", [{"kind": "cheat"}, "text"])
    state = scene_state(active_scene(bpy.context))
    rows = draw_list_rows(state)
    assert "label:1A" in rows and "label:1B" in rows
    assert [icon for icon, _ in _icon_rows(state)] == ["CAMERA_DATA"] * 3
