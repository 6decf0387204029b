"""Light-ratio maths against hand calculations and numerical integration written here."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from backlot.production.light import photometry as ph
from backlot.production.light.photometry import AreaShape, LightGeometry


def test_point_light_hand_calculation() -> None:
    # I = P / (4 pi) = 100 / (4 pi) W/sr; E = I / d^2 = 100 / (16 pi) = 1.98944 W/m^2 at 2 m.
    assert ph.irradiance_at(LightGeometry("POINT", distance=2.0), 100.0) == pytest.approx(1.989436789)


def test_inverse_square_law() -> None:
    near = ph.irradiance_at(LightGeometry("POINT", distance=1.5), 60.0)
    far = ph.irradiance_at(LightGeometry("POINT", distance=3.0), 60.0)
    assert far == pytest.approx(near / 4.0)


def test_cosine_law_and_sun_strength_is_irradiance() -> None:
    assert ph.irradiance_at(LightGeometry("SUN", angle_of_incidence=60.0), 3.0) == pytest.approx(1.5)
    head_on = ph.irradiance_at(LightGeometry("POINT", distance=2.0), 10.0)
    assert ph.irradiance_at(
        LightGeometry("POINT", distance=2.0, angle_of_incidence=60.0), 10.0
    ) == pytest.approx(head_on / 2.0)


def test_spot_has_the_intensity_of_a_point_of_equal_power() -> None:
    assert ph.irradiance_at(LightGeometry("SPOT", distance=2.5), 40.0) == pytest.approx(
        40.0 / (4 * math.pi * 6.25)
    )


def _lambertian_panel_irradiance(radiance: float, distance: float, xs: np.ndarray, ys: np.ndarray) -> float:
    """E = sum L cos(emit) cos(receive) / r^2 dA on the axis, where both cosines are d / r (midpoint rule)."""
    dx, dy = xs[1] - xs[0], ys[1] - ys[0]
    x, y = np.meshgrid(xs, ys)
    r_squared = x * x + y * y + distance * distance
    return float(np.sum(radiance * distance * distance / r_squared**2) * dx * dy)


def _midpoints(lo: float, hi: float, n: int) -> np.ndarray:
    step = (hi - lo) / n
    return lo + step * (np.arange(n) + 0.5)


@pytest.mark.parametrize(("width", "height", "distance"), [(1.0, 1.0, 1.0), (2.0, 2.0, 0.5), (1.2, 0.4, 2.0)])
def test_rectangle_area_light_matches_numerical_integration(
    width: float, height: float, distance: float
) -> None:
    power = 50.0
    radiance = power / (math.pi * width * height)  # one-sided Lambertian: P = pi L A
    n = 600
    expected = _lambertian_panel_irradiance(
        radiance, distance, _midpoints(-width / 2, width / 2, n), _midpoints(-height / 2, height / 2, n)
    )
    shape: AreaShape = "SQUARE" if width == height else "RECTANGLE"
    geometry = LightGeometry("AREA", distance=distance, size=width, size_y=height, shape=shape)
    assert ph.irradiance_at(geometry, power) == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize(("diameter", "distance"), [(1.0, 1.0), (3.0, 0.5), (0.2, 4.0)])
def test_disk_area_light_matches_radial_integration(diameter: float, distance: float) -> None:
    power = 25.0
    radius = diameter / 2
    radiance = power / (math.pi * math.pi * radius * radius)
    # E = L * integral 2 pi rho d^2 / (rho^2 + d^2)^2 d rho over the disk (midpoint rule)
    n = 200_000
    rho = _midpoints(0.0, radius, n)
    expected = float(
        np.sum(radiance * 2 * math.pi * rho * distance**2 / (rho**2 + distance**2) ** 2) * radius / n
    )
    geometry = LightGeometry("AREA", distance=distance, size=diameter, shape="DISK")
    assert ph.irradiance_at(geometry, power) == pytest.approx(expected, rel=1e-6)
    # closed form by hand: E = pi L sin^2(theta) = P / (pi (R^2 + d^2))
    assert ph.irradiance_at(geometry, power) == pytest.approx(power / (math.pi * (radius**2 + distance**2)))


def test_round_ellipse_is_a_disk() -> None:
    disk = LightGeometry("AREA", distance=1.0, size=0.8, shape="DISK")
    ellipse = LightGeometry("AREA", distance=1.0, size=0.8, size_y=0.8, shape="ELLIPSE")
    assert ph.irradiance_at(ellipse, 10.0) == pytest.approx(ph.irradiance_at(disk, 10.0))


def test_small_area_light_far_away_is_four_times_a_point() -> None:
    # Far field: Lambertian peak intensity P / pi versus a point light's P / (4 pi).
    area = ph.irradiance_at(LightGeometry("AREA", distance=100.0, size=0.1), 10.0)
    assert area == pytest.approx(10.0 / (math.pi * 100.0**2), rel=1e-5)


def test_power_for_irradiance_inverts() -> None:
    geometry = LightGeometry("AREA", distance=1.7, size=0.9, angle_of_incidence=20.0)
    # hand calculation for a point: E = P / (4 pi d^2) -> P = 4 pi d^2 E = 4 pi * 4 * 2 = 32 pi
    assert ph.power_for_irradiance(LightGeometry("POINT", distance=2.0), 2.0) == pytest.approx(32 * math.pi)
    assert ph.irradiance_at(geometry, ph.power_for_irradiance(geometry, 3.0)) == pytest.approx(3.0)


def test_fill_for_ratio_with_different_distances() -> None:
    # Key 100 W point at 2 m: E = 100 / (16 pi). 4:1 -> fill E = 100 / (64 pi); fill point at 1 m needs
    # P = 4 pi * 1^2 * 100 / (64 pi) = 6.25 W.
    key = LightGeometry("POINT", distance=2.0)
    fill = LightGeometry("POINT", distance=1.0)
    assert ph.fill_power_for_ratio(100.0, key, fill, 4.0) == pytest.approx(6.25)


def test_fill_for_ratio_across_light_types() -> None:
    # Key: sun strength 4 W/m^2 head on -> E = 4. 8:1 -> fill E = 0.5; point at 3 m: P = 4 pi 9 * 0.5 = 18 pi.
    key = LightGeometry("SUN")
    fill = LightGeometry("POINT", distance=3.0)
    assert ph.fill_power_for_ratio(4.0, key, fill, 8.0) == pytest.approx(18 * math.pi)


@pytest.mark.parametrize("ratio", [2.0, 4.0, 8.0])
def test_measured_ratio_is_requested_ratio(ratio: float) -> None:
    key = LightGeometry("AREA", distance=1.5, size=1.0, angle_of_incidence=35.0)
    fill = LightGeometry("AREA", distance=2.0, size=2.0, shape="DISK", angle_of_incidence=10.0)
    fill_power = ph.fill_power_for_ratio(200.0, key, fill, ratio)
    measured = ph.irradiance_at(key, 200.0) / ph.irradiance_at(fill, fill_power)
    assert measured == pytest.approx(ratio)
    assert abs(math.log2(measured) - math.log2(ratio)) < 0.5  # the issue's +-0.5 stop acceptance


def test_stops() -> None:
    assert ph.stops(8.0) == pytest.approx(3.0)
    assert ph.stops(2.0) == pytest.approx(1.0)
    assert ph.ratio_from_stops(-1.0) == pytest.approx(0.5)


def test_rim_one_stop_over_key_doubles_power_at_same_geometry() -> None:
    geometry = LightGeometry("SPOT", distance=3.0)
    assert ph.power_relative_to_key(80.0, geometry, geometry, 1.0) == pytest.approx(160.0)
    assert ph.power_relative_to_key(80.0, geometry, geometry, -2.0) == pytest.approx(20.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"light_type": "LASER"}, "not one of"),
        ({"light_type": "POINT", "distance": 0.0}, "distance"),
        ({"light_type": "POINT", "angle_of_incidence": 95.0}, "angle of incidence"),
        ({"light_type": "AREA", "size": 0.0}, "size must be > 0"),
        ({"light_type": "AREA", "size": 1.0, "shape": "TRIANGLE"}, "shape"),
    ],
)
def test_bad_geometry_says_what_and_how(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        LightGeometry(**kwargs)


def test_bad_ratio() -> None:
    with pytest.raises(ValueError, match="ratio must be > 0"):
        ph.stops(0.0)
