"""Screenplay -> draft production spec (a plain dict in the contract's shape, plus its YAML text).

Scenes, characters and locations come from the headings and cues; shots from the coverage rules a spec's
`coverage: standard` follows too (production/coverage.py) and durations from a speech-rate and page-time
model, both documented in docs/fountain.md. The draft is a starting point the writer edits; validation is
the validator's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

import yaml

from ..coverage import INSERT, MASTER, WALK_AND_TALK, Setup, free_shot_ids, line_of_action, setups
from . import breakdown as bd
from . import fountain
from .fountain import Screenplay

WORDS_PER_SECOND = 2.5
"""Spoken dialogue at 150 words a minute, the usual conversational rate."""
SECONDS_PER_PAGE = 60.0
"""The one-page-one-minute rule; an eighth of a page is 7.5 s, an action line 60/55 s on US letter."""
ESTABLISHING_SECONDS = 3
INSERT_SECONDS = 2
MIN_SHOT_SECONDS = 2

# Location presets guessed from words in the location's name, first match wins.
PRESET_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("urban_alley", ("alley", "alleyway", "backstreet", "back street")),
    ("warehouse", ("warehouse", "factory", "hangar", "garage", "loading dock", "depot", "plant")),
    ("stage", ("stage", "theater", "theatre", "studio", "auditorium", "concert", "arena")),
    ("office", ("office", "bank", "boardroom", "conference", "cubicle", "precinct", "headquarters")),
    ("forest_clearing", ("forest", "woods", "clearing", "jungle", "glade", "meadow", "park", "garden")),
    ("desert", ("desert", "dunes", "canyon", "mesa", "wasteland", "badlands")),
    ("street", ("street", "road", "avenue", "boulevard", "highway", "sidewalk", "parking lot", "square",
                "intersection", "bridge", "city", "town")),
)  # fmt: skip
_PRESET_PATTERNS = [
    (preset, re.compile(r"\b(?:" + "|".join(re.escape(word) for word in words) + r")\b", re.IGNORECASE))
    for preset, words in PRESET_WORDS
]
EXTERIOR_PRESETS = frozenset({"urban_alley", "street", "forest_clearing", "desert"})


def guess_preset(location: str, exterior: bool | None) -> str:
    """A location preset from the name; otherwise room_interior inside and street outside."""
    for preset, pattern in _PRESET_PATTERNS:
        if pattern.search(location):
            return preset
    return "street" if exterior else "room_interior"


def _seconds(value: float, minimum: int = MIN_SHOT_SECONDS) -> str:
    return f"{max(minimum, int(value + 0.5))}s"


@dataclass(frozen=True)
class Speech:
    speaker: str
    text: str

    @property
    def seconds(self) -> float:
        return len(self.text.split()) / WORDS_PER_SECOND


def speeches(scene: fountain.Scene) -> list[Speech]:
    """Each cue's dialogue and lyrics in plain text (parentheticals are direction, not speech)."""
    result: list[Speech] = []
    speaker = ""
    for element in scene.elements:
        if element.kind == fountain.CHARACTER:
            speaker = bd.display_name(element.text)
            result.append(Speech(speaker, ""))
        elif element.kind in {fountain.DIALOGUE, fountain.LYRIC} and result:
            previous = result[-1]
            joined = f"{previous.text} {fountain.plain_text(element.text)}".strip()
            result[-1] = Speech(previous.speaker, " ".join(joined.split()))
    return [speech for speech in result if speech.text]


def action_seconds(scene: fountain.Scene, paper: str = "letter") -> float:
    """Page time of the scene's action: printed lines at the page's pace."""
    model = fountain.PAPERS[paper]
    lines = sum(
        fountain.wrapped_line_count(fountain.plain_text(element.text), model.widths[fountain.ACTION])
        for element in scene.elements
        if element.kind == fountain.ACTION
    )
    return lines * SECONDS_PER_PAGE / model.lines_per_page


