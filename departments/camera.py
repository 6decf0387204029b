"""Camera department: per shot, cameras framed on the real subject, on a rig, moving and pulling focus.

The subject is what the characters department built (the cast root and its children, depsgraph-evaluated
world bounds), so a CU frames the head and shoulders of whoever the character is.
`production/camera/framing` solves the framing for the shot size, lens and sensor; `production/camera/shot`
and `moves` turn the spec's move and rig into per-frame poses; `camera_rigs` puts them on a rig. Keys:
`shot:{id}/camera` for the primary camera (the one stage.bind_shots binds), `shot:{id}/camera:{name}` for
extra cameras (B, C...), and `<camera key>/rig`, `/aim`, ... for parts. See docs/camera.md.
"""

from __future__ import annotations

import json
from dataclasses import replace
from functools import cache
from typing import Any

import bpy

from ..production.camera import framing, optics, rigs
from ..production.camera import moves as camera_moves
from ..production.camera import shot as camera_shot
from ..production.camera.framing import Subject
from ..production.camera.moves import CameraPose
from ..production.camera.optics import Vec3
from ..production.model import CameraSpec, Production, Shot
from ..production.plan import ShotPlan
from ..production.spec.presets import PresetLibrary
from ..production.values import shot_letter
from ..runtime.built import STAGING
from . import camera_rigs, isometric
from .camera_staging import CameraShot, SceneStaging
from .camera_subjects import SceneSubjects, eye_path
from .context import KEY, BuildContext, StagingNote
from .sightlines import SightCache
from .stage import department_collection, story_scene

NAME = "camera"
PRIMARY = "A"
DEFAULT_F_STOP = 2.8
"""Aperture when a shot asks for focus (a focus subject or a pull) without naming an f-stop."""


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
    if size.name == "INSERT":
        framed = subjects.detail(framed)
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
    elif size.group and len(named) > 1:
        second = subjects.get(named[1], frame)
    return framed, second


def _focus_distances(
    shot: Shot, poses: list[CameraPose], subjects: SceneSubjects, framed_eyes: list[Vec3], first_frame: int
) -> list[float]:
    """Focus depth per frame: held on `focus.subject` (else the framed one) or pulled along `focus.pull`."""
    paths = [eye_path(subjects, n, first_frame, len(poses)) for n in shot.focus.pull]
    pulled = [p for p in paths if p is not None]
    if len(pulled) < 2:
        held = eye_path(subjects, shot.focus.subject, first_frame, len(poses)) or framed_eyes
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
    staging: SceneStaging,
) -> camera_rigs.RigParts:
    """One camera of one shot: framed on its subject, staged (seen, on its side of the line), moved,
    focused, on its rig."""
    key = camera_key(shot.id, name)
    label = f"{shot.id} Camera" if name == PRIMARY else f"{shot.id} Camera {name}"
    size, gate = shot_size(shot.size), spec.sensor
    first_frame, frames = shot_plan.frame_start, shot_plan.frames
    subjects = staging.subjects
    framed, second = choose_subjects(shot, size, subjects, first_frame)
    line = staging.line(shot, spec, size, first_frame)
    aspect = _framing_aspect(production, story_scene(ctx, shot.scene))
    setup = CameraShot(
        production,
        shot,
        spec,
        size,
        first_frame,
        frames,
        aspect,
        framed,
        second,
        None if line is None else line.side,
    )
    staged, posed = staging.stage(setup, line)
    lens = staged.attempt.lens
    data = _camera_data(ctx, key, label, replace(spec, lens=lens), shot, gate)
    poses, focus_depth = isometric.tile_view(
        ctx, shot, spec, data, posed.poses, posed.focus_depth, posed.looked_at
    )
    focus = _focus_distances(shot, poses, subjects, posed.eyes, first_frame)
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
        ctx, key, label, rig, data, poses, focus_depth, collection, first_frame, rigs.crane_pivot(posed.start)
    )
    notes = [
        *(StagingNote(shot.id, name, "cheat", text) for text in staged.cheats),
        *(
            StagingNote(shot.id, name, "warning", text)
            for text in (*posed.placement.warnings, *staged.warnings)
        ),
    ]
    stored = json.dumps([{"kind": n.kind, "text": n.text} for n in notes])
    if parts.camera.get(STAGING) != stored:
        parts.camera[STAGING] = stored
    ctx.report.staging += notes
    return parts


def build(production: Production, ctx: BuildContext) -> None:
    plans = {p.shot_id: p for p in ctx.plan.shots}
    stagings: dict[str, SceneStaging] = {}
    local_bounds: dict[int, list[Any]] = {}  # a mesh's own bounding box, shared by the scenes it is in
    sight_cache = SightCache()  # the cast's meshes and each set as rays see them, shared the same way
    for shot in production.shots:
        if shot.scene not in stagings:
            scene = production.scene(shot.scene)
            stagings[shot.scene] = SceneStaging(ctx, production, scene, local_bounds, sight_cache)
        for name, spec in camera_names(shot):
            try:
                build_camera(ctx, production, shot, plans[shot.id], name, spec, stagings[shot.scene])
            except ValueError as exc:  # the maths explains what is wrong; say which shot and camera
                raise ValueError(f"shot {shot.id}, camera {name}: {exc}") from exc
    for scene_id, staging in stagings.items():
        staging.finish(ctx.plan.scene_ranges.get(scene_id, (1, 1))[0])
