"""Where characters stand in a scene: on their blocking marks, or spread sensibly, and where shots walk them.

Pure, so the cast and the lights read the same spots (the characters and lighting departments).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..model import Production, Scene
from ..plan import Plan

SPACING = 1.2  # metres between characters Backlot spreads side by side


@dataclass(frozen=True)
class Placement:
    x: float
    y: float
    facing: float  # radians about Z; 0 faces -Y (towards the default camera side)
    height: float


@dataclass(frozen=True)
class Walk:
    """A move between marks over one shot: constant speed, facing the direction of travel."""

    shot_id: str
    frame_start: int
    frame_end: int
    start: tuple[float, float]
    end: tuple[float, float]
    facing: float


def facing_towards(x: float, y: float, target_x: float, target_y: float) -> float:
    """The facing (0 = -Y, see Placement) that looks from (x, y) towards the target."""
    return math.atan2(target_x - x, -(target_y - y))


def place_cast(production: Production, scene: Scene) -> dict[str, Placement]:
    """Marks from the scene's blocking; others side by side, a pair facing each other as in dialogue.

    A character on a mark faces the middle of the rest of the cast (dialogue), or -Y when alone.
    """
    location = production.location(scene.location)
    cast = list(scene.characters)
    spots: dict[str, Placement] = {}
    free = [name for name in cast if scene.blocking.get(name) not in location.marks]
    for i, name in enumerate(free):
        x = (i - (len(free) - 1) / 2) * SPACING
        facing = 0.0
        if len(free) == 2:
            facing = math.pi / 2 if i == 0 else -math.pi / 2  # left one faces +X, right one -X
        spots[name] = Placement(x, 0.0, facing, production.character(name).height)
    marked = [name for name in cast if name not in free]
    for name in marked:
        x, y = (float(v) for v in location.marks[scene.blocking[name]][:2])
        others = [n for n in cast if n != name]
        facing = 0.0
        if others:
            positions = [_mark_or_spot(production, scene, other, spots) for other in others]
            centre_x = sum(p[0] for p in positions) / len(positions)
            centre_y = sum(p[1] for p in positions) / len(positions)
            if (centre_x, centre_y) != (x, y):
                facing = facing_towards(x, y, centre_x, centre_y)
        spots[name] = Placement(x, y, facing, production.character(name).height)
    return {name: spots[name] for name in cast}


def _mark_or_spot(
    production: Production, scene: Scene, name: str, spots: dict[str, Placement]
) -> tuple[float, float]:
    marks = production.location(scene.location).marks
    mark = scene.blocking.get(name)
    if mark in marks:
        return float(marks[mark][0]), float(marks[mark][1])
    return spots[name].x, spots[name].y


def walks(production: Production, plan: Plan, scene: Scene) -> dict[str, list[Walk]]:
    """Each character's moves in the scene, in shot order: a shot's `blocking` walks a character from where
    the previous shots left them to the named mark over the shot's frame range."""
    marks = production.location(scene.location).marks
    where = {name: (spot.x, spot.y) for name, spot in place_cast(production, scene).items()}
    frames = {p.shot_id: (p.frame_start, p.frame_end) for p in plan.shots}
    moves: dict[str, list[Walk]] = {}
    for shot in production.shots_in(scene.id):
        for name, mark in shot.blocking.items():
            if name not in where or mark not in marks or shot.id not in frames:
                continue
            start, end = where[name], (float(marks[mark][0]), float(marks[mark][1]))
            if start == end:
                continue
            facing = facing_towards(*start, *end)
            moves.setdefault(name, []).append(Walk(shot.id, *frames[shot.id], start, end, facing))
            where[name] = end
    return moves
