"""Continuity: who appears where, in what costume, for how long, and what a script supervisor should check.

Pure and JSON-able, so `run.py info --continuity`, the panel list and a pipeline all read the same report.
Screen time counts a shot for a character when the character can be seen in it (see `on_screen`).
"""

from __future__ import annotations

import itertools
from typing import Any

from ..model import Character, Production, Scene, Shot
from ..values import to_hex

WIDE_SIZES = ("EWS", "WS")  # show everyone in the scene, whoever the framing is computed from
UNSEEN_SIZES = ("POV", "INSERT")  # the POV character is behind the lens; an insert frames an object
# Heading words that say no story time passed since the previous scene (a costume cannot change).
CONTINUOUS_WORDS = ("CONTINUOUS", "SAME TIME", "CONT'D")
LOOKS = (("hair_color", "hair"), ("skin_tone", "skin"), ("makeup", "makeup:"))


def on_screen(shot: Shot, name: str) -> bool:
    """Wide shots show the whole cast; others show the characters they name, or everyone when they name
    nobody; POV and inserts show no one (the POV character is the camera)."""
    if shot.size in WIDE_SIZES:
        return True
    if shot.size in UNSEEN_SIZES:
        return False
    named = {n for n in (shot.subject, *shot.subjects) if n}
    return name in named or not named


def _is_continuous(scene: Scene) -> bool:
    heading = scene.heading.upper()
    return any(word in heading for word in CONTINUOUS_WORDS)


def _costumes_covering(character: Character, scene_id: str) -> list[str]:
    return list(dict.fromkeys(e.costume for e in character.wardrobe if scene_id in e.scenes))


def _character_entry(production: Production, character: Character, warnings: list[str]) -> dict[str, Any]:
    scenes = [s for s in production.scenes if character.name in s.characters]
    fps = production.fps
    costumes: dict[str, str | None] = {}
    shots: list[str] = []
    frames = 0
    for scene in scenes:
        covering = _costumes_covering(character, scene.id)
        costumes[scene.id] = covering[0] if covering else None
        if not covering:
            warnings.append(f"{character.name} is in scene {scene.id} with no costume range")
        elif len(covering) > 1:
            warnings.append(
                f"{character.name} changes costume inside scene {scene.id} ({' -> '.join(covering)})"
            )
        for shot in production.shots_in(scene.id):
            if on_screen(shot, character.name):
                shots.append(shot.id)
                frames += shot.duration
    changes = []
    for before, after in itertools.pairwise(scenes):
        was, now = costumes[before.id], costumes[after.id]
        if was == now or was is None or now is None:
            continue
        changes.append({"from_scene": before.id, "to_scene": after.id, "from": was, "to": now})
        if _is_continuous(after):
            warnings.append(
                f"{character.name} changes costume ({was} -> {now}) between scene {before.id} and scene "
                f"{after.id}, which is continuous"
            )
    return {
        "name": character.name,
        "scenes": [s.id for s in scenes],
        "first": scenes[0].id if scenes else None,
        "last": scenes[-1].id if scenes else None,
        "shots": shots,
        "screen_frames": frames,
        "screen_seconds": round(frames / fps, 3),
        "costumes": costumes,
        "changes": changes,
        "hair_color": to_hex(character.hair_color) if character.hair_color else None,
        "skin_tone": to_hex(character.skin_tone) if character.skin_tone else None,
        "makeup": character.makeup,
        "notes": character.notes,
    }


def continuity_report(production: Production) -> dict[str, Any]:
    """Per character: appearances, screen time, costume per scene, changes; plus warnings."""
    warnings: list[str] = []
    characters = [_character_entry(production, c, warnings) for c in production.characters]
    return {"characters": characters, "warnings": warnings}


def format_continuity(report: dict[str, Any]) -> str:
    """The report as the plain text a script supervisor reads."""
    lines = ["continuity:"]
    for entry in report["characters"]:
        if not entry["scenes"]:
            lines.append(f"  {entry['name']}: not in any scene")
            continue
        lines.append(
            f"  {entry['name']}: scenes {', '.join(entry['scenes'])} (first {entry['first']}, last "
            f"{entry['last']}), on screen {entry['screen_seconds']:g} s in {len(entry['shots'])} shot(s)"
        )
        looks = [f"{label} {entry[key]}" for key, label in LOOKS if entry[key]]
        if looks:
            lines.append("    " + "; ".join(looks))
        for scene_id, costume in entry["costumes"].items():
            lines.append(f"    scene {scene_id:>4}: {costume or '(no costume)'}")
        for change in entry["changes"]:
            lines.append(
                f"    change after scene {change['from_scene']}: {change['from']} -> {change['to']} "
                f"(scene {change['to_scene']})"
            )
    lines += [f"  warning: {warning}" for warning in report["warnings"]]
    return "\n".join(lines)
