"""`run.py script ...` as a user runs it (a subprocess); the loopback server stands in for the model."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from script_kit import PARKING_LOT_ACTION, night_shift
from test_spec_common import ROOT

from tests.support.fake_llm_server import FakeLLMServer, Reply

SCRIPT = night_shift(back_in_the_diner=False)
BRIEF = ["--title", "Night Shift", "--logline", "A waitress quits.", "--runtime", "1", "--audience", "adults"]


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "run.py"), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "scripts" / "night_shift.fountain"
    path.parent.mkdir()
    path.write_text(SCRIPT)
    return path


def test_parse_reports_pages_scenes_and_cast(script: Path) -> None:
    done = run("--json", "script", "parse", script)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["title"] == "Night Shift" and summary["pages"] == 1
    assert [scene["heading"] for scene in summary["scenes"]] == [
        "INT. DINER - NIGHT",
        "EXT. PARKING LOT - NIGHT",
    ]
    assert [scene["cast"] for scene in summary["scenes"]] == [["Leo", "Maya"], ["Leo"]]


def test_breakdown_writes_csv_and_html(script: Path, tmp_path: Path) -> None:
    done = run("script", "breakdown", script, "--csv", tmp_path / "b.csv", "--html", tmp_path / "b.html")
    assert done.returncode == 0, done.stderr
    rows = (tmp_path / "b.csv").read_text().splitlines()
    assert len(rows) == 3 and rows[2].startswith("2,EXT. PARKING LOT - NIGHT,EXT,NIGHT")
    assert "<table" in (tmp_path / "b.html").read_text()


def test_shots_writes_a_draft_spec_that_validates_and_never_overwrites(script: Path, tmp_path: Path) -> None:
    output = tmp_path / "production.yaml"
    done = run("script", "shots", script, "--output", output)
    assert done.returncode == 0, done.stdout + done.stderr
    spec = yaml.safe_load(output.read_text())["production"]
    assert spec["script"] == "scripts/night_shift.fountain"  # relative to the spec, as the contract says
    assert {shot["scene"] for shot in spec["shots"]} == {1, 2}
    assert run("validate", output).returncode == 0
    again = run("script", "shots", script, "--output", output)
    assert again.returncode == 2 and "never overwrite" in again.stderr


def test_shots_into_a_missing_folder_is_a_usage_error_not_a_traceback(script: Path, tmp_path: Path) -> None:
    done = run("script", "shots", script, "--output", tmp_path / "no" / "such" / "production.yaml")
    assert done.returncode == 2, done.stderr
    assert "does not exist" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "no").exists()


def test_no_server_is_exit_6_with_a_clear_message(tmp_path: Path) -> None:
    brief = ["--title", "T", "--logline", "A courier runs.", "--runtime", "3", "--audience", "adults"]
    server = ["--model", "m", "--server", "http://127.0.0.1:9", "--deadline", "20"]
    done = run("script", "draft", "--folder", tmp_path, *brief, *server)
    assert done.returncode == 6, done.stdout + done.stderr
    assert "could not connect" in done.stderr and "Traceback" not in done.stderr


def test_draft_saves_numbered_drafts_in_scripts(tmp_path: Path, server: FakeLLMServer) -> None:
    beats = json.dumps({"beats": [{"name": "Quit", "summary": "Maya quits."}]})
    screenplay = ("INT. DINER - NIGHT\n\n", "MAYA\n", "I quit.\n")
    server.script("/api/chat", Reply(tokens=(beats,)), Reply(tokens=screenplay))
    server.script("/api/chat", Reply(tokens=(beats,)), Reply(tokens=screenplay))
    common = ["script", "draft", "--folder", tmp_path, *BRIEF, "--model", "llama3.2", "--server", server.url]
    first = run("--json", *common)
    assert first.returncode == 0, first.stdout + first.stderr
    report = json.loads(first.stdout)
    assert Path(report["path"]) == tmp_path / "scripts" / "draft-1.fountain"
    assert report["target_seconds"] == 60 and report["warning"].startswith("the draft runs about")
    second = run(*common)
    assert second.returncode == 0, second.stderr
    assert "I quit." in second.stderr  # the screenplay streamed as it arrived
    assert (tmp_path / "scripts" / "draft-2.fountain").read_text().startswith("Title: Night Shift")


def test_draft_with_a_thin_brief_asks_questions(tmp_path: Path) -> None:
    done = run("--json", "script", "draft", "--folder", tmp_path, "--title", "X", "--model", "m")
    assert done.returncode == 2
    assert "target runtime" in json.loads(done.stdout)["message"]
    assert not (tmp_path / "scripts").exists()


def test_revise_saves_a_new_draft_beside_the_script(script: Path, server: FakeLLMServer) -> None:
    server.script("/api/chat", Reply(tokens=("EXT. PARKING LOT - NIGHT\n\nLEO drives off.\n",)))
    model = ["--model", "llama3.2", "--server", server.url]
    done = run("script", "revise", script, "--scene", "2", "--instruction", "he leaves", *model)
    assert done.returncode == 0, done.stderr
    revised = (script.parent / "draft-1.fountain").read_text()
    assert revised == SCRIPT.replace(PARKING_LOT_ACTION, "LEO drives off.")
    assert script.read_text() == SCRIPT


def test_a_remote_server_needs_consent(script: Path) -> None:
    done = run("script", "revise", script, "--scene", "1", "--instruction", "x", "--model", "m",
               "--server", "http://192.0.2.1:11434")  # fmt: skip
    assert done.returncode == 2 and "--allow-remote" in done.stderr


def test_server_failure_is_one_clear_json_error(script: Path, server: FakeLLMServer) -> None:
    done = run(
        "--json", "script", "shots", script, "--scene", "1", "--model", "mistral", "--server", server.url
    )
    assert done.returncode == 6  # the model server gave no usable answer (not 1, an invalid spec)
    error = json.loads(done.stdout)
    assert error["error"] == "script" and "ollama pull mistral" in error["message"]


def test_a_draft_spec_renders_something(script: Path, tmp_path: Path) -> None:
    """A draft with no outputs validated but rendered 0 frames with exit 0: it gets a preview output."""
    output = tmp_path / "production.yaml"
    assert run("script", "shots", script, "--output", output).returncode == 0
    outputs = yaml.safe_load(output.read_text())["production"]["outputs"]
    assert outputs == [{"name": "preview", "format": "preview_540p", "path": "output/preview/"}]
