"""The framing solver and the moves are total on what a valid spec can give: a 4 mm lens, subjects a
thousand kilometres away, a TWO with one person, two people on one mark, a flat subject, a POV that follows or
dolly-zooms from the viewer's own eyes. Each answers with a usable camera (finite, the subject ahead of the
lens) and, where the frame falls short, a warning; never an exception. Checked with the pinhole of
test_optics, not the solver's."""

from __future__ import annotations

import functools
import math
import random

import numpy as np
import pytest
from backlot.production.camera import framing, moves
from test_optics import ASPECT, euler_matrix, person, pinhole, region_corners
from test_optics import sensor as read_sensor
from test_optics import shot_size as read_shot_size

SIZES = ("EWS", "WS", "MS", "MCU", "CU", "ECU", "OTS", "TWO", "POV", "INSERT")
SENSORS = ("full_frame", "anamorphic_2x", "16mm")
HEIGHTS: tuple[str | float, ...] = ("eye", "low", "high", "overhead", "ground", "shoulder", "hip", 0.0, 1e3)
sensor = functools.cache(read_sensor)  # the sweep asks thousands of times: read each preset file once
shot_size = functools.cache(read_shot_size)


def depth_of(point, placement: framing.CameraPlacement) -> float:
    """How far ahead of the lens a point is (negative: behind), from our own rotation matrix."""
    local = (np.asarray(point, float) - np.asarray(placement.location)) @ euler_matrix(
        *placement.rotation_euler
    )
    return float(-local[2])


def assert_usable(placement: framing.CameraPlacement, looked_at: framing.Subject) -> None:
    numbers = (*placement.location, *placement.rotation_euler, placement.focus_distance_m)
    assert all(math.isfinite(v) for v in numbers), placement
    assert placement.focus_distance_m > 0
    (x0, y0, z0), (x1, y1, z1) = looked_at.bounds
    assert depth_of(((x0 + x1) / 2, (y0 + y1) / 2, (z0 + z1) / 2), placement) > 0, "subject behind the lens"


@pytest.mark.parametrize("size", ["MCU", "CU", "WS", "EWS", "ECU", "INSERT"])
@pytest.mark.parametrize("sensor_name", ["full_frame", "anamorphic_2x"])
def test_a_4mm_lens_frames_a_single_from_the_side(size: str, sensor_name: str) -> None:
    """The widest lens the schema takes, 20 degrees off the subject's facing (the singles' default side):
    the pan that puts a face on its third once turned past a right angle and the solve asserted."""
    subject = person(1.75, name="Courier")
    placement = framing.frame_subject(
        shot_size(size), subject, 4.0, sensor(sensor_name), ASPECT, side_deg=20.0
    )
    assert_usable(placement, subject)


@pytest.mark.parametrize("height", ["eye", "high", "low"])
def test_a_4mm_over_the_shoulder_frames_the_far_subject(height: str) -> None:
    framed = person(1.8, facing=(0.0, 1.0), name="B")
    near = person(1.9, x=1.0, facing=(0.0, 1.0), name="A")
    placement = framing.frame_subject(
        shot_size("OTS"), framed, 4.0, sensor("full_frame"), ASPECT, "VERTICAL", height, 0.0, near
    )
    assert_usable(placement, framed)


@pytest.mark.parametrize("size", ["TWO", "OTS"])
def test_a_two_person_size_with_one_person_frames_that_one_and_says_so(size: str) -> None:
    alone = person(1.8, name="Courier")
    placement = framing.frame_subject(shot_size(size), alone, 50.0, sensor("full_frame"), ASPECT)
    assert_usable(placement, alone)
    assert any("only Courier" in w for w in placement.warnings), placement.warnings
    frame = pinhole(region_corners(alone, shot_size(size).region), placement, 36.0, 36.0 / ASPECT)
    assert frame[:, 1].max() - frame[:, 1].min() == pytest.approx(shot_size(size).fill, rel=0.10)


@pytest.mark.parametrize("size", ["TWO", "OTS", "POV"])
def test_two_people_on_one_mark_are_framed(size: str) -> None:
    a, b = person(1.8, name="A"), person(1.8, name="B")
    placement = framing.frame_subject(shot_size(size), a, 35.0, sensor("full_frame"), ASPECT, other=b)
    assert all(math.isfinite(v) for v in (*placement.location, *placement.rotation_euler))
    if size == "POV":  # the same eyes: it looks the way A faces (-Y)
        assert placement.warnings and depth_of((0.0, -5.0, placement.location[2]), placement) > 0
    else:
        assert_usable(placement, a)


