"""The line of action and coverage in a spec: `scenes[].line`, `scenes[].coverage`, `camera.cross_line`.

Generated shots are checked against the rules written out by hand and the shot templates' own files
(presets/shots: master WS 32 mm 6 s, over_the_shoulder OTS 50 mm 3 s, medium_close_up MCU 50 mm 3 s,
walk_and_talk TWO 32 mm 6 s); whether a camera stands on the line against the shot-size table of
docs/camera.md (side angle 20 degrees for singles, 0 for TWO).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from backlot.production.plan import make_plan
from backlot.production.spec.api import load_production
from backlot.production.spec.json_schema import spec_json_schema
from backlot.production.spec.validate import ValidationResult

CROSS_FIX = "cross after a neutral shot on the line (an insert, a POV) or drop cross_line"

# Line numbers below are counted on this text; {scene_1} and {shots} are filled in by each test.
#  1 production:              7     - id: 1
#  2   title: Lines           8       location: Street
#  3   version: "1.0"         9       characters: [Ada, Ben]
#  4   characters: [...]     10       line: [Ada, Ben]       (scene_1's two lines by default)
#  5   locations: [...]      11       coverage: standard
#  6   scenes:               12     - id: 2 ... (scene 3 on 15-17; `shots:` on 18, the first shot on 19)
SPEC = """production:
  title: Lines
  version: "1.0"
  characters: [{{name: Ada}}, {{name: Ben}}, {{name: Cat}}]
  locations: [{{name: Street}}]
  scenes:
    - id: 1
      location: Street
      characters: [Ada, Ben]
{scene_1}
    - id: 2
      location: Street
      characters: [Ada, Ben, Cat]
    - id: 3
      location: Street
      characters: [Cat]
  shots:
{shots}
  outputs: [{{name: preview, path: output/preview/}}]
