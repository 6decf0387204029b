"""Validation checks what the build will read: a spec that validates clean must build. Each case below once
validated clean and then broke the build (a mark with one number, 2026-02-30, a colour the set builder parsed
again, a shot id with a slash in its file names); now it is one issue at its key, with a fix. The edges that
are fine stay fine."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import test_spec_common as kit
from backlot.production.spec.api import load_production
from test_spec_broken import edit, edits

Spec = Callable[[], dict[str, Any]]
ROOF = "locations[2]"  # a location no scene uses: its keys are free to change
SHOT = "shots[1]"  # 1B: CU of Ada, 85 mm push-in


def _shot_edits(**camera: Any) -> Spec:
    return edit(f"{SHOT}.camera", {"lens": 85, "sensor": "super35", **camera})


CASES: list[tuple[str, Spec, str, str]] = [
    # (case, spec, the one error's path, a substring of its message)
    ("mark_with_one_number", edit(f"{ROOF}.marks", {"door": [1]}), f"{ROOF}.marks.door", "[x, y]"),
    ("mark_with_four_numbers", edit(f"{ROOF}.marks", {"door": [1, 2, 3, 4]}), f"{ROOF}.marks.door", "4 "),
    ("feature_with_one_number", edit(f"{ROOF}.features", {"tower": [5]}), f"{ROOF}.features.tower", "[x, y]"),
    ("size_with_four_numbers", edit(f"{ROOF}.size", [5, 5, 5, 5]), f"{ROOF}.size", "width, depth, height"),
    ("impossible_date", edit(f"{ROOF}.date", "2026-02-30"), f"{ROOF}.date", "day is out of range"),
    ("date_in_words", edit(f"{ROOF}.date", "next tuesday"), f"{ROOF}.date", "not a date"),
    ("date_year_1", edit(f"{ROOF}.date", "0001-01-01"), f"{ROOF}.date", "year 1 is outside"),
    ("scene_time_year_9999", edit("scenes[1].time", "9999-12-31T23:59"), "scenes[1].time", "year 9999"),
    (
        "surface_colour",
        edit(f"{ROOF}.surfaces", {"floor": {"color": "#zzzzzz"}}),
        f"{ROOF}.surfaces.floor.color",
        "colour",
    ),
    (
        "surface_roughness_as_text",
        edit(f"{ROOF}.surfaces", {"floor": {"roughness": "shiny"}}),
        f"{ROOF}.surfaces.floor.roughness",
        "number",
    ),
    (
        "practical_colour",
        edit(f"{ROOF}.practicals", [{"name": "neon", "at": [0, 0, 3], "color": "#zzzzzz"}]),
        f"{ROOF}.practicals[0].color",
        "colour",
    ),
    (
        "practical_at_two_numbers",
        edit(f"{ROOF}.practicals", [{"name": "lamp", "at": [0, 3]}]),
        f"{ROOF}.practicals[0].at",
        "[x, y, z]",
    ),
    (
        "practical_negative_fixture",
        edit(f"{ROOF}.practicals", [{"name": "lamp", "fixture_size": -0.2}]),
        f"{ROOF}.practicals[0].fixture_size",
        "fixture_size",
    ),
    (
        "practical_kind_of_lamp",
        edit(f"{ROOF}.practicals", [{"name": "lamp", "type": "LASER"}]),
        f"{ROOF}.practicals[0].type",
        "LASER",
    ),
    (
        "prop_size_two_numbers",
        edit(f"{ROOF}.blockout", {"props": [{"shape": "box", "size": [1, 2]}]}),
        f"{ROOF}.blockout.props[0].size",
        "[x, y, z]",
    ),
    (
        "prop_shape",
        edit(f"{ROOF}.blockout", {"props": [{"shape": "torus"}]}),
        f"{ROOF}.blockout.props[0].shape",
        "torus",
    ),
    (
        "dunes_without_wavelength",
        edit(f"{ROOF}.blockout", {"terrain": {"kind": "dunes", "wavelength": 0}}),
        f"{ROOF}.blockout.terrain.wavelength",
        "out of range",
    ),
    (
        "wall_that_is_not_a_side",
        edit(f"{ROOF}.blockout", {"walls": ["ceiling"]}),
        f"{ROOF}.blockout.walls[0]",
        "ceiling",
    ),
    ("shot_id_climbing_out", edit("shots[0].id", "../1A"), "shots[0].id", "path separator"),
    ("shot_id_backslash", edit("shots[0].id", "1\\A"), "shots[0].id", "path separator"),
    ("shot_id_nul", edit("shots[0].id", "1A\x00"), "shots[0].id", "U+0000"),
    ("shot_id_dot", edit("shots[0].id", "."), "shots[0].id", "'.'"),
    ("take_name_slash", _shot_edits(name="A/B"), f"{SHOT}.camera.name", "path separator"),
    (
        "extra_camera_named_a",
        edit(f"{SHOT}.cameras", [{"name": "A", "lens": 50}]),
        f"{SHOT}.cameras[0].name",
        "primary",
    ),
    (
        "two_extra_cameras_one_name",
        edit(f"{SHOT}.cameras", [{"name": "B"}, {"name": "B"}]),
        f"{SHOT}.cameras[1].name",
        "another camera",
    ),
    (
        "default_camera_name_taken",
        edit(f"{SHOT}.cameras", [{"name": "C"}, {"lens": 50}]),
        f"{SHOT}.cameras[1].name",
        "default name 'C'",
    ),
    ("output_name_slash", edit("outputs[0].name", "out/preview"), "outputs[0].name", "path separator"),
    ("character_name_dotdot", edit("characters[2].name", ".."), "characters[2].name", "'..'"),
    ("location_name_tab", edit(f"{ROOF}.name", "Ro\tof"), f"{ROOF}.name", "U+0009"),
    ("crash_zoom_backwards", _shot_edits(move="crash_zoom", amount=-2), f"{SHOT}.camera.amount", "-170 mm"),
    ("dolly_zoom_to_nothing", _shot_edits(move="dolly_zoom", amount=0), f"{SHOT}.camera.amount", "0 mm"),
    (
        "crash_zoom_past_the_longest",
        _shot_edits(move="crash_zoom", amount=20),
        f"{SHOT}.camera.amount",
        "1700",
    ),
    ("focus_lands_twice_at_once", edit("shots[3].focus.at", [0.5, 0.5]), "shots[3].focus.at", "increase"),
]


@pytest.fixture(scope="module")
def stubs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return kit.write_stub_presets(tmp_path_factory.mktemp("stub_presets"))


@pytest.mark.parametrize(("spec", "path", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_what_the_build_would_trip_on_is_one_issue_at_its_key(
    spec: Spec, path: str, message: str, tmp_path: Path, stubs: Path
) -> None:
    result = load_production(kit.write_spec(tmp_path / "prod", spec()), [stubs])
    assert kit.paths(result.issues, "error", "warning") == {(path, "error")}, kit.describe(result.issues)
    (issue,) = result.issues
    assert message in issue.message, issue.format()
    assert issue.suggestion and issue.file == "production.yaml" and issue.line, issue.format()
    assert result.production is None


def test_the_edges_that_are_fine_build_a_model(tmp_path: Path, stubs: Path) -> None:
    """Three numbers on a mark, a leap day with spaces round it (written back in ISO form, as the sky builder
    reads it), names with spaces and dots, extra cameras B and C, one number for a fixture, zooms that land on
    the shortest and longest lens."""
    spec = edits(
        (f"{ROOF}.marks", {"door": [1, 2], "roof_edge": [0, 5, 12.5]}),
        (f"{ROOF}.features", {"tower": [3, 4, 30]}),
        (f"{ROOF}.date", " 2028-02-29 "),
        (f"{ROOF}.practicals", [{"name": "lamp", "at": [0, 0, 3], "fixture_size": 0.2, "size": [0.1, 0.4]}]),
        ("characters[2].name", "Dr. Cat"),
        ("shots[0].id", "1A.v2"),
        (f"{SHOT}.cameras", [{"name": "B"}, {"name": "C"}]),
        ("shots[2].camera", {"lens": 24, "move": "dolly_zoom", "amount": 1 / 6}),
        ("shots[4].camera", {"lens": 24, "move": "crash_zoom", "amount": 50}),
    )()
    result = load_production(kit.write_spec(tmp_path / "prod", spec), [stubs])
    assert result.issues == [], kit.describe(result.issues)
    assert result.production is not None
    roof = result.production.location("Roof")
    assert roof.marks["roof_edge"] == (0, 5, 12.5) and roof.date == "2028-02-29"
