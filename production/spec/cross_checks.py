"""Pass 3 of validation: what the schema cannot express. Unique names and ids, names that can name files,
default shot ids, references between scenes, shots, characters, locations and marks, focus pulls, shot
lengths and wardrobe coverage, and what the build reads beyond a value's type (a point's count of numbers, a
real date, a zoom a lens can take); the checks against files and the running Blender are in
environment_checks, called here in spec order."""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterator
from datetime import date
from typing import Any

from .. import model as m
from ..coverage import free_shot_ids
from ..diagnostics import did_you_mean
from ..values import Duration, TimeOfDay, ValueProblem, parse_scene_range, shot_letter
from .environment_checks import EnvironmentChecks
from .schema import CAMERA
from .walker import INVALID, Reporter, list_items
from .yaml_reader import PathKey, SourceMap

MAX_SHOT_FRAMES_SECONDS = 600.0  # ten minutes: longer is almost certainly a unit mistake
YEARS = (1000, 3000)
"""Years a date may have: the sun and moon series (Meeus) hold to a fraction of a degree within a millennium
of 2000, and the date arithmetic of a day-to-night shot stays far from the calendar's ends (years 1, 9999)."""
ZOOM_MOVES = ("crash_zoom", "dolly_zoom")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class CrossChecks:
    """Pass 3 in a fixed order, which is the order of its issues: identities, files, scenes, wardrobe, shots,
    outputs."""

    def __init__(self, sources: SourceMap, report: Reporter, environment: EnvironmentChecks):
        self.sources = sources
        self.report = report
        self.environment = environment

    def run(self, data: dict[str, Any]) -> None:
        characters = self._unique(data, "characters", "name", "character")
        locations = self._unique(data, "locations", "name", "location")
        scenes = self._unique(data, "scenes", "id", "scene")
        check_file_names(self.report, data)  # before default shot ids, which repeat their scene's id
        assign_shot_ids(data)
        self._unique(data, "shots", "id", "shot")
        self._unique(data, "outputs", "name", "output")
        costumes = set(data.get("costumes") or {}) if isinstance(data.get("costumes"), dict) else set()
        scene_order = list(scenes)
        self.environment.check_files(data)
        check_locations(self.report, data)
        self._check_scenes(data, locations, characters)
        check_wardrobe(self.report, data, costumes, scene_order)
        self._check_shots(data, scenes, characters)
        self.environment.check_outputs(data)
        self.environment.check_render(data.get("render"), ("render",))

    def _unique(self, data: dict[str, Any], list_field: str, key: str, noun: str) -> dict[str, int]:
        seen: dict[str, int] = {}
        items = data.get(list_field)
        if not isinstance(items, list):
            return seen
        for i, item in enumerate(items):
            if not isinstance(item, dict) or not isinstance(item.get(key), str):
                continue
            name = item[key]
            if name in seen:
                first = self.sources.find((list_field, seen[name]))
                here = self.sources.find((list_field, i))
                where = f" (first at line {first.line} of {first.file})" if first else ""
                if first and here and first.file != here.file:  # a production folder: name both files
                    where = f": defined in {first.file} (line {first.line}) and again in {here.file}"
                self.report(
                    (list_field, i, key),
                    "error",
                    f"duplicate {noun} {key} '{name}'{where}",
                    f"give every {noun} a unique {key}",
                    "duplicate",
                )
            else:
                seen[name] = i
        return seen

    def _check_scenes(
        self, data: dict[str, Any], locations: dict[str, int], characters: dict[str, int]
    ) -> None:
        for scene, path in list_items(data, "scenes"):
            location = scene.get("location")
            if isinstance(location, str) and location not in locations:
                self.report(
                    (*path, "location"),
                    "error",
                    f"scene uses unknown location '{location}'",
                    did_you_mean(location, locations, "a location defined in `locations`"),
                    "reference",
                )
            for i, name in enumerate(scene.get("characters") or []):
                if isinstance(name, str) and name not in characters:
                    self.report(
                        (*path, "characters", i),
                        "error",
                        f"scene names unknown character '{name}'",
                        did_you_mean(name, characters, "a character defined in `characters`"),
                        "reference",
                    )
            cast = {c for c in scene.get("characters") or [] if isinstance(c, str)}
            self._check_blocking(
                scene.get("blocking"), (*path, "blocking"), cast, self._marks_of(data, scene)
            )

    def _check_blocking(self, blocking: Any, path: PathKey, cast: set[str], marks: set[str]) -> None:
        """Scene and shot blocking: character -> a mark of the scene's location."""
        for name, mark in (blocking if isinstance(blocking, dict) else {}).items():
            if name not in cast:
                self.report(
                    (*path, name),
                    "error",
                    f"blocking places '{name}', who is not in this scene",
                    "add them to the scene's characters or remove the line",
                    "reference",
                )
            elif isinstance(mark, str) and marks and mark not in marks:
                self.report(
                    (*path, name),
                    "error",
                    f"blocking puts '{name}' on unknown mark '{mark}'",
                    did_you_mean(mark, sorted(marks), "a mark of the scene's location"),
                    "reference",
                )

    def _check_shots(self, data: dict[str, Any], scenes: dict[str, int], characters: dict[str, int]) -> None:
        given_fps = data.get("fps")
        fps = given_fps if isinstance(given_fps, int | float) else 24
        scene_items: dict[Any, dict[str, Any]] = {}
        for item, _ in list_items(data, "scenes"):
            scene_items.setdefault(item.get("id"), item)  # a duplicate id is reported; the first one counts
        for shot, path in list_items(data, "shots"):
            scene_id = shot.get("scene")
            scene = scene_items.get(scene_id)
            if isinstance(scene_id, str) and scene is None:
                self.report(
                    (*path, "scene"),
                    "error",
                    f"shot belongs to unknown scene '{scene_id}'",
                    did_you_mean(scene_id, scenes, "a scene id"),
                    "reference",
                )
            cast = {c for c in (scene or {}).get("characters") or [] if isinstance(c, str)}
            # an unreadable cast list is reported on the scene; judging subjects by it would only add noise
            cast_known = scene is not None and scene.get("characters") is not INVALID
            marks = self._marks_of(data, scene)
            if cast_known:
                self._check_blocking(shot.get("blocking"), (*path, "blocking"), cast, marks)
            self._check_subject(shot.get("subject"), (*path, "subject"), cast, characters, marks, cast_known)
            for i, name in enumerate(shot.get("subjects") or []):
                self._check_subject(name, (*path, "subjects", i), cast, characters, marks, cast_known)
            self._check_focus(shot.get("focus"), path, scene_id, cast, marks, cast_known)
            self._check_duration(shot, path, fps)
            check_zooms(self.report, shot, path)
            self.environment.check_render(shot.get("render"), (*path, "render"))

    def _check_focus(
        self, focus: Any, path: PathKey, scene_id: Any, cast: set[str], marks: set[str], cast_known: bool
    ) -> None:
        """Focus pulls name people of the shot's scene (or marks), with one increasing fraction each."""
        if not isinstance(focus, dict):
            return
        for i, name in enumerate(focus.get("pull") or []):
            if isinstance(name, str) and cast_known and name not in cast and name not in marks:
                self.report(
                    (*path, "focus", "pull", i),
                    "error",
                    f"focus pull names '{name}', who is not in scene {scene_id}",
                    did_you_mean(name, cast, "a character of this scene")
                    if cast
                    else "add the character to the scene",
                    "focus",
                )
        pull, at = focus.get("pull") or [], focus.get("at") or []
        if at and len(at) != len(pull):
            self.report(
                (*path, "focus", "at"),
                "error",
                f"focus.at has {len(at)} values for {len(pull)} pull subjects",
                "give one shot fraction (0..1) per pull subject",
                "focus",
            )
        elif any(
            isinstance(a, int | float) and isinstance(b, int | float) and b <= a
            for a, b in itertools.pairwise(at)
        ):
            self.report(
                (*path, "focus", "at"),
                "error",
                "focus.at fractions must increase: each pull lands later in the shot than the one before",
                "e.g. at: [0.0, 0.8]",
                "focus",
            )

    def _marks_of(self, data: dict[str, Any], scene: dict[str, Any] | None) -> set[str]:
        if scene is None:
            return set()
        for location, _ in list_items(data, "locations"):
            if location.get("name") == scene.get("location"):
                return set(location.get("marks") or {}) | set(location.get("features") or {})
        return set()

    def _check_subject(
        self,
        name: Any,
        path: PathKey,
        cast: set[str],
        characters: dict[str, int],
        marks: set[str],
        has_scene: bool,
    ) -> None:
        if not isinstance(name, str) or not has_scene or name in cast or name in marks:
            return
        if name in characters:
            self.report(
                path,
                "error",
                f"'{name}' is not in this shot's scene",
                "add them to the scene's characters, or frame someone who is there",
                "reference",
            )
        else:
            self.report(
                path,
                "error",
                f"unknown subject '{name}'",
                did_you_mean(name, sorted(cast | marks) or characters, "a character or mark"),
                "reference",
            )

    def _check_duration(self, shot: dict[str, Any], path: PathKey, fps: float) -> None:
        duration = shot.get("duration")
        if not isinstance(duration, Duration):
            return
        frames = duration.to_frames(fps)
        if frames <= 0:
            self.report(
                (*path, "duration"),
                "error",
                f"shot duration must be positive (got {duration})",
                'write e.g. "4s" or "96f"',
                "duration",
            )
        elif frames / fps > MAX_SHOT_FRAMES_SECONDS:
            self.report(
                (*path, "duration"),
                "error",
                f"shot duration {duration} is {frames / fps / 60:.1f} minutes (over 10)",
                'check the unit: "96f" is frames, "4s" is seconds',
                "duration",
            )


