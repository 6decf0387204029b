"""Camera department: per shot, cameras framed on the real subject, on a rig, moving and pulling focus.

The subject is what the characters department built (the cast root and its children, depsgraph-evaluated
world bounds), so a CU frames the head and shoulders of whoever the character is.
`production/camera/framing` solves the framing for the shot size, lens and sensor; `production/camera/shot`
and `moves` turn the spec's move and rig into per-frame poses; `camera_rigs` puts them on a rig. Keys:
`shot:{id}/camera` for the primary camera (the one stage.bind_shots binds), `shot:{id}/camera:{name}` for
extra cameras (B, C...), and `<camera key>/rig`, `/aim`, ... for parts. See docs/camera.md.
"""

from __future__ import annotations

import math
from dataclasses import replace
from functools import cache
from typing import Any

import bpy
from mathutils import Matrix

from ..production.camera import framing, optics, rigs
from ..production.camera import moves as camera_moves
from ..production.camera import shot as camera_shot
from ..production.camera.framing import Subject
from ..production.camera.moves import CameraPose
from ..production.camera.optics import Bounds, Vec3
from ..production.model import CameraSpec, Production, Scene, Shot
from ..production.plan import ShotPlan
from ..production.spec.presets import PresetLibrary
from ..production.values import shot_letter
from . import camera_rigs, isometric
from .context import KEY, BuildContext
from .stage import department_collection, story_scene

NAME = "camera"
PRIMARY = "A"
DEFAULT_F_STOP = 2.8
"""Aperture when a shot asks for focus (a focus subject or a pull) without naming an f-stop."""
PROP_HALF_WIDTH_M = 0.3
PROP_HEIGHT_M = 1.0
"""A location mark used as a subject (an insert of the door) is framed as a box this size on the mark."""
CAST_EYE = "eye"


def camera_key(shot_id: str, name: str = PRIMARY) -> str:
    return f"shot:{shot_id}/camera" if name == PRIMARY else f"shot:{shot_id}/camera:{name}"


def camera_names(shot: Shot) -> list[tuple[str, CameraSpec]]:
    """The shot's cameras in order: A (`camera`), then `cameras` named by their `name` or B, C, ..."""
    extras = [(spec.name or shot_letter(i + 1), spec) for i, spec in enumerate(shot.cameras)]
    return [(PRIMARY, shot.camera), *extras]


def shot_cameras(scene: bpy.types.Scene, shot_id: str) -> list[tuple[str, bpy.types.Object]]:
    """The camera objects of one shot in `scene`: ("A", primary) first, then the extra cameras by name.

    The render loop renders each as its own take: bind the camera (scene.camera or the shot's marker), render,
    and name the output after the camera (e.g. `<shot>_<name>`).
    """
    primary = camera_key(shot_id)
    found: dict[str, bpy.types.Object] = {}
    for obj in scene.objects:
        key = obj.get(KEY)
        if obj.type != "CAMERA" or not isinstance(key, str):
            continue
        if key == primary:
            found[PRIMARY] = obj
        elif key.startswith(primary + ":") and "/" not in key[len(primary) + 1 :]:
            found[key[len(primary) + 1 :]] = obj
    return sorted(found.items(), key=lambda item: (item[0] != PRIMARY, item[0]))


@cache
def _presets() -> PresetLibrary:
    return PresetLibrary()


def _preset(kind: str, name: str, what: str) -> dict[str, Any]:
    data = _presets().get(kind, name)
    if data is None:
        raise ValueError(f"unknown {what} '{name}'; known: {', '.join(_presets().names(kind))}")
    return data


@cache
def shot_size(name: str) -> framing.ShotSize:
    return framing.shot_size_from_preset(name, _preset("shot_sizes", name, "shot size"))


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
        if _static_chain(obj) and all(camera_rigs.is_static(o) for o in family):
            return camera_rigs.static_bounds(family, self.local_bounds)
        return camera_rigs.world_bounds(self.depsgraph(), set(family))

    def _world(self, obj: bpy.types.Object) -> Matrix:
        """World matrix of `obj`: from the transforms when it and its parents are static, else evaluated."""
        if _static_chain(obj):
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
        half = PROP_HALF_WIDTH_M
        return Subject(((x - half, y - half, z), (x + half, y + half, z + PROP_HEIGHT_M)), name=name)

    def cast(self) -> list[str]:
        return [n for n in self.scene.characters if self.get(n) is not None]

    def stand_in(self) -> Subject:
        """Nothing to frame (an empty set): a person-sized box at the set's origin."""
        return Subject(((-0.25, -0.15, 0.0), (0.25, 0.15, 1.75)), name="set")


