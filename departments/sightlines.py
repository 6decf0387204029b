"""What a camera sees: rays from the lens to points on a subject, against everything on set that renders.

Built once per story scene, before any camera: one BVH of the set (every mesh that renders, but the cast),
each triangle knowing its object, so a blocked ray says what blocked it and a wild wall can be looked through;
each cast member's own mesh in its own space, moved per frame to where its keys (and a shot's cheat) put it.
A shot asks `Sightlines.look` at its first, middle and last frame, as the staging measure does.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import bpy
import numpy as np
from mathutils import Euler, Matrix, Vector
from mathutils.bvhtree import BVHTree

from ..production.camera.moves import CameraPose
from ..production.camera.optics import Vec3, camera_axes, frame_size_mm
from ..production.model import Sensor
from . import camera_rigs

HEAD_SHARE = 1 / 7.5
"""The top of a figure that is its head (of its height), as the staging measure samples it."""
SAMPLES = 8
OUTLINE_SAMPLES = 48
"""Points on a figure that only has to be in frame: projected, not ray-cast, so as many as the measure
takes."""
"""Points sampled on a head, a body or a prop: enough to tell half from most, cheap for 1,000 shots."""
SURFACE_GAP_M = 0.02
"""A ray stops this short of its point: the surface it samples does not hide itself."""
NO_OFFSET = (0.0, 0.0, 0.0)
MAX_LAYERS = 8
"""Pulled walls a ray may pass through before it counts as blocked."""


@dataclass(frozen=True)
class Target:
    """Points to see and how much of them must be seen (a share of the points)."""

    name: str
    local_points: tuple[Vector, ...]
    """In the owner's space (a cast root's), or world space when `owner` is None (a mark, an opening)."""
    owner: str | None
    need: float
    in_frame_only: bool = False
    """Only in frame counts (the near shoulder of an OTS), not unoccluded."""
    label: str = "head"


@dataclass
class Sight:
    """What a camera saw of its targets over the frames it was asked about."""

    worst: float = 1.0
    """The smallest share of a target's needed points seen, relative to what it needs (>= 1 passes)."""
    blockers: Counter[str] = field(default_factory=Counter)
    wild_blockers: set[str] = field(default_factory=set)
    """Wild set pieces that blocked a ray: pulling them may clear the shot."""
    shortfalls: list[str] = field(default_factory=list)
    near_short: bool = False
    """A target that only has to be in frame (an OTS's near shoulder) fell short: moving it may help."""

    @property
    def clear(self) -> bool:
        return self.worst >= 1.0


@dataclass(frozen=True)
class Shape:
    """A solid in its own space, as rays see it: its BVH, points sampled on its head and its whole figure,
    and a bounding sphere (rays that pass it by skip the BVH)."""

    tree: BVHTree
    head: tuple[Vector, ...]
    body: tuple[Vector, ...]
    outline: tuple[Vector, ...]
    """More of the figure, for what only has to be in frame (no rays): a near shoulder."""
    centre: Vector
    radius: float


@dataclass
class SightCache:
    """Shapes and set BVHs shared by every scene of one build: the cast's meshes and a location's set are the
    same in each scene they appear in."""

    shapes: dict[str, Shape] = field(default_factory=dict)
    sets: dict[tuple[Any, ...], tuple[BVHTree | None, list[int]]] = field(default_factory=dict)


Placed = tuple[str, Matrix, Vector, float]
"""A cast member where it stands on a frame: name, world matrix, bounding sphere centre and radius."""


@dataclass(frozen=True)
class CastMember:
    root: bpy.types.Object
    shape: Shape


BOX_TRIANGLES = [(0, 1, 3), (0, 3, 2), (4, 6, 7), (4, 7, 5), (0, 4, 5), (0, 5, 1),
                 (2, 3, 7), (2, 7, 6), (0, 2, 6), (0, 6, 4), (1, 5, 7), (1, 7, 3)]  # fmt: skip
"""The 12 triangles of a box whose corners run x, then y, then z from low to high."""