def assign_shot_ids(data: dict[str, Any]) -> None:
    """Shots without an id get <scene><letter> in spec order, skipping ids already taken."""
    shots = data.get("shots")
    if not isinstance(shots, list):
        return
    taken = {s["id"] for s in shots if isinstance(s, dict) and isinstance(s.get("id"), str)}
    free: dict[str, Iterator[str]] = {}
    for shot in shots:
        if not isinstance(shot, dict) or shot.get("id") is not None or not isinstance(shot.get("scene"), str):
            continue
        scene = shot["scene"]
        shot["id"] = next(free.setdefault(scene, free_shot_ids(scene, taken)))
        taken.add(shot["id"])


def check_wardrobe(
    report: Reporter, data: dict[str, Any], costumes: set[str], scene_order: list[str]
) -> None:
    """Each character's wardrobe names known costumes and scenes, one costume per scene, covering every scene
    the character appears in."""
    appearances: dict[str, set[str]] = {}
    for scene, _ in list_items(data, "scenes"):
        for name in scene.get("characters") or []:
            if isinstance(name, str) and isinstance(scene.get("id"), str):
                appearances.setdefault(name, set()).add(scene["id"])
    for character, path in list_items(data, "characters"):
        entries = character.get("wardrobe")
        if not isinstance(entries, list) or not entries:
            continue
        covered, broken = _wardrobe_coverage(report, entries, path, costumes, scene_order)
        name = character.get("name")
        missing = sorted(appearances.get(name, set()) - set(covered), key=_natural)
        if isinstance(name, str) and missing and not broken:
            report(
                (*path, "wardrobe"),
                "warning",
                f"{name} appears in scene(s) {', '.join(missing)} with no costume",
                "extend a wardrobe range to cover them",
                "uncovered",
            )


