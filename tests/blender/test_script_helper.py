"""Script helper in real Blender: operators, text streaming into a Text, the timer pump's budget, cancel,
shot proposals and script -> production -> build. The loopback server stands in for the model."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bpy
import pytest
import yaml
from backlot.operators import script as script_ops
from backlot.runtime.properties import active_scene, scene_state
from script_kit import PARKING_LOT_ACTION_WITH_ZIPPO, night_shift

from tests.support.fake_llm_server import FakeLLMServer, Reply

SCRIPT = night_shift(parking_lot_action=PARKING_LOT_ACTION_WITH_ZIPPO)
PUMP_BUDGET_SECONDS = 0.005
OPS: Any = bpy.ops  # `bpy.ops.backlot` is registered at run time: the stubs do not know it


@pytest.fixture
def helper(clean_blender: None, server: FakeLLMServer, tmp_path: Path) -> Iterator[Any]:
    """Scene state pointing at the fake server, drafts going to tmp_path/scripts."""
    state = scene_state(active_scene(bpy.context))
    state.spec_path = str(tmp_path / "production.yaml")
    state.script.server_url, state.script.model = server.url, "llama3.2"
    yield state.script
    script_ops.cancel()


def brief(state: Any) -> None:
    state.title, state.logline, state.audience, state.runtime_minutes = (
        "Night Shift",
        "Maya quits.",
        "adults",
        1,
    )


def test_draft_streams_then_saves_numbered_drafts(helper: Any, server: FakeLLMServer, tmp_path: Path) -> None:
    beats = json.dumps({"beats": [{"name": "Quit", "summary": "Maya quits."}]})
    for _ in range(2):
        server.script(
            "/api/chat", Reply(tokens=(beats,)), Reply(tokens=("INT. DINER - NIGHT\n\n", "MAYA\n", "Bye."))
        )
    brief(helper)
    assert OPS.backlot.script_draft() == {"FINISHED"}
    first = tmp_path / "scripts" / "draft-1.fountain"
    assert first.read_text() == "Title: Night Shift\n\nINT. DINER - NIGHT\n\nMAYA\nBye.\n"
    assert helper.script_text.as_string() == first.read_text()
    assert Path(helper.script_text.filepath) == first
    assert "Saved draft-1.fountain: 1 scene(s)" in helper.status and "target 1:00" in helper.runtime_label
    assert OPS.backlot.script_draft() == {"FINISHED"}
    assert (tmp_path / "scripts" / "draft-2.fountain").is_file() and first.read_text().endswith("Bye.\n")
    assert "Backlot draft (streaming)" not in bpy.data.texts


def test_a_thin_brief_gets_questions_and_no_request(helper: Any, server: FakeLLMServer) -> None:
    helper.title = "X"
    with pytest.raises(RuntimeError, match="needs answers first"):
        OPS.backlot.script_draft()
    assert "logline" in helper.questions
    assert server.count("/api/chat") == 0


def test_a_remote_server_needs_online_access(helper: Any) -> None:
    brief(helper)
    helper.server_url = "http://192.0.2.1:11434"
    assert not bpy.app.online_access
    with pytest.raises(RuntimeError, match="allow online access"):
        OPS.backlot.script_draft()


def start_ui_style(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Make start() behave as in the UI (register the timer, return at once); the test plays the timer."""
    timers: list[Any] = []
    monkeypatch.setattr(script_ops, "headless", lambda: False)
    monkeypatch.setattr(script_ops, "_ensure_timer", lambda: timers.append(script_ops.pump))
    return timers


