"""One camera of one shot as plain numbers: where it starts, the move's parameters, what its rig adds.

The camera department (departments/camera.py) measures the subjects and solves the framing, asks here for the
poses, and writes them onto bpy data; see docs/camera.md ("The Blender department").
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from typing import Any

from ..model import CameraSpec
from . import moves
from .framing import Subject
from .moves import CameraPose
from .optics import Vec3, camera_axes, dot, offset, sub
from .rigs import crane_pivot
from .solver import CameraPlacement

PULL_SPAN = 0.8
"""A pull with no `at` fractions lands on its last subject at this fraction of the shot."""


def straight_ahead(viewer: Subject, distance_m: float = 3.0) -> Subject:
    """Nobody to look at: a POV looks at a person-sized box this far along the viewer's facing."""
    length = math.hypot(*viewer.facing)
    x, y, _ = viewer.eye_point
    x, y = x + viewer.facing[0] / length * distance_m, y + viewer.facing[1] / length * distance_m
    floor = viewer.bounds[0][2]
    return Subject(((x - 0.25, y - 0.25, floor), (x + 0.25, y + 0.25, floor + viewer.height)), name="ahead")


def start_pose(spec: CameraSpec, placement: CameraPlacement) -> tuple[CameraPose, float]:
    """Where the camera starts and its focus depth; the spec's `distance` wins over the solve along the
    same line of sight."""
    forward = camera_axes(placement.rotation_euler)[2]
    location, depth = placement.location, placement.focus_distance_m
    if spec.distance:
        location = offset(location, forward, depth - spec.distance)
        depth = spec.distance
    return CameraPose(location, placement.rotation_euler, spec.lens), depth


def move_parameters(spec: CameraSpec, start: CameraPose, framed: Subject, eyes: list[Vec3]) -> dict[str, Any]:
    """The spec's one `amount` knob and the subject, mapped onto the move's parameters (docs/camera.md).

    `framed` is the subject the camera looks at (a POV's target, not its viewer): a dolly zoom keeps its size.
    `eyes` is the looked-at eye point on every frame: a follow chases it, the other moves aim where it starts.
    """
    amount, focus_point = spec.amount, eyes[0]
    depth = dot(sub(focus_point, start.location), camera_axes(start.rotation_euler)[2])
    if spec.move in ("push_in", "pull_out"):
        return {"distance_m": amount if amount is not None else 0.25 * depth}
    if spec.move in ("truck", "pedestal", "pan", "tilt"):
        key = "angle_deg" if spec.move in ("pan", "tilt") else "distance_m"
        return {} if amount is None else {key: amount}
    if spec.move in ("orbit", "arc"):
        rise = {"rise_m": 2.0} if spec.rig == "drone" else {}
        return {"center": focus_point, **rise, **({} if amount is None else {"angle_deg": amount})}
    if spec.move == "follow":
        return {"subject_path": eyes}
    if spec.move == "fly_over":
        end = (
            2 * focus_point[0] - start.location[0],
            2 * focus_point[1] - start.location[1],
            start.location[2],
        )
        return {"end_location": end, "target": focus_point}
    if spec.move == "crash_zoom":
        return {"to_focal_mm": spec.lens * (amount if amount is not None else 3.0)}
    if spec.move == "dolly_zoom":
        return {
            "subject_bounds": framed.bounds,
            "to_focal_mm": spec.lens * (amount if amount is not None else 0.5),
        }
    if spec.move == "crane":
        return {
            "pivot": crane_pivot(start),
            "target": focus_point,
            **({} if amount is None else {"boom_deg": amount}),
        }
    return {}


def rig_poses(spec: CameraSpec, poses: list[CameraPose], fps: float) -> list[CameraPose]:
    """What the support adds to the move: an operator's shake, a steadicam's float."""
    if spec.rig == "handheld":
        return moves.handheld(poses, seed=spec.seed, fps=fps)
    if spec.rig == "steadicam":
        return moves.steadicam(poses)
    return poses


def pulled_focus(poses: list[CameraPose], pulled: list[list[Vec3]], at: Sequence[float]) -> list[float]:
    """Focus depth per frame pulled from eye path to eye path (two or more), each landing at its `at`
    fraction of the shot (spread evenly up to PULL_SPAN when `at` does not give one per subject)."""
    at = list(at)
    if len(at) != len(pulled):
        at = [PULL_SPAN * i / (len(pulled) - 1) for i in range(len(pulled))]
    legs = [
        moves.focus_pull(poses, a, b, (at[i], at[i + 1]))
        for i, (a, b) in enumerate(itertools.pairwise(pulled))
    ]
    last = max(len(poses) - 1, 1)
    distances = []
    for frame in range(len(poses)):
        leg = max([i for i in range(len(legs)) if frame / last >= at[i]] or [0])
        distances.append(legs[leg][frame])
    return distances
