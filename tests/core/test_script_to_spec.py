"""Screenplay -> draft spec: contract shape, references, coverage rules, hand-computed durations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from backlot.production.screenplay import fountain, script_to_spec
from backlot.production.values import shot_letter

SCRIPT = """Title: Two Rooms
Author: A. Writer

INT. KITCHEN - NIGHT

Ana pours tea.

ANA
One two three four five six seven eight nine ten.

BEN (O.S.)
One two three four five.

ANA (CONT'D)
Yes.

EXT. GARDEN - DAY

BEN picks up a SHOVEL.

INT. KITCHEN - LATER

Ana waits.
"""


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return script_to_spec.to_spec(fountain.parse(SCRIPT), "scripts/two_rooms.fountain")


def check_shape(spec: dict[str, Any]) -> None:
    """Required fields present and every reference resolves (the contract's dangling-reference rules)."""
    production = spec["production"]
    for key in ("title", "version", "characters", "locations", "scenes", "shots"):
        assert key in production, key
    assert isinstance(production["version"], str)
    characters = {c["name"] for c in production["characters"]}
    locations = {loc["name"] for loc in production["locations"]}
    assert len(characters) == len(production["characters"])
    assert len(locations) == len(production["locations"])
    scenes = {scene["id"]: scene for scene in production["scenes"]}
    assert len(scenes) == len(production["scenes"])
    for scene in production["scenes"]:
        assert scene["location"] in locations
        assert scene["time"] in {"day", "night", "dawn", "dusk", "golden_hour"}
        assert set(scene["characters"]) <= characters
    ids = [shot["id"] for shot in production["shots"]]
    assert len(ids) == len(set(ids))
    for shot in production["shots"]:
        assert shot["scene"] in scenes
        assert shot["id"].startswith(str(shot["scene"]))
        assert shot["duration"].endswith("s") and int(shot["duration"][:-1]) > 0
        assert "size" in shot or "template" in shot
        for subject in [shot.get("subject"), *shot.get("subjects", [])]:
            if subject is not None:
                assert subject in scenes[shot["scene"]]["characters"], (shot["id"], subject)


def test_shape_and_references(spec: dict[str, Any]) -> None:
    check_shape(spec)
    production = spec["production"]
    assert (production["title"], production["version"], production["author"]) == (
        "Two Rooms",
        "1.0",
        "A. Writer",
    )
    assert (production["script"], production["fps"]) == ("scripts/two_rooms.fountain", 24)


def test_characters_locations_scenes(spec: dict[str, Any]) -> None:
    production = spec["production"]
    assert production["characters"] == [
        {"name": "Ana"},
        {"name": "Ben"},
    ]  # extensions stripped, one entry each
    assert production["locations"] == [
        {"name": "Kitchen", "interior": True, "preset": "room_interior"},
        {"name": "Garden", "interior": False, "preset": "forest_clearing"},
    ]
    assert production["scenes"] == [
        {
            "id": 1,
            "heading": "INT. KITCHEN - NIGHT",
            "location": "Kitchen",
            "time": "night",
            "characters": ["Ana", "Ben"],
            "line": ["Ana", "Ben"],  # the first two speakers: the line the coverage is shot on
        },
        {"id": 2, "heading": "EXT. GARDEN - DAY", "location": "Garden", "time": "day", "characters": ["Ben"]},
        # LATER keeps the previous scene's time of day.
        {
            "id": 3,
            "heading": "INT. KITCHEN - LATER",
            "location": "Kitchen",
            "time": "day",
            "characters": ["Ana"],
        },
    ]


def test_coverage_and_durations(spec: dict[str, Any]) -> None:
    # The rules changed in issue 17: a two-hander is covered by a master, the OTS pair and the singles of the
    # two on the line (the first two speakers), and one character by a master and a single, instead of a WS,
    # a single per speaker and a two-shot per pair; the timing rules are the old ones.
    # Scene 1, first visit to the kitchen: establishing 3 s; master = 1 action line (60/55 s) + speech
    # (10 + 5 + 1 words at 2.5 words/s = 6.4 s) = 7.49 s -> 7 s, framed on Ana (the first speaker);
    # OTS of Ben over Ana and Ben's single: Ben's 5 words = 2 s; OTS of Ana over Ben and Ana's single: her
    # 11 words = 4.4 s -> 4 s.
    # Scene 2, exterior: establishing; master 1.09 s -> minimum 2 s; Ben's single, silent -> 2 s; SHOVEL in
    # capitals -> insert 2 s.
    # Scene 3, interior revisit: master and Ana's single, 1.09 s and silent -> 2 s each.
    shots = [{k: v for k, v in shot.items() if k != "scene"} for shot in spec["production"]["shots"]]
    assert shots == [
        {"id": "1A", "template": "establishing_wide", "duration": "3s"},
        {"id": "1B", "template": "master", "subjects": ["Ana", "Ben"], "duration": "7s"},
        {"id": "1C", "template": "over_the_shoulder", "subjects": ["Ben", "Ana"], "duration": "2s"},
        {"id": "1D", "template": "over_the_shoulder", "subjects": ["Ana", "Ben"], "duration": "4s"},
        {"id": "1E", "template": "medium_close_up", "subject": "Ana", "duration": "4s"},
        {"id": "1F", "template": "medium_close_up", "subject": "Ben", "duration": "2s"},
        {"id": "2A", "template": "establishing_wide", "duration": "3s"},
        {"id": "2B", "template": "master", "subject": "Ben", "duration": "2s"},
        {"id": "2C", "template": "medium_close_up", "subject": "Ben", "duration": "2s"},
        {"id": "2D", "template": "insert", "description": "INSERT - SHOVEL", "duration": "2s"},
        {"id": "3A", "template": "master", "subject": "Ana", "duration": "2s"},
        {"id": "3B", "template": "medium_close_up", "subject": "Ana", "duration": "2s"},
    ]


def test_a_four_hander_is_covered_on_the_first_two_speakers_line() -> None:
    # Scene 2: Cat and Dan (who speak in scene 1) are named first in the action, but Ben and Ana speak: the
    # line, the master, the OTS pair and the first two singles are theirs (Ben first), then Cat and Dan get a
    # single each.
    text = (
        "INT. HALL - DAY\n\nCAT\nHi.\n\nDAN\nHello.\n\n"
        "INT. HALL - NIGHT\n\nCAT and DAN watch. BEN and ANA argue.\n\nBEN\nNo.\n\nANA\nYes.\n"
    )
    production = script_to_spec.to_spec(fountain.parse(text))["production"]
    scene = production["scenes"][1]
    assert (scene["characters"], scene["line"]) == (["Ben", "Ana", "Cat", "Dan"], ["Ben", "Ana"])
    shots = [shot for shot in production["shots"] if shot["scene"] == 2]
    framed = [(shot["id"], shot["template"], shot.get("subjects", [shot.get("subject")])) for shot in shots]
    assert framed == [
        ("2A", "master", ["Ben", "Ana"]),  # an interior revisit: no establishing shot
        ("2B", "over_the_shoulder", ["Ana", "Ben"]),
        ("2C", "over_the_shoulder", ["Ben", "Ana"]),
        ("2D", "medium_close_up", ["Ben"]),
        ("2E", "medium_close_up", ["Ana"]),
        ("2F", "medium_close_up", ["Cat"]),
        ("2G", "medium_close_up", ["Dan"]),
    ]


def test_yaml_text_round_trips(spec: dict[str, Any]) -> None:
    text = script_to_spec.spec_yaml(spec)
    assert yaml.safe_load(text) == spec
    assert text.startswith("production:\n  title: Two Rooms\n  version: '1.0'\n")


def test_same_place_inside_and_outside_gets_two_locations() -> None:
    spec = script_to_spec.to_spec(fountain.parse("INT. HOUSE - DAY\n\nHi.\n\nEXT. HOUSE - NIGHT\n\nBye."))
    assert spec["production"]["locations"] == [
        {"name": "House", "interior": True, "preset": "room_interior"},
        {"name": "House (Ext)", "interior": False, "preset": "street"},
    ]
    assert [s["location"] for s in spec["production"]["scenes"]] == ["House", "House (Ext)"]


@pytest.mark.parametrize(
    ("name", "exterior", "preset"),
    [
        ("Back Alley", True, "urban_alley"),
        ("Abandoned Warehouse", False, "warehouse"),
        ("Bank Office", False, "office"),
        ("Main Street", True, "street"),
        ("Forest Clearing", True, "forest_clearing"),
        ("Mojave Desert", True, "desert"),
        ("Concert Stage", False, "stage"),
        ("Bedroom", False, "room_interior"),
        ("Rooftop", True, "street"),
    ],
)
def test_guess_preset(name: str, exterior: bool, preset: str) -> None:
    assert script_to_spec.guess_preset(name, exterior) == preset


def test_shot_letters_like_spreadsheet_columns() -> None:
    assert [shot_letter(n) for n in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == [
        "A",
        "B",
        "Z",
        "AA",
        "AB",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]


def test_title_falls_back_to_file_name() -> None:
    spec = script_to_spec.to_spec(fountain.parse("INT. A - DAY"), Path("scripts/neon_alley.fountain"))
    assert spec["production"]["title"] == "Neon Alley"
    assert script_to_spec.to_spec(fountain.parse("INT. A - DAY"))["production"]["title"] == "Untitled"


def test_corpus_scripts_give_well_formed_drafts() -> None:
    corpus = Path(__file__).resolve().parents[3] / "shared/corpus/fountain/screenplay-tools"
    if not corpus.is_dir():
        pytest.skip("screenplay-tools corpus not present")
    for path in sorted(corpus.glob("*.fountain")):
        check_shape(script_to_spec.to_spec(fountain.parse(path.read_text(encoding="utf-8")), path.name))
