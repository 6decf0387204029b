"""Find what a build made, outside a build: every datablock Backlot makes carries its key in `KEY`.

Shared by the stage (which names the scenes), rendering, the farm, the shot preview and the shot list's
staging notes.
"""

from __future__ import annotations

import json

import bpy

KEY = "backlot_key"
STAGING = "backlot_staging"
"""On a built camera, its staging notes as a JSON list of {"kind": "cheat" | "warning", "text": ...}: the
build report is not saved in the .blend, so the panel's shot list reads them here, also in a reopened file."""


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


def staging_notes(camera: bpy.types.Object) -> list[tuple[str, str]]:
    """(kind, text) of each staging note stored on `camera`; none when it has none or holds something else
    (a hand-edited property must not break the panel)."""
    stored = camera.get(STAGING)
    if not isinstance(stored, str):
        return []
    try:
        notes = json.loads(stored)
    except ValueError:
        return []
    if not isinstance(notes, list):
        return []
    return [
        (note["kind"], note["text"])
        for note in notes
        if isinstance(note, dict) and isinstance(note.get("kind"), str) and isinstance(note.get("text"), str)
    ]