def _wardrobe_coverage(
    report: Reporter, entries: list[Any], path: PathKey, costumes: set[str], scene_order: list[str]
) -> tuple[dict[str, int], bool]:
    """Scene id -> the wardrobe entry covering it, and whether an entry was unreadable (then coverage is
    judged once it is fixed). Expands each entry's `scenes` in place."""
    covered: dict[str, int] = {}
    broken = False
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        entry_path = (*path, "wardrobe", i)
        costume = entry.get("costume")
        if isinstance(costume, str) and costume not in costumes:
            report(
                (*entry_path, "costume"),
                "error",
                f"unknown costume '{costume}'",
                did_you_mean(costume, costumes, "a costume defined in `costumes`"),
                "reference",
            )
        try:
            ids = parse_scene_range(entry.get("scenes"), scene_order)
        except ValueProblem as problem:
            report((*entry_path, "scenes"), "error", problem.message, problem.suggestion, "scene_range")
            broken = True
            continue
        entry["scenes"] = list(ids)
        for scene_id in ids:
            if scene_order and scene_id not in scene_order:
                broken = True
                report(
                    (*entry_path, "scenes"),
                    "error",
                    f"wardrobe names scene {scene_id}, which does not exist",
                    f"scenes are: {', '.join(scene_order)}",
                    "reference",
                )
            elif scene_id in covered:
                report(
                    (*entry_path, "scenes"),
                    "error",
                    f"scene {scene_id} is already covered by wardrobe[{covered[scene_id]}]",
                    "wardrobe ranges must not overlap: one costume per scene",
                    "overlap",
                )
            else:
                covered[scene_id] = i
    return covered, broken


