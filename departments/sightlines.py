"""What a camera sees: rays from the lens to points on a subject, against everything on set that renders.

Built once per story scene, before any camera: one BVH of the set (every mesh that renders, but the cast),
each triangle knowing its object, so a blocked ray says what blocked it and a wild wall can be looked through;
each cast member's own mesh in its own space, moved per frame to where its keys (and a shot's cheat) put it.
A shot asks `Sightlines.look` at its first, middle and last frame, as the staging measure does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import bpy
import numpy as np
from mathutils import Euler, Matrix, Vector
from mathutils.bvhtree import BVHTree

from ..production.camera.moves import CameraPose
from ..production.camera.optics import Vec3, project_point
from ..production.model import Sensor
from . import camera_rigs

HEAD_SHARE = 1 / 7.5
"""The top of a figure that is its head (of its height), as the staging measure samples it."""
SAMPLES = 16
"""Points sampled on a head, a body or a prop: enough to tell half from most, cheap for 1,000 shots."""
SURFACE_GAP_M = 0.02
"""A ray stops this short of its point: the surface it samples does not hide itself."""
MAX_LAYERS = 8
"""Pulled walls a ray may pass through before it counts as blocked."""


@dataclass(frozen=True)
class Target:
    """Points to see and how much of them must be seen (a share of the points)."""

    name: str
    local_points: tuple[Vec3, ...]
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

    @property
    def clear(self) -> bool:
        return self.worst >= 1.0


@dataclass(frozen=True)
class CastMember:
    root: bpy.types.Object
    tree: BVHTree
    head: tuple[Vec3, ...]
    body: tuple[Vec3, ...]


def _triangles(mesh: bpy.types.Mesh, matrix: Matrix) -> tuple[np.ndarray, np.ndarray]:
    """A mesh's vertices (through `matrix`) and its triangles, as arrays."""
    mesh.calc_loop_triangles()
    verts = np.empty(len(mesh.vertices) * 3, np.float64)
    mesh.vertices.foreach_get("co", verts)
    verts = verts.reshape(-1, 3)
    transform = np.array(matrix, np.float64)
    verts = verts @ transform[:3, :3].T + transform[:3, 3]
    tris = np.empty(len(mesh.loop_triangles) * 3, np.int64)
    mesh.loop_triangles.foreach_get("vertices", tris)
    return verts, tris.reshape(-1, 3)


