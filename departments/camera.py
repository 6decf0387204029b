"""Camera department: one camera per shot, framed on its subject with the spec's lens and sensor.

Placeholder level (issue 3): the distance comes from a table of framed heights per shot size and the lens's
vertical field of view, looking at the subject from the side it faces. Rigs, moves, focus pulls and the
geometric framing solver come with the camera issue.
"""

from __future__ import annotations

import math

import bpy
from mathutils import Vector

from ..production.model import Production, Shot
from .context import BuildContext
from .placement import Placement, aim, place_cast
from .stage import department_collection

NAME = "camera"
# Height of the framed region as a multiple of the subject's height, and where the frame's centre sits.
FRAMED_HEIGHT = {
    "EWS": 8.0,
    "WS": 1.3,
    "MS": 0.6,
    "MCU": 0.4,
    "CU": 0.28,
    "ECU": 0.14,
    "OTS": 0.5,
    "TWO": 1.1,
    "POV": 1.0,
    "INSERT": 0.2,
}
CENTRE_HEIGHT = {
    "EWS": 0.5,
    "WS": 0.5,
    "MS": 0.72,
    "MCU": 0.82,
    "CU": 0.88,
    "ECU": 0.93,
    "OTS": 0.85,
    "TWO": 0.6,
    "POV": 0.93,
    "INSERT": 0.5,
}
SENSOR_HEIGHT_MM = {"full_frame": 24.0, "super35": 18.66, "aps_c": 15.6, "16mm": 7.49, "anamorphic_2x": 18.6}
SENSOR_WIDTH_MM = {"full_frame": 36.0, "super35": 24.89, "aps_c": 23.6, "16mm": 10.26, "anamorphic_2x": 21.95}


def _subject(production: Production, shot: Shot) -> Placement:
    spots = place_cast(production, production.scene(shot.scene))
    names = [n for n in (shot.subject, *shot.subjects) if n in spots]
    if not names and spots:
        names = list(spots)
    if not names:
        return Placement(0.0, 0.0, 0.0, 1.0)
    chosen = [spots[n] for n in names[:2]]
    return Placement(
        sum(p.x for p in chosen) / len(chosen),
        sum(p.y for p in chosen) / len(chosen),
        chosen[0].facing,
        max(p.height for p in chosen),
    )


def build(production: Production, ctx: BuildContext) -> None:
    for shot in production.shots:
        subject = _subject(production, shot)
        spec = shot.camera
        key = f"shot:{shot.id}/camera"
        data = ctx.ensure("cameras", key, f"{shot.id} Camera", bpy.data.cameras.new)
        sensor_width = SENSOR_WIDTH_MM.get(spec.sensor, 36.0)
        ctx.assign_all(
            data,
            {
                "lens": spec.lens,
                "sensor_width": sensor_width,
                "sensor_height": SENSOR_HEIGHT_MM.get(spec.sensor, 24.0),
                "sensor_fit": spec.sensor_fit,
                "clip_start": spec.clip_start,
                "clip_end": spec.clip_end,
                "shift_x": spec.shift_x,
                "shift_y": spec.shift_y,
            },
        )
        aspect = production.aspect_ratio or 16 / 9
        vertical_fov = 2 * math.atan(sensor_width / aspect / (2 * spec.lens))
        framed = FRAMED_HEIGHT[shot.size] * subject.height
        distance = spec.distance or framed / (2 * math.tan(vertical_fov / 2))
        target = (subject.x, subject.y, CENTRE_HEIGHT[shot.size] * subject.height)
        heading = subject.facing + math.radians(spec.angle)
        position = Vector(
            (subject.x + distance * math.sin(heading), subject.y - distance * math.cos(heading), target[2])
        )
        obj = ctx.ensure_object(
            key, f"{shot.id} Camera", data, department_collection(ctx, shot.scene, "Cameras")
        )
        ctx.assign_all(obj, {"location": tuple(position), "rotation_euler": aim(position, target)})