"""
COVERED = "      line: [Ada, Ben]\n      coverage: standard"
TWO_A = "    - {id: 2A, scene: 2, size: MS, subject: Ada, duration: 2s}"


def validate(
    tmp_path: Path, scene_1: str = COVERED, shots: str = TWO_A, presets: list[str | Path] | None = None
) -> ValidationResult:
    spec = tmp_path / "production.yaml"
    spec.write_text(SPEC.format(scene_1=scene_1, shots=shots), encoding="utf-8")
    return load_production(spec, presets)


def problems(result: ValidationResult) -> list[tuple[str, str, int | None]]:
    return [(i.path, i.severity, i.line) for i in result.issues if i.severity != "info"]


def test_a_covered_two_hander_gets_master_ots_pair_and_singles_before_the_next_scene(tmp_path: Path) -> None:
    result = validate(tmp_path)
    assert problems(result) == []
    production = result.production
    assert production is not None
    scene = production.scene("1")
    assert (scene.line, scene.coverage) == (("Ada", "Ben"), "standard")
    shots = [
        (s.id, s.size, s.template, s.subject, s.subjects, s.camera.lens, s.duration) for s in production.shots
    ]
    assert shots == [
        ("1A", "WS", "master", None, ("Ada", "Ben"), 32, 144),
        ("1B", "OTS", "over_the_shoulder", None, ("Ben", "Ada"), 50, 72),
        ("1C", "OTS", "over_the_shoulder", None, ("Ada", "Ben"), 50, 72),
        ("1D", "MCU", "medium_close_up", "Ada", (), 50, 72),
        ("1E", "MCU", "medium_close_up", "Ben", (), 50, 72),
        ("2A", "MS", None, "Ada", (), 35, 48),
    ]
    plan = make_plan(production)  # what `info`, `estimate` and the render read
    assert plan.scene_ranges["1"] == (1, 144 + 4 * 72)
    info = [i for i in result.issues if i.severity == "info"]
    assert [(i.path, i.line) for i in info] == [("scenes[0].coverage", 11)]
    assert "1A master (Ada and Ben), 1B over_the_shoulder (Ben over Ada)" in info[0].message


def test_explicit_shots_stay_after_the_generated_ones_whose_ids_skip_theirs(tmp_path: Path) -> None:
    shots = (
        "    - {id: 1B, scene: 1, size: CU, subject: Ada, duration: 2s}\n"
        "    - {scene: 1, size: INSERT, subject: Ada, duration: 1s}\n" + TWO_A
    )
    production = validate(tmp_path, shots=shots).production
    assert production is not None
    assert [(s.id, s.template or s.size) for s in production.shots_in("1")] == [
        ("1A", "master"),
        ("1C", "over_the_shoulder"),
        ("1D", "over_the_shoulder"),
        ("1E", "medium_close_up"),
        ("1F", "medium_close_up"),
        ("1B", "CU"),
        ("1G", "INSERT"),  # the spec's own shot without an id: the next free letter
    ]


def test_a_walk_and_talk_and_a_one_hander(tmp_path: Path) -> None:
    scene_1 = "      coverage: walk_and_talk"
    shots = "    - {id: 3A, scene: 3, size: MS, subject: Cat, duration: 2s}"
    production = validate(tmp_path, scene_1, shots).production
    assert production is not None
    assert [(s.id, s.size, s.subject, s.subjects, s.camera.rig, s.duration) for s in production.shots] == [
        ("1A", "TWO", None, ("Ada", "Ben"), "steadicam", 144),
        ("1B", "MCU", "Ada", (), "tripod", 72),
        ("1C", "MCU", "Ben", (), "tripod", 72),
        ("3A", "MS", "Cat", (), "tripod", 48),
    ]


def test_a_users_template_without_a_duration_gets_the_default(tmp_path: Path) -> None:
    presets = tmp_path / "studio"
    (presets / "shots").mkdir(parents=True)
    (presets / "shots" / "master.yaml").write_text("size: EWS\n", encoding="utf-8")
    production = validate(tmp_path, presets=[presets]).production
    assert production is not None
    master = production.shot("1A")
    assert (master.size, master.duration) == ("EWS", 72)  # 3 s at 24 fps


@pytest.mark.parametrize(
    ("scene_1", "path", "message", "fix"),
    [
        (
            "      line: [Ada]",
            "scenes[0].line",
            "names 1 character(s)",
            "line: [A, B]` with two of the scene's",
        ),
        ("      line: [Ada, Ada]", "scenes[0].line[1]", "names 'Ada' twice", "(Ada, Ben)"),
        ("      line: [Ada, Bem]", "scenes[0].line[1]", "unknown character 'Bem'", "did you mean 'Ben'?"),
        (
            "      line: [Ada, Cat]",
            "scenes[0].line[1]",
            "'Cat', who is not in scene 1",
            "add them to the scene",
        ),
        ("      line: Ada", "scenes[0].line", "expected a list", "[Ada]"),
        (
            "      coverage: fancy",
            "scenes[0].coverage",
            "'fancy' is not allowed",
            "none, standard, walk_and_talk",
        ),
        (
            "      coverage: standrd",
            "scenes[0].coverage",
            "'standrd' is not allowed",
            "did you mean 'standard'?",
        ),
    ],
)
def test_a_bad_line_or_coverage_is_one_error_with_its_place_and_fix(
    tmp_path: Path, scene_1: str, path: str, message: str, fix: str
) -> None:
    result = validate(tmp_path, scene_1)
    assert problems(result) == [(path, "error", 10)]
    issue = next(i for i in result.issues if i.severity == "error")
    assert message in issue.message and fix in issue.suggestion, issue.format()


@pytest.mark.parametrize(
    ("before", "warned"),
    [
        ("", True),  # the first shot of the scene crosses: nothing carried the audience over
        ("{size: MCU, subject: Ada}", True),  # a single at the size's side angle is off the line
        ("{size: INSERT, subject: Ada}", False),
        ("{size: POV, subject: Ada, camera: {target: Ben}}", False),
        ("{size: MCU, subject: Ada, camera: {angle: -20}}", False),  # 20 - 20 = 0: down Ada's facing
        ("{size: CU, subject: Ben, camera: {angle: 162}}", False),  # 182 degrees: within 5 of the line
        ("{size: CU, subject: Ben, camera: {angle: 150}}", True),  # 170: ten degrees off
        ("{size: TWO, subjects: [Ada, Ben], camera: {angle: 90}}", False),  # a two-shot turned onto the line
        ("{size: OTS, subjects: [Ada, Ben], camera: {angle: -20}}", True),  # an OTS is never on the line
    ],
)
def test_crossing_the_line_warns_unless_a_neutral_shot_comes_first(
    tmp_path: Path, before: str, warned: bool
) -> None:
    shots = [f"    - {{scene: 2, duration: 2s, {before[1:-1]}}}"] if before else []
    shots.append("    - {scene: 2, size: MCU, subject: Ben, duration: 2s, camera: {cross_line: true}}")
    result = validate(tmp_path, shots="\n".join(shots))
    index = len(shots) - 1
    expected = [(f"shots[{index}].camera.cross_line", "warning", 19 + index)] if warned else []
    assert problems(result) == expected
    if warned:
        issue = next(i for i in result.issues if i.severity == "warning")
        assert issue.suggestion == CROSS_FIX
        assert f"shot 2{'AB'[index]} crosses the line" in issue.message


def test_a_neutral_shot_counts_only_in_its_own_scene_and_extra_cameras_cross_too(tmp_path: Path) -> None:
    shots = (
        "    - {scene: 1, size: INSERT, subject: Ada, duration: 2s}\n"
        "    - {scene: 2, size: MS, subject: Ada, duration: 2s, cameras: [{name: B}, {cross_line: true}]}"
    )
    result = validate(tmp_path, shots=shots)
    assert problems(result) == [("shots[1].cameras[1].cross_line", "warning", 20)]


def test_crossing_where_there_is_no_line_warns(tmp_path: Path) -> None:
    shots = "    - {scene: 3, size: MCU, subject: Cat, duration: 2s, camera: {cross_line: true}}"
    result = validate(tmp_path, shots=shots)
    assert problems(result) == [("shots[0].camera.cross_line", "warning", 19)]
    issue = next(i for i in result.issues if i.severity == "warning")
    assert "no line to cross" in issue.message and "drop cross_line" in issue.suggestion


def test_a_walk_and_talk_for_one_warns_and_is_covered_as_standard(tmp_path: Path) -> None:
    scene_1 = "      coverage: standard\n    - id: 4\n      location: Street\n      coverage: walk_and_talk"
    result = validate(tmp_path, scene_1)
    assert problems(result) == [("scenes[1].coverage", "warning", 13)]
    production = result.production
    assert production is not None
    assert [s.template for s in production.shots_in("4")] == ["master"]  # nobody in it: a master only


def test_cross_line_reaches_the_model_on_every_camera(tmp_path: Path) -> None:
    shots = (
        "    - {scene: 2, size: INSERT, subject: Ada, duration: 2s}\n"
        "    - {scene: 2, size: MS, subject: Ada, duration: 2s, camera: {cross_line: true}, "
        "cameras: [{cross_line: true}, {name: C}]}"
    )
    production = validate(tmp_path, shots=shots).production
    assert production is not None
    shot = production.shot("2B")
    assert [shot.camera.cross_line, *(c.cross_line for c in shot.cameras)] == [True, True, False]


def test_the_json_schema_offers_the_new_keys() -> None:
    production = spec_json_schema()["properties"]["production"]["properties"]
    scene = production["scenes"]["items"]["properties"]
    assert scene["coverage"]["enum"] == ["none", "standard", "walk_and_talk"]
    assert (scene["line"]["type"], scene["line"]["items"]["type"]) == ("array", "string")
    camera = production["shots"]["items"]["properties"]["camera"]["properties"]
    assert camera["cross_line"]["type"] == "boolean"
    extra = production["shots"]["items"]["properties"]["cameras"]["items"]["properties"]
    assert extra["cross_line"]["type"] == "boolean"
