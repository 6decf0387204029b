"""Extra cameras render as their own takes, an anamorphic camera renders squeezed and is desqueezed, and
`--dry-run` shows the command line's overrides. Each render runs `run.py render` in its own Blender process;
the expected files, sizes and pixel aspects are derived here from the spec, not from the code under test."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from dataclasses import replace
from pathlib import Path

import bpy
import pytest
import yaml
from backlot.departments.camera import camera_names
from backlot.production.render.request import shot_takes
from build_kit import validated
from PIL import Image
from render_kit import OUTPUT_SIZES, TINY, expected_files, files_on_disk, log_events, render, shot_frames

SQUEEZE = 2.0  # presets/sensors/anamorphic_2x.yaml
MASTER = OUTPUT_SIZES["preview"]  # the largest non-retro output is the master's size


@pytest.fixture
def takes(tmp_path: Path) -> Path:
    """The tiny production with a B camera on 1B (85 mm) and an anamorphic primary camera on 2A."""
    shutil.copytree(TINY, tmp_path / "tiny")
    spec = tmp_path / "tiny" / "production.yaml"
    data = yaml.safe_load(spec.read_text())
    shots = {s["id"]: s for s in data["production"]["shots"]}
    shots["1B"]["cameras"] = [{"lens": 85}]
    shots["2A"]["camera"] = {"sensor": "anamorphic_2x"}
    spec.write_text(yaml.safe_dump(data, sort_keys=False))
    return spec


def b_take_files(root: Path) -> set[Path]:
    return {
        root / "output" / output / "1B_B" / f"{frame:04d}.png"
        for output in OUTPUT_SIZES
        for frame in shot_frames()["1B"]
    }


def test_extra_camera_renders_as_its_own_take_and_anamorphic_is_desqueezed(
    clean_blender: None, takes: Path
) -> None:
    result = json.loads(render(takes, "--json").stdout)
    assert result["ok"] and result["shots_completed"] == ["1A", "1B", "1B_B", "2A"]
    root = takes.parent
    wanted = expected_files(root) | b_take_files(root)
    assert files_on_disk(root) == wanted
    manifest = json.loads((root / "manifest.json").read_text())
    assert {root / f["path"] for f in manifest["files"]} == wanted
    for path in wanted:
        with Image.open(path) as image:
            assert image.size == OUTPUT_SIZES[path.parent.parent.name], path

    rendered = log_events(root, "rendered")
    per_frame = Counter((e["shot"], e["frame"]) for e in rendered)
    assert set(per_frame.values()) == {1}  # one render per take and frame, whatever the outputs
    assert {f for s, f in per_frame if s == "1B_B"} == set(shot_frames()["1B"])
    preview = root / "output" / "preview"
    # Each shot renders its own frames through its own camera: the CU of 1B is not the wide of 1A, and the
    # B camera's 85 mm is not the A camera's view.
    assert (preview / "1B" / "0004.png").read_bytes() != (preview / "1A" / "0001.png").read_bytes()
    assert (preview / "1B_B" / "0004.png").read_bytes() != (preview / "1B" / "0004.png").read_bytes()

    # The anamorphic take renders half as many columns with 2:1 pixels; the spherical ones a square master.
    for event in rendered:
        squeezed = event["shot"] == "2A"
        width = round(MASTER[0] / SQUEEZE) if squeezed else MASTER[0]
        assert event["size"] == [width, MASTER[1]], event
        assert event["pixel_aspect"] == (SQUEEZE if squeezed else 1.0), event

    # Per-take settings and cameras were put back before the checkpoint .blend was saved.
    bpy.ops.wm.open_mainfile(filepath=str(takes.with_suffix(".blend")))
    for event in rendered:
        shot, _, camera = event["shot"].partition("_")
        key = f"shot:{shot}/camera" + (f":{camera}" if camera else "")
        assert bpy.data.objects[event["camera"]].get("backlot_key") == key, event
    for scene in bpy.data.scenes:
        assert (scene.render.pixel_aspect_x, scene.render.pixel_aspect_y) == (1.0, 1.0), scene.name
        for marker in scene.timeline_markers:
            assert (
                marker.camera is not None and marker.camera.get("backlot_key") == f"shot:{marker.name}/camera"
            )

    render(takes, "--resume")
    assert len(log_events(root, "rendered")) == len(rendered)  # the takes are in the checkpoint


def test_dry_run_shows_the_overrides_and_every_take(takes: Path) -> None:
    plain = json.loads(render(takes, "--json", "--dry-run").stdout)
    assert [(s["shot"], s["camera"]) for s in plain["shots"]] == [
        ("1A", "A"),
        ("1B", "A"),
        ("1B_B", "B"),
        ("2A", "A"),
    ]
    assert {(s["engine"], s["samples"], s["resolution_percentage"]) for s in plain["shots"]} == {
        ("workbench", 1, 100)
    }
    args = ("--json", "--dry-run", "--engine", "cycles", "--samples", "7", "--resolution-percentage", "50")
    overridden = json.loads(render(takes, *args).stdout)
    assert {(s["engine"], s["samples"], s["resolution_percentage"]) for s in overridden["shots"]} == {
        ("cycles", 7, 50)
    }
    assert overridden["estimate_seconds"] != plain["estimate_seconds"]
    assert not (takes.parent / "output").exists()


def test_takes_are_named_like_the_cameras_the_camera_department_builds(takes: Path) -> None:
    """render_plan (pure) and departments/camera.py each name extra cameras; they must agree."""
    production = validated(takes).production
    primary = production.shot("1B").camera
    shot = replace(
        production.shot("1B"), cameras=(replace(primary, lens=85), replace(primary, name="wide"), primary)
    )
    assert (
        [t.camera for t in shot_takes(shot)]
        == [name for name, _ in camera_names(shot)]
        == ["A", "B", "wide", "D"]
    )
