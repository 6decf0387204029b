"""A spec that validates clean always builds. Seeded mutants of the example and the templates
(tests/core/spec_mutants.py) that still validate, and mutants pushed to the edges of what validation allows
(the widest and longest lens, numbers at their bounds, marks a thousand kilometres out, two people on one
mark, moves on a POV...), are each built in this one Blender process and must build without an exception;
plus the cases an attack found, through `run.py build` where the exit code is the point. The slow tier
builds more; `BACKLOT_FUZZ_SEED` reproduces a run."""

from __future__ import annotations

import argparse
import copy
import math
import os
import random
import shutil
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import bpy
import pytest
import yaml
from backlot.cli.console import Console
from backlot.departments import build_production
from backlot.pipeline import headless
from backlot.production.diagnostics import ProductionError
from backlot.production.spec.api import load_production
from backlot.production.spec.schema import PRODUCTION, Node, child
from backlot.production.spec.walker import MAX_MAGNITUDE
from backlot.runtime.properties import active_scene
from build_kit import keyed, validated
from example_kit import copy_example
from spec_mutants import ROOT, SOURCES, mutants

SEED = int(os.environ.get("BACKLOT_FUZZ_SEED", "20261216"))
Production = dict[str, Any]
Mutation = Callable[[Production, random.Random], None]


