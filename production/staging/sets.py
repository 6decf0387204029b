"""Blockout set geometry from a location's `blockout` data: floor or terrain, walls with openings, props.

Geometry only (vertices, faces, a surface name per face), so the locations department can build or rebuild a
mesh in place. Axes as everywhere in Backlot: +X east (set width), +Y north (set depth), +Z up; the set is
centred on the origin with the floor at z = 0. Interiors leave the -Y (camera-side) wall out, as a studio set
leaves out its fourth wall. Walls and the ceiling are separate pieces (`set_pieces`): a piece the preset marks
`wild` can be pulled from a shot, as a crew pulls a wild flat.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Vec3 = tuple[float, float, float]
Bounds = tuple[Vec3, Vec3]
WALL_SIDES = ("back", "left", "right", "front")
SEGMENTS = 16
OPENING_REACH_M = 1.5
"""A mark this close to a wall opening's centre is at that opening (the door mark at the door)."""
DOOR_DETAIL_M = (0.75, 1.35)
"""The band of a door an insert frames, above its threshold: the handle and the lock."""


@dataclass
class SetGeometry:
    """Accumulates faces; `surfaces` is the material order, `face_surfaces` indexes it per face."""

    verts: list[Vec3] = field(default_factory=list)
    faces: list[tuple[int, ...]] = field(default_factory=list)
    face_surfaces: list[int] = field(default_factory=list)
    surfaces: list[str] = field(default_factory=list)

    def add(self, points: Sequence[Vec3], faces: Sequence[Sequence[int]], surface: str) -> None:
        if surface not in self.surfaces:
            self.surfaces.append(surface)
        base = len(self.verts)
        self.verts.extend(points)
        self.faces.extend(tuple(base + i for i in face) for face in faces)
        self.face_surfaces.extend([self.surfaces.index(surface)] * len(faces))


def _rotate(point: Vec3, degrees: Sequence[float]) -> Vec3:
    """Blender XYZ Euler: X first, then Y, then Z."""
    x, y, z = point
    rx, ry, rz = (math.radians(d) for d in (*degrees, 0.0, 0.0, 0.0)[:3])
    y, z = y * math.cos(rx) - z * math.sin(rx), y * math.sin(rx) + z * math.cos(rx)
    x, z = x * math.cos(ry) + z * math.sin(ry), -x * math.sin(ry) + z * math.cos(ry)
    x, y = x * math.cos(rz) - y * math.sin(rz), x * math.sin(rz) + y * math.cos(rz)
    return (x, y, z)


def _ring(radius_x: float, radius_y: float, z: float) -> list[Vec3]:
    return [
        (radius_x * math.cos(2 * math.pi * i / SEGMENTS), radius_y * math.sin(2 * math.pi * i / SEGMENTS), z)
        for i in range(SEGMENTS)
    ]


def shape_mesh(shape: str, size: Sequence[float]) -> tuple[list[Vec3], list[tuple[int, ...]]]:
    """A box, cylinder or cone standing on z = 0, centred on its axis; size (x, y, z) in metres."""
    sx, sy, sz = size
    if shape == "box":
        points = [
            (dx * sx / 2, dy * sy / 2, z)
            for z in (0.0, sz)
            for dx, dy in ((-1, -1), (1, -1), (1, 1), (-1, 1))
        ]
        sides: list[tuple[int, ...]] = [(i, (i + 1) % 4, 4 + (i + 1) % 4, 4 + i) for i in range(4)]
        return points, [(3, 2, 1, 0), (4, 5, 6, 7), *sides]
    if shape in ("cylinder", "cone"):
        bottom = _ring(sx / 2, sy / 2, 0.0)
        if shape == "cone":
            points = [*bottom, (0.0, 0.0, sz)]
            sides = [(i, (i + 1) % SEGMENTS, SEGMENTS) for i in range(SEGMENTS)]
            return points, [tuple(reversed(range(SEGMENTS))), *sides]
        points = [*bottom, *_ring(sx / 2, sy / 2, sz)]
        sides = [
            (i, (i + 1) % SEGMENTS, SEGMENTS + (i + 1) % SEGMENTS, SEGMENTS + i) for i in range(SEGMENTS)
        ]
        top = tuple(range(SEGMENTS, 2 * SEGMENTS))
        return points, [tuple(reversed(range(SEGMENTS))), top, *sides]
    if shape == "sphere":
        rings = 8
        points = []
        for j in range(1, rings):
            polar = math.pi * j / rings
            points += [
                (x * math.sin(polar), y * math.sin(polar), sz / 2 * (1 - math.cos(polar)))
                for x, y, _ in _ring(sx / 2, sy / 2, 0.0)
            ]
        points += [(0.0, 0.0, 0.0), (0.0, 0.0, sz)]
        south, north = len(points) - 2, len(points) - 1
        faces: list[tuple[int, ...]] = []
        for j in range(rings - 2):
            a, b = j * SEGMENTS, (j + 1) * SEGMENTS
            faces += [(a + i, a + (i + 1) % SEGMENTS, b + (i + 1) % SEGMENTS, b + i) for i in range(SEGMENTS)]
        last = (rings - 2) * SEGMENTS
        faces += [(south, (i + 1) % SEGMENTS, i) for i in range(SEGMENTS)]
        faces += [(last + i, last + (i + 1) % SEGMENTS, north) for i in range(SEGMENTS)]
        return points, faces
    raise ValueError(f"unknown prop shape {shape!r}: use box, cylinder, cone or sphere")


