"""Shared by the render tests: the tiny production, the files it must produce (derived from its spec here,
not from the code under test), and `run.py render` in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TINY = Path(__file__).resolve().parent / "productions" / "tiny_render"
# The spec's shots: (id, scene, frames); each scene's timeline starts at frame 1.
SHOTS = [("1A", "1", 3), ("1B", "1", 2), ("2A", "2", 3)]
OUTPUT_SIZES = {"preview": (96, 54), "half": (48, 27), "gb": (32, 18)}


def shot_frames() -> dict[str, list[int]]:
    next_frame: dict[str, int] = {}
    frames = {}
    for shot, scene, count in SHOTS:
        start = next_frame.get(scene, 1)
        frames[shot] = list(range(start, start + count))
        next_frame[scene] = start + count
    return frames


def expected_files(root: Path, outputs: tuple[str, ...] = tuple(OUTPUT_SIZES)) -> set[Path]:
    return {
        root / "output" / output / shot / f"{frame:04d}.png"
        for output in outputs
        for shot, frames in shot_frames().items()
        for frame in frames
    }


def files_on_disk(root: Path) -> set[Path]:
    return {p for p in (root / "output").rglob("*") if p.is_file()}


def render(spec: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "render", str(spec), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def log_events(root: Path, event: str) -> list[dict]:
    lines = (root / "production.log").read_text().splitlines()
    return [e for e in map(json.loads, lines) if e["event"] == event]
