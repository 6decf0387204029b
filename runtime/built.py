"""Find what a build made, outside a build: every datablock Backlot makes carries its key in `KEY`.

Shared by the stage (which names the scenes), rendering, the farm and the shot preview.
"""

from __future__ import annotations

import bpy

KEY = "backlot_key"


def scene_key(scene_id: str) -> str:
    return f"scene:{scene_id}"


def shot_camera_key(shot_id: str) -> str:
    return f"shot:{shot_id}/camera"


def built_scene(scene_id: str) -> bpy.types.Scene | None:
    """The Blender scene built for story scene `scene_id` (render, farm, shot preview)."""
    key = scene_key(scene_id)
    return next((s for s in bpy.data.scenes if s.get(KEY) == key), None)


def built_camera(shot_id: str) -> bpy.types.Object | None:
    """The camera object built for shot `shot_id`."""
    key = shot_camera_key(shot_id)
    return next((o for o in bpy.data.objects if o.get(KEY) == key), None)
