"""Lens, sensor, framing and depth-of-field maths, checked against hand formulas and our own pinhole."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from backlot.production import plan
from backlot.production.camera import framing, optics

PRESETS = Path(__file__).resolve().parents[2] / "presets"
HEIGHTS = (1.5, 1.8, 2.1)
LENSES = (24.0, 50.0, 85.0)
ASPECT = 2.39


def sensor(name: str) -> optics.Sensor:
    return optics.sensor_from_preset(name, yaml.safe_load((PRESETS / "sensors" / f"{name}.yaml").read_text()))


def shot_size(name: str) -> framing.ShotSize:
    return framing.shot_size_from_preset(
        name, yaml.safe_load((PRESETS / "shot_sizes" / f"{name}.yaml").read_text())
    )


def person(
    height: float, x: float = 0.0, y: float = 0.0, facing=(0.0, -1.0), name: str = "A"
) -> framing.Subject:
    """A standing adult's bounds: 0.5 m shoulder width, 0.3 m deep, feet on z = 0."""
    return framing.Subject(
        ((x - 0.25, y - 0.15, 0.0), (x + 0.25, y + 0.15, height)), facing=facing, name=name
    )


def euler_matrix(rx: float, ry: float, rz: float) -> np.ndarray:
    """Blender's XYZ Euler: rotate about X, then Y, then Z (world axes)."""
    cx, sx, cy, sy, cz, sz = np.cos(rx), np.sin(rx), np.cos(ry), np.sin(ry), np.cos(rz), np.sin(rz)
    x_rot = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    y_rot = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    z_rot = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return z_rot @ y_rot @ x_rot


def pinhole(points, placement: framing.CameraPlacement, sensor_w: float, sensor_h: float) -> np.ndarray:
    """Frame coordinates (0..1, origin bottom-left) of world points; the camera looks down local -Z, +Y up."""
    rot = euler_matrix(*placement.rotation_euler)
    local = (np.asarray(points, float) - np.asarray(placement.location)) @ rot  # rows: R^T (p - c)
    depth = -local[:, 2]
    assert np.all(depth > 0), "a framed point is behind the camera"
    x = local[:, 0] / depth * placement.focal_mm / sensor_w + 0.5
    y = local[:, 1] / depth * placement.focal_mm / sensor_h + 0.5
    return np.stack([x, y], axis=1)


def corners(bounds) -> list[tuple[float, float, float]]:
    (x0, y0, z0), (x1, y1, z1) = bounds
    return [(x, y, z) for x in (x0, x1) for y in (y0, y1) for z in (z0, z1)]


def region_corners(
    subject: framing.Subject, region: tuple[float, float] | None
) -> list[tuple[float, float, float]]:
    assert region is not None, "only a shot size that frames a region has corners"
    (x0, y0, _), (x1, y1, top) = subject.bounds
    h = subject.height
    return corners(((x0, y0, top - region[1] * h), (x1, y1, top - region[0] * h)))


# ---------------------------------------------------------------- sensors and field of view


@pytest.mark.parametrize("name", ["full_frame", "super35", "aps_c", "16mm", "anamorphic_2x"])
@pytest.mark.parametrize("aspect", [2.39, 16 / 9, 1.0, 9 / 16])
def test_field_of_view_matches_the_atan_formula_for_every_fit(name: str, aspect: float) -> None:
    gate = sensor(name)
    width = gate.width_mm * gate.squeeze
    focal = 35.0
    fov = lambda extent: 2 * math.atan(extent / (2 * focal))  # noqa: E731
    auto = (fov(width), fov(width / aspect)) if aspect >= 1 else (fov(width * aspect), fov(width))
    expected = {
        "HORIZONTAL": (fov(width), fov(width / aspect)),
        "VERTICAL": (fov(gate.height_mm * aspect), fov(gate.height_mm)),
        "AUTO": auto,
    }
    for fit, (h, v) in expected.items():
        got = optics.field_of_view(gate, focal, fit, aspect)
        assert got == pytest.approx((h, v), rel=1e-12), fit


def test_hand_calculated_fields_of_view() -> None:
    # 50 mm on a 36 mm wide gate: 2 atan(0.36) = 39.598 degrees.
    # Super 35 vertical 18.66 mm at 25 mm: 2 atan(0.3732) = 40.93 degrees.
    h, _ = optics.field_of_view(sensor("full_frame"), 50, "HORIZONTAL", 1.5)
    assert math.degrees(h) == pytest.approx(39.598, abs=1e-3)
    _, v = optics.field_of_view(sensor("super35"), 25, "VERTICAL", 1.5)
    assert math.degrees(v) == pytest.approx(40.93, abs=1e-2)


