"""The line of action (production/camera/line.py) and how singles, pairs and shoulders stand on its side.

Expected sides are worked out by hand from the geometry: a camera on the right of the line from A to B,
looking at the line, sees A on screen left.
"""

from __future__ import annotations

import math

import pytest
from backlot.production.camera import framing
from backlot.production.camera.framing import Subject, frame_subject
from backlot.production.camera.line import Line, choose_hand, right_of, turn_toward
from backlot.production.camera.optics import project_point
from backlot.production.model import Sensor

FULL_FRAME = Sensor("full_frame", 36.0, 24.0)


def figure(x: float, y: float, facing: tuple[float, float], name: str) -> Subject:
    return Subject(((x - 0.25, y - 0.15, 0.0), (x + 0.25, y + 0.15, 1.8)), facing, name=name)


def size(name: str, **row: object) -> framing.ShotSize:
    rows = {
        "MCU": {"region": [0.0, 0.28], "fill": 0.85, "headroom": 0.08, "side_deg": 20},
        "TWO": {"region": [0.0, 0.45], "fill": 0.8, "headroom": 0.1, "subjects": 2, "fit_width": True},
        "OTS": {"region": [0.0, 0.28], "fill": 0.6, "headroom": 0.1, "side_deg": 20, "subjects": 2},
    }
    return framing.shot_size_from_preset(name, {**rows[name], **row})


def test_the_right_of_a_to_b_sees_a_on_screen_left() -> None:
    assert right_of((0.0, 0.0), (2.0, 0.0)) == pytest.approx((0.0, -1.0))
    assert right_of((0.0, 0.0), (0.0, 0.0)) == (0.0, 0.0)
    line = Line("A", "B", (0.0, 0.0), (2.0, 0.0), 1)
    assert line.offside((1.0, -3.0)) == pytest.approx(3.0)
    assert line.crossed().offside((1.0, -3.0)) == pytest.approx(-3.0)


def test_the_scene_takes_the_side_with_room_and_faces_walkers_from_the_front() -> None:
    a, b = (0.0, 0.0), (2.0, 0.0)
    facing_each_other = ((1.0, 0.0), (-1.0, 0.0))
    assert choose_hand(a, b, *facing_each_other, room_right=20.0, room_left=20.0).sign == 1
    cramped = choose_hand(a, b, *facing_each_other, room_right=1.0, room_left=8.0)
    assert cramped.sign == -1 and "1.0 m" in cramped.reason
    assert choose_hand(a, b, *facing_each_other, room_right=1.0, room_left=0.5).sign == 1
    # side by side, both facing -Y (the right of A -> B): seen from the front, that side
    assert choose_hand(a, b, (0.0, -1.0), (0.0, -1.0), 0.5, 30.0).sign == 1
    assert choose_hand(a, b, (0.0, 1.0), (0.0, 1.0), 30.0, 30.0).sign == -1


def test_turn_toward_turns_then_keeps_within_the_limit() -> None:
    toward = (0.0, -1.0)
    turned = turn_toward((1.0, 0.0), toward, 20.0, 80.0)
    assert turned == pytest.approx((math.cos(math.radians(-20)), math.sin(math.radians(-20))))
    turned = turn_toward((-1.0, 0.0), toward, 20.0, 80.0)
    assert turned == pytest.approx((math.cos(math.radians(200)), math.sin(math.radians(200))))
    # facing straight away from the cameras' side: held at the limit, 80 degrees from the side
    turned = turn_toward((0.0, 1.0), toward, 20.0, 80.0)
    assert math.degrees(math.acos(turned[0] * toward[0] + turned[1] * toward[1])) == pytest.approx(80.0)


def screen_x(placement: framing.CameraPlacement, point: tuple[float, float, float]) -> float:
    return project_point(
        point, placement.location, placement.rotation_euler, 50.0, FULL_FRAME, "AUTO", 16 / 9
    )[0]


@pytest.mark.parametrize("hand", [1, -1])
def test_singles_pairs_and_shoulders_of_a_dialogue_stand_on_one_side(hand: int) -> None:
    """Two people facing each other along X; every camera on the chosen side, A and B keeping their
    screen sides (A left when the cameras stand on the right of A -> B), singles looking toward the other."""
    a = figure(0.0, 0.0, (1.0, 0.0), "A")
    b = figure(2.0, 0.0, (-1.0, 0.0), "B")
    line = Line("A", "B", (0.0, 0.0), (2.0, 0.0), hand)
    eye_a, eye_b = a.eye_point, b.eye_point
    shots = [
        frame_subject(size("MCU"), a, 50.0, FULL_FRAME, 16 / 9, line_side=line.side),
        frame_subject(size("MCU"), b, 50.0, FULL_FRAME, 16 / 9, line_side=line.side),
        frame_subject(size("TWO"), a, 50.0, FULL_FRAME, 16 / 9, other=b, line_side=line.side),
        frame_subject(size("OTS"), a, 50.0, FULL_FRAME, 16 / 9, other=b, line_side=line.side),
        frame_subject(size("OTS"), b, 50.0, FULL_FRAME, 16 / 9, other=a, line_side=line.side),
    ]
    for placement in shots:
        assert line.offside(placement.location) > 0.25, placement.location
    a_left = hand == 1
    two = shots[2]
    assert (screen_x(two, eye_a) < screen_x(two, eye_b)) == a_left
    # singles: A looks toward B's screen side, so A sits on the other third with room ahead
    assert (screen_x(shots[0], eye_a) < 0.5) == a_left
    assert (screen_x(shots[1], eye_b) > 0.5) == a_left


def test_a_wide_size_marked_group_frames_both_named_subjects() -> None:
    """A coverage's master names both people of the exchange: its WS (presets: `group: true`) holds both."""
    a = figure(0.0, 0.0, (1.0, 0.0), "A")
    b = figure(4.0, 0.0, (-1.0, 0.0), "B")
    row = {"region": [0.0, 1.0], "fill": 0.8, "headroom": 0.1, "side_deg": 20}
    group = framing.shot_size_from_preset("WS", {**row, "group": True})
    alone = framing.shot_size_from_preset("WS", row)
    both = frame_subject(group, a, 50.0, FULL_FRAME, 16 / 9, other=b, line_side=(0.0, -1.0))
    single = frame_subject(alone, a, 50.0, FULL_FRAME, 16 / 9, other=b, line_side=(0.0, -1.0))
    assert all(0.0 < screen_x(both, s.eye_point) < 1.0 for s in (a, b))
    assert not 0.0 < screen_x(single, b.eye_point) < 1.0
