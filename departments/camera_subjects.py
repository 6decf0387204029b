"""What a camera can frame in one story scene: its cast (world bounds, where they walk) and its marks.

The camera department (camera.py) asks here for a subject by name, per shot and frame; camera_staging.py
for where the cast stands when it draws the line of action.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import bpy
from mathutils import Matrix

from ..production.camera import framing
from ..production.camera.framing import Subject
from ..production.camera.optics import Bounds, Vec3, unit2_or_zero
from ..production.model import Production, Scene
from ..production.staging.sets import opening_box
from . import camera_rigs
from .context import BuildContext
from .locations import set_size
from .stage import story_scene

PROP_HALF_WIDTH_M = 0.3
PROP_HEIGHT_M = 1.0
"""A location mark used as a subject (an insert of the door) is framed as a box this size on the mark."""
CAST_EYE = "eye"


class SceneSubjects:
    """What can be framed in one story scene, by name: its cast (world bounds) and its location marks.

    Built once per scene and asked per shot and frame, so it caches: figures nothing evaluates (plain
    meshes under a root, the stand-ins) are measured from their own geometry; only linked models,
    modified or animated figures need the scene's depsgraph, evaluated once on first need.
    """

    def __init__(
        self, ctx: BuildContext, production: Production, scene: Scene, local_bounds: dict[int, list[Any]]
    ):
        self.ctx = ctx
        self.scene = scene
        location = production.location(scene.location)
        self.location = location
        self.marks = {**(location.settings.get("features") or {}), **location.marks}  # both can be framed
        self.local_bounds = local_bounds
        self._depsgraph: bpy.types.Depsgraph | None = None
        self._children: dict[bpy.types.Object, list[bpy.types.Object]] | None = None
        self._found: dict[str, Subject | None] = {}
        self._roots: dict[str, bpy.types.Object | None] = {}
        self._paths: dict[tuple[str | None, int, int], list[Subject] | None] = {}

    def depsgraph(self) -> bpy.types.Depsgraph:
        if self._depsgraph is None:
            view_layer = story_scene(self.ctx, self.scene.id).view_layers[0]
            view_layer.update()  # creates and evaluates the scene's depsgraph (headless has none until then)
            self._depsgraph = view_layer.depsgraph
            assert self._depsgraph is not None, "update() evaluates the view layer's depsgraph"
        return self._depsgraph

    def family(self, root: bpy.types.Object) -> list[bpy.types.Object]:
        """`root` and everything parented under it in this scene (one pass over the scene's objects;
        `children_recursive` scans every object of the file on each call)."""
        if self._children is None:
            self._children = {}
            for obj in story_scene(self.ctx, self.scene.id).objects:
                if obj.parent is not None:
                    self._children.setdefault(obj.parent, []).append(obj)
        found, stack = [], [root]
        while stack:
            obj = stack.pop()
            found.append(obj)
            stack += self._children.get(obj, [])
        return found

    def root(self, name: str) -> bpy.types.Object | None:
        if name not in self._roots:
            self._roots[name] = self.ctx.find("objects", f"scene:{self.scene.id}/character:{name}")
        return self._roots[name]

    def get(self, name: str | None, frame: int | None = None) -> Subject | None:
        """The subject called `name`, where it is on `frame` (a walking character) or as evaluated now."""
        if name is None:
            return None
        if name not in self._found:
            self._found[name] = self._character(name) or self._mark(name)
        found = self._found[name]
        root = self.root(name)
        if found is None or frame is None or root is None or root.animation_data is None:
            return found
        return self._at_frame(found, root, frame)

    def path(self, name: str | None, first_frame: int, frames: int) -> list[Subject] | None:
        """The subject on every frame of a shot, None when there is no such subject (cached: the camera,
        its focus and its move all ask)."""
        key = (name, first_frame, frames)
        if key not in self._paths:
            found = self.get(name)
            root = None if name is None else self.root(name)
            if found is None or root is None or root.animation_data is None:
                self._paths[key] = None if found is None else [found] * frames
            else:
                self._paths[key] = [self._at_frame(found, root, first_frame + i) for i in range(frames)]
        return self._paths[key]

    def _at_frame(self, found: Subject, root: bpy.types.Object, frame: int) -> Subject:
        """`found` (measured on the scene's current frame) moved where the root's keys put it on `frame`."""
        evaluated = story_scene(self.ctx, self.scene.id).frame_current

        def change(path: str, index: int) -> float:
            now = getattr(root, path)[index]
            return camera_rigs.keyed_value(root, path, index, frame, now) - camera_rigs.keyed_value(
                root, path, index, evaluated, now
            )

        shift = [change("location", i) for i in range(3)]
        turn = change("rotation_euler", 2)
        low, high = found.bounds
        facing = (
            found.facing[0] * math.cos(turn) - found.facing[1] * math.sin(turn),
            found.facing[0] * math.sin(turn) + found.facing[1] * math.cos(turn),
        )
        moved = (
            (low[0] + shift[0], low[1] + shift[1], low[2] + shift[2]),
            (high[0] + shift[0], high[1] + shift[1], high[2] + shift[2]),
        )
        return replace(found, bounds=moved, facing=facing)

    def _measure(self, obj: bpy.types.Object) -> Bounds | None:
        """World bounds of `obj` and its family: from known geometry when that is exact (the family and
        everything `obj` hangs from are static)."""
        family = self.family(obj)
        if camera_rigs.static_chain(obj) and all(camera_rigs.is_static(o) for o in family):
            return camera_rigs.static_bounds(family, self.local_bounds)
        return camera_rigs.world_bounds(self.depsgraph(), set(family))

    def _world(self, obj: bpy.types.Object) -> Matrix:
        """World matrix of `obj`: from the transforms when it and its parents are static, else evaluated."""
        if camera_rigs.static_chain(obj):
            return camera_rigs.world_matrix(obj)
        self.depsgraph()
        return obj.matrix_world

    def _character(self, name: str) -> Subject | None:
        root = self.root(name)
        if root is None:
            return None
        bounds = self._measure(root)
        if bounds is None or bounds[1][2] - bounds[0][2] <= 0:
            return None
        height = bounds[1][2] - bounds[0][2]
        eye = self.ctx.find("objects", f"scene:{self.scene.id}/character:{name}/{CAST_EYE}")
        eye_from_top = framing.EYE_FROM_TOP
        if eye is not None:
            eye_z = self._world(eye).translation.z
            eye_from_top = min(max((bounds[1][2] - eye_z) / height, 0.0), 1.0)
        return Subject(bounds, camera_rigs.facing_of(self._world(root)), eye_from_top, name)

    def detail(self, subject: Subject) -> Subject:
        """What an insert of `subject` frames: a door's handle height, anything else whole."""
        mark = self.marks.get(subject.name)
        if mark is None or self.location.model is not None or subject.name in self.scene.characters:
            return subject
        blockout = self.location.settings.get("blockout") or {}
        opening = opening_box(blockout, set_size(self.location), mark[:2], detail=True)
        return subject if opening is None else replace(subject, bounds=opening)

    def _mark(self, name: str) -> Subject | None:
        keyed = self.ctx.find("objects", f"scene:{self.scene.id}/mark:{name}")
        if keyed is not None:
            bounds = self._measure(keyed)
            if bounds is not None and bounds[1][2] > bounds[0][2]:
                return Subject(bounds, camera_rigs.facing_of(self._world(keyed)), name=name)
        if name not in self.marks:
            return None
        x, y = self.marks[name][:2]
        z = self.marks[name][2] if len(self.marks[name]) > 2 else 0.0
        if self.location.model is None:  # a blockout: a mark at a door or a window means the opening
            blockout = self.location.settings.get("blockout") or {}
            opening = opening_box(blockout, set_size(self.location), (x, y))
            if opening is not None:
                return Subject(opening, _inward(opening), name=name)
        half = PROP_HALF_WIDTH_M
        facing = unit2_or_zero((-x, -y))  # toward the middle of the set
        facing = framing.DEFAULT_FACING if facing == (0.0, 0.0) else facing
        return Subject(((x - half, y - half, z), (x + half, y + half, z + PROP_HEIGHT_M)), facing, name=name)

    def cast(self) -> list[str]:
        return [n for n in self.scene.characters if self.get(n) is not None]

    def stand_in(self) -> Subject:
        """Nothing to frame (an empty set): a person-sized box at the set's origin."""
        return Subject(((-0.25, -0.15, 0.0), (0.25, 0.15, 1.75)), name="set")


def _inward(opening: Bounds) -> tuple[float, float]:
    """The way an opening in a wall faces into the set (its thin axis, toward the set's middle)."""
    (x0, y0, _), (x1, y1, _) = opening
    if x1 - x0 < y1 - y0:
        return (1.0, 0.0) if x0 + x1 < 0 else (-1.0, 0.0)
    return (0.0, 1.0) if y0 + y1 < 0 else (0.0, -1.0)


def eye_path(subjects: SceneSubjects, name: str | None, first_frame: int, frames: int) -> list[Vec3] | None:
    """A subject's eye point on every frame of the shot (it may walk); None when there is no such subject."""
    path = subjects.path(name, first_frame, frames)
    return None if path is None else [s.eye_point for s in path]