def _numbers(node: Any, schema: Node) -> Iterator[tuple[Any, Any, Node]]:
    """(holder, key, schema node) of every number in the document the schema bounds (or could)."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, value in items:
        below = child(schema, key)
        if below is None:
            continue
        if (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and below.kind in ("number", "integer")
        ):
            yield node, key, below
        yield from _numbers(value, below)


def number_at_a_bound(production: Production, rng: random.Random) -> None:
    """A number at its minimum, its maximum, or (without one) at the +-1e6 validation allows."""
    numbers = list(_numbers(production, PRODUCTION))
    if not numbers:
        return
    holder, key, node = rng.choice(numbers)
    low = node.minimum if node.minimum is not None else -MAX_MAGNITUDE
    high = node.maximum if node.maximum is not None else MAX_MAGNITUDE
    value = rng.choice([low, high, min(max(0, low), high)])
    holder[key] = round(value) if node.kind == "integer" else value


CAMERA_EDGES: list[dict[str, Any]] = [
    {"lens": 4},
    {"lens": 1200},
    {"lens": 4, "sensor": "anamorphic_2x", "sensor_fit": "VERTICAL"},
    {"lens": 4, "height": "overhead", "angle": 360},
    {"height": 1000},
    {"height": 0, "move": "crane", "rig": "crane", "amount": 1000},
    {"move": "dolly_zoom", "distance": 0.01},
    {"move": "dolly_zoom", "lens": 4, "amount": 300},
    {"move": "crash_zoom", "lens": 1200, "amount": 1 / 300},
    {"move": "follow", "rig": "steadicam"},
    {"move": "fly_over", "rig": "drone"},
    {"move": "orbit", "rig": "drone", "amount": -1000},
    {"move": "push_in", "amount": 1000, "rig": "handheld", "seed": 1_000_000},
    {"distance": 1_000_000},
    {"projection": "dimetric", "tile_size": 8192},
    {"projection": "isometric", "tile_size": 1, "distance": 0.01},
]


def camera_at_an_edge(production: Production, rng: random.Random) -> None:
    shot = rng.choice(production.get("shots") or [{}])
    shot["camera"] = {**(shot.get("camera") or {}), **rng.choice(CAMERA_EDGES)}


def shot_at_an_edge(production: Production, rng: random.Random) -> None:
    shot = rng.choice(production.get("shots") or [{}])
    key, value = rng.choice([("size", "TWO"), ("size", "OTS"), ("size", "POV"), ("duration", "1f")])
    shot[key] = value
    if key == "size" and rng.random() < 0.5:
        shot["camera"] = {
            **(shot.get("camera") or {}),
            "move": rng.choice(["follow", "fly_over", "dolly_zoom"]),
        }


def marks_far_away(production: Production, rng: random.Random) -> None:
    location = rng.choice(production.get("locations") or [{}])
    far = MAX_MAGNITUDE
    names = [*(location.get("marks") or {}), "center", "door", "far_end", "near_end"]
    location["marks"] = {name: [far * rng.choice([-1, 0, 1]), far * rng.choice([-1, 0, 1])] for name in names}


def crowd_on_one_mark(production: Production, rng: random.Random) -> None:
    for scene in production.get("scenes") or []:
        blocking = scene.get("blocking") or {}
        if blocking and len(scene.get("characters") or []) > 1:
            mark = next(iter(blocking.values()))
            scene["blocking"] = {name: mark for name in scene["characters"]}


def time_at_an_edge(production: Production, rng: random.Random) -> None:
    for scene in production.get("scenes") or []:
        scene["time"] = rng.choice(["1000-01-01T00:00", "3000-12-31T23:59", "dawn", "night", "golden_hour"])
        scene["lighting"] = {**(scene.get("lighting") or {}), "day_to_night": rng.random() < 0.5}
    for location in production.get("locations") or []:
        location["date"] = rng.choice(["1000-01-01", "3000-12-31", "2026-06-21"])
        geo = {"latitude": rng.choice([-90, 90]), "longitude": rng.choice([-180, 180])}
        location["geo"] = {**geo, "utc_offset": rng.choice([-12, 14])}


EDGES: list[Mutation] = [
    number_at_a_bound,
    number_at_a_bound,
    camera_at_an_edge,
    camera_at_an_edge,
    shot_at_an_edge,
    marks_far_away,
    crowd_on_one_mark,
    time_at_an_edge,
]


def edge_mutants(seed: int, count: int) -> Iterator[tuple[str, Path, str]]:
    """(name, source spec, YAML text): real specs with one to three values at what validation allows."""
    rng = random.Random(seed)
    documents = [(source, yaml.safe_load(source.read_text(encoding="utf-8"))) for source in SOURCES]
    for number in range(count):
        source, original = rng.choice(documents)
        document = copy.deepcopy(original)
        for _ in range(rng.randint(1, 3)):
            rng.choice(EDGES)(document["production"], rng)
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
        yield f"seed {seed} edge mutant {number} of {source.relative_to(ROOT)}", source, text


def build_the_valid_ones(
    tmp_path: Path, candidates: Iterator[tuple[str, Path, str]], wanted: int
) -> list[str]:
    """Build the first `wanted` candidates that validate clean, each into a fresh file; the failures."""
    folders = {}
    for source in SOURCES:
        folders[source] = tmp_path / source.parent.name
        ignore = shutil.ignore_patterns("output", ".backlot", "*.blend*", "*.log", "manifest.json")
        shutil.copytree(source.parent, folders[source], ignore=ignore)
    failures: list[str] = []
    built = 0
    for name, source, text in candidates:
        spec = folders[source] / "production.yaml"
        spec.write_text(text, encoding="utf-8")
        result = load_production(spec)
        if result.production is None:
            continue
        bpy.ops.wm.read_factory_settings(use_empty=True)
        try:
            build_production(result.production, active_scene(bpy.context), presets=result.presets)
        except Exception:
            failures.append(f"{name}:\n{traceback.format_exc(limit=-4)}")
        built += 1
        if built == wanted:
            return failures
    raise AssertionError(f"only {built} of the mutants validated; {wanted} were to be built")


def test_valid_mutants_of_real_specs_build(registered: None, tmp_path: Path) -> None:
    failures = build_the_valid_ones(tmp_path, mutants(SEED, 2000), 40)
    assert failures == [], f"{len(failures)} valid spec(s) failed to build:\n" + "\n".join(failures[:5])


def test_valid_specs_at_the_edges_of_validation_build(registered: None, tmp_path: Path) -> None:
    failures = build_the_valid_ones(tmp_path, edge_mutants(SEED, 200), 30)
    assert failures == [], f"{len(failures)} valid spec(s) failed to build:\n" + "\n".join(failures[:5])


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(1, 4))
def test_more_seeds_build(registered: None, tmp_path: Path, seed: int) -> None:
    failures = build_the_valid_ones(tmp_path / "mutants", mutants(seed, 6000), 150)
    failures += build_the_valid_ones(tmp_path / "edges", edge_mutants(seed, 400), 150)
    assert failures == [], f"{len(failures)} valid spec(s) failed to build:\n" + "\n".join(failures[:5])


# ---------------------------------------------------------------- the cases the attack found


def _shot(production: Production, shot_id: str) -> dict[str, Any]:
    return next(shot for shot in production["shots"] if shot["id"] == shot_id)


def _two_shot_alone(production: Production) -> None:
    """Scene 1 has only the Courier: a 4 mm TWO there frames the Courier alone."""
    _shot(production, "1B").update(size="TWO", camera={"lens": 4})


def _two_shot_on_one_mark(production: Production) -> None:
    """Two figures of one build on one mark: their bounds coincide, no line between them to frame across."""
    production["characters"][1].update(height=1.75, build="slim")
    production["scenes"][1]["blocking"] = {"Courier": "door", "Pursuer": "door"}
    _shot(production, "2C")["camera"]["lens"] = 4


def _vertigo_on_4mm(production: Production) -> None:
    _shot(production, "4C")["camera"] = {"lens": 4}


def _marks_a_thousand_km_out(production: Production) -> None:
    production["locations"][0]["marks"] = {
        "near_end": [1e6, -1e6],
        "door": [-1e6, 1e6],
        "far_end": [1e6, 1e6],
    }


def _many_takes(production: Production) -> None:
    """More extra cameras than letters: the 26th is AA."""
    _shot(production, "1B")["cameras"] = [{"lens": 24 + i} for i in range(26)]


def _pov_dolly_zoom(production: Production) -> None:
    """3C is the Courier's POV of the door: the dolly zoom keeps the door's size, not the Courier's own."""
    _shot(production, "3C")["camera"]["move"] = "dolly_zoom"