def test_flat_or_inside_out_bounds_and_no_facing_are_framed_with_a_warning() -> None:
    flat = framing.Subject(((0, 0, 1), (1, 1, 1)), name="Poster")
    placement = framing.frame_subject(shot_size("CU"), flat, 50.0, sensor("full_frame"), ASPECT)
    assert any("Poster has no height" in w for w in placement.warnings)
    assert_usable(placement, flat)
    inside_out = framing.Subject(((1, 1, 1.8), (0, 0, 0)), facing=(0.0, 0.0), name="Crate")
    placement = framing.frame_subject(shot_size("WS"), inside_out, 50.0, sensor("full_frame"), ASPECT)
    assert any("Crate faces no way" in w for w in placement.warnings)
    assert_usable(placement, framing.Subject(((0, 0, 0), (1, 1, 1.8))))


def _random_subject(rng: random.Random, name: str) -> framing.Subject:
    x = rng.choice([0.0, rng.uniform(-10, 10), rng.choice([1e6, -1e6, 5e5])])
    y = rng.choice([0.0, rng.uniform(-10, 10), rng.choice([1e6, -1e6])])
    height = rng.choice([1.75, 0.3, 3.0, 0.0])
    half = rng.choice([0.25, 0.01, 0.0, 1e3])
    facing = rng.choice([(0.0, -1.0), (1.0, 0.0), (rng.uniform(-1, 1), rng.uniform(-1, 1)), (0.0, 0.0)])
    return framing.Subject(((x - half, y - half, 0.0), (x + half, y + half, height)), facing, name=name)


def test_seeded_extremes_of_every_input_always_give_a_usable_camera() -> None:
    rng = random.Random(20261216)
    for case in range(1500):
        size, lens = rng.choice(SIZES), rng.choice([4.0, 4.5, 12.0, 85.0, 1200.0, rng.uniform(4, 1200)])
        height = rng.choice(HEIGHTS)
        side = rng.choice([0.0, 20.0, 90.0, -180.0, 360.0, rng.uniform(-360, 360)])
        aspect = rng.choice([0.2, 0.5, 1.0, ASPECT, 10.0])
        fit, gate = rng.choice(["AUTO", "HORIZONTAL", "VERTICAL"]), sensor(rng.choice(SENSORS))
        subject, other = _random_subject(rng, "A"), _random_subject(rng, "B")
        try:
            placement = framing.frame_subject(
                shot_size(size), subject, lens, gate, aspect, fit, height, side, other
            )
        except Exception as error:  # the case number reproduces it
            pytest.fail(f"case {case} ({size}, {lens} mm, {height}, {side} deg): {error!r}")
        numbers = (*placement.location, *placement.rotation_euler, placement.focus_distance_m)
        assert all(math.isfinite(v) for v in numbers), f"case {case}: {placement}"


POV_START = moves.CameraPose((0.0, -0.15, 1.64), (math.pi / 2, 0.0, 0.0), 35.0)  # at A's eyes, looking +Y


def test_a_pov_following_or_flying_through_the_eyes_it_looks_from_keeps_its_heading() -> None:
    eyes = [(0.0, -0.15 + 0.01 * i, 1.64) for i in range(9)]  # A walks; the camera is at A's eyes
    followed = moves.follow(POV_START, 9, eyes)
    assert all(math.isfinite(v) for p in followed for v in p.rotation_euler)
    target = (0.0, 2.0, 1.64)  # level with the lens: the pass goes through it on the middle frame
    flown = moves.fly_over(POV_START, 9, (0.0, 4.15, 1.64), target, easing="linear")
    assert flown[4].location == pytest.approx(target)
    assert flown[4].rotation_euler == pytest.approx(flown[3].rotation_euler)


def test_a_dolly_zoom_from_inside_its_subject_zooms_without_moving() -> None:
    inside = ((-0.25, -0.3, 0.0), (0.25, 0.0, 1.8))  # the viewer's own bounds hold the lens
    poses = moves.dolly_zoom(POV_START, 5, inside, to_focal_mm=17.5)
    assert [p.location for p in poses] == [POV_START.location] * 5
    assert poses[0].focal_mm == pytest.approx(35.0) and poses[-1].focal_mm == pytest.approx(17.5)
