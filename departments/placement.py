"""Where characters stand in a scene: on their blocking marks, or spread sensibly. Shared by the cast, the
lights and the cameras so they agree."""

from __future__ import annotations

import math
from dataclasses import dataclass

from mathutils import Vector

from ..production.model import Production, Scene


@dataclass(frozen=True)
class Placement:
    x: float
    y: float
    facing: float  # radians about Z; 0 faces -Y (towards the default camera side)
    height: float


def place_cast(production: Production, scene: Scene) -> dict[str, Placement]:
    """Marks from the scene's blocking; others side by side, a pair facing each other as in dialogue."""
    location = production.location(scene.location)
    cast = list(scene.characters)
    spots: dict[str, Placement] = {}
    free = [name for name in cast if scene.blocking.get(name) not in location.marks]
    for name in cast:
        mark = scene.blocking.get(name)
        if mark in location.marks:
            x, y = location.marks[mark][:2]
            spots[name] = Placement(float(x), float(y), 0.0, production.character(name).height)
    spacing = 1.2
    for i, name in enumerate(free):
        x = (i - (len(free) - 1) / 2) * spacing
        facing = 0.0
        if len(free) == 2:
            facing = -math.pi / 2 if i == 0 else math.pi / 2  # face each other across X
        spots[name] = Placement(x, 0.0, facing, production.character(name).height)
    return spots


def aim(origin: Vector, target: tuple[float, float, float]) -> tuple[float, float, float]:
    """Euler rotation that points an object's -Z (lights, cameras) from `origin` at `target`, +Y up."""
    return tuple((Vector(target) - origin).to_track_quat("-Z", "Y").to_euler())  # type: ignore[return-value]