BUILDS: list[tuple[str, Callable[[Production], None], str]] = [
    # (case, change to the example, a build problem it must report, or "")
    (
        "4mm TWO with one person",
        _two_shot_alone,
        "shot 1B, camera A: warning: TWO: frames two people, but only Courier",
    ),
    (
        "4mm TWO on one mark",
        _two_shot_on_one_mark,
        "shot 2C, camera A: warning: TWO: Courier and Pursuer stand on one spot",
    ),
    ("4mm dolly zoom", _vertigo_on_4mm, ""),
    ("marks 1e6 m out", _marks_a_thousand_km_out, ""),
    ("POV dolly zoom", _pov_dolly_zoom, ""),
    ("26 extra cameras", _many_takes, ""),
    (
        "a view transform Blender lacks",
        lambda p: p["style"].update(view_transform="Filmic Deluxe"),
        "style.view_transform 'Filmic Deluxe' is not a view transform of this Blender; use one of (",
    ),
]


def _edited_example(folder: Path, change: Callable[[Production], None]) -> Path:
    spec = copy_example(folder)
    document = yaml.safe_load(spec.read_text(encoding="utf-8"))
    change(document["production"])
    spec.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return spec


@pytest.mark.parametrize(("change", "problem"), [c[1:] for c in BUILDS], ids=[c[0] for c in BUILDS])
def test_the_attack_cases_build(
    clean_blender: None, tmp_path: Path, change: Callable[[Production], None], problem: str
) -> None:
    production, presets = validated(_edited_example(tmp_path / "neon_alley", change))
    report = build_production(production, active_scene(bpy.context), presets=presets)
    for shot in production.shots:
        camera = keyed("objects", f"shot:{shot.id}/camera")
        assert camera is not None and all(math.isfinite(v) for v in camera.matrix_world.translation), shot.id
    said = [*report.problems, *(note.line() for note in report.staging)]
    assert not problem or any(problem in line for line in said), said