def test_every_pump_returns_within_5_ms_while_a_slow_server_streams(
    helper: Any, server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens = tuple(f"line {number} of the scene\n" for number in range(150))
    server.script("/api/chat", Reply(tokens=("EXT. ROOF - DAY\n\n", *tokens), token_delay=0.01))
    helper.script_text = bpy.data.texts.new("script")
    helper.script_text.from_string(SCRIPT)
    helper.scene_index, helper.instruction = 2, "move it to the roof"
    timers = start_ui_style(monkeypatch)
    assert OPS.backlot.script_revise() == {"FINISHED"}
    assert timers == [script_ops.pump] and script_ops.active_run() is not None
    durations, deadline = [], time.monotonic() + 30
    while script_ops.active_run() is not None:
        assert time.monotonic() < deadline, "the stream did not finish"
        started = time.perf_counter()
        again = script_ops.pump()
        durations.append(time.perf_counter() - started)
        assert again == script_ops.TIMER_SECONDS or script_ops.active_run() is None
        time.sleep(0.005)
    assert script_ops.pump() is None  # idle: the timer unregisters itself
    assert len(durations) > 100
    print(f"slowest of {len(durations)} pumps: {max(durations) * 1000:.2f} ms")  # the figure, with -rP
    assert max(durations) < PUMP_BUDGET_SECONDS, f"slowest pump {max(durations) * 1000:.2f} ms"
    revised = helper.script_text.as_string()
    assert "line 149 of the scene" in revised and revised.startswith("Title: Night Shift")
    assert "INT. DINER - LATER" in revised and "LEO lights" not in revised


def test_cancel_stops_the_stream_and_keeps_what_arrived(
    helper: Any, server: FakeLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.script("/api/chat", Reply(tokens=tuple(f"word{n} " for n in range(500)), token_delay=0.02))
    helper.script_text = bpy.data.texts.new("script")
    helper.script_text.from_string(SCRIPT)
    helper.instruction = "longer"
    start_ui_style(monkeypatch)
    OPS.backlot.script_revise()
    streamed = bpy.data.texts["Backlot revision (streaming)"]
    deadline = time.monotonic() + 10
    while "word3" not in streamed.as_string():
        assert time.monotonic() < deadline
        script_ops.pump()
        time.sleep(0.01)
    assert OPS.backlot.script_cancel() == {"FINISHED"}
    assert script_ops.active_run() is None and helper.status == "Cancelled"
    assert script_ops.pump() is None
    assert streamed.as_string().startswith("word0 word1 word2 word3")
    assert helper.script_text.as_string() == SCRIPT


def test_shots_fall_back_to_rules_on_invalid_json(helper: Any, server: FakeLLMServer) -> None:
    server.script("/api/chat", Reply(tokens=("{not json",)), Reply(tokens=('{"shots": "none"}',)))
    helper.script_text = bpy.data.texts.new("script")
    helper.script_text.from_string(SCRIPT)
    helper.scene_index = 2
    assert OPS.backlot.script_shots() == {"FINISHED"}
    assert "coverage rules" in helper.status
    shots = yaml.safe_load(bpy.data.texts["Backlot shots - scene 2"].as_string())["shots"]
    # exterior, Leo alone and silent, one prop in capitals (ZIPPO; CAR is a vehicle): establishing, master,
    # Leo's single, insert (since issue 17 a one-hander gets a single too, and the setups are on templates)
    assert [shot.get("size", shot.get("template")) for shot in shots] == [
        "establishing_wide",
        "master",
        "medium_close_up",
        "insert",
    ]
    assert {shot["scene"] for shot in shots} == {2}


def test_script_to_production_validates_and_builds(helper: Any, tmp_path: Path) -> None:
    helper.script_text = bpy.data.texts.new("night_shift.fountain")
    helper.script_text.from_string(SCRIPT)
    assert OPS.backlot.script_to_production() == {"FINISHED"}
    state = scene_state(active_scene(bpy.context))
    assert Path(state.spec_path) == tmp_path / "production.yaml"
    assert (tmp_path / "scripts" / "draft-1.fountain").read_text() == SCRIPT
    assert (tmp_path / "production-breakdown.csv").read_text().count("\n") == 4  # header + 3 scenes
    assert state.valid, [issue.message for issue in state.issues]
    assert OPS.backlot.build_production() == {"FINISHED"}
    built = [s for s in bpy.data.scenes if str(s.get("backlot_key", "")).startswith("scene:")]
    assert len(built) == 3
    assert all(
        len(scene.timeline_markers) and all(m.camera for m in scene.timeline_markers) for scene in built
    )
    assert OPS.backlot.script_to_production() == {"FINISHED"}
    assert Path(state.spec_path).name == "production-2.yaml"  # never replaces the first spec


def test_check_server_reports_version_and_models(helper: Any) -> None:
    assert OPS.backlot.script_check_server() == {"FINISHED"}
    assert helper.server_status.startswith("Online") and "llama3.2" in helper.server_status
