"""The line of action, as far as it can be checked before building: `scenes[].line` names two of the scene's
characters, a walk-and-talk has two to walk, and a shot that crosses the line on purpose (`camera.cross_line`)
comes after a neutral shot, one on the line, so the audience is carried across instead of thrown.

A neutral shot is a POV or an INSERT, or a camera whose `angle` puts it on the line. The framing solver
stands a single's camera at its size's side angle plus `camera.angle` off the subject's facing, and a
two-shot's on the perpendicular of the pair turned by that much (production/camera/framing.py); in an exchange
the subject faces the other, so a single is on the line at 0 or 180 degrees and a two-shot at 90 or 270. An
OTS never is.
"""

from __future__ import annotations

from typing import Any

from ..camera.framing import ShotSize, shot_size_from_preset
from ..diagnostics import did_you_mean
from .presets import PresetLibrary
from .walker import INVALID, Reporter, list_items
from .yaml_reader import PathKey

ON_LINE_TOLERANCE_DEG = 5.0
"""How far off the line a camera may stand and still count as on it (a neutral shot)."""
NEUTRAL_SIZES = ("POV", "INSERT")
CROSS_FIX = "cross after a neutral shot on the line (an insert, a POV) or drop cross_line"


def check_line_of_action(
    report: Reporter, data: dict[str, Any], order: list[int], presets: PresetLibrary
) -> None:
    """`order`: the indices of `data["shots"]` in story order (generated coverage first in its scene)."""
    characters = {c["name"] for c, _ in list_items(data, "characters") if isinstance(c.get("name"), str)}
    casts: dict[str, list[str] | None] = {}  # scene id -> its cast; None when unreadable (reported)
    for scene, path in list_items(data, "scenes"):
        scene_id, cast = scene.get("id"), scene.get("characters")
        names = None if cast is INVALID else [name for name in cast or [] if isinstance(name, str)]
        if isinstance(scene_id, str):
            casts.setdefault(scene_id, names)
        if names is not None:
            _check_line(report, scene.get("line"), (*path, "line"), names, characters, scene_id)
            _check_walk_and_talk(report, scene, path, names)
    shots = data.get("shots")
    sizes = _SizeTable(presets)
    neutral_seen: set[str] = set()
    for index in order:
        shot = shots[index] if isinstance(shots, list) else None
        if not isinstance(shot, dict) or not isinstance(shot.get("scene"), str):
            continue
        scene_id = shot["scene"]
        crossing, cast = _crossing_camera(shot), casts.get(scene_id)
        if crossing is not None and cast is not None:
            _check_crossing(report, shot, ("shots", index, *crossing), cast, scene_id in neutral_seen)
        if sizes.neutral(shot):
            neutral_seen.add(scene_id)


def _check_line(
    report: Reporter, line: Any, path: PathKey, cast: list[str], characters: set[str], scene_id: Any
) -> None:
    """`line: [A, B]`: two different characters of the scene."""
    if not isinstance(line, list):
        return
    fix = "write `line: [A, B]` with two of the scene's characters" + (
        f" ({', '.join(cast)})" if cast else ""
    )
    if len(line) != 2:
        report(
            path,
            "error",
            f"line names {len(line)} character(s); a line of action runs between two",
            fix,
            "line",
        )
        return
    if isinstance(line[0], str) and line[0] == line[1]:
        report((*path, 1), "error", f"line names '{line[0]}' twice", fix, "line")
        return
    for i, name in enumerate(line):
        if not isinstance(name, str) or name in cast:
            continue
        if name in characters:
            report(
                (*path, i),
                "error",
                f"line names '{name}', who is not in scene {scene_id}",
                "add them to the scene's characters, or draw the line between two who are there",
                "reference",
            )
        else:
            report(
                (*path, i),
                "error",
                f"line names unknown character '{name}'",
                did_you_mean(name, cast or characters, "a character of this scene"),
                "reference",
            )


def _check_walk_and_talk(report: Reporter, scene: dict[str, Any], path: PathKey, cast: list[str]) -> None:
    if scene.get("coverage") == "walk_and_talk" and len(set(cast)) < 2:
        report(
            (*path, "coverage"),
            "warning",
            f"a walk-and-talk takes two characters; scene {scene.get('id')} has {len(set(cast))}, so it is "
            "covered as standard (a master and a single)",
            "add the other character to the scene's characters, or write `coverage: standard`",
            "coverage",
        )


def _crossing_camera(shot: dict[str, Any]) -> PathKey | None:
    """Where the shot's first camera with `cross_line: true` is (`camera` or `cameras[i]`), if any."""
    extras = shot.get("cameras")
    cameras = [(shot.get("camera"), ("camera",))] + [
        (camera, ("cameras", i)) for i, camera in enumerate(extras if isinstance(extras, list) else [])
    ]
    for camera, where in cameras:
        if isinstance(camera, dict) and camera.get("cross_line") is True:
            return (*where, "cross_line")
    return None


def _check_crossing(
    report: Reporter, shot: dict[str, Any], path: PathKey, cast: list[str], after_neutral: bool
) -> None:
    shot_id, scene_id = shot.get("id"), shot.get("scene")
    if len(set(cast)) < 2:
        report(
            path,
            "warning",
            f"shot {shot_id} sets cross_line, but scene {scene_id} has {len(set(cast))} character(s): "
            "there is no line to cross",
            "drop cross_line (a line of action runs between two characters)",
            "line",
        )
    elif not after_neutral:
        report(
            path,
            "warning",
            f"shot {shot_id} crosses the line of action with no neutral shot before it in scene {scene_id}: "
            "the two swap sides of the screen",
            CROSS_FIX,
            "line",
        )


class _SizeTable:
    """Shot sizes read from presets/shot_sizes once each, to tell whether a camera stands on the line."""

    def __init__(self, presets: PresetLibrary):
        self.presets = presets
        self.sizes: dict[str, ShotSize | None] = {}

    def size(self, name: str) -> ShotSize | None:
        if name not in self.sizes:
            data = self.presets.get("shot_sizes", name)
            try:
                self.sizes[name] = None if data is None else shot_size_from_preset(name, data)
            except ValueError:
                self.sizes[name] = None  # a broken size preset is reported by the build that reads it
        return self.sizes[name]

    def neutral(self, shot: dict[str, Any]) -> bool:
        given, camera = shot.get("size"), shot.get("camera")
        name = given if isinstance(given, str) else "MS"  # the model's default
        if name in NEUTRAL_SIZES:
            return True
        size = self.size(name)
        angle = camera.get("angle", 0.0) if isinstance(camera, dict) else 0.0
        if size is None or size.name == "OTS" or not isinstance(angle, int | float):
            return False
        on_line = 90.0 if size.subjects == 2 else 0.0
        off = (size.side_deg + angle - on_line) % 180.0
        return min(off, 180.0 - off) <= ON_LINE_TOLERANCE_DEG
