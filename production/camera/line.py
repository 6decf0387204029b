"""The line of action: the two people an exchange is between, and the side of it every camera stands on.

A camera on the right of the line from A to B sees A on screen left and B on screen right; every shot of the
exchange stands on that side, so the two keep their screen sides and their eyelines meet across the cut. The
scene chooses its side once (`choose_hand`), and each shot turns it into a direction from where A and B stand
at that shot (`Line.side`): people walk, the side of the line does not change. See docs/camera.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .optics import dot2, unit2_or_zero

EXEMPT_SIZES = frozenset({"POV", "INSERT"})
"""Sizes that need no side of the line: a POV stands where the viewer's eyes are, an insert on its prop."""
MIN_ROOM_M = 3.0
"""Less room than this between the line and the set on the preferred side makes the cameras take the other."""
MIN_DRIFT_M = 1.0
"""People who walk this far across the line during the scene take the cameras to the side they walk to."""
SAME_WAY = 0.5
"""Two people whose facings agree this much (a cosine) walk or stand side by side: the cameras go in front."""

Point2 = tuple[float, float]


def right_of(a: Point2, b: Point2) -> Point2:
    """Unit horizontal normal on the right of the line from a to b (facing b from a); zero when a is b."""
    d = unit2_or_zero((b[0] - a[0], b[1] - a[1]))
    return (d[1], -d[0])


@dataclass(frozen=True)
class Hand:
    """Which side of A -> B the scene's cameras stand on: +1 the right (A screen left), -1 the left."""

    sign: int
    reason: str = ""
    """Why not the usual right side (empty when it is)."""


def choose_hand(
    a: Point2,
    b: Point2,
    facing_a: Point2,
    facing_b: Point2,
    room_right: float,
    room_left: float,
    drift: Point2 = (0.0, 0.0),
) -> Hand:
    """The scene's side of the line. Two people facing the same way (a walk-and-talk, a pair at a window)
    are seen from the side they face; two who walk off across the line during the scene (`drift`: how far
    they move on average) are led from the side they walk to, where their faces will be. Otherwise the right
    of A -> B (A screen left), unless the set leaves less than MIN_ROOM_M there and more on the left."""
    normal = right_of(a, b)
    if normal == (0.0, 0.0):
        return Hand(1)
    across = dot2(drift, normal)
    if abs(across) >= MIN_DRIFT_M:
        return Hand(1) if across > 0 else Hand(-1, "they walk off to that side: the cameras lead them")
    together = dot2(unit2_or_zero(facing_a), unit2_or_zero(facing_b))
    if together >= SAME_WAY:
        ahead = (facing_a[0] + facing_b[0], facing_a[1] + facing_b[1])
        if dot2(ahead, normal) < 0:
            return Hand(-1, "they face the same way: the cameras stand in front of them")
        return Hand(1)
    if room_right < MIN_ROOM_M and room_left > room_right:
        return Hand(
            -1, f"the set leaves {room_right:.1f} m on the usual side, {room_left:.1f} m on the other"
        )
    return Hand(1)


@dataclass(frozen=True)
class Line:
    """One shot's line: A and B where they stand at its first frame, and the cameras' side of it."""

    a_name: str
    b_name: str
    a: Point2
    b: Point2
    hand: int

    @property
    def side(self) -> Point2:
        """Unit horizontal direction from the line toward the cameras."""
        normal = right_of(self.a, self.b)
        return (normal[0] * self.hand, normal[1] * self.hand)

    def crossed(self) -> Line:
        """The same line seen from the other side (a shot that crosses on purpose)."""
        return Line(self.a_name, self.b_name, self.a, self.b, -self.hand)

    def offside(self, point: Sequence[float]) -> float:
        """How far `point` stands from the line toward the cameras' side (negative: across it)."""
        side = self.side
        return (point[0] - self.a[0]) * side[0] + (point[1] - self.a[1]) * side[1]


def turn_toward(direction: Point2, toward: Point2, degrees: float, limit_deg: float) -> Point2:
    """`direction` turned `degrees` toward `toward` (negative: away), then kept within `limit_deg` of it.

    How a single finds its camera: from the subject's facing, a few degrees toward the cameras' side of the
    line, never past a profile seen from that side."""
    start = math.atan2(direction[1], direction[0])
    goal = math.atan2(toward[1], toward[0])
    apart = math.remainder(goal - start, math.tau)
    turn = math.copysign(1.0, apart) if abs(apart) > 1e-9 else 1.0
    angle = start + turn * math.radians(degrees)
    off = math.remainder(angle - goal, math.tau)
    limit = math.radians(limit_deg)
    angle = goal + max(-limit, min(limit, off))
    return (math.cos(angle), math.sin(angle))