def test_anamorphic_squeeze_maps_to_wide_pixels_and_a_desqueezed_sensor() -> None:
    gate = sensor("anamorphic_2x")
    assert optics.blender_sensor(gate) == pytest.approx((43.9, 18.6))
    assert optics.render_pixel_aspect(gate) == (2.0, 1.0)
    assert plan.squeezed_resolution(2048, 858, gate) == (1024, 858)
    # Desqueezed, a 40 mm anamorphic sees as wide as a 20 mm spherical lens on the 21.95 mm gate.
    h, _ = optics.field_of_view(gate, 40, "HORIZONTAL", 43.9 / 18.6)
    assert h == pytest.approx(2 * math.atan(21.95 / (2 * 20)))


def test_focal_for_field_of_view_inverts_the_fov() -> None:
    gate = sensor("super35")
    focal = optics.focal_for_field_of_view(gate, math.radians(40), "HORIZONTAL", ASPECT, "horizontal")
    assert focal == pytest.approx(24.89 / (2 * math.tan(math.radians(20))))


def test_bad_sensor_preset_and_fit_get_clear_messages() -> None:
    with pytest.raises(ValueError, match="'width_mm' must be a positive number"):
        optics.sensor_from_preset("broken", {"height_mm": 24})
    with pytest.raises(ValueError, match="AUTO, HORIZONTAL, VERTICAL"):
        optics.field_of_view(sensor("full_frame"), 50, "SIDEWAYS", 1.5)
    with pytest.raises(ValueError, match="region"):
        framing.shot_size_from_preset("XX", {"region": [0.5, 0.2], "fill": 0.5})
    with pytest.raises(ValueError, match="within the frame"):
        framing.shot_size_from_preset("XX", {"region": [0.0, 0.2], "fill": 0.9, "headroom": 0.2})


def test_circle_of_confusion_falls_back_to_the_diagonal_rule() -> None:
    gate = optics.Sensor("custom", 36.0, 24.0)
    assert gate.circle_of_confusion_mm == pytest.approx(math.hypot(36, 24) / 1442)
    assert sensor("super35").circle_of_confusion_mm == 0.025


# ---------------------------------------------------------------- depth of field


def test_hyperfocal_and_depth_of_field_match_the_standard_formulas() -> None:
    f, n, c = 50.0, 8.0, 0.03
    hyperfocal_mm = f * f / (n * c) + f  # 10466.7 mm by hand
    assert optics.hyperfocal_distance_m(f, n, c) == pytest.approx(10.4667, abs=1e-4)
    for s_m in (1.0, 3.0, 8.0):
        s = s_m * 1000
        near = s * (hyperfocal_mm - f) / (hyperfocal_mm + s - 2 * f) / 1000
        far = s * (hyperfocal_mm - f) / (hyperfocal_mm - s) / 1000
        assert optics.depth_of_field_m(f, n, c, s_m) == pytest.approx((near, far))
    near, far = optics.depth_of_field_m(f, n, c, 20.0)
    assert far == math.inf and near == pytest.approx(
        20 * (hyperfocal_mm - f) / (hyperfocal_mm + 20000 - 2 * f)
    )
    # Focused at the hyperfocal distance, the near limit is about half of it.
    assert optics.depth_of_field_m(f, n, c, hyperfocal_mm / 1000)[0] == pytest.approx(
        hyperfocal_mm / 2000, rel=0.01
    )


# ---------------------------------------------------------------- rotations


@pytest.mark.parametrize("target", [(0, 5, 0), (3, -4, 1), (-2, 1, -3), (0.5, 0.2, 9)])
def test_look_at_points_the_local_minus_z_at_the_target(target) -> None:
    location = (0.0, 0.0, 1.0)
    rotation = optics.look_at(location, target)
    rot = euler_matrix(*rotation)
    forward = rot @ np.array([0, 0, -1.0])
    wanted = np.subtract(target, location)
    assert forward == pytest.approx(wanted / np.linalg.norm(wanted))
    assert (rot @ np.array([1.0, 0, 0]))[2] == pytest.approx(
        0, abs=1e-12
    )  # no roll: the right vector is level


# ---------------------------------------------------------------- framing


SINGLE_SIZES = ["EWS", "WS", "MS", "MCU", "CU", "ECU", "INSERT"]


