"""Isometric and dimetric tile cameras, checked by projecting a ground tile by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from backlot.production.retro.isometric import tile_camera


def camera_axes(euler: tuple[float, float, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Blender XYZ Euler -> (right, up, forward) world vectors of a camera (it looks down its local -Z)."""
    x, _, z = euler
    rx = np.array([[1, 0, 0], [0, math.cos(x), -math.sin(x)], [0, math.sin(x), math.cos(x)]])
    rz = np.array([[math.cos(z), -math.sin(z), 0], [math.sin(z), math.cos(z), 0], [0, 0, 1]])
    rotation = rz @ rx  # XYZ order: X applied first (the Y angle is 0 here)
    return rotation @ [1, 0, 0], rotation @ [0, 1, 0], rotation @ [0, 0, -1]


def projected_tile(mode: str, tile_px: int, resolution_x: int) -> tuple[float, float, np.ndarray]:
    camera = tile_camera(mode, tile_px, resolution_x, target=(3.0, -2.0, 0.0))
    right, up, forward = camera_axes(camera.rotation_euler)
    corners = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], float)
    pixels_per_metre = resolution_x / camera.ortho_scale
    screen = np.stack([corners @ right, corners @ up], -1) * pixels_per_metre
    to_target = np.array([3.0, -2.0, 0.0]) - np.array(camera.location)
    assert np.allclose(np.cross(to_target, forward), 0, atol=1e-9) and to_target @ forward > 0
    return np.ptp(screen[:, 0]), np.ptp(screen[:, 1]), forward


def test_dimetric_tile_is_two_to_one_at_the_asked_width() -> None:
    width, height, forward = projected_tile("dimetric", 32, 320)
    assert width == pytest.approx(32) and height == pytest.approx(16)
    assert math.degrees(math.asin(-forward[2])) == pytest.approx(30.0)


def test_true_isometric_shows_the_three_axes_equally() -> None:
    width, _, forward = projected_tile("isometric", 64, 1920)
    assert width == pytest.approx(64)
    assert math.degrees(math.asin(-forward[2])) == pytest.approx(35.26439, abs=1e-4)
    assert math.degrees(math.atan2(forward[1], forward[0])) == pytest.approx(45.0)
    right, up, _ = camera_axes(tile_camera("isometric", 64, 1920).rotation_euler)
    lengths = [math.hypot(axis @ right, axis @ up) for axis in np.eye(3)]  # unit X, Y, Z on screen
    assert lengths == pytest.approx([lengths[0]] * 3)


def test_bad_mode_is_explained() -> None:
    with pytest.raises(ValueError, match="not one of isometric, dimetric"):
        tile_camera("cabinet", 32, 320)


@pytest.mark.parametrize(
    ("fit", "resolution", "frame_side"),
    [("HORIZONTAL", (480, 640), "width"), ("VERTICAL", (640, 480), "height"), ("AUTO", (480, 640), "height")],
)
def test_ortho_scale_spans_the_side_the_sensor_fit_names(
    fit: str, resolution: tuple, frame_side: str
) -> None:
    width, height = resolution
    camera = tile_camera("dimetric", 40, width, resolution_y=height, sensor_fit=fit)
    tile_diagonal_metres = math.sqrt(2.0)  # a 1 m tile seen corner to corner
    frame_width_metres = tile_diagonal_metres * width / 40  # 40 px per tile diagonal across the width
    expected = frame_width_metres * (height / width if frame_side == "height" else 1.0)
    assert camera.ortho_scale == pytest.approx(expected)
