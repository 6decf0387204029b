"""`scenes[].coverage`: a scene's generated shots, added to the spec's shots while it is validated.

The setups come from production/coverage.py, the rules the screenplay's draft shot list follows too. Here each
gets an id that skips the ids the spec's shots already have, a duration (its template's; DEFAULT_DURATION
when a user's template has none) and, once the checks are done, its place in story order: before the scene's
own shots. Until then they wait after the spec's shots, so that issues about the spec's own shots keep naming
their place in the file; an issue about a generated shot points at its scene's `coverage` line.
"""

from __future__ import annotations

from typing import Any

from ..coverage import OVER_THE_SHOULDER, Setup, free_shot_ids, setups
from ..values import parse_duration
from .cross_checks import plain_name_problem
from .presets import PresetLibrary
from .walker import INVALID, Reporter, list_items
from .yaml_reader import SourceMap

DEFAULT_DURATION = "3s"
"""A generated shot's length when its template gives none (a user's template may leave it out)."""


def add_coverage(data: dict[str, Any], presets: PresetLibrary, sources: SourceMap, report: Reporter) -> int:
    """Append the generated shots of every covered scene to `data["shots"]` and say which they are (an info
    issue on the scene's `coverage`); returns how many shots the spec itself lists, which come first."""
    given = data.get("shots")
    if given is INVALID:
        return 0  # reported as it is; coverage waits for a readable shot list
    shots: list[Any] = list(given or [])
    explicit = len(shots)
    taken = {shot["id"] for shot in shots if isinstance(shot, dict) and isinstance(shot.get("id"), str)}
    covered: set[str] = set()
    for scene, path in list_items(data, "scenes"):
        scene_id, kind, cast = scene.get("id"), scene.get("coverage"), scene.get("characters")
        if not isinstance(scene_id, str) or scene_id in covered or plain_name_problem(scene_id):
            continue  # no id, a duplicate (reported; the first one counts) or one no shot id can repeat
        covered.add(scene_id)
        if not isinstance(kind, str) or kind == "none" or cast is INVALID:
            continue
        names = [name for name in cast or [] if isinstance(name, str)]
        line = [name for name in scene.get("line") or [] if isinstance(name, str)]
        ids = free_shot_ids(scene_id, taken)
        added: list[str] = []
        for setup in setups(kind, names, line):
            shot = {"id": next(ids), "scene": scene_id, **setup.shot_keys()}
            taken.add(shot["id"])
            if "duration" not in (presets.get("shots", setup.template) or {}):
                shot["duration"] = parse_duration(DEFAULT_DURATION)
            position = sources.find((*path, "coverage"))
            if position is not None:
                sources.positions[("shots", len(shots))] = position
            shots.append(shot)
            added.append(f"{shot['id']} {_label(setup)}")
        report(
            (*path, "coverage"),
            "info",
            f"coverage: {kind} adds {len(added)} shot(s) to scene {scene_id}, before its own: "
            + ", ".join(added),
            "to change one, write `coverage: none` and list the scene's shots yourself",
            "coverage",
        )
    if len(shots) > explicit:
        data["shots"] = shots
    return explicit


def _label(setup: Setup) -> str:
    """`master (Ada and Ben)`, `over_the_shoulder (Ben over Ada)`: the template and whom it frames."""
    joint = " over " if setup.template == OVER_THE_SHOULDER else " and "
    return f"{setup.template} ({joint.join(setup.subjects)})" if setup.subjects else setup.template


def story_order(data: dict[str, Any], explicit: int) -> list[int]:
    """Indices of `data["shots"]` in story order: each scene's generated shots (those from `explicit` on)
    just before the first of the spec's shots in that scene or a later one; the spec's own shots keep their
    order."""
    shots = data.get("shots")
    if not isinstance(shots, list):
        return []
    rank: dict[str, int] = {}
    for scene, _ in list_items(data, "scenes"):
        if isinstance(scene.get("id"), str):
            rank.setdefault(scene["id"], len(rank))
    generated: dict[str, list[int]] = {}
    for index in range(explicit, len(shots)):
        generated.setdefault(shots[index]["scene"], []).append(index)
    pending = sorted(generated, key=lambda scene_id: rank[scene_id])
    order: list[int] = []
    for index, shot in enumerate(shots[:explicit]):
        scene_id = shot.get("scene") if isinstance(shot, dict) else None
        scene_rank = rank.get(scene_id) if isinstance(scene_id, str) else None
        while pending and scene_rank is not None and rank[pending[0]] <= scene_rank:
            order += generated[pending.pop(0)]
        order.append(index)
    for scene_id in pending:
        order += generated[scene_id]
    return order