def _triangles(mesh: bpy.types.Mesh, matrix: Matrix | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A mesh's vertices (through `matrix`) and its triangles, as arrays."""
    mesh.calc_loop_triangles()
    flat = np.empty(len(mesh.vertices) * 3, np.float64)
    mesh.vertices.foreach_get("co", flat)
    verts = flat.reshape(-1, 3)
    if matrix is not None:
        transform = np.array(matrix, np.float64)
        verts = verts @ transform[:3, :3].T + transform[:3, 3]
    tris = np.empty(len(mesh.loop_triangles) * 3, np.int64)
    mesh.loop_triangles.foreach_get("vertices", tris)
    return verts, tris.reshape(-1, 3)


def _bvh(verts: np.ndarray, tris: np.ndarray) -> BVHTree:
    tree = BVHTree.FromPolygons(verts.tolist(), tris.tolist())
    assert tree is not None, "FromPolygons makes a tree of any polygons, none included"
    return tree


def _shape(verts: np.ndarray, tris: np.ndarray) -> Shape:
    tree = _bvh(verts, tris)
    top, bottom = float(verts[:, 2].max()), float(verts[:, 2].min())
    head = verts[verts[:, 2] >= top - (top - bottom) * HEAD_SHARE]
    low, high = verts.min(axis=0), verts.max(axis=0)
    centre = Vector(((low + high) / 2).tolist())
    return Shape(
        tree,
        _spread(head, SAMPLES),
        _strided(verts, SAMPLES),
        _strided(verts, OUTLINE_SAMPLES),
        centre,
        float(np.linalg.norm(high - low) / 2),
    )


def _rounded(matrix: Matrix) -> tuple[float, ...]:
    return tuple(round(matrix[i][j], 5) for i in range(4) for j in range(4))


def _strided(points: np.ndarray, count: int) -> tuple[Vector, ...]:
    """`count` of `points` taken at even steps through the mesh's vertices, as the staging measure samples a
    whole figure: dense where the mesh is (the head, the hands), as a viewer weighs it."""
    step = max(1, len(points) // count)
    return tuple(Vector(p) for p in points[::step][:count].tolist())


def _spread(points: np.ndarray, count: int) -> tuple[Vector, ...]:
    """`count` of `points` spread over the whole shape (farthest-point sampling): points taken by index
    bunch where the mesh lists its vertices, and a head seen half behind a door jamb must count as half."""
    if len(points) <= count:
        return tuple(Vector(p) for p in points.tolist())
    chosen = [int(np.argmax(points[:, 2]))]
    nearest = np.linalg.norm(points - points[chosen[0]], axis=1)
    while len(chosen) < count:
        chosen.append(int(np.argmax(nearest)))
        nearest = np.minimum(nearest, np.linalg.norm(points - points[chosen[-1]], axis=1))
    return tuple(Vector(points[i].tolist()) for i in chosen)


def _cast_shape(
    root: bpy.types.Object, cache: SightCache, depsgraph: Callable[[], bpy.types.Depsgraph]
) -> Shape:
    """The member in its root's space: its mesh (shared by every scene it plays, when nothing deforms it),
    else its evaluated mesh, else (a linked asset) its bounding box."""
    mesh = root.data
    if isinstance(mesh, bpy.types.Mesh) and not root.modifiers and mesh.shape_keys is None:
        key = f"mesh:{mesh.name}"
        if key not in cache.shapes:
            cache.shapes[key] = _shape(*_triangles(mesh))
        return cache.shapes[key]
    if root.type == "MESH":
        evaluated = root.evaluated_get(depsgraph())
        shape = _shape(*_triangles(evaluated.to_mesh()))
        evaluated.to_mesh_clear()
        return shape
    low, high = Vector(root.bound_box[0]), Vector(root.bound_box[6])
    if root.instance_type == "COLLECTION" and root.instance_collection is not None:
        bounds = camera_rigs.world_bounds(depsgraph(), {root})
        if bounds is not None:
            inverse = camera_rigs.world_matrix(root).inverted()
            low, high = inverse @ Vector(bounds[0]), inverse @ Vector(bounds[1])
    corners = [(x, y, z) for x in (low.x, high.x) for y in (low.y, high.y) for z in (low.z, high.z)]
    return _shape(np.array(corners, np.float64), np.array(BOX_TRIANGLES))


Solid = tuple[str, str, Matrix, Callable[[], tuple[np.ndarray, np.ndarray]]]
"""(object name, mesh name, world matrix, its world triangles when needed): one thing on set."""


def _set_solids(
    scene: bpy.types.Scene, skip: set[bpy.types.Object], pieces: dict[str, str], depsgraph: Callable[[], Any]
) -> list[Solid]:
    """Everything on set that renders, but the cast: from the objects themselves when nothing evaluated moves
    or reshapes them, else from the evaluated scene."""

    hidden = {o for c in scene.collection.children_recursive if c.hide_render for o in c.all_objects}

    def wanted(obj: bpy.types.Object) -> bool:
        if obj in skip or obj.parent in skip:
            return False
        return obj.name in pieces or not (obj.hide_render or obj in hidden)

    objects = [o for o in scene.objects if wanted(o)]
    if all(o.instance_type == "NONE" and (o.type != "MESH" or camera_rigs.static_chain(o)) for o in objects):
        return [
            (o.name, o.data.name, matrix, functools.partial(_triangles, o.data, matrix))
            for o in objects
            if isinstance(o.data, bpy.types.Mesh)
            for matrix in [camera_rigs.world_matrix(o)]
        ]
    solids: list[Solid] = []
    for instance in depsgraph().object_instances:
        original, mesh = instance.object.original, instance.object.data
        if isinstance(mesh, bpy.types.Mesh) and wanted(original):
            matrix = instance.matrix_world.copy()
            made = _triangles(mesh, matrix)
            solids.append((original.name, mesh.name, matrix, functools.partial(_made, made)))
    return solids


def _made(triangles: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Triangles an evaluated mesh gave while it was there (the depsgraph frees it)."""
    return triangles


def _set_tree(solids: list[Solid]) -> tuple[BVHTree | None, list[int]]:
    """One BVH of every solid, and each triangle's solid (its index in `solids`)."""
    verts_all, tris_all, owner_of_tri = [], [], []
    offset = 0
    for index, (*_, make) in enumerate(solids):
        verts, tris = make()
        verts_all.append(verts)
        tris_all.append(tris + offset)
        owner_of_tri += [index] * len(tris)
        offset += len(verts)
    if not owner_of_tri:
        return None, []
    verts, tris = np.concatenate(verts_all), np.concatenate(tris_all)
    return _bvh(verts, tris), owner_of_tri


class Sightlines:
    """The set and the cast of one story scene, as rays see them."""

    def __init__(
        self,
        scene: bpy.types.Scene,
        cast: dict[str, bpy.types.Object],
        pieces: dict[str, str],
        cache: SightCache,
        depsgraph: Callable[[], bpy.types.Depsgraph],
    ):
        """`cast`: name -> root object; `pieces`: set piece object name -> piece name (`left`, `ceiling`);
        `depsgraph` evaluates the scene when something needs it."""
        self.cast = {
            name: CastMember(root, _cast_shape(root, cache, depsgraph)) for name, root in cast.items()
        }
        self.pieces = pieces
        solids = sorted(
            _set_solids(scene, {m.root for m in self.cast.values()}, pieces, depsgraph),
            key=lambda solid: (solid[1], _rounded(solid[2])),
        )
        self.owners = [solid[0] for solid in solids]
        signature = tuple((solid[1], _rounded(solid[2])) for solid in solids)
        if signature not in cache.sets:
            cache.sets[signature] = _set_tree(solids)
        self.tree, self.owner_of_tri = cache.sets[signature]
        self._states: dict[tuple[str, int], tuple[float, float, float, float]] = {}
        self._matrices: dict[tuple[str, int, tuple[float, ...]], Matrix] = {}

    def _state(self, name: str, frame: int) -> tuple[float, float, float, float]:
        """Where a cast member's keys put its root on `frame` (x, y, z, turn), asked once per frame."""
        key = (name, frame)
        if key not in self._states:
            root = self.cast[name].root
            x, y, z = (
                camera_rigs.keyed_value(root, "location", i, frame, root.location[i]) for i in range(3)
            )
            turn = camera_rigs.keyed_value(root, "rotation_euler", 2, frame, root.rotation_euler[2])
            self._states[key] = (x, y, z, turn)
        return self._states[key]

    def root_matrix(self, name: str, frame: int, offset: Sequence[float] = NO_OFFSET) -> Matrix:
        """Where a cast member's keys put its root on `frame`, moved by a shot's cheat `offset` (kept: every
        try at a shot asks for the same frames)."""
        key = (name, frame, tuple(offset))
        if key not in self._matrices:
            root = self.cast[name].root
            x, y, z, turn = self._state(name, frame)
            rotation = Euler((root.rotation_euler[0], root.rotation_euler[1], turn))
            location = Vector((x + offset[0], y + offset[1], z + offset[2]))
            self._matrices[key] = Matrix.LocRotScale(location, rotation, root.scale)
        return self._matrices[key]

    def room(
        self, origin: Vec3, direction: tuple[float, float], pulled: Iterable[str], reach: float
    ) -> float:
        """How far the set lets a camera back away from `origin` along a horizontal direction."""
        ray = Vector((direction[0], direction[1], 0.0))
        hit = self._first_set_hit(Vector(origin), ray, reach, frozenset(pulled))
        return reach if hit is None else hit[1]

    def _first_set_hit(
        self, start: Vector, direction: Vector, distance: float, pulled: frozenset[str]
    ) -> tuple[str, float] | None:
        """The first set object a ray meets within `distance` (pulled pieces let it through), and how far."""
        if self.tree is None:
            return None
        travelled = 0.0
        for _ in range(MAX_LAYERS):
            location, _normal, index, gap = self.tree.ray_cast(start, direction, distance - travelled)
            if location is None or index is None or gap is None:
                return None
            owner = self.owners[self.owner_of_tri[index]]
            travelled += gap
            if self.pieces.get(owner) not in pulled:
                return owner, travelled
            start = location + direction * 1e-3
            travelled += 1e-3
        return "pulled walls", travelled

    def _cast_hit(
        self, start: Vector, direction: Vector, distance: float, placed: list[Placed]
    ) -> str | None:
        """The first cast member (by name) a ray meets, of those `placed` where they stand this frame."""
        for name, matrix, centre, radius in placed:
            along = max(0.0, min(distance, (centre - start).dot(direction)))
            if (start + direction * along - centre).length > radius:
                continue  # the ray passes the member by
            inverse = matrix.inverted()
            local_start = inverse @ start
            span = inverse @ (start + direction * distance) - local_start
            if (
                span.length > 1e-9
                and self.cast[name].shape.tree.ray_cast(local_start, span.normalized(), span.length)[0]
            ):
                return name
        return None

    def look(
        self,
        poses: Sequence[tuple[int, CameraPose]],
        targets: Sequence[Target],
        lens: tuple[Sensor, str, float],
        pulled: frozenset[str] = frozenset(),
        offsets: dict[str, Vec3] | None = None,
        ignore: frozenset[str] = frozenset(),
    ) -> Sight:
        """How much of each target the camera sees on each (frame, pose): in frame and unoccluded by the
        set (less the `pulled` pieces) and the rest of the cast (moved by `offsets`, a shot's cheats; less
        `ignore`, a POV's viewer)."""
        offsets = offsets or {}
        width, height = frame_size_mm(*lens)
        sight = Sight()
        looked: set[tuple[Any, ...]] = set()
        for frame, pose in poses:
            still = (pose, *(self._state(name, frame) for name in self.cast))
            if still in looked:
                continue  # nothing moved since a frame already looked at (a locked-off shot)
            looked.add(still)
            matrices = {
                name: self.root_matrix(name, frame, offsets.get(name, NO_OFFSET)) for name in self.cast
            }
            everyone = [
                (name, matrix, matrix @ self.cast[name].shape.centre, self.cast[name].shape.radius)
                for name, matrix in matrices.items()
                if name not in ignore
            ]
            frame_of = _Frame(pose, pose.focal_mm / width, pose.focal_mm / height)
            for target in targets:
                owner = matrices.get(target.owner or "")
                points = target.local_points if owner is None else [owner @ p for p in target.local_points]
                inside = [p for p in points if frame_of.holds(p)]
                seen = len(inside)
                if not target.in_frame_only:
                    placed = _in_the_way(
                        frame_of.origin, inside, [p for p in everyone if p[0] != target.owner]
                    )
                    seen = self._unblocked(
                        frame_of.origin, inside, target.need * len(points), placed, pulled, sight
                    )
                share = seen / len(points) if points else 0.0
                ratio = share / target.need if target.need > 0 else 1.0
                sight.worst = min(sight.worst, ratio)
                if ratio < 1.0:
                    sight.near_short |= target.in_frame_only
                    sight.shortfalls.append(
                        f"frame {frame}: {share:.0%} of {target.name}'s {target.label} seen"
                    )
        return sight

    def _unblocked(
        self,
        origin: Vector,
        points: list[Vector],
        enough: float,
        placed: list[Placed],
        pulled: frozenset[str],
        sight: Sight,
    ) -> int:
        """How many of `points` nothing hides from `origin`; once fewer than `enough` can be, the rest are not
        looked at and count as hidden (a lower bound: the attempt fails either way)."""
        seen = 0
        for i, point in enumerate(points):
            blocker = self._blocker(origin, point, placed, pulled, sight)
            if blocker is None:
                seen += 1
                continue
            sight.blockers[blocker] += 1
            if seen + len(points) - i - 1 < enough:
                break
        return seen

    def _blocker(
        self, origin: Vector, point: Vector, placed: list[Placed], pulled: frozenset[str], sight: Sight
    ) -> str | None:
        """What stands between the lens and `point`, if anything (set pieces that do are noted: a wild one
        may be pulled)."""
        ray = point - origin
        distance = ray.length - SURFACE_GAP_M
        if distance <= 0:
            return None
        direction = ray.normalized()
        hit = self._first_set_hit(origin, direction, distance, pulled)
        if hit is not None:
            if hit[0] in self.pieces:
                sight.wild_blockers.add(self.pieces[hit[0]])
            return hit[0]
        return self._cast_hit(origin, direction, distance, placed)


def _in_the_way(origin: Vector, points: list[Vector], placed: list[Placed]) -> list[Placed]:
    """The cast members whose bounding spheres come near the rays from `origin` to `points` (most shots:
    none, so no ray asks the cast)."""
    if not points or not placed:
        return []
    centre = sum(points, Vector()) / len(points)
    spread = max((p - centre).length for p in points)
    reach = centre - origin
    length = reach.length
    near = []
    for member in placed:
        along = max(0.0, min(length, (member[2] - origin).dot(reach) / length)) if length > 1e-9 else 0.0
        closest = origin + reach * (along / length) if length > 1e-9 else origin
        if (member[2] - closest).length <= member[3] + spread:
            near.append(member)
    return near


class _Frame:
    """A camera pose's frame, to ask whether points land in it (as `optics.project_point` measures)."""

    def __init__(self, pose: CameraPose, x_scale: float, y_scale: float):
        self.origin = Vector(pose.location)
        self.right, self.up, self.forward = (Vector(axis) for axis in camera_axes(pose.rotation_euler))
        self.x_scale, self.y_scale = x_scale, y_scale

    def holds(self, point: Vector) -> bool:
        offset = point - self.origin
        depth = offset.dot(self.forward)
        if depth <= 1e-9:
            return False
        x = offset.dot(self.right) * self.x_scale / depth
        y = offset.dot(self.up) * self.y_scale / depth
        return -0.5 <= x <= 0.5 and -0.5 <= y <= 0.5


def targets_for(
    sightlines: Sightlines, name: str, need_head: float, need_body: float | None = None
) -> list[Target]:
    """A cast member's head (and, for wide sizes, whole figure) as targets."""
    member = sightlines.cast[name]
    found = [Target(name, member.shape.head, name, need_head)]
    if need_body is not None:
        found.append(Target(name, member.shape.body, name, need_body, label="figure"))
    return found


def box_target(name: str, bounds: tuple[Vec3, Vec3], need: float) -> Target:
    """A mark or prop as a box: points through its middle, spread over its height and width."""
    (x0, y0, z0), (x1, y1, z1) = bounds
    points = [
        (x0 + (x1 - x0) * u, y0 + (y1 - y0) * u, z0 + (z1 - z0) * v)
        for u in (0.2, 0.5, 0.8)
        for v in (0.15, 0.5, 0.85)
    ]
    return Target(name, tuple(Vector(p) for p in points), None, need, label="frame")


def sampled_frames(count: int) -> list[int]:
    """Indices of the first, middle and last frame of a shot (as the staging measure samples it)."""
    last = count - 1
    return sorted({0, last // 2, last}) if count > 0 else []