def _wall_frame(side: str, width: float, depth: float) -> tuple[Vec3, Vec3, float]:
    """(start corner, unit direction along the wall, length); `at` offsets are from the wall's centre."""
    w, d = width / 2, depth / 2
    return {
        "back": ((-w, d, 0.0), (1.0, 0.0, 0.0), width),
        "front": ((-w, -d, 0.0), (1.0, 0.0, 0.0), width),
        "left": ((-w, -d, 0.0), (0.0, 1.0, 0.0), depth),
        "right": ((w, -d, 0.0), (0.0, 1.0, 0.0), depth),
    }[side]


def wall_cells(
    length: float, height: float, openings: Sequence[tuple[float, float, float, float]]
) -> list[tuple[float, float, float, float]]:
    """Rectangles (u0, u1, v0, v1) that cover a wall except its openings, cut on the openings' edges."""
    us = sorted({0.0, length, *(min(max(u, 0.0), length) for o in openings for u in o[:2])})
    vs = sorted({0.0, height, *(min(max(v, 0.0), height) for o in openings for v in o[2:])})
    cells = []
    for u0, u1 in itertools.pairwise(us):
        for v0, v1 in itertools.pairwise(vs):
            centre_u, centre_v = (u0 + u1) / 2, (v0 + v1) / 2
            if not any(o[0] < centre_u < o[1] and o[2] < centre_v < o[3] for o in openings):
                cells.append((u0, u1, v0, v1))
    return cells


def _opening_rect(opening: Mapping[str, Any], length: float) -> tuple[float, float, float, float]:
    centre = length / 2 + float(opening.get("at", 0.0))
    half = float(opening.get("width", 1.0)) / 2
    sill = float(opening.get("sill", 0.0))
    return (centre - half, centre + half, sill, sill + float(opening.get("height", 2.0)))


def _terrain(
    geometry: SetGeometry, width: float, depth: float, spec: Mapping[str, Any], marks: list[Vec3]
) -> None:
    """Dunes: crossed sine ridges, flattened near every mark so a character stands on level ground."""
    height = float(spec.get("height", 5.0))
    wavelength = float(spec.get("wavelength", 40.0))
    flat = float(spec.get("flat_radius", 10.0))
    cells = 48
    k = 2 * math.pi / wavelength

    def z(x: float, y: float) -> float:
        ridge = 0.5 + 0.25 * math.sin(k * x + 0.7 * math.sin(k * 0.5 * y)) + 0.25 * math.sin(k * 0.6 * y)
        nearest = min((math.hypot(x - m[0], y - m[1]) for m in marks), default=math.inf)
        t = min(1.0, max(0.0, (nearest - flat) / flat))
        return height * ridge * t * t * (3 - 2 * t)

    points = [
        (x, y, z(x, y))
        for j in range(cells + 1)
        for i in range(cells + 1)
        for x, y in [(-width / 2 + width * i / cells, -depth / 2 + depth * j / cells)]
    ]
    row = cells + 1
    faces = [
        (j * row + i, j * row + i + 1, (j + 1) * row + i + 1, (j + 1) * row + i)
        for j in range(cells)
        for i in range(cells)
    ]
    geometry.add(points, faces, "floor")


def build_set(
    size: Sequence[float], blockout: Mapping[str, Any], marks: Mapping[str, Sequence[float]]
) -> SetGeometry:
    """The set's fixed part: floor (or terrain) and props. Walls and the ceiling are `set_pieces`."""
    width, depth, _ = (float(v) for v in size)
    geometry = SetGeometry()
    mark_points = [(float(m[0]), float(m[1]), 0.0) for m in marks.values() if len(m) >= 2]
    terrain = blockout.get("terrain")
    if isinstance(terrain, Mapping) and terrain.get("kind") == "dunes":
        _terrain(geometry, width, depth, terrain, mark_points or [(0.0, 0.0, 0.0)])
    else:
        w, d = width / 2, depth / 2
        geometry.add([(-w, -d, 0.0), (w, -d, 0.0), (w, d, 0.0), (-w, d, 0.0)], [(0, 1, 2, 3)], "floor")
    for prop in blockout.get("props") or []:
        _add_prop(geometry, prop)
    return geometry


