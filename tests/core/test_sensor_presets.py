"""Sensor presets from a user preset folder: resolved into the model at validation, so the estimate and the
dry-run plan (and, in tests/blender, the build, render and farm) use the studio's gate, never a re-read of
the built-in presets only. Expected values come from the preset YAML written here and hand arithmetic."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest
import yaml
from backlot.production.plan import estimate, make_plan
from backlot.production.render.checkpoint import Checkpoint
from backlot.production.render.request import RenderRequest, describe
from backlot.production.spec.api import load_production
from backlot.production.spec.presets import BUILTIN_DIR
from backlot.production.spec.validate import ValidationResult

VV = {"width_mm": 49.9, "height_mm": 29.1, "squeeze": 1.0, "coc_mm": 0.035}
ANAMORPHIC = {"width_mm": 24.0, "height_mm": 20.0, "squeeze": 1.8}
MASTER = (1920, 1080)
SQUEEZED_COLUMNS = 1067  # 1920 / 1.8 = 1066.7 columns, rounded


def write_presets(folder: Path, sensors: dict[str, dict[str, Any] | str]) -> Path:
    """A user preset folder holding `sensors` (name -> YAML mapping, or raw text for a broken file)."""
    (folder / "sensors").mkdir(parents=True)
    for name, body in sensors.items():
        text = body if isinstance(body, str) else yaml.safe_dump({"description": "test gate", **body})
        (folder / "sensors" / f"{name}.yaml").write_text(text)
    return folder


def write_spec(folder: Path, shots: list[dict[str, Any]]) -> Path:
    body = {
        "title": "Studio gates",
        "version": "1",
        "render": {"engine": "eevee", "samples": 32},
        "characters": [{"name": "Ada", "height": 1.7}],
        "locations": [{"name": "Yard", "preset": "stage"}],
        "scenes": [{"id": 1, "location": "Yard", "characters": ["Ada"]}],
        "shots": shots,
        "outputs": [{"name": "cinema", "path": "output/", "resolution": list(MASTER)}],
    }
    spec = folder / "production.yaml"
    spec.write_text(yaml.safe_dump({"production": body}, sort_keys=False))
    return spec


STUDIO_SHOTS: list[dict[str, Any]] = [
    {
        "id": "1A",
        "scene": 1,
        "duration": "2f",
        "camera": {"sensor": "studio-vv", "sensor_fit": "VERTICAL"},
        "cameras": [{"sensor": "studio-ana"}],
    },
    {"id": "1B", "scene": 1, "duration": "2f", "camera": {"sensor": "studio-ana"}},
    {"id": "1C", "scene": 1, "duration": "2f"},
]


def validated(tmp_path: Path, presets: Path | None, shots: list[dict[str, Any]]) -> ValidationResult:
    spec = write_spec(tmp_path, shots)
    return load_production(str(spec), [presets] if presets else [])


@pytest.fixture
def studio(tmp_path: Path) -> Path:
    return write_presets(tmp_path / "studio_presets", {"studio-vv": VV, "studio-ana": ANAMORPHIC})


def test_user_sensor_presets_are_resolved_into_the_model(tmp_path: Path, studio: Path) -> None:
    result = validated(tmp_path, studio, STUDIO_SHOTS)
    assert result.valid and result.production is not None, [i.message for i in result.issues]
    first, anamorphic, default = result.production.shots
    gates = [first.camera.sensor, first.cameras[0].sensor, anamorphic.camera.sensor]
    assert [(g.name, g.width_mm, g.height_mm, g.squeeze) for g in gates] == [
        ("studio-vv", 49.9, 29.1, 1.0),
        ("studio-ana", 24.0, 20.0, 1.8),
        ("studio-ana", 24.0, 20.0, 1.8),
    ]
    assert first.camera.sensor.circle_of_confusion_mm == 0.035
    assert first.camera.sensor_fit == "VERTICAL"
    built_in = yaml.safe_load((BUILTIN_DIR / "sensors" / "full_frame.yaml").read_text())
    assert (default.camera.sensor.name, default.camera.sensor.width_mm, default.camera.sensor.height_mm) == (
        "full_frame",
        built_in["width_mm"],
        built_in["height_mm"],
    )


def test_a_user_folder_can_redefine_the_default_sensor(tmp_path: Path) -> None:
    presets = write_presets(
        tmp_path / "studio_presets", {"full_frame": {"width_mm": 40.0, "height_mm": 30.0}}
    )
    result = validated(tmp_path, presets, [{"id": "1A", "scene": 1, "duration": "2f"}])
    assert result.production is not None, [i.message for i in result.issues]
    gate = result.production.shot("1A").camera.sensor
    assert (gate.width_mm, gate.height_mm) == (40.0, 30.0)


def test_an_unknown_sensor_is_still_a_clear_validation_error(tmp_path: Path, studio: Path) -> None:
    result = validated(tmp_path, None, STUDIO_SHOTS)  # the studio folder is not given
    assert result.production is None
    errors = {(i.path, i.message) for i in result.issues if i.is_error}
    assert errors == {
        ("shots[0].camera.sensor", "unknown sensors preset 'studio-vv'"),
        ("shots[0].cameras[0].sensor", "unknown sensors preset 'studio-ana'"),
        ("shots[1].camera.sensor", "unknown sensors preset 'studio-ana'"),
    }
    typo = [{"id": "1A", "scene": 1, "duration": "2f", "camera": {"sensor": "studio-v"}}]
    (issue,) = [i for i in validated(tmp_path, studio, typo).issues if i.is_error]
    assert issue.path == "shots[0].camera.sensor" and "studio-vv" in issue.suggestion


def test_a_broken_sensor_preset_is_reported_once_in_its_own_file(tmp_path: Path) -> None:
    presets = write_presets(tmp_path / "studio_presets", {"studio-bad": "width_mm: wide\nheight_mm: 20\n"})
    shots = [
        {"id": f"1{letter}", "scene": 1, "duration": "2f", "camera": {"sensor": "studio-bad"}}
        for letter in "AB"
    ]
    result = validated(tmp_path, presets, shots)
    assert result.production is None
    (issue,) = [i for i in result.issues if i.is_error]
    assert issue.path == "shots[0].camera.sensor"
    assert issue.file is not None and Path(issue.file).name == "studio-bad.yaml"
    assert "width_mm" in issue.message and "'wide'" in issue.message
    assert "height_mm" in issue.suggestion


def test_estimate_and_dry_run_render_the_anamorphic_gate_squeezed(tmp_path: Path, studio: Path) -> None:
    production = validated(tmp_path, studio, STUDIO_SHOTS).production
    assert production is not None
    plan = make_plan(production)
    dry_run = cast(list[dict[str, Any]], describe(production, plan, Checkpoint(), RenderRequest())["shots"])
    assert [(s["shot"], s["resolution"], s["pixel_aspect"]) for s in dry_run] == [
        ("1A", list(MASTER), 1.0),
        ("1A_B", [SQUEEZED_COLUMNS, MASTER[1]], 1.8),
        ("1B", [SQUEEZED_COLUMNS, MASTER[1]], 1.8),
        ("1C", list(MASTER), 1.0),
    ]
    # Same engine and samples: the cost per frame follows the pixels each primary camera renders.
    per_frame = {s.shot_id: s.seconds_per_frame for s in estimate(production, plan).shots}
    assert per_frame["1A"] == per_frame["1C"]
    assert per_frame["1B"] / per_frame["1C"] == pytest.approx(SQUEEZED_COLUMNS / MASTER[0], rel=1e-12)