@pytest.mark.parametrize("name", SINGLE_SIZES)
def test_single_shot_sizes_fill_their_share_of_the_frame(name: str) -> None:
    size = shot_size(name)
    gate = sensor("full_frame")
    width, height = 36.0, 36.0 / ASPECT
    for subject_height in HEIGHTS:
        subject = person(subject_height)
        for lens in LENSES:
            placement = framing.frame_subject(size, subject, lens, gate, ASPECT)
            frame = pinhole(region_corners(subject, size.region), placement, width, height)
            fill = frame[:, 1].max() - frame[:, 1].min()
            where = f"{name} {subject_height} m {lens} mm"
            assert fill == pytest.approx(size.fill, rel=0.10), where
            assert 1 - frame[:, 1].max() == pytest.approx(size.headroom, abs=0.02), where
            assert frame[:, 1].min() >= -1e-6 and frame[:, 1].max() <= 1 + 1e-6, where
            if size.fit_width:
                assert frame[:, 0].min() >= -1e-6 and frame[:, 0].max() <= 1 + 1e-6, where
            assert placement.warnings == (), where


def test_singles_sit_on_a_third_with_looking_room_ahead() -> None:
    subject = person(1.8)  # faces -Y
    gate = sensor("super35")
    for side, third in ((20.0, 1 / 3), (-20.0, 2 / 3)):
        placement = framing.frame_subject(shot_size("MCU"), subject, 50, gate, ASPECT, side_deg=side)
        center = pinhole([(0.0, 0.0, 1.8 - 0.14 * 1.8)], placement, 24.89, 24.89 / ASPECT)[0]
        assert center[0] == pytest.approx(third, abs=0.03)
        # The facing direction, drawn from the face, must point into the larger side of the frame.
        eye = (0.0, -0.15, 1.7)
        ahead = (0.0, -0.65, 1.7)
        looking = pinhole([eye, ahead], placement, 24.89, 24.89 / ASPECT)
        assert (looking[1, 0] - looking[0, 0]) * (0.5 - third) > 0


@pytest.mark.parametrize("height", ["eye", "low", "high", "overhead", "ground"])
def test_camera_heights_keep_the_framing(height: str) -> None:
    size = shot_size("MS")
    subject = person(1.8)
    placement = framing.frame_subject(size, subject, 35, sensor("full_frame"), ASPECT, height=height)
    frame = pinhole(region_corners(subject, size.region), placement, 36.0, 36.0 / ASPECT)
    assert frame[:, 1].max() - frame[:, 1].min() == pytest.approx(size.fill, rel=0.10)
    z = placement.location[2]
    eye_z = 1.8 * (1 - framing.EYE_FROM_TOP)
    expected = {
        "eye": z == pytest.approx(eye_z),
        "low": z < eye_z,
        "high": z > eye_z + 0.3,
        "ground": z < 0.2,
    }
    expected["overhead"] = z > eye_z + 1.0
    assert expected[height], f"camera z {z:.2f} for height {height}"
    pitch = placement.rotation_euler[0] - math.pi / 2
    assert {"eye": True, "low": pitch > 0, "high": pitch < 0, "overhead": pitch < -0.7, "ground": pitch > 0}[
        height
    ]


@pytest.mark.parametrize(
    ("height", "lens_z"),
    # Shoulder 0.818 and hip 0.530 of stature (Drillis & Contini); a number is metres above the floor.
    [("shoulder", 0.818 * 1.8), ("hip", 0.530 * 1.8), (1.2, 1.2), (0.05, framing.GROUND_CLEARANCE_M)],
)
def test_level_camera_heights_by_body_landmark_or_metres(height: str | float, lens_z: float) -> None:
    size = shot_size("MS")
    subject = person(1.8)
    placement = framing.frame_subject(size, subject, 35, sensor("full_frame"), ASPECT, height=height)
    assert placement.location[2] == pytest.approx(lens_z)
    frame = pinhole(region_corners(subject, size.region), placement, 36.0, 36.0 / ASPECT)
    assert frame[:, 1].max() - frame[:, 1].min() == pytest.approx(size.fill, rel=0.10)


def test_unknown_camera_height_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match=r"shoulder.*metres"):
        framing.frame_subject(shot_size("MS"), person(1.8), 35, sensor("full_frame"), ASPECT, height="knee")


