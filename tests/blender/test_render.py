"""The headless render: every expected file, a manifest matching the disk, one render per frame, resume.

Each render runs `run.py render` in its own Blender process, as a pipeline would. Expected files are derived
from the spec's durations and outputs here, not from the code under test.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image
from render_kit import (
    OUTPUT_SIZES,
    ROOT,
    TINY,
    expected_files,
    files_on_disk,
    log_events,
    render,
    shot_frames,
)


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    shutil.copytree(TINY, tmp_path / "tiny")
    return tmp_path / "tiny" / "production.yaml"


def test_headless_render_writes_every_file_and_a_true_manifest(tiny: Path) -> None:
    done = render(tiny, "--json")
    result = json.loads(done.stdout)  # stdout holds the JSON result and nothing else
    assert result["ok"] and result["shots_completed"] == ["1A", "1B", "2A"]
    root = tiny.parent
    assert files_on_disk(root) == expected_files(root)
    manifest = json.loads((root / "manifest.json").read_text())
    listed = {root / f["path"]: f for f in manifest["files"]}
    assert set(listed) == files_on_disk(root)
    for path, entry in listed.items():
        assert entry["size"] == path.stat().st_size
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    for output, size in OUTPUT_SIZES.items():
        for path in expected_files(root, (output,)):
            with Image.open(path) as image:
                assert image.size == size, path


def test_retro_output_uses_only_palette_colours_from_the_same_render(tiny: Path) -> None:
    render(tiny)
    root = tiny.parent
    palette_file = ROOT / "presets" / "palettes" / "gameboy.yaml"
    palette = {
        tuple(int(c[i : i + 2], 16) for i in (1, 3, 5))
        for c in yaml.safe_load(palette_file.read_text())["colors"]
    }
    for path in expected_files(root, ("gb",)):
        with Image.open(path) as image:
            colours = np.asarray(image.convert("RGB")).reshape(-1, 3)
        assert {tuple(c) for c in colours.tolist()} <= palette, path
    # Three outputs, one render per frame.
    renders = Counter((e["shot"], e["frame"]) for e in log_events(root, "rendered"))
    assert sum(renders.values()) == sum(len(f) for f in shot_frames().values())
    assert set(renders.values()) == {1}


def test_resume_of_a_finished_render_renders_nothing_and_changes_nothing(tiny: Path) -> None:
    render(tiny)
    root = tiny.parent
    before = {p: p.read_bytes() for p in files_on_disk(root)}
    refused = render(tiny, check=False)
    assert refused.returncode == 2 and "--resume" in refused.stderr
    render(tiny, "--resume")
    assert {p: p.read_bytes() for p in files_on_disk(root)} == before
    assert len(log_events(root, "rendered")) == len(before) // len(OUTPUT_SIZES)


def test_shot_and_output_selection(tiny: Path) -> None:
    root = tiny.parent
    plan = json.loads(render(tiny, "--json", "--dry-run", "--shots", "1B-2A", "--outputs", "half").stdout)
    assert [s["shot"] for s in plan["shots"]] == ["1B", "2A"]
    assert plan["renders"] == 5
    assert not (root / "output").exists()  # a dry run writes nothing
    render(tiny, "--shots", "1B-2A", "--outputs", "half")
    frames = shot_frames()
    assert files_on_disk(root) == {
        root / "output" / "half" / shot / f"{frame:04d}.png"
        for shot in ("1B", "2A")
        for frame in frames[shot]
    }
    bad = render(tiny, "--json", "--shots", "1Z", "--resume", check=False)
    assert bad.returncode == 2 and json.loads(bad.stdout)["error"] == "usage"


def test_resume_uses_the_blend_backup_when_the_file_was_cut_mid_save(tiny: Path) -> None:
    render(tiny)
    blend = tiny.with_suffix(".blend")
    shutil.copy(blend, blend.with_name(blend.name + "1"))
    data = blend.read_bytes()
    blend.write_bytes(data[: len(data) // 2])  # a save killed half way
    rendered_before = len(log_events(tiny.parent, "rendered"))
    done = render(tiny, "--resume")
    assert "production.blend1" in done.stdout + done.stderr
    assert len(log_events(tiny.parent, "rendered")) == rendered_before


def test_parallel_workers_render_disjoint_shots_into_one_manifest(tiny: Path) -> None:
    render(tiny, "--parallel", "2")
    root = tiny.parent
    assert files_on_disk(root) == expected_files(root)
    manifest = json.loads((root / "manifest.json").read_text())
    assert {root / f["path"] for f in manifest["files"]} == expected_files(root)
    starts = log_events(root, "workers_start")
    assert len(starts) == 1 and len(starts[0]["groups"]) == 2
    groups = [set(g) for g in starts[0]["groups"]]
    assert not groups[0] & groups[1] and groups[0] | groups[1] == {"1A", "1B", "2A"}
    renders = Counter((e["shot"], e["frame"]) for e in log_events(root, "rendered"))
    assert set(renders.values()) == {1} and len(renders) == sum(len(f) for f in shot_frames().values())
    blend_state = render(tiny, "--resume", "--json").stdout  # the merged checkpoint is in the parent's .blend
    assert json.loads(blend_state)["shots_completed"] == ["1A", "1B", "2A"]
    assert len(log_events(root, "rendered")) == len(renders)  # nothing rendered again


def test_estimate_by_measurement_renders_a_sample_per_shot_and_writes_nothing(tiny: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "estimate", str(tiny), "--measure", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    estimate = json.loads(done.stdout)
    assert estimate["model"] == "measured"
    assert [s["shot"] for s in estimate["shots"]] == ["1A", "1B", "2A"]
    assert all(s["measured"] and s["seconds_per_frame"] > 0 for s in estimate["shots"])
    assert not (tiny.parent / "output").exists()
