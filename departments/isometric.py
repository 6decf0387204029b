"""Isometric and dimetric shot cameras: the camera department's hook for `camera.projection`.

Not a department: `departments/camera.py` calls `tile_view` once per camera, after the camera data exists
and before the rig is built. A tile view replaces the framing solve and any move with one static pose
(`production.retro.isometric.tile_camera`) centred on the shot's subject, and makes the camera orthographic
with the scale that draws a 1 m ground tile `tile_size` pixels wide at the scene's render resolution. The rig
is then built from that pose as usual, so its aim empty sits on the subject and rebuilds keep tweaks.
"""

from __future__ import annotations

import bpy

from ..production.camera.framing import Subject
from ..production.camera.moves import CameraPose
from ..production.model import CameraSpec, Shot
from ..production.retro.isometric import tile_camera
from .context import BuildContext
from .stage import story_scene

DEFAULT_DISTANCE_M = 50.0  # orthographic size does not depend on it; far enough to clear a set


def tile_view(
    ctx: BuildContext,
    shot: Shot,
    spec: CameraSpec,
    data: bpy.types.Camera,
    poses: list[CameraPose],
    focus_depth: float,
    subject: Subject,
) -> tuple[list[CameraPose], float]:
    """The poses and aim depth to build the rig from: unchanged for perspective, one static tile view else."""
    if spec.projection == "perspective":
        ctx.assign(data, "type", "PERSP")  # a shot switched back from a tile view gets its lens again
        return poses, focus_depth
    render = story_scene(ctx, shot.scene).render
    (low, high) = subject.bounds
    centre = ((low[0] + high[0]) / 2, (low[1] + high[1]) / 2, (low[2] + high[2]) / 2)
    distance = spec.distance or DEFAULT_DISTANCE_M
    view = tile_camera(
        spec.projection,
        spec.tile_size,
        render.resolution_x,
        target=centre,
        distance=distance,
        resolution_y=render.resolution_y,
        sensor_fit=spec.sensor_fit,
    )
    ctx.assign_all(data, {"type": "ORTHO", "ortho_scale": view.ortho_scale})
    pose = CameraPose(view.location, view.rotation_euler, spec.lens)
    return [pose] * len(poses), distance