def set_pieces(size: Sequence[float], blockout: Mapping[str, Any]) -> dict[str, SetGeometry]:
    """Each wall (by side) with its openings, and the ceiling: separate pieces, as a studio builds flats, so
    the camera department can pull a wild one from a shot."""
    width, depth, height = (float(v) for v in size)
    pieces: dict[str, SetGeometry] = {}
    openings = [o for o in blockout.get("openings") or [] if isinstance(o, Mapping)]
    for side in blockout.get("walls") or []:
        if side not in WALL_SIDES:
            raise ValueError(f"blockout.walls: unknown wall {side!r}; use {', '.join(WALL_SIDES)}")
        wall = pieces.setdefault(side, SetGeometry())
        start, along, length = _wall_frame(side, width, depth)
        rects = [_opening_rect(o, length) for o in openings if o.get("wall") == side]
        for u0, u1, v0, v1 in wall_cells(length, height, rects):
            corners = [(u0, v0), (u1, v0), (u1, v1), (u0, v1)]
            points = [(start[0] + along[0] * u, start[1] + along[1] * u, v) for u, v in corners]
            wall.add(points, [(0, 1, 2, 3)], "walls")
    if blockout.get("ceiling"):
        w, d = width / 2, depth / 2
        pieces["ceiling"] = SetGeometry()
        pieces["ceiling"].add(
            [(-w, -d, height), (-w, d, height), (w, d, height), (w, -d, height)], [(0, 1, 2, 3)], "walls"
        )
    return pieces


def wild_pieces(blockout: Mapping[str, Any]) -> frozenset[str]:
    """The pieces a crew may pull for a shot (`wild`: walls by side, `ceiling`)."""
    wild = blockout.get("wild")
    return frozenset(str(piece) for piece in wild) if isinstance(wild, list | tuple) else frozenset()


def opening_box(
    blockout: Mapping[str, Any], size: Sequence[float], point: Sequence[float], detail: bool = False
) -> Bounds | None:
    """The world box of the wall opening (a door, a window) nearest `point` within OPENING_REACH_M: what a
    POV of a mark beside it looks at. With `detail`, what an insert of it frames: a door's handle height
    (DOOR_DETAIL_M), a window whole."""
    width, depth, _ = (float(v) for v in size)
    best: tuple[float, Bounds] | None = None
    for opening in blockout.get("openings") or []:
        if not isinstance(opening, Mapping) or opening.get("wall") not in WALL_SIDES:
            continue
        start, along, length = _wall_frame(str(opening["wall"]), width, depth)
        u0, u1, v0, v1 = _opening_rect(opening, length)
        ends = [(start[0] + along[0] * u, start[1] + along[1] * u) for u in (u0, u1)]
        centre = ((ends[0][0] + ends[1][0]) / 2, (ends[0][1] + ends[1][1]) / 2)
        distance = math.hypot(centre[0] - float(point[0]), centre[1] - float(point[1]))
        if distance > OPENING_REACH_M or (best is not None and distance >= best[0]):
            continue
        if detail and opening.get("kind") == "door":
            v0, v1 = v0 + DOOR_DETAIL_M[0], min(v0 + DOOR_DETAIL_M[1], v1)
        low = (min(e[0] for e in ends), min(e[1] for e in ends), v0)
        high = (max(e[0] for e in ends), max(e[1] for e in ends), v1)
        best = (distance, (low, high))
    return None if best is None else best[1]


def prop_positions(prop: Mapping[str, Any]) -> list[Vec3]:
    """Where a prop stands: `at` [x, y(, z)], or `ring: {count, radius}` copies round `at`."""
    at = [float(v) for v in prop.get("at") or (0.0, 0.0)]
    base = (at[0], at[1], at[2] if len(at) > 2 else 0.0)
    ring = prop.get("ring")
    if not isinstance(ring, Mapping):
        return [base]
    count, radius = int(ring.get("count", 8)), float(ring.get("radius", 10.0))
    return [
        (
            base[0] + radius * math.cos(2 * math.pi * i / count),
            base[1] + radius * math.sin(2 * math.pi * i / count),
            base[2],
        )
        for i in range(count)
    ]


def _add_prop(geometry: SetGeometry, prop: Mapping[str, Any]) -> None:
    shape = str(prop.get("shape", "box"))
    size = [float(v) for v in prop.get("size") or (1.0, 1.0, 1.0)]
    rotation = [float(v) for v in prop.get("rotation") or (0.0, 0.0, 0.0)]
    local_points, faces = shape_mesh(shape, size)
    for position in prop_positions(prop):
        points = [
            tuple(p + o for p, o in zip(_rotate(point, rotation), position, strict=True))
            for point in local_points
        ]
        geometry.add(points, faces, str(prop.get("surface", "props")))  # type: ignore[arg-type]
