"""What `run.py render` shows a user: one line per shot and a last line naming the report and the output
folders, in one process and with --parallel; Blender's own output ("Saved:" per file, EGL errors) kept in
.backlot/blender.log, not on the terminal; with --json, stdout stays one JSON document and the lines go to
stderr. The shots and outputs expected are the tiny production's, read from its spec (render_kit)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from render_kit import OUTPUT_SIZES, SHOTS, TINY, render

SHOT_IDS = [shot for shot, _, _ in SHOTS]
CHATTER = ("Saved", "EGL", "Fra:", "Time:")


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    shutil.copytree(TINY, tmp_path / "tiny")
    return tmp_path / "tiny" / "production.yaml"


def shot_lines(text: str) -> list[str]:
    pattern = re.compile(rf"^\[\s*\d+/{len(SHOT_IDS)}\] shot ({'|'.join(SHOT_IDS)}) ")
    return [line for line in text.splitlines() if pattern.match(line)]


def check_terminal(text: str, root: Path) -> None:
    lines = text.splitlines()
    assert not [line for line in lines if any(word in line for word in CHATTER)], text
    assert len(lines) <= 2 * len(SHOT_IDS) + 6, text  # a few lines per shot, not one per frame or file
    shots = shot_lines(text)
    assert sorted(line.split()[2] for line in shots) == sorted(SHOT_IDS), text  # each shot once
    last = lines[-1]
    assert last.startswith("report: ") and str(root / "report.html") in last, text
    for output in OUTPUT_SIZES:
        assert f"{root / 'output' / output}/" in last, text


@pytest.mark.parametrize("processes", ["1", "2"])
def test_the_terminal_shows_a_line_per_shot_and_where_the_results_are(tiny: Path, processes: str) -> None:
    done = render(tiny, "--parallel", processes)
    root = tiny.parent
    check_terminal(done.stdout, root)
    assert not any(word in done.stderr for word in CHATTER), done.stderr
    if processes == "1":  # Blender's output is kept, in the log the first line names
        assert "Saved" in (root / ".backlot" / "blender.log").read_text()
        (first,) = [line for line in done.stdout.splitlines() if line.startswith("rendering ")]
        assert first.endswith(f"Blender's messages: {root / '.backlot' / 'blender.log'}"), done.stdout


def test_with_json_the_lines_go_to_stderr_and_stdout_stays_one_document(tiny: Path) -> None:
    done = render(tiny, "--json", "--parallel", "2")
    assert json.loads(done.stdout)["ok"]
    assert sorted(line.split()[2] for line in shot_lines(done.stderr)) == sorted(SHOT_IDS), done.stderr
    assert not any(word in done.stderr for word in CHATTER), done.stderr
