"""Production folders: production.yaml + characters/, locations/, costumes/, scenes/, shots/ merged in that
order; duplicates across files name both files; issues in a part file point into that part file."""

from __future__ import annotations

from pathlib import Path

import pytest
import test_spec_common as kit
from backlot.production.spec.api import load_production

MAIN = """production:
  title: Folder Film
  version: "2.0"
  fps: 25
  shots:
    - {scene: 1, size: WS, duration: 1s}
  outputs:
    - {name: preview, format: preview_540p, path: output/preview/}
"""
PARTS = {
    # one character per file, as a bare mapping
    "characters/ada.yaml": "name: Ada\nheight: 1.7\nwardrobe:\n  - {scenes: '1-2', costume: coat}\n",
    # a list of characters in one file
    "characters/crowd.yaml": "- name: Ben\n- name: Cat\n",
    # a file that repeats its folder's key
    "locations/sets.yaml": (
        "locations:\n  - {name: Street, preset: street}\n  - {name: Office, preset: office}\n"
    ),
    "costumes/all.yaml": "coat: {pieces: [coat], colors: ['#202020']}\n",
    "scenes/act1.yaml": (
        "- {id: 1, location: Street, time: night, characters: [Ada, Ben]}\n"
        "- {id: 2, location: Office, time: day, characters: [Ada]}\n"
    ),
    "shots/a.yaml": (
        "- {scene: 1, subject: Ada, size: CU, duration: 2s}\n- {scene: 2, subject: Ada, duration: 50f}\n"
    ),
    #                   line 1                                          line 2
    "shots/b.yaml": ("- scene: 1\n  subject: Ben\n  duration: 1s\n"),
}


def write_folder(root: Path, parts: dict[str, str] | None = None, main: str = MAIN) -> Path:
    kit.write_spec(root, main)
    for rel, body in (PARTS if parts is None else parts).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(body, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def stubs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return kit.write_stub_presets(tmp_path_factory.mktemp("stub_presets"))


def test_folder_merges_in_order_and_validates(tmp_path: Path, stubs: Path) -> None:
    result = load_production(write_folder(tmp_path / "film"), [stubs])
    assert result.issues == [], kit.describe(result.issues)
    production = result.production
    assert production is not None
    assert [c.name for c in production.characters] == ["Ada", "Ben", "Cat"]  # files in name order
    assert [loc.name for loc in production.locations] == ["Street", "Office"]
    assert [s.id for s in production.scenes] == ["1", "2"]
    # production.yaml's own shots first, then shots/a.yaml, then shots/b.yaml; ids default to <scene><letter>
    assert [(s.id, s.scene) for s in production.shots] == [("1A", "1"), ("1B", "1"), ("2A", "2"), ("1C", "1")]
    # durations at 25 fps: 1s = 25, 2s = 50, 50f = 50, 1s = 25
    assert [s.duration for s in production.shots] == [25, 50, 50, 25]
    assert production.costume("coat").colors == ((0x20 / 255,) * 3,)


def test_issue_in_a_part_file_points_into_it(tmp_path: Path, stubs: Path) -> None:
    parts = dict(PARTS)
    parts["shots/b.yaml"] = "- scene: 1\n  subject: Ben\n  duration: 1s\n  camera: {lens: 85mm}\n"
    result = load_production(write_folder(tmp_path / "film", parts), [stubs])
    (issue,) = result.issues
    # shots: 1 from production.yaml, 2 from a.yaml, so b.yaml's first shot is shots[3]
    assert (issue.path, issue.severity) == ("shots[3].camera.lens", "error")
    assert (issue.file, issue.line) == ("shots/b.yaml", 4)


def test_unknown_key_in_a_part_file(tmp_path: Path, stubs: Path) -> None:
    parts = dict(PARTS)
    parts["characters/crowd.yaml"] = "- name: Ben\n- name: Cat\n  heigth: 1.6\n"
    result = load_production(write_folder(tmp_path / "film", parts), [stubs])
    (issue,) = result.issues
    assert (issue.path, issue.severity) == ("characters[2].heigth", "error")  # a misspelling
    assert (issue.file, issue.line) == ("characters/crowd.yaml", 3)
    assert "'height'" in issue.suggestion


def test_syntax_error_in_a_part_file(tmp_path: Path, stubs: Path) -> None:
    parts = dict(PARTS)
    parts["scenes/act2.yaml"] = "- id: 3\n  location: Street\n   time: day\n"
    result = load_production(write_folder(tmp_path / "film", parts), [stubs])
    errors = [i for i in result.issues if i.is_error]
    assert len(errors) == 1, kit.describe(result.issues)
    assert (errors[0].file, errors[0].line, errors[0].path) == ("scenes/act2.yaml", 3, "scenes")


def test_hostile_tag_in_a_part_file(tmp_path: Path, stubs: Path) -> None:
    parts = dict(PARTS)
    parts["costumes/evil.yaml"] = "cape: !!python/object/apply:os.system [echo pwned]\n"
    result = load_production(write_folder(tmp_path / "film", parts), [stubs])
    (issue,) = result.issues
    assert (issue.path, issue.severity, issue.file, issue.line) == (
        "costumes.cape",
        "error",
        "costumes/evil.yaml",
        1,
    )


def test_duplicate_across_part_files_names_both(tmp_path: Path, stubs: Path) -> None:
    parts = dict(PARTS)
    parts["characters/zz_again.yaml"] = "name: Ada\nheight: 1.9\n"
    result = load_production(write_folder(tmp_path / "film", parts), [stubs])
    (issue,) = result.issues
    assert (issue.path, issue.severity) == ("characters[3].name", "error")
    assert "characters/ada.yaml" in issue.message and "characters/zz_again.yaml" in issue.message
    assert issue.file == "characters/zz_again.yaml"


def test_duplicate_between_main_file_and_part_file(tmp_path: Path, stubs: Path) -> None:
    main = MAIN.replace("  outputs:", "  locations:\n    - {name: Street, preset: street}\n  outputs:")
    result = load_production(write_folder(tmp_path / "film", main=main), [stubs])
    (issue,) = result.issues
    assert (issue.path, issue.severity) == ("locations[1].name", "error")
    assert "production.yaml" in issue.message and "locations/sets.yaml" in issue.message


def test_duplicate_costume_across_files(tmp_path: Path, stubs: Path) -> None:
    parts = dict(PARTS)
    parts["costumes/more.yaml"] = "coat: {pieces: [parka]}\n"
    result = load_production(write_folder(tmp_path / "film", parts), [stubs])
    (issue,) = result.issues
    assert (issue.path, issue.severity) == ("costumes.coat", "error")
    assert "costumes/all.yaml" in issue.message and "costumes/more.yaml" in issue.message


def test_dangling_reference_across_files(tmp_path: Path, stubs: Path) -> None:
    parts = dict(PARTS)
    parts["shots/b.yaml"] = "- scene: 1\n  subject: Bne\n  duration: 1s\n"
    result = load_production(write_folder(tmp_path / "film", parts), [stubs])
    (issue,) = result.issues
    assert (issue.path, issue.severity, issue.file, issue.line) == (
        "shots[3].subject",
        "error",
        "shots/b.yaml",
        2,
    )
    assert "'Ben'" in issue.suggestion


def test_folder_without_production_yaml(tmp_path: Path, stubs: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = load_production(tmp_path / "empty", [stubs])
    assert kit.paths(result.issues) == {("", "error")}
    assert not result.valid