@pytest.mark.parametrize("subject_height", HEIGHTS)
@pytest.mark.parametrize("lens", LENSES)
def test_two_shot_frames_both_subjects(subject_height: float, lens: float) -> None:
    size = shot_size("TWO")
    a = person(subject_height, x=-0.6, name="A")
    b = person(subject_height - 0.1, x=0.6, name="B")
    placement = framing.frame_subject(size, a, lens, sensor("full_frame"), ASPECT, other=b)
    both = region_corners(a, size.region) + region_corners(b, size.region)
    frame = pinhole(both, placement, 36.0, 36.0 / ASPECT)
    assert frame[:, 1].max() - frame[:, 1].min() == pytest.approx(size.fill, rel=0.10)
    assert frame.min() >= -1e-6 and frame.max() <= 1 + 1e-6
    a_x, b_x = pinhole([(-0.6, 0, 1), (0.6, 0, 1)], placement, 36.0, 36.0 / ASPECT)[:, 0]
    assert a_x < 0.5 < b_x and (a_x + b_x) / 2 == pytest.approx(0.5, abs=0.05)


def test_two_shot_too_wide_for_the_frame_is_width_limited_and_says_so() -> None:
    size = shot_size("TWO")
    a, b = person(1.8, x=-3.0), person(1.8, x=3.0, name="B")
    placement = framing.frame_subject(size, a, 50, sensor("full_frame"), 16 / 9, other=b)
    frame = pinhole(corners(a.bounds) + corners(b.bounds), placement, 36.0, 36.0 / (16 / 9))
    assert frame[:, 0].min() >= 0.0 and frame[:, 0].max() <= 1.0
    assert placement.warnings and "too wide" in placement.warnings[0]


@pytest.mark.parametrize("subject_height", HEIGHTS)
@pytest.mark.parametrize("lens", LENSES)
def test_over_the_shoulder_frames_the_far_subject_past_the_near_shoulder(
    subject_height: float, lens: float
) -> None:
    size = shot_size("OTS")
    framed = person(subject_height, y=0.0, facing=(0.0, 1.0), name="B")
    near = person(1.8, y=1.0, facing=(0.0, -1.0), name="A")
    placement = framing.frame_subject(size, framed, lens, sensor("full_frame"), ASPECT, other=near)
    frame = pinhole(region_corners(framed, size.region), placement, 36.0, 36.0 / ASPECT)
    assert frame[:, 1].max() - frame[:, 1].min() == pytest.approx(size.fill, rel=0.10)
    assert frame.min() >= -1e-6 and frame.max() <= 1 + 1e-6
    assert placement.location[1] > 1.15  # behind the near subject's back
    b_x = pinhole([(0.0, 0.0, subject_height * 0.9)], placement, 36.0, 36.0 / ASPECT)[0, 0]
    a_x = pinhole([(0.0, 1.0, 1.8 * 0.9)], placement, 36.0, 36.0 / ASPECT)[0, 0]
    assert b_x == pytest.approx(1 / 3, abs=0.04) or b_x == pytest.approx(2 / 3, abs=0.04)
    assert (a_x - 0.5) * (b_x - 0.5) < 0  # the shoulder is on the other side of frame


OTS_FOREGROUND_EDGE = 0.6  # docs/camera.md: the near subject's bounds start 0.6 across the frame


def near_edge(placement: framing.CameraPlacement, near: framing.Subject, aspect: float) -> float:
    """Frame x of the near subject's bounds edge closest to the frame centre (corners in front only)."""
    xs = pinhole_in_front(corners(near.bounds), placement, 36.0, 36.0 / aspect)
    return float(xs.min() if xs.mean() > 0.5 else xs.max())


def pinhole_in_front(
    points, placement: framing.CameraPlacement, sensor_w: float, sensor_h: float
) -> np.ndarray:
    rot = euler_matrix(*placement.rotation_euler)
    local = (np.asarray(points, float) - np.asarray(placement.location)) @ rot
    local = local[-local[:, 2] > 0]
    return local[:, 0] / -local[:, 2] * placement.focal_mm / sensor_w + 0.5


def test_over_the_shoulder_puts_the_near_subject_at_the_frame_edge_when_the_spacing_allows() -> None:
    framed = person(1.8, facing=(0.0, 1.0), name="B")
    near = person(1.8, y=3.0, facing=(0.0, -1.0), name="A")  # an 85 mm frames B from about 4.8 m
    placement = framing.frame_subject(shot_size("OTS"), framed, 85, sensor("full_frame"), ASPECT, other=near)
    assert placement.location[1] > 3.15 and not placement.warnings, "behind the near subject's back"
    b_x = pinhole([(0.0, 0.0, 1.0)], placement, 36.0, 36.0 / ASPECT)[0, 0]
    edge = near_edge(placement, near, ASPECT)
    # Horizontal angles are solved level; the camera's tilt moves both a little toward the centre.
    if b_x < 0.5:
        assert (b_x, edge) == pytest.approx((1 / 3, OTS_FOREGROUND_EDGE), abs=0.06)
    else:
        assert (b_x, edge) == pytest.approx((2 / 3, 1 - OTS_FOREGROUND_EDGE), abs=0.06)