def _static_chain(obj: bpy.types.Object) -> bool:
    """Whether `obj` and every parent above it are static (see `camera_rigs.is_static`)."""
    link: bpy.types.Object | None = obj
    while link is not None:
        if not camera_rigs.is_static(link):
            return False
        link = link.parent
    return True


def choose_subjects(
    shot: Shot, size: framing.ShotSize, subjects: SceneSubjects, frame: int
) -> tuple[Subject, Subject | None]:
    """The framed subject and the second one (TWO's partner, OTS's foreground, POV's target).

    `subject` then `subjects` name them; a size needing two takes the first other cast member; a POV looks
    at `camera.target`.
    """
    named = [n for n in dict.fromkeys((shot.subject, *shot.subjects)) if n and subjects.get(n) is not None]
    others = [n for n in subjects.cast() if n not in named]
    framed = (
        subjects.get(named[0], frame)
        if named
        else subjects.get(others.pop(0), frame)
        if others
        else subjects.stand_in()
    )
    assert framed is not None
    second: Subject | None = None
    if size.region is None:
        second = subjects.get(shot.camera.target, frame) or (
            subjects.get(named[1], frame) if len(named) > 1 else None
        )
        second = second or (subjects.get(others[0], frame) if others else None)
        second = second or camera_shot.straight_ahead(framed)
    elif size.subjects == 2:
        pool = [subjects.get(n, frame) for n in (*named[1:], *others)]
        second = next((s for s in pool if s is not None), None)
    return framed, second


def _eye_path(subjects: SceneSubjects, name: str | None, first_frame: int, frames: int) -> list[Vec3] | None:
    """A subject's eye point on every frame of the shot (it may walk); None when there is no such subject."""
    path = subjects.path(name, first_frame, frames)
    return None if path is None else [s.eye_point for s in path]


def _focus_distances(
    shot: Shot, poses: list[CameraPose], subjects: SceneSubjects, framed_eyes: list[Vec3], first_frame: int
) -> list[float]:
    """Focus depth per frame: held on `focus.subject` (else the framed one) or pulled along `focus.pull`."""
    paths = [_eye_path(subjects, n, first_frame, len(poses)) for n in shot.focus.pull]
    pulled = [p for p in paths if p is not None]
    if len(pulled) < 2:
        held = _eye_path(subjects, shot.focus.subject, first_frame, len(poses)) or framed_eyes
        return camera_moves.focus_pull(poses, held, held)
    return camera_shot.pulled_focus(poses, pulled, shot.focus.at)


def _framing_aspect(production: Production, scene: bpy.types.Scene) -> float:
    """The production's framing aspect, else the displayed aspect of the scene's render.

    With a landscape frame and AUTO/HORIZONTAL fit the width sets the field of view, so a 2.39 framing
    rendered on a 16:9 master sits in the master's centre band, where the output crops it.
    """
    render = scene.render
    displayed = (render.resolution_x * render.pixel_aspect_x) / (render.resolution_y * render.pixel_aspect_y)
    return production.aspect_ratio or displayed


def _camera_data(
    ctx: BuildContext, key: str, label: str, spec: CameraSpec, shot: Shot, gate: optics.Sensor
) -> bpy.types.Camera:
    data = ctx.ensure("cameras", key, label, bpy.data.cameras.new)
    f_stop = spec.f_stop or shot.focus.f_stop
    width, height = optics.blender_sensor(gate)
    ctx.assign_all(
        data,
        {
            "sensor_width": width,
            "sensor_height": height,
            "sensor_fit": spec.sensor_fit,
            "clip_start": spec.clip_start,
            "clip_end": spec.clip_end,
            "shift_x": spec.shift_x,
            "shift_y": spec.shift_y,
            "dof.use_dof": bool(f_stop or shot.focus.pull or shot.focus.subject),
            "dof.aperture_fstop": f_stop or DEFAULT_F_STOP,
            "show_safe_areas": True,  # title/action safe guides and the thirds the framing composes on
            "show_composition_thirds": True,
        },
    )
    return data