def coverage(
    scene_id: int,
    scene: fountain.Scene,
    sheet: bd.SceneBreakdown,
    establish: bool,
    paper: str = "letter",
) -> list[dict[str, Any]]:
    """Rule-based coverage of one scene (docs/fountain.md, 'Coverage rules'): an establishing shot, then the
    setups of production/coverage.py (the spec's `coverage: standard` too) on the first two speakers' line,
    timed by speech and page time."""
    scene_speeches = speeches(scene)
    cast = list(sheet.categories["cast"])
    spoken: dict[str, float] = {}
    for speech in scene_speeches:
        spoken[speech.speaker] = spoken.get(speech.speaker, 0.0) + speech.seconds
    total = action_seconds(scene, paper) + sum(spoken.values())
    shots: list[dict[str, Any]] = []
    if establish:
        shots.append({"template": "establishing_wide", "duration": f"{ESTABLISHING_SECONDS}s"})
    props = sheet.categories["props"]
    for setup in setups(
        "standard", cast, speakers=[speech.speaker for speech in scene_speeches], props=props
    ):
        shots.append({**setup.shot_keys(), "duration": _setup_duration(setup, total, spoken)})
    ids = free_shot_ids(scene_id, ())
    return [{"id": next(ids), "scene": scene_id, **shot} for shot in shots]


def _setup_duration(setup: Setup, total: float, spoken: dict[str, float]) -> str:
    """A master or walk-and-talk covers the whole scene, an insert INSERT_SECONDS, an OTS or a single the
    time its framed character speaks."""
    if setup.template in (MASTER, WALK_AND_TALK):
        return _seconds(total)
    if setup.template == INSERT:
        return f"{INSERT_SECONDS}s"
    return _seconds(spoken.get(setup.subjects[0], 0.0))


def _location_title(location: str) -> str:
    return bd.display_name(location) if location else "Unnamed Location"


DRAFT_OUTPUT = {"name": "preview", "format": "preview_540p", "path": "output/preview/"}
"""A draft renders something from the start: a 540p preview the artist can replace."""


def to_spec(
    screenplay: Screenplay,
    script_path: str | PurePath | None = None,
    fps: int = 24,
    paper: str = "letter",
) -> dict[str, Any]:
    """A draft spec ``{"production": {...}}`` with characters, locations, scenes and shots from the script."""
    sheets = bd.breakdown(screenplay, paper)
    locations: dict[tuple[str, bool], dict[str, Any]] = {}
    scenes: list[dict[str, Any]] = []
    shots: list[dict[str, Any]] = []
    for scene_id, (scene, sheet) in enumerate(zip(screenplay.scenes, sheets, strict=True), 1):
        heading = bd.read_heading(scene.heading.text)
        name = _location_title(heading.location)
        preset = guess_preset(name, heading.exterior if heading.setting else None)
        interior = not heading.exterior if heading.setting else preset not in EXTERIOR_PRESETS
        first_visit = (name, interior) not in locations
        if first_visit:
            taken = any(existing["name"] == name for existing in locations.values())
            unique = f"{name} ({'Int' if interior else 'Ext'})" if taken else name
            locations[(name, interior)] = {"name": unique, "interior": interior, "preset": preset}
        cast = list(sheet.categories["cast"])
        scenes.append(
            {
                "id": scene_id,
                "heading": scene.heading.text,
                "location": locations[(name, interior)]["name"],
                "time": sheet.time,
                "characters": cast,
            }
        )
        line = line_of_action(cast, speakers=[speech.speaker for speech in speeches(scene)])
        if line is not None:  # the line the coverage was shot on, for the camera department to keep
            scenes[-1]["line"] = list(line)
        shots += coverage(scene_id, scene, sheet, establish=not interior or first_visit, paper=paper)
    production: dict[str, Any] = {"title": _title(screenplay, script_path), "version": "1.0"}
    author = next(
        (value for key, value in screenplay.title_page.items() if key.lower() in {"author", "authors"}), ""
    )
    if author:
        production["author"] = " ".join(fountain.plain_text(author).split())
    if script_path is not None:
        production["script"] = PurePath(script_path).as_posix()
    production.update(
        fps=fps,
        characters=[{"name": name} for name in bd.all_characters(screenplay)],
        locations=list(locations.values()),
        scenes=scenes,
        shots=shots,
        outputs=[dict(DRAFT_OUTPUT)],
    )
    return {"production": production}


def _title(screenplay: Screenplay, script_path: str | PurePath | None) -> str:
    if screenplay.title:
        return screenplay.title
    if script_path is not None:
        return bd.display_name(PurePath(script_path).stem.replace("_", " ").replace("-", " ").upper())
    return "Untitled"


def spec_yaml(spec: dict[str, Any]) -> str:
    """YAML text of a draft spec, keys in contract order."""
    return yaml.safe_dump(spec, sort_keys=False, allow_unicode=True, width=110)