@pytest.mark.parametrize("subject_height", HEIGHTS)
@pytest.mark.parametrize("lens", LENSES)
def test_over_the_shoulder_on_a_wide_lens_stands_beside_the_near_subject(
    subject_height: float, lens: float
) -> None:
    """Dialogue spacing (1.2 m between centres, facing each other) on a 16:9 frame: a 24 mm must come
    closer than the near subject's back; it stands beside the shoulder, never inside the near bounds."""
    size, aspect = shot_size("OTS"), 16 / 9
    framed = person(subject_height, x=-0.6, facing=(1.0, 0.0), name="A")
    near = person(1.7, x=0.6, facing=(-1.0, 0.0), name="B")
    placement = framing.frame_subject(size, framed, lens, sensor("full_frame"), aspect, other=near)
    frame = pinhole(region_corners(framed, size.region), placement, 36.0, 36.0 / aspect)
    assert frame[:, 1].max() - frame[:, 1].min() == pytest.approx(size.fill, rel=0.10)
    assert frame.min() >= -1e-6 and frame.max() <= 1 + 1e-6
    x, y, _ = placement.location
    (x0, y0, _), (x1, y1, _) = near.bounds
    clearance = 0.1  # docs/camera.md: a camera body stays 0.1 m clear of the near subject's bounds
    assert not (x0 - clearance < x < x1 + clearance and y0 - clearance < y < y1 + clearance)
    a_x = pinhole([(-0.6, 0.0, subject_height * 0.9)], placement, 36.0, 36.0 / aspect)[0, 0]
    edge = near_edge(placement, near, aspect)
    assert a_x == pytest.approx(1 / 3, abs=0.04) or a_x == pytest.approx(2 / 3, abs=0.04)
    assert (edge - 0.5) * (a_x - 0.5) < 0, "the shoulder shows on the other side of the frame"
    assert abs(edge - 0.5) == pytest.approx(OTS_FOREGROUND_EDGE - 0.5, abs=0.08)


def test_over_the_shoulder_with_too_wide_a_lens_frames_the_subject_and_warns() -> None:
    framed = person(1.8, facing=(0.0, 1.0), name="B")
    near = person(1.8, y=3.0, facing=(0.0, -1.0), name="A")
    size = shot_size("OTS")
    placement = framing.frame_subject(size, framed, 18, sensor("full_frame"), ASPECT, other=near)
    assert placement.warnings and "out of frame" in placement.warnings[0]
    assert placement.location[1] < 2.85, "the camera stands in front of the near subject"
    frame = pinhole(region_corners(framed, size.region), placement, 36.0, 36.0 / ASPECT)
    assert frame[:, 1].max() - frame[:, 1].min() == pytest.approx(size.fill, rel=0.10)


def test_point_of_view_looks_from_the_eyes_at_the_target() -> None:
    viewer = person(1.8, facing=(0.0, 1.0), name="A")
    target = person(1.6, y=4.0, name="B")
    placement = framing.frame_subject(
        shot_size("POV"), viewer, 35, sensor("full_frame"), ASPECT, other=target
    )
    assert placement.location == pytest.approx((0.0, 0.15, 1.8 * (1 - framing.EYE_FROM_TOP)))
    target_eye = (0.0, 3.85, 1.6 * (1 - framing.EYE_FROM_TOP))
    assert pinhole([target_eye], placement, 36.0, 36.0 / ASPECT)[0] == pytest.approx((0.5, 0.5))
    assert placement.focus_distance_m == pytest.approx(math.dist(placement.location, target_eye))


def test_focus_distance_is_the_depth_of_the_subjects_eyes() -> None:
    subject = person(1.8)
    placement = framing.frame_subject(shot_size("CU"), subject, 85, sensor("full_frame"), ASPECT)
    rot = euler_matrix(*placement.rotation_euler)
    eye = np.array([0.0, -0.15, 1.8 * (1 - framing.EYE_FROM_TOP)])
    depth = -((eye - np.asarray(placement.location)) @ rot)[2]
    assert placement.focus_distance_m == pytest.approx(depth)
