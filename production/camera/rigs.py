"""Camera rig geometry as plain numbers: where a crane's column stands, the dolly's track, the crane arm's
swing and reach, the aim's roll. departments/camera_rigs.py builds the rig objects from them (docs/camera.md).
"""

from __future__ import annotations

import itertools
import math

from .moves import CameraPose
from .optics import Vec3, camera_axes

CRANE_ARM_M = 3.0
"""Reach of a crane/jib arm from its pivot to the camera, rising at CRANE_ARM_RISE_DEG."""
CRANE_ARM_RISE_DEG = 20.0


def crane_pivot(start: CameraPose) -> Vec3:
    """Where a crane's column stands for a camera starting at `start`: an arm's length behind and below it."""
    forward = camera_axes(start.rotation_euler)[2]
    horizontal = math.hypot(forward[0], forward[1]) or 1.0
    back = (-forward[0] / horizontal, -forward[1] / horizontal)
    rise = math.radians(CRANE_ARM_RISE_DEG)
    reach = CRANE_ARM_M * math.cos(rise)
    x, y, z = start.location
    return (x + back[0] * reach, y + back[1] * reach, z - CRANE_ARM_M * math.sin(rise))


def crane_arm(poses: list[CameraPose], pivot: Vec3) -> tuple[list[Vec3], list[Vec3]]:
    """Per frame, the arm's rotation about the pivot (boom on Y, swing on Z) and the camera's place along the
    arm (its reach on X): the arm telescopes when a move asks for a reach it does not have."""
    rotations: list[Vec3] = []
    reaches: list[Vec3] = []
    swing: float | None = None
    for pose in poses:
        d = [pose.location[i] - pivot[i] for i in range(3)]
        heading = math.atan2(d[1], d[0])
        if swing is not None:  # unwrap so the arm never swings the long way round
            heading += 2 * math.pi * round((swing - heading) / (2 * math.pi))
        swing = heading
        rotations.append((0.0, -math.atan2(d[2], math.hypot(d[0], d[1])), heading))
        reaches.append((math.sqrt(sum(v * v for v in d)), 0.0, 0.0))
    return rotations, reaches


def track_points(locations: list[Vec3], right: Vec3) -> tuple[list[Vec3], list[float]]:
    """Distinct points along the path and each frame's fraction of the path length (Follow Path's offset)."""
    points = [locations[0]]
    for p in locations[1:]:
        if math.dist(p, points[-1]) > 1e-6:
            points.append(p)
    if len(points) == 1:  # a dolly that holds still: a one-metre track across the view, the cart mid-way
        c = points[0]
        ends = [(c[0] + right[0] * k, c[1] + right[1] * k, c[2] + right[2] * k) for k in (-0.5, 0.5)]
        return ends, [0.5] * len(locations)
    travelled = [0.0]
    for a, b in itertools.pairwise(locations):
        travelled.append(travelled[-1] + math.dist(a, b))
    return points, [t / travelled[-1] for t in travelled]


def aim_rolls(poses: list[CameraPose]) -> list[Vec3]:
    """The aim empty's rotation per frame. With Target Z on, Track To takes the camera's up from the aim's
    Z axis, so the aim carries the roll (a handheld operator's) the constraint would otherwise discard.

    A pose R = Rz Ry Rx(pi/2 + pitch) has its up (local +Y) where R Rx(-pi/2) has its +Z: the aim's Euler
    is the pose's with pi/2 off X. Poses without roll leave the aim unrotated: world Z up either way.
    """
    if all(abs(p.rotation_euler[1]) < 1e-9 for p in poses):
        return [(0.0, 0.0, 0.0)]
    return [(p.rotation_euler[0] - math.pi / 2, p.rotation_euler[1], p.rotation_euler[2]) for p in poses]
