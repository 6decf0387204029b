"""`production.script`: scenes, cast, locations and shots come from a Fountain screenplay; the spec wins."""

from __future__ import annotations

from pathlib import Path

from backlot.production.spec.api import load_production

SCRIPT = """Title: Two Rooms

EXT. PARK - DAY

ANNA walks in. She sees BEN.

ANNA
Hello Ben.

BEN
Hi.

INT. KITCHEN - NIGHT

ANNA makes tea.

ANNA
Late again.
"""


def write_production(folder: Path, body: str) -> Path:
    (folder / "scripts").mkdir()
    (folder / "scripts" / "two_rooms.fountain").write_text(SCRIPT)
    spec = folder / "production.yaml"
    spec.write_text(
        'production:\n  title: Two Rooms\n  version: "0.1"\n  script: scripts/two_rooms.fountain\n' + body
    )
    return spec


def test_scenes_cast_and_shots_come_from_the_script(tmp_path: Path) -> None:
    result = load_production(write_production(tmp_path, ""))
    assert result.valid, [i.format() for i in result.issues]
    production = result.production
    assert production is not None
    assert [s.heading for s in production.scenes] == ["EXT. PARK - DAY", "INT. KITCHEN - NIGHT"]
    assert {c.name for c in production.characters} == {"Anna", "Ben"}
    assert set(production.scenes[0].characters) == {"Anna", "Ben"}
    assert production.scenes[1].characters == ("Anna",)
    assert len(production.locations) == 2
    assert production.shots, "coverage shots are derived when the spec gives none"
    assert {s.scene for s in production.shots} == {"1", "2"}


def test_explicit_entries_win(tmp_path: Path) -> None:
    body = (
        "  characters: [{name: Anna, height: 1.6}]\n"
        "  locations: [{name: Garden, preset: forest_clearing}]\n"
        "  scenes: [{id: 1, heading: EXT. GARDEN - DAY, location: Garden, characters: [Anna, Ben]}]\n"
        "  shots: [{scene: 1, size: CU, subject: Anna, duration: 2s}]\n"
    )
    result = load_production(write_production(tmp_path, body))
    assert result.valid, [i.format() for i in result.issues]
    production = result.production
    assert production is not None
    assert production.character("Anna").height == 1.6
    assert production.scene("1").location == "Garden"
    assert production.scene("2").heading == "INT. KITCHEN - NIGHT", "omitted scenes come from the script"
    assert [s.id for s in production.shots] == ["1A"], "a hand-made shot list is not mixed with coverage"


def test_unreadable_script_is_an_issue_not_a_crash(tmp_path: Path) -> None:
    spec = write_production(tmp_path, "")
    (tmp_path / "scripts" / "two_rooms.fountain").write_bytes(b"\xff\xfe\x00bad")
    result = load_production(spec)
    assert not result.valid
    assert any(i.path == "script" and i.severity == "error" for i in result.issues)
