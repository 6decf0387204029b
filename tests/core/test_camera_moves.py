"""Camera moves and focus pulls as per-frame curves, checked with our own pinhole and hand formulas."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from backlot.production.camera import moves as moves
from backlot.production.camera import optics
from test_optics import euler_matrix

LEVEL_NORTH = (math.pi / 2, 0.0, 0.0)  # looking down +Y, no tilt
START = moves.CameraPose((0.0, -5.0, 1.6), LEVEL_NORTH, 50.0)


def forward(rotation) -> np.ndarray:
    rx, _, rz = rotation  # no roll in these moves
    return np.array([-math.sin(rz) * math.sin(rx), math.cos(rz) * math.sin(rx), -math.cos(rx)])


def projected_height(pose: moves.CameraPose, points, sensor_height_mm: float) -> float:
    """Height on the sensor (mm) of a level camera's view of points: focal * dz / depth."""
    depths = [float(np.dot(np.subtract(p, pose.location), forward(pose.rotation_euler))) for p in points]
    ys = [pose.focal_mm * (p[2] - pose.location[2]) / d for p, d in zip(points, depths, strict=True)]
    return (max(ys) - min(ys)) / sensor_height_mm


def test_easings_start_at_zero_end_at_one_and_hold_outside_the_window() -> None:
    for name in moves.EASINGS:
        assert moves.ease(name, 0.0) == pytest.approx(0.0) and moves.ease(name, 1.0) == pytest.approx(1.0)
        if name not in ("ease_in", "ease_out"):
            assert moves.ease(name, 0.5) == pytest.approx(0.5)  # symmetric curves cross the middle halfway
    assert moves.ease("ease_in", 0.5) == pytest.approx(0.125) and moves.ease(
        "ease_out", 0.5
    ) == pytest.approx(0.875)
    values = moves.progress(11, "linear", (0.2, 0.6))
    assert values[:3] == [0.0, 0.0, 0.0] and values[6:] == [1.0] * 5
    assert values[4] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="did you mean 'ease_in_out'"):
        moves.ease("ease_inout", 0.5)


def test_push_in_moves_along_the_view_axis_by_the_distance() -> None:
    poses = moves.push_in(START, 24, distance_m=2.0)
    assert poses[0].location == START.location
    assert poses[-1].location == pytest.approx((0.0, -3.0, 1.6))
    back = moves.pull_out(START, 24, distance_m=1.0)
    assert back[-1].location == pytest.approx((0.0, -6.0, 1.6))


def test_truck_pedestal_pan_tilt() -> None:
    assert moves.truck(START, 10, 1.5)[-1].location == pytest.approx((1.5, -5.0, 1.6))  # right is +X
    assert moves.pedestal(START, 10, 0.5)[-1].location == pytest.approx((0.0, -5.0, 2.1))
    assert moves.pan(START, 10, 90)[-1].rotation_euler[2] == pytest.approx(math.pi / 2)
    assert moves.tilt(START, 10, -10)[-1].rotation_euler[0] == pytest.approx(math.radians(80))


def test_orbit_keeps_radius_and_the_composition_without_euler_jumps() -> None:
    center = (0.0, 0.0, 1.0)  # below START's eye line: the start frame has it low in frame
    poses = moves.orbit(START, 97, center, angle_deg=360.0)
    seen = camera_space(center, START)
    assert seen[1] < -0.05, "off centre to begin with"
    for pose in poses:
        assert math.hypot(pose.location[0], pose.location[1]) == pytest.approx(5.0)
        assert camera_space(center, pose) == pytest.approx(seen, abs=1e-9)
        assert pose.rotation_euler[1] == 0.0, "no roll"
    yaws = [p.rotation_euler[2] for p in poses]
    assert max(abs(b - a) for a, b in itertools.pairwise(yaws)) < math.radians(5)
    assert yaws[-1] - yaws[0] == pytest.approx(2 * math.pi)


def test_follow_and_fly_over_keep_the_subject_where_the_start_frame_composed_it() -> None:
    walk = [(0.3 + 0.05 * i, 0.0, 1.7) for i in range(40)]  # right of and above where START looks
    seen = camera_space(walk[0], START)
    assert seen[0] > 0.02 and seen[1] > 0.005
    for pose, point in zip(moves.follow(START, len(walk), walk, lag_frames=0.0), walk, strict=True):
        assert camera_space(point, pose) == pytest.approx(seen, abs=1e-9)
    target = (0.3, 0.0, 1.0)
    seen = camera_space(target, START)
    for pose in moves.fly_over(START, 30, end_location=(0.0, 3.0, 1.6), target=target):
        assert camera_space(target, pose) == pytest.approx(seen, abs=1e-9)


