"""Sensor presets from a user preset folder on real Blender: the build sets the studio's gate on the cameras,
and the render settings, the measured estimate, the farm files and a real render use it (validation resolved
it into the model; before, the build and the render re-read the built-in presets only and failed with
"unknown sensor preset"). Expected values come from the preset YAML written here and hand arithmetic."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import bpy
import pytest
import yaml
from backlot.departments import DEPARTMENT_NAMES
from backlot.production.render.request import RenderRequest
from backlot.production.spec.presets import BUILTIN_DIR
from backlot.rendering.farm import write_farm_blends
from backlot.rendering.settings import measure_shots, shot_render_settings
from build_kit import build_departments, keyed
from PIL import Image
from render_kit import OUTPUT_SIZES, ROOT, TINY, log_events

VV = {"width_mm": 49.9, "height_mm": 29.1, "squeeze": 1.0}
ANAMORPHIC = {"width_mm": 24.0, "height_mm": 20.0, "squeeze": 1.8}
ANAMORPHIC_WIDTH_MM = 43.2  # Blender's sensor_width is the desqueezed gate: 24.0 mm x 1.8
PREVIEW = OUTPUT_SIZES["preview"]  # 96 x 54, the largest non-retro output: the master's size
SQUEEZED_PREVIEW = (53, 54)  # 96 / 1.8 = 53.3 columns, rounded
FULL_FRAME = yaml.safe_load((BUILTIN_DIR / "sensors" / "full_frame.yaml").read_text())


@pytest.fixture
def studio(tmp_path: Path) -> tuple[Path, Path]:
    """The tiny production shot on the studio's gates, and the user preset folder that defines them:
    1A on studio-vv (fit VERTICAL) with an anamorphic B camera, 1B on the default sensor, 2A anamorphic."""
    presets = tmp_path / "studio_presets"
    (presets / "sensors").mkdir(parents=True)
    for name, gate in (("studio-vv", VV), ("studio-ana", ANAMORPHIC)):
        (presets / "sensors" / f"{name}.yaml").write_text(yaml.safe_dump(gate))
    shutil.copytree(TINY, tmp_path / "tiny")
    spec = tmp_path / "tiny" / "production.yaml"
    data = yaml.safe_load(spec.read_text())
    shots = {s["id"]: s for s in data["production"]["shots"]}
    shots["1A"]["camera"] = {"sensor": "studio-vv", "sensor_fit": "VERTICAL"}
    shots["1A"]["cameras"] = [{"sensor": "studio-ana"}]
    shots["2A"]["camera"] = {"sensor": "studio-ana"}
    spec.write_text(yaml.safe_dump(data, sort_keys=False))
    return spec, presets


def camera_data(key: str) -> Any:
    camera = keyed("objects", key)
    assert camera is not None, key
    return camera.data


def test_build_render_settings_estimate_and_farm_use_the_user_gates(
    clean_blender: None, studio: tuple[Path, Path], tmp_path: Path
) -> None:
    spec, presets = studio
    production = build_departments(spec, DEPARTMENT_NAMES, [presets]).production
    expected = {
        "shot:1A/camera": (VV["width_mm"], VV["height_mm"], "VERTICAL"),
        "shot:1A/camera:B": (ANAMORPHIC_WIDTH_MM, ANAMORPHIC["height_mm"], "AUTO"),
        "shot:1B/camera": (FULL_FRAME["width_mm"], FULL_FRAME["height_mm"], "AUTO"),
        "shot:2A/camera": (ANAMORPHIC_WIDTH_MM, ANAMORPHIC["height_mm"], "AUTO"),
    }
    for key, (width, height, fit) in expected.items():
        data = camera_data(key)
        assert (data.sensor_width, data.sensor_height) == pytest.approx((width, height), rel=1e-6), key
        assert data.sensor_fit == fit, key

    settings = shot_render_settings(production, "2A", RenderRequest())
    assert (settings["render.resolution_x"], settings["render.resolution_y"]) == SQUEEZED_PREVIEW
    assert (settings["render.pixel_aspect_x"], settings["render.pixel_aspect_y"]) == (1.8, 1.0)
    spherical = shot_render_settings(production, "1A", RenderRequest())
    assert (spherical["render.resolution_x"], spherical["render.pixel_aspect_x"]) == (PREVIEW[0], 1.0)

    measured = measure_shots(production, 50)  # renders a sample frame of each shot through its camera
    assert set(measured) == {"1A", "1B", "2A"} and all(seconds > 0 for seconds in measured.values())

    # The farm writes the output itself: scene 2's anamorphic shot renders desqueezed at the output's size.
    half = next(o for o in production.outputs if o.name == "half")
    blends = write_farm_blends(production, half, tmp_path / "farm")
    bpy.ops.wm.open_mainfile(filepath=str(blends["2"][0]))
    render = bpy.context.scene.render
    assert (render.resolution_x, render.resolution_y) == OUTPUT_SIZES["half"]
    assert (render.pixel_aspect_x, render.pixel_aspect_y) == (1.0, 1.0)
    assert camera_data("shot:2A/camera").sensor_width == pytest.approx(ANAMORPHIC_WIDTH_MM, rel=1e-6)


def test_render_with_a_user_sensor_renders_squeezed_and_desqueezes(
    clean_blender: None, studio: tuple[Path, Path]
) -> None:
    spec, presets = studio
    command = [
        "--presets",
        str(presets),
        "render",
        str(spec),
        "--json",
        "--shots",
        "1A,2A",
        "--outputs",
        "preview",
    ]
    done = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), *command],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["shots_completed"] == ["1A", "1A_B", "2A"]
    root = spec.parent
    rendered = log_events(root, "rendered")
    # The log reads the pixel aspect back from Blender, which stores it as a 32-bit float.
    logged = {e["shot"]: (tuple(e["size"]), pytest.approx(e["pixel_aspect"], rel=1e-6)) for e in rendered}
    assert logged == {"1A": (PREVIEW, 1.0), "1A_B": (SQUEEZED_PREVIEW, 1.8), "2A": (SQUEEZED_PREVIEW, 1.8)}
    frames = list((root / "output" / "preview").rglob("*.png"))
    assert {p.parent.name for p in frames} == {"1A", "1A_B", "2A"}
    for path in frames:
        with Image.open(path) as image:
            assert image.size == PREVIEW, path  # every output is the desqueezed picture