def _build_cli(spec: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(ROOT / "run.py"), "build", str(spec), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def test_a_two_person_size_alone_builds_from_the_command_line_and_says_why(tmp_path: Path) -> None:
    done = _build_cli(_edited_example(tmp_path / "neon_alley", _two_shot_alone))
    assert done.returncode == 0, done.stdout + done.stderr
    said = [line for line in done.stdout.splitlines() if "1B" in line]
    assert any("TWO: frames two people, but only Courier is there" in line for line in said), done.stdout


REFUSED: list[tuple[str, Callable[[Production], None], str, str]] = [
    (
        "one number on a mark",
        lambda p: p["locations"][0].update(marks={"near_end": [1], "door": [-2, 4], "far_end": [0, 12]}),
        "locations[0].marks.near_end",
        "[x, y] or [x, y, z]",
    ),
    ("30 February", lambda p: p["locations"][0].update(date="2026-02-30"), "locations[0].date", "2026-02-30"),
    (
        "a colour that is not one",
        lambda p: p["locations"][0].update(surfaces={"floor": {"color": "#zzzzzz"}}),
        "locations[0].surfaces.floor.color",
        "#zzzzzz",
    ),
    ("a shot id with a slash", lambda p: p["shots"][0].update(id="../1A"), "shots[0].id", "'../1A'"),
]


@pytest.mark.parametrize(("change", "path", "message"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_what_cannot_build_is_an_invalid_spec_not_a_usage_error(
    tmp_path: Path, change: Callable[[Production], None], path: str, message: str
) -> None:
    done = _build_cli(_edited_example(tmp_path / "neon_alley", change))
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"error: {path}: " in done.stdout and message in done.stdout, done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_an_unknown_department_is_the_usage_error_before_anything_is_read(tmp_path: Path) -> None:
    """The typo on the command line is what to fix first: it is reported before the spec (here invalid) is
    validated or built, and is no longer found by catching the build's ValueError."""
    spec = _edited_example(tmp_path / "neon_alley", lambda p: _shot(p, "1C")["camera"].update(lens="85mm"))
    done = _build_cli(spec, "--department", "catering")
    assert done.returncode == 2 and "catering" in done.stderr and "camera" in done.stderr, done.stderr


def test_a_bug_in_the_build_is_not_dressed_as_usage(
    clean_blender: None, example_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """run.py's guard reports it as an internal error (exit 5); `build` must not turn it into exit 2."""

    def broken(*args: object) -> None:
        raise ValueError("a bug")

    monkeypatch.setattr(headless, "build_into", broken)
    args = argparse.Namespace(spec=str(example_copy), presets=[], department=[], reset=False, save=None)
    with pytest.raises(ValueError, match="a bug"):
        headless.cmd_build(args, Console(False))


def _palette_mine(production: Production) -> None:
    production["outputs"][2]["retro"]["palette"] = "mine"


USER_PRESETS: list[tuple[str, str, str, str]] = [
    # (case, a file in the user's preset folder, its text, what the error must say)
    ("weather", "weather/rain.yaml", "wetness: lots\n", "`wetness` must be a number from 0 to 1"),
    ("light rig", "light_rigs/low_key.yaml", "lamps: {key: {distance: far}}\n", "distance must be a number"),
    ("fabric", "wardrobe/materials/vinyl.yaml", "roughness: shiny\n", "fabric vinyl in condition wet"),
    ("palette", "palettes/mine.yaml", "colors: [blue]\n", "colors[0] = 'blue' is not a colour"),
]


@pytest.mark.parametrize(
    ("file", "text", "message"), [c[1:] for c in USER_PRESETS], ids=[c[0] for c in USER_PRESETS]
)
def test_a_users_broken_preset_stops_the_build_naming_its_file(
    clean_blender: None, tmp_path: Path, file: str, text: str, message: str
) -> None:
    """Validation reads only the presets a spec's keys name; one the build reads first (the user's folder may
    shadow a built-in one) is an invalid spec naming the file, not a traceback."""
    folder = tmp_path / "presets"
    (folder / file).parent.mkdir(parents=True)
    (folder / file).write_text(text, encoding="utf-8")
    spec = copy_example(tmp_path / "neon_alley")
    if file.startswith("palettes"):
        spec = _edited_example(tmp_path / "mine", _palette_mine)
    production, presets = validated(spec, [folder])
    with pytest.raises(ProductionError) as caught:
        build_production(production, active_scene(bpy.context), presets=presets)
    assert caught.value.stage == "spec" and message in caught.value.message, caught.value.message
    assert str(folder / file) in caught.value.message and caught.value.suggestion


def test_a_palette_from_the_users_preset_folder_builds(clean_blender: None, tmp_path: Path) -> None:
    folder = tmp_path / "presets"
    (folder / "palettes").mkdir(parents=True)
    (folder / "palettes" / "mine.yaml").write_text('colors: ["#102030", "#f0e0d0"]\n', encoding="utf-8")
    production, presets = validated(_edited_example(tmp_path / "neon_alley", _palette_mine), [folder])
    build_production(production, active_scene(bpy.context), presets=presets)
    assert any(group.name == "Backlot Retro snes" for group in bpy.data.node_groups)