def plain_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a file or folder name (None when it can): it names frame files, take folders and
    outputs, so it must stay one plain name inside the folder it is put in."""
    if name.strip() in ("", ".", ".."):
        return "is empty, '.' or '..'"
    for ch in name:
        if ch in "/\\":
            return f"contains '{ch}', a path separator"
        if unicodedata.category(ch) == "Cc":
            return f"contains a control character (U+{ord(ch):04X})"
    return None


def check_file_names(report: Reporter, data: dict[str, Any]) -> None:
    """Ids and names that become file, folder or take names are plain names; a shot's extra cameras have
    names of their own (not A, the primary's)."""
    named = (
        ("characters", "name", "character name"),
        ("locations", "name", "location name"),
        ("scenes", "id", "scene id"),
        ("shots", "id", "shot id"),
        ("outputs", "name", "output name"),
    )
    for list_field, key, noun in named:
        for item, path in list_items(data, list_field):
            _plain_name(report, item.get(key), (*path, key), noun)
    for shot, path in list_items(data, "shots"):
        _plain_name(report, dig_name(shot.get("camera")), (*path, "camera", "name"), "camera name")
        _check_take_names(report, shot.get("cameras"), (*path, "cameras"))


def _check_take_names(report: Reporter, cameras: Any, path: PathKey) -> None:
    """Each extra camera is a take named by its `name`, else by its place (B, C, ..., as the camera department
    names them): two takes of one name would overwrite each other, and A is the primary camera."""
    taken = {"A": "the primary camera's"}
    for i, camera in enumerate(cameras if isinstance(cameras, list) else []):
        given = dig_name(camera)
        if given is not None and not _plain_name(report, given, (*path, i, "name"), "camera name"):
            continue
        name = given if isinstance(given, str) else shot_letter(i + 1)
        if name in taken:
            what = f"camera name '{name}'" if given is not None else f"the default name '{name}' (its place)"
            report(
                (*path, i, "name"),
                "error",
                f"{what} is already {taken[name]} name in this shot",
                "give every extra camera its own `name` (B, C, ...): each is rendered as its own take",
                "duplicate",
            )
        taken.setdefault(name, "another camera's")


def dig_name(camera: Any) -> Any:
    """A camera's `name`, None when it has none (or is not a mapping)."""
    return camera.get("name") if isinstance(camera, dict) else None


def _plain_name(report: Reporter, name: Any, path: PathKey, noun: str) -> bool:
    """Report ``name`` when it cannot name a file; True when it is a usable name."""
    if not isinstance(name, str):
        return False
    problem = plain_name_problem(name)
    if problem is not None:
        report(
            path,
            "error",
            f"{noun} {name!r} {problem}: it is used in file and folder names",
            "use letters, digits, spaces, '-', '_' and '.' (e.g. 1A, Courier, cinema)",
            "name",
        )
    return problem is None


def check_locations(report: Reporter, data: dict[str, Any]) -> None:
    """What the set and sky builders read as numbers and dates: points with two or three numbers, sizes
    with as many as they have axes, a date that exists."""
    for location, path in list_items(data, "locations"):
        for key in ("marks", "features"):
            entries = location.get(key)
            for name, point in entries.items() if isinstance(entries, dict) else ():
                what = f"{key[:-1]} '{name}' is [x, y] or [x, y, z] metres"
                _count(report, point, (*path, key, name), (2, 3), what)
        _count(report, location.get("size"), (*path, "size"), (1, 2, 3), "size is [width, depth, height]")
        for i, lamp in enumerate(location.get("practicals") or []):
            if isinstance(lamp, dict):
                _check_practical(report, lamp, (*path, "practicals", i))
        blockout = location.get("blockout")
        for i, prop in enumerate(blockout.get("props") or [] if isinstance(blockout, dict) else []):
            if isinstance(prop, dict):
                where = (*path, "blockout", "props", i)
                _count(report, prop.get("at"), (*where, "at"), (2, 3), "a prop's `at` is [x, y] or [x, y, z]")
                _count(report, prop.get("size"), (*where, "size"), (3,), "a prop's size is [x, y, z]")
                _count(report, prop.get("rotation"), (*where, "rotation"), (1, 2, 3), "rotation is [x, y, z]")
        _check_date(report, location, path)
    for scene, path in list_items(data, "scenes"):
        when = scene.get("time")
        if isinstance(when, TimeOfDay) and when.when is not None:
            _check_year(report, when.when.year, (*path, "time"), str(when))


def _count(report: Reporter, value: Any, path: PathKey, counts: tuple[int, ...], what: str) -> None:
    """A list of numbers (its items already checked) must have one of ``counts`` items."""
    if not isinstance(value, list) or INVALID in value or len(value) in counts:
        return
    report(
        path,
        "error",
        f"{len(value)} number(s) given, but {what}",
        f"write {' or '.join(str(n) for n in counts)} numbers",
        "count",
    )


def _check_practical(report: Reporter, lamp: dict[str, Any], path: PathKey) -> None:
    _count(report, lamp.get("at"), (*path, "at"), (3,), "a lamp's `at` is [x, y, z]")
    _count(report, lamp.get("aim"), (*path, "aim"), (3,), "a lamp's `aim` is [x, y, z]")
    for key, most in (("size", 2), ("fixture_size", 3)):
        value = lamp.get(key)
        values = value if isinstance(value, list) else [value]
        if value is not None and not (all(_is_length(v) for v in values) and 1 <= len(values) <= most):
            report(
                (*path, key),
                "error",
                f"cannot read {key} {value!r}",
                f"write one length in metres (0 to 1000) or a list of up to {most}, e.g. {key}: 0.2",
                "type",
            )


def _is_length(value: Any) -> bool:
    """A lamp or fixture length in metres: a number above 0, up to 1000 (true/false is not one)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 < value <= 1000


def _check_date(report: Reporter, location: dict[str, Any], path: PathKey) -> None:
    """`date` must exist in the calendar; it is written back in ISO form, as the sky builder reads it."""
    text = location.get("date")
    if not isinstance(text, str):
        return
    try:
        day = date.fromisoformat(text.strip())
    except ValueError as exc:
        reason = f": {exc}" if _ISO_DATE.match(text.strip()) else ""
        report(
            (*path, "date"),
            "error",
            f"'{text}' is not a date{reason}",
            "write a real date as YYYY-MM-DD, e.g. 2026-03-14",
            "date",
        )
        return
    location["date"] = day.isoformat()
    _check_year(report, day.year, (*path, "date"), text)


def _check_year(report: Reporter, year: int, path: PathKey, text: str) -> None:
    if not YEARS[0] <= year <= YEARS[1]:
        report(
            path,
            "error",
            f"{text}: the year {year} is outside {YEARS[0]}..{YEARS[1]}",
            f"give a year from {YEARS[0]} to {YEARS[1]} (the sun and moon are computed for it)",
            "date",
        )


def check_zooms(report: Reporter, shot: dict[str, Any], path: PathKey) -> None:
    """A zoom move's `amount` multiplies the lens: the lens it ends on must be one the spec allows."""
    lowest, highest = CAMERA.fields["lens"].minimum, CAMERA.fields["lens"].maximum
    assert lowest is not None and highest is not None
    default = m.CameraSpec.lens  # a camera that gives no lens gets the model's
    extras = shot.get("cameras")
    cameras = [(shot.get("camera"), (*path, "camera"))] + [
        (camera, (*path, "cameras", i)) for i, camera in enumerate(extras if isinstance(extras, list) else [])
    ]
    for camera, camera_path in cameras:
        if not isinstance(camera, dict) or camera.get("move") not in ZOOM_MOVES:
            continue
        amount, lens = camera.get("amount"), camera.get("lens")
        lens = lens if isinstance(lens, int | float) else default
        if isinstance(amount, int | float) and not lowest <= lens * amount <= highest:
            report(
                (*camera_path, "amount"),
                "error",
                f"a {camera['move']} zooms by `amount`: {lens:g} mm x {amount:g} = {lens * amount:g} mm, not "
                f"a lens ({lowest:g} to {highest:g} mm)",
                f"give a zoom factor from {lowest / lens:.3g} to {highest / lens:.3g}",
                "range",
            )


def _natural(text: str) -> tuple[int, str]:
    """Scene ids in story order: numbers by value, then words."""
    return (int(text), "") if text.isdigit() else (1 << 30, text)