def test_a_subject_behind_the_starting_camera_is_centred() -> None:
    behind = (0.0, -9.0, 1.6)  # START looks north from y = -5
    pose = moves.orbit(START, 10, behind, angle_deg=90.0)[-1]
    assert camera_space(behind, pose) == pytest.approx((0.0, 0.0, -1.0), abs=1e-9)


def test_crane_keeps_the_arm_length() -> None:
    pivot = (0.0, -7.0, 1.0)
    poses = moves.crane(START, 30, pivot, target=(0, 0, 1), boom_deg=40)
    arm = math.dist(START.location, pivot)
    assert all(math.dist(p.location, pivot) == pytest.approx(arm) for p in poses)
    assert poses[-1].location[2] > START.location[2]


def camera_space(point, pose: moves.CameraPose) -> np.ndarray:
    """Unit direction to ``point`` in the camera's frame (x right, y up, -z ahead): Blender's XYZ Euler."""
    local = euler_matrix(*pose.rotation_euler).T @ np.subtract(point, pose.location)
    return local / np.linalg.norm(local)


@pytest.mark.parametrize(("boom", "swing"), [(40, 0), (25, 30), (-15, -45)])
def test_crane_keeps_the_target_where_the_start_frame_composed_it(boom: float, swing: float) -> None:
    target = (0.3, 0.0, 1.9)  # above and right of where START looks: the eyes on an upper third
    pivot = (0.0, -7.0, 1.0)
    poses = moves.crane(START, 30, pivot, target=target, boom_deg=boom, swing_deg=swing)
    seen = camera_space(target, START)
    assert seen[1] > 0.02 and seen[0] > 0.02, "the target is off centre to begin with"
    for pose in poses:
        assert camera_space(target, pose) == pytest.approx(seen, abs=1e-9)
        assert pose.rotation_euler[1] == 0.0, "no roll"


def test_dolly_zoom_keeps_the_subject_size_while_the_background_changes() -> None:
    bounds = ((-0.25, -0.15, 0.0), (0.25, 0.15, 1.8))
    poses = moves.dolly_zoom(START, 48, bounds, to_focal_mm=24.0)
    face = [(0.0, -0.15, 0.0), (0.0, -0.15, 1.8)]  # the front face of the subject's bounds
    wall = [(0.0, 20.0, 0.0), (0.0, 20.0, 3.0)]
    sizes = [projected_height(p, face, 24.0) for p in poses]
    assert max(sizes) / min(sizes) - 1 < 0.02
    background = [projected_height(p, wall, 24.0) for p in poses]
    assert background[-1] < 0.6 * background[0]
    assert poses[-1].focal_mm == pytest.approx(24.0)


def test_crash_zoom_lands_inside_its_window() -> None:
    poses = moves.crash_zoom(START, 48, 200.0, window=(0.0, 0.25))
    focal = [p.focal_mm for p in poses]
    assert focal[0] == 50.0 and focal[-1] == pytest.approx(200.0) and focal[12] == pytest.approx(200.0)
    assert all(b >= a for a, b in itertools.pairwise(focal))


def test_handheld_is_seeded_smooth_and_bounded() -> None:
    still = [START] * 240
    one = moves.handheld(still, seed=7, rotation_deg=0.5, location_m=0.02)
    assert one == moves.handheld(still, seed=7, rotation_deg=0.5, location_m=0.02)
    other = moves.handheld(still, seed=8, rotation_deg=0.5, location_m=0.02)
    assert one != other
    rot = np.degrees(np.array([p.rotation_euler for p in one]) - np.array(START.rotation_euler))
    loc = np.array([p.location for p in one]) - np.array(START.location)
    assert np.abs(rot).max() <= 0.5 + 1e-9 and np.abs(loc).max() <= 0.02 + 1e-12
    assert np.abs(rot).max() > 0.1  # it does shake
    assert np.abs(np.diff(rot, axis=0)).mean() < 0.1  # smooth: bounded white noise would average ~0.33


