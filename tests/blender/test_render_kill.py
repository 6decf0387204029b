"""Kill test: SIGKILL a headless render at several points, resume, and get exactly the uninterrupted result.

The kill lands right after the render logs an event: `render` (the frame is being rendered), `rendered` (its
master is saved, the outputs are not), `frame_done` (the checkpoint .blend is being saved). Workbench is
deterministic, so the resumed outputs must be byte-identical to a render that was never interrupted, and no
frame may be rendered twice (counted from production.log, which every run appends to).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from render_kit import ROOT, TINY, expected_files, render

KILLS = [("render", 2), ("rendered", 2), ("frame_done", 2), ("render", 1)]


def count(log: Path, event: str) -> int:
    if not log.exists():
        return 0
    return sum(1 for line in log.read_text().splitlines() if f'"event": "{event}"' in line)


def render_until_killed(spec: Path, event: str, occurrences: int, resume: bool) -> bool:
    """Start a render and SIGKILL it once `event` has been logged `occurrences` more times. False when the
    render finished first."""
    log = spec.parent / "production.log"
    target = count(log, event) + occurrences
    args = [sys.executable, str(ROOT / "run.py"), "render", str(spec), *(["--resume"] if resume else [])]
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline:
            if count(log, event) >= target:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
                return True
            if process.poll() is not None:
                return False
            time.sleep(0.002)
        pytest.fail(f"render never logged {event} x{occurrences}")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    return False


def outputs(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(expected_files(root))}


def test_killed_and_resumed_render_equals_an_uninterrupted_one(tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    shutil.copytree(TINY, reference)
    render(reference / "production.yaml")

    killed = tmp_path / "killed"
    shutil.copytree(TINY, killed)
    spec = killed / "production.yaml"
    kills = 0
    for event, occurrences in KILLS:
        kills += render_until_killed(spec, event, occurrences, resume=kills > 0)
    assert kills >= 3, "the render finished before most kill points: make the test production longer"
    render(spec, "--resume")

    assert outputs(killed) == outputs(reference)
    assert {p for p in (killed / "output").rglob("*") if p.is_file()} == expected_files(killed)
    events = [json.loads(line) for line in (killed / "production.log").read_text().splitlines()]
    renders = Counter((e["shot"], e["frame"]) for e in events if e["event"] == "rendered")
    assert max(renders.values()) == 1, f"frames rendered twice: {[k for k, n in renders.items() if n > 1]}"
    assert len(renders) == len(expected_files(killed)) // 3
    manifest = json.loads((killed / "manifest.json").read_text())
    assert {killed / f["path"] for f in manifest["files"]} == expected_files(killed)