def build_camera(
    ctx: BuildContext,
    production: Production,
    shot: Shot,
    shot_plan: ShotPlan,
    name: str,
    spec: CameraSpec,
    subjects: SceneSubjects,
) -> camera_rigs.RigParts:
    """One camera of one shot: framed on its subject, moved, focused, on its rig."""
    key = camera_key(shot.id, name)
    label = f"{shot.id} Camera" if name == PRIMARY else f"{shot.id} Camera {name}"
    size, gate = shot_size(shot.size), spec.sensor
    first_frame, frames = shot_plan.frame_start, shot_plan.frames
    framed, second = choose_subjects(shot, size, subjects, first_frame)
    placement = framing.frame_subject(
        size,
        framed,
        spec.lens,
        gate,
        _framing_aspect(production, story_scene(ctx, shot.scene)),
        spec.sensor_fit,
        height=spec.height,
        side_deg=size.side_deg + spec.angle,
        other=second,
    )
    start, focus_depth = camera_shot.start_pose(spec, placement)
    forward = optics.camera_axes(start.rotation_euler)[2]
    focus_point = optics.offset(start.location, forward, focus_depth)
    looked_at = second if size.region is None and second is not None else framed
    eyes = _eye_path(subjects, looked_at.name, first_frame, frames) or [focus_point] * frames
    parameters = camera_shot.move_parameters(spec, start, looked_at, eyes)
    poses = camera_shot.rig_poses(
        spec, camera_moves.move_samples(spec.move, start, frames, **parameters), production.fps
    )
    data = _camera_data(ctx, key, label, spec, shot, gate)
    poses, focus_depth = isometric.tile_view(ctx, shot, spec, data, poses, focus_depth, framed)
    focus = _focus_distances(shot, poses, subjects, eyes, first_frame)
    animated: dict[tuple[str, int], list[float]] = {}
    for path, values in (("lens", [p.focal_mm for p in poses]), ("dof.focus_distance", focus)):
        if any(abs(v - values[0]) > 1e-7 for v in values):
            animated[(path, 0)] = values
        else:
            ctx.assign(data, path, values[0])
    if animated:
        camera_rigs.key_channels(ctx, data, f"{key}/data/action", animated, first_frame)
    else:
        camera_rigs.unkey(data)
    rig = "dolly" if spec.move == "dolly_zoom" and spec.rig in ("tripod", "static") else spec.rig
    collection = department_collection(ctx, shot.scene, "Cameras")
    parts = camera_rigs.build_rig(
        ctx,
        key,
        label,
        rig,
        data,
        poses,
        focus_depth,
        collection,
        first_frame,
        rigs.crane_pivot(start),
    )
    warnings = "; ".join(placement.warnings)
    if parts.camera.get("backlot_framing") != warnings:
        parts.camera["backlot_framing"] = warnings
    ctx.report.problems += [f"shot {shot.id}, camera {name}: {warning}" for warning in placement.warnings]
    return parts


def build(production: Production, ctx: BuildContext) -> None:
    plans = {p.shot_id: p for p in ctx.plan.shots}
    scene_subjects: dict[str, SceneSubjects] = {}
    local_bounds: dict[int, list[Any]] = {}  # a mesh's own bounding box, shared by the scenes it is in
    for shot in production.shots:
        if shot.scene not in scene_subjects:
            scene = production.scene(shot.scene)
            scene_subjects[shot.scene] = SceneSubjects(ctx, production, scene, local_bounds)
        for name, spec in camera_names(shot):
            try:
                build_camera(ctx, production, shot, plans[shot.id], name, spec, scene_subjects[shot.scene])
            except ValueError as exc:  # the maths explains what is wrong; say which shot and camera
                raise ValueError(f"shot {shot.id}, camera {name}: {exc}") from exc