def test_follow_and_steadicam_damp_without_overshoot() -> None:
    path = [(0.0, 0.0, 1.0)] * 5 + [(2.0, 0.0, 1.0)] * 60  # the subject steps 2 m sideways
    poses = moves.follow(START, len(path), path, lag_frames=6.0)
    xs = [p.location[0] for p in poses]
    assert xs[4] == 0.0 and 0 < xs[10] < 2.0 and xs[-1] == pytest.approx(2.0, abs=1e-3)
    assert max(xs) <= 2.0 + 1e-12
    shaky = moves.handheld([START] * 120, seed=3, location_m=0.05)
    smooth = moves.steadicam(shaky, lag_frames=6.0)
    jitter = lambda ps: np.abs(np.diff([p.location for p in ps], 2, axis=0)).sum()  # noqa: E731
    assert jitter(smooth) < 0.3 * jitter(shaky)


def test_focus_pull_starts_on_a_and_lands_on_b() -> None:
    poses = moves.push_in(START, 49, 1.0)
    a, b = (0.5, 0.0, 1.6), (-1.0, 4.0, 1.2)
    distances = moves.focus_pull(poses, a, b, at=(0.25, 0.75))
    for i, pose in enumerate(poses):
        depth_a = float(np.dot(np.subtract(a, pose.location), forward(pose.rotation_euler)))
        depth_b = float(np.dot(np.subtract(b, pose.location), forward(pose.rotation_euler)))
        if i <= 12:
            assert distances[i] == pytest.approx(depth_a)
        if i >= 36:
            assert distances[i] == pytest.approx(depth_b)
    locked_off = [START] * 49
    rack = moves.rack_focus(locked_off, a, b, at=0.5, rack_frames=6)
    changing = [i for i in range(1, 49) if abs(rack[i] - rack[i - 1]) > 1e-9]
    assert changing and min(changing) >= 25 and max(changing) <= 30
    assert rack[0] == pytest.approx(5.0) and rack[-1] == pytest.approx(9.0)  # depths along +Y by hand


def test_focus_held_on_a_walking_subject_follows_its_depth_as_the_camera_turns() -> None:
    center = (0.0, 0.0, 1.6)
    poses = moves.orbit(START, 25, center, angle_deg=90.0)
    walk = [(0.04 * i, 0.5 - 0.02 * i, 1.6) for i in range(25)]
    distances = moves.focus_pull(poses, walk, walk)
    for pose, point, distance in zip(poses, walk, distances, strict=True):
        assert distance == pytest.approx(
            float(np.dot(np.subtract(point, pose.location), forward(pose.rotation_euler)))
        )


def test_view_axes_are_each_poses_forward_whether_rotations_are_shared_or_not() -> None:
    turning = moves.pan(START, 5, angle_deg=40.0)
    poses = [START] * 3 + turning + [turning[-1]] * 2
    axes = moves.view_axes(poses)
    assert len(axes) == len(poses)
    for pose, axis in zip(poses, axes, strict=True):
        assert axis == pytest.approx(forward(pose.rotation_euler))


def test_move_samples_by_name_checks_names_and_parameters() -> None:
    assert moves.move_samples("arc", START, 10, center=(0, 0, 1))[-1].location == pytest.approx(
        (5 * math.sin(math.radians(45)), -5 * math.cos(math.radians(45)), 1.6)
    )
    with pytest.raises(ValueError, match="did you mean 'push_in'"):
        moves.move_samples("push_inn", START, 10)
    with pytest.raises(ValueError, match="has no parameter speed"):
        moves.move_samples("pan", START, 10, speed=3)
    with pytest.raises(ValueError, match="needs center"):
        moves.move_samples("orbit", START, 10)


def test_optics_look_at_agrees_with_the_forward_used_here() -> None:
    rotation = optics.look_at((1.0, 2.0, 3.0), (4.0, -2.0, 1.0))
    wanted = np.subtract((4.0, -2.0, 1.0), (1.0, 2.0, 3.0))
    assert forward(rotation) == pytest.approx(wanted / np.linalg.norm(wanted))


def test_a_follow_holds_its_distance_to_a_subject_walking_toward_it() -> None:
    """Walking straight at the lens (START looks along +Y), 4 m in 48 frames: the camera backs away frame for
    frame (no lag along the view, which would let the subject grow out of the top of the frame)."""
    walk = [(0.0, 4.0 - 4.0 * i / 47, 1.6) for i in range(48)]
    poses = moves.follow(START, len(walk), walk, lag_frames=6.0)
    for pose, point in zip(poses, walk, strict=True):
        assert float(
            np.dot(np.subtract(point, pose.location), forward(pose.rotation_euler))
        ) == pytest.approx(9.0)
