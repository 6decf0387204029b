"""The stand-in figure as plain geometry: a parametric human from height and build, one body part per face.

Proportions as in docs/characters.md; pure, so the characters department only copies it into a mesh.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

HEAD_FRACTION = 1 / 7.5  # head height / body height: the classic figure-drawing canon
EYE_FRACTION = 1 - HEAD_FRACTION / 2  # eyes halfway down the head: 0.9333 of the height
SIDES = 10  # around each limb


@dataclass(frozen=True)
class Build:
    """Breadths as fractions of height (Drillis & Contini's average, varied per build)."""

    shoulder: float  # outer edges of the upper arms at shoulder height
    hip: float  # pelvis breadth
    depth: float  # chest depth
    girth: float  # limb thickness relative to average


BUILDS = {
    "slim": Build(shoulder=0.235, hip=0.175, depth=0.105, girth=0.85),
    "average": Build(shoulder=0.259, hip=0.191, depth=0.12, girth=1.0),
    "athletic": Build(shoulder=0.285, hip=0.195, depth=0.13, girth=1.12),
    "heavy": Build(shoulder=0.285, hip=0.235, depth=0.165, girth=1.3),
}
# Joint heights as fractions of height (Drillis & Contini 1966).
SHOULDER, ELBOW, WRIST, FINGERTIP = 0.818, 0.630, 0.485, 0.377
WAIST, HIP_JOINT, CROTCH, KNEE, ANKLE, FOOT_LENGTH = 0.60, 0.530, 0.47, 0.285, 0.039, 0.152
# Body part -> material slot; each face of the figure records its part as an index into PARTS.
PART_SLOTS = {
    "head": "skin",
    "hair": "hair",
    "neck": "skin",
    "torso": "top",
    "upper_arm": "top",
    "forearm": "top",
    "hand": "skin",
    "pelvis": "bottom",
    "thigh": "bottom",
    "shin": "bottom",
    "foot": "shoes",
    "coat_tail": "outerwear",
    "headwear": "headwear",
    "belt": "accessory",
}
PARTS = tuple(PART_SLOTS)

Ring = tuple[float, float, float, float, float]  # (z, x radius, y radius, centre x, centre y)


class FigureMesh:
    """Collects tubes (rings joined side by side) with their part, for the department to make one mesh of."""

    def __init__(self) -> None:
        self.verts: list[tuple[float, float, float]] = []
        self.faces: list[tuple[int, ...]] = []
        self.parts: list[int] = []

    def tube(
        self,
        part: str,
        rings: list[Ring],
        sides: int = SIDES,
        poles: tuple[float | None, float | None] = (None, None),
        turn: float = 0.0,
    ) -> None:
        """Rings bottom to top; a pole height closes that end in a point, otherwise the end is capped flat
        (or left open when the part is a shell: poles of -inf)."""
        base = len(self.verts)
        for z, rx, ry, cx, cy in rings:
            for k in range(sides):
                angle = turn + 2 * math.pi * k / sides
                self.verts.append((cx + rx * math.cos(angle), cy + ry * math.sin(angle), z))
        for r in range(len(rings) - 1):
            for k in range(sides):
                a, b = base + r * sides + k, base + r * sides + (k + 1) % sides
                self._face(part, (a, b, b + sides, a + sides))
        for end, pole in ((0, poles[0]), (len(rings) - 1, poles[1])):
            start = base + end * sides
            ring = list(range(start, start + sides))
            if pole == -math.inf:
                continue
            if pole is None:
                self._face(part, tuple(ring) if end else tuple(reversed(ring)))
                continue
            _, _, _, cx, cy = rings[end]
            self.verts.append((cx, cy, pole))
            tip = len(self.verts) - 1
            for k in range(sides):
                pair = (ring[k], ring[(k + 1) % sides])
                self._face(part, (*pair, tip) if end else (pair[1], pair[0], tip))

    def _face(self, part: str, face: tuple[int, ...]) -> None:
        self.faces.append(face)
        self.parts.append(PARTS.index(part))


def _ellipsoid_rings(
    centre_z: float, rx: float, ry: float, rz: float, lat_from: float, lat_to: float
) -> list[Ring]:
    steps = 4
    lats = [lat_from + (lat_to - lat_from) * i / steps for i in range(steps + 1)]
    return [(centre_z + rz * math.sin(t), rx * math.cos(t), ry * math.cos(t), 0.0, 0.0) for t in lats]


def figure_geometry(height: float, build: str) -> FigureMesh:
    """The stand-in at the origin, feet on z = 0, facing -Y; every size from height and build."""
    h, b = height, BUILDS[build]
    head = h * HEAD_FRACTION
    mesh = FigureMesh()
    # Head: skin up to the brow, hair above; the headwear shell reaches the top of the head exactly.
    centre = h - head / 2
    hx, hy, hz = 0.33 * head, 0.42 * head, 0.49 * head
    mesh.tube("head", _ellipsoid_rings(centre, hx, hy, hz, -1.2, 0.35), poles=(centre - hz, None))
    mesh.tube(
        "hair", _ellipsoid_rings(centre, hx * 1.01, hy * 1.01, hz, 0.35, 1.2), poles=(None, centre + hz)
    )
    shell = _ellipsoid_rings(centre, hx * 1.06, hy * 1.06, head / 2, 0.2, 1.2)
    mesh.tube("headwear", shell, poles=(-math.inf, h))
    neck_r = 0.032 * h * b.girth
    mesh.tube(
        "neck", [(SHOULDER * h - 0.02 * h, neck_r, neck_r, 0, 0), (h - head * 0.8, neck_r, neck_r, 0, 0)]
    )
    # Torso from the waist to the shoulders, arms outside it; pelvis from the crotch to the waist.
    arm_r = _arm_radius(h, b)
    torso_half = b.shoulder * h / 2 - 2 * arm_r  # the arms hang just outside the chest
    chest = b.depth * h / 2
    waist = (WAIST * h, b.hip * h / 2 * 0.92, chest * 0.9, 0.0, 0.0)
    mesh.tube(
        "torso",
        [waist, (0.72 * h, torso_half * 0.95, chest, 0, 0), (SHOULDER * h, torso_half, chest * 0.85, 0, 0)],
    )
    mesh.tube("pelvis", [(CROTCH * h, b.hip * h / 2, chest * 0.85, 0, 0), waist])
    mesh.tube(
        "belt",
        [
            (0.59 * h, b.hip * h / 2 * 0.97, chest * 0.95, 0, 0),
            (0.61 * h, b.hip * h / 2 * 0.97, chest * 0.95, 0, 0),
        ],
    )
    coat: list[Ring] = [
        (0.38 * h, b.hip * h / 2 * 1.12, chest * 1.1, 0, 0),
        (WAIST * h, b.hip * h / 2 * 1.0, chest * 1.02, 0, 0),
    ]
    mesh.tube("coat_tail", coat, poles=(-math.inf, -math.inf))
    for side in (-1, 1):
        _arm(mesh, h, b, side)
        _leg(mesh, h, b, side)
    return mesh


def _arm_radius(h: float, b: Build) -> float:
    return 0.026 * h * b.girth


def _arm(mesh: FigureMesh, h: float, b: Build, side: int) -> None:
    """Upper arm, forearm and hand hanging straight down just outside the chest; `side` -1 left, +1 right."""
    arm_r = _arm_radius(h, b)
    arm_x = side * (b.shoulder * h / 2 - arm_r)
    forearm_r = 0.021 * h * b.girth
    mesh.tube(
        "upper_arm",
        [
            (ELBOW * h, forearm_r * 1.05, forearm_r * 1.05, arm_x, 0),
            (SHOULDER * h, arm_r, arm_r, arm_x, 0),
        ],
        poles=(None, SHOULDER * h + arm_r),
    )
    mesh.tube(
        "forearm",
        [
            (WRIST * h, forearm_r * 0.75, forearm_r * 0.75, arm_x, 0),
            (ELBOW * h, forearm_r, forearm_r, arm_x, 0),
        ],
    )
    hand = 0.055 * h * b.girth / 2
    mesh.tube(
        "hand",
        [(FINGERTIP * h, hand * 0.6, hand * 0.35, arm_x, 0), (WRIST * h, hand, hand * 0.45, arm_x, 0)],
        sides=6,
    )


def _leg(mesh: FigureMesh, h: float, b: Build, side: int) -> None:
    """Thigh, shin and a box foot pointing -Y, under the hip on `side` (-1 left, +1 right)."""
    thigh_r, knee_r, ankle_r = 0.045 * h * b.girth, 0.03 * h * b.girth, 0.02 * h * b.girth
    leg_x = side * b.hip * h / 4
    mesh.tube(
        "thigh",
        [(KNEE * h, knee_r, knee_r, leg_x, 0), (HIP_JOINT * h + 0.03 * h, thigh_r, thigh_r, leg_x, 0)],
    )
    mesh.tube("shin", [(ANKLE * h, ankle_r, ankle_r, leg_x, 0), (KNEE * h, knee_r, knee_r, leg_x, 0)])
    foot = FOOT_LENGTH * h
    toe_y, heel_y = -0.75 * foot, 0.25 * foot
    half_w = 0.027 * h * b.girth
    half_l = (heel_y - toe_y) / 2
    centre_y = (heel_y + toe_y) / 2
    box = [(z, half_w * math.sqrt(2), half_l * math.sqrt(2), leg_x, centre_y) for z in (0.0, ANKLE * h * 1.6)]
    mesh.tube("foot", box, sides=4, turn=math.pi / 4)