def _spread(points: np.ndarray, count: int) -> tuple[Vec3, ...]:
    step = max(1, len(points) // count)
    return tuple((float(p[0]), float(p[1]), float(p[2])) for p in points[::step][:count])


def _cast_member(root: bpy.types.Object, depsgraph: bpy.types.Depsgraph) -> CastMember:
    """The member in its root's space: its mesh (a linked asset: its bounding box) and sampled points."""
    if root.type == "MESH":
        evaluated = root.evaluated_get(depsgraph)
        mesh = evaluated.to_mesh()
        verts, tris = _triangles(mesh, Matrix.Identity(4))
        evaluated.to_mesh_clear()
    else:
        low, high = Vector(root.bound_box[0]), Vector(root.bound_box[6])
        if root.instance_type == "COLLECTION" and root.instance_collection is not None:
            bounds = camera_rigs.world_bounds(depsgraph, {root})
            if bounds is not None:
                inverse = camera_rigs.world_matrix(root).inverted()
                low, high = inverse @ Vector(bounds[0]), inverse @ Vector(bounds[1])
        corners = [(x, y, z) for x in (low.x, high.x) for y in (low.y, high.y) for z in (low.z, high.z)]
        verts = np.array(corners, np.float64)
        tris = np.array([(0, 1, 3), (0, 3, 2), (4, 6, 7), (4, 7, 5), (0, 4, 5), (0, 5, 1),
                         (2, 3, 7), (2, 7, 6), (0, 2, 6), (0, 6, 4), (1, 5, 7), (1, 7, 3)])  # fmt: skip
    tree = BVHTree.FromPolygons([tuple(v) for v in verts], [tuple(t) for t in tris])
    top, bottom = float(verts[:, 2].max()), float(verts[:, 2].min())
    head = verts[verts[:, 2] >= top - (top - bottom) * HEAD_SHARE]
    return CastMember(root, tree, _spread(head, SAMPLES), _spread(verts, SAMPLES))


class Sightlines:
    """The set and the cast of one story scene, as rays see them."""

    def __init__(
        self,
        scene: bpy.types.Scene,
        depsgraph: bpy.types.Depsgraph,
        cast: dict[str, bpy.types.Object],
        pieces: dict[str, str],
    ):
        """`cast`: name -> root object; `pieces`: set piece object name -> piece name (`left`, `ceiling`)."""
        self.scene = scene
        self.cast = {name: _cast_member(root, depsgraph) for name, root in cast.items()}
        self.pieces = pieces
        self.owners: list[str] = []
        skip = {m.root for m in self.cast.values()}
        verts_all, tris_all, owner_of_tri = [], [], []
        offset = 0
        for instance in depsgraph.object_instances:
            original = instance.object.original
            if instance.object.type != "MESH" or original in skip or original.parent in skip:
                continue
            if original.name not in pieces and not _renders(original):
                continue
            mesh = instance.object.to_mesh()
            verts, tris = _triangles(mesh, instance.matrix_world)
            instance.object.to_mesh_clear()
            if not len(tris):
                continue
            self.owners.append(original.name)
            verts_all.append(verts)
            tris_all.append(tris + offset)
            owner_of_tri += [len(self.owners) - 1] * len(tris)
            offset += len(verts)
        self.owner_of_tri = owner_of_tri
        self.tree: BVHTree | None = None
        if verts_all:
            verts = np.concatenate(verts_all)
            tris = np.concatenate(tris_all)
            self.tree = BVHTree.FromPolygons([tuple(v) for v in verts], [tuple(t) for t in tris])

    def root_matrix(self, name: str, frame: int, offset: Sequence[float] = (0.0, 0.0, 0.0)) -> Matrix:
        """Where a cast member's keys put its root on `frame`, moved by a shot's cheat `offset`."""
        root = self.cast[name].root
        location = [camera_rigs.keyed_value(root, "location", i, frame, root.location[i]) for i in range(3)]
        turn = camera_rigs.keyed_value(root, "rotation_euler", 2, frame, root.rotation_euler[2])
        rotation = (root.rotation_euler[0], root.rotation_euler[1], turn)
        placed = Vector(location) + Vector(offset)
        return Matrix.LocRotScale(placed, Euler(rotation), root.scale)

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
            if location is None:
                return None
            owner = self.owners[self.owner_of_tri[index]]
            travelled += gap
            if self.pieces.get(owner) not in pulled:
                return owner, travelled
            start = location + direction * 1e-3
            travelled += 1e-3
        return "pulled walls", travelled

    def _cast_hit(
        self,
        start: Vector,
        direction: Vector,
        distance: float,
        placed: dict[str, Matrix],
        skip: frozenset[str],
    ) -> str | None:
        """The first cast member (by name) a ray meets; `placed` holds each one's inverse world matrix."""
        for name, inverse in placed.items():
            if name in skip:
                continue
            local_start = inverse @ start
            span = inverse @ (start + direction * distance) - local_start
            if (
                span.length > 1e-9
                and self.cast[name].tree.ray_cast(local_start, span.normalized(), span.length)[0]
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
        sensor, fit, aspect = lens
        sight = Sight()
        for frame, pose in poses:
            origin = Vector(pose.location)
            placed = {
                name: self.root_matrix(name, frame, offsets.get(name, (0.0, 0.0, 0.0))).inverted()
                for name in self.cast
            }
            for target in targets:
                skip = ignore | {target.owner or ""}
                points = self._world_points(target, frame, offsets)
                seen = 0
                for point in points:
                    x, y, depth = project_point(point, pose.location, pose.rotation_euler, pose.focal_mm,
                                                sensor, fit, aspect)  # fmt: skip
                    if depth <= 0 or not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
                        continue
                    if target.in_frame_only:
                        seen += 1
                        continue
                    blocker = self._blocker(origin, Vector(point), placed, skip, pulled, sight)
                    if blocker is None:
                        seen += 1
                    else:
                        sight.blockers[blocker] += 1
                share = seen / len(points) if points else 0.0
                ratio = share / target.need if target.need > 0 else 1.0
                if ratio < sight.worst:
                    sight.worst = ratio
                if ratio < 1.0:
                    sight.shortfalls.append(
                        f"frame {frame}: {share:.0%} of {target.name}'s {target.label} seen"
                    )
        return sight

    def _world_points(self, target: Target, frame: int, offsets: dict[str, Vec3]) -> list[Vec3]:
        if target.owner is None:
            return list(target.local_points)
        matrix = self.root_matrix(target.owner, frame, offsets.get(target.owner, (0.0, 0.0, 0.0)))
        return [tuple(matrix @ Vector(p)) for p in target.local_points]  # type: ignore[misc]

    def _blocker(
        self,
        origin: Vector,
        point: Vector,
        placed: dict[str, Matrix],
        skip: frozenset[str],
        pulled: frozenset[str],
        sight: Sight,
    ) -> str | None:
        """What stands between the lens and `point`, if anything (wild pieces that do are noted)."""
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
        return self._cast_hit(origin, direction, distance, placed, skip)


def _renders(obj: bpy.types.Object) -> bool:
    """Whether `obj` shows in a render (its own flag and every collection it is in)."""
    return not obj.hide_render and all(not c.hide_render for c in obj.users_collection)


def targets_for(
    sightlines: Sightlines, name: str, need_head: float, need_body: float | None = None
) -> list[Target]:
    """A cast member's head (and, for wide sizes, whole figure) as targets."""
    member = sightlines.cast[name]
    found = [Target(name, member.head, name, need_head)]
    if need_body is not None:
        found.append(Target(name, member.body, name, need_body, label="figure"))
    return found


def box_target(name: str, bounds: tuple[Vec3, Vec3], need: float) -> Target:
    """A mark or prop as a box: points through its middle, spread over its height and width."""
    (x0, y0, z0), (x1, y1, z1) = bounds
    points = [
        (x0 + (x1 - x0) * u, y0 + (y1 - y0) * u, z0 + (z1 - z0) * v)
        for u in (0.2, 0.5, 0.8)
        for v in (0.15, 0.5, 0.85)
    ]
    return Target(name, tuple(points), None, need, label="frame")


def sampled_frames(first_frame: int, count: int) -> list[int]:
    """Indices of the first, middle and last frame of a shot (as the staging measure samples it)."""
    last = count - 1
    return sorted({0, last // 2, last}) if count > 0 else []
