"""OKLab and sRGB conversions against published values."""

from __future__ import annotations

import numpy as np
import pytest
from backlot.production.image import colour_space as cs


@pytest.mark.parametrize(
    ("xyz", "lab"),
    [  # Björn Ottosson, "A perceptual color space for image processing", table of example XYZ/Oklab pairs
        ((0.950, 1.000, 1.089), (1.000, 0.000, 0.000)),
        ((1.000, 0.000, 0.000), (0.450, 1.236, -0.019)),
        ((0.000, 1.000, 0.000), (0.922, -0.671, 0.263)),
        ((0.000, 0.000, 1.000), (0.153, -1.415, -0.449)),
    ],
)
def test_xyz_to_oklab_matches_ottosson_table(xyz: tuple[float, ...], lab: tuple[float, ...]) -> None:
    assert np.round(cs.xyz_to_oklab(xyz), 3) == pytest.approx(lab, abs=1e-9)


def test_linear_srgb_path_agrees_with_xyz_path() -> None:
    # sRGB -> XYZ matrix of IEC 61966-2-1 (D65); both OKLab routes must land on the same point.
    srgb_to_xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    rgb = np.random.default_rng(3).random((50, 3))
    assert cs.linear_srgb_to_oklab(rgb) == pytest.approx(cs.xyz_to_oklab(rgb @ srgb_to_xyz.T), abs=2e-3)


def test_css_colour_4_red() -> None:
    # CSS Color Level 4 sample: sRGB red is oklab(62.8% 0.2249 0.1258).
    assert cs.linear_srgb_to_oklab([1.0, 0.0, 0.0]) == pytest.approx([0.62796, 0.22486, 0.12585], abs=2e-4)


def test_oklab_round_trip() -> None:
    rgb = np.random.default_rng(4).random((100, 3))
    assert cs.oklab_to_linear_srgb(cs.linear_srgb_to_oklab(rgb)) == pytest.approx(
        rgb, abs=1e-6
    )  # matrices carry 10 digits


def test_srgb_transfer_curve_reference_points() -> None:
    # IEC 61966-2-1: 0.04045 is the knee; sRGB 0.5 is linear 0.214041; 8-bit 128 -> 0.215861.
    assert cs.srgb_to_linear([0.0, 0.04045, 0.5, 128 / 255, 1.0]) == pytest.approx(
        [0.0, 0.04045 / 12.92, 0.2140411, 0.2158605, 1.0], abs=1e-6
    )
    codes = np.arange(256)
    assert np.array_equal(cs.linear_to_srgb8(cs.srgb_to_linear(codes / 255)), codes)


def test_oklab_jacobian_matches_finite_differences() -> None:
    rgb = np.random.default_rng(4).uniform(0.05, 1.0, (20, 3))  # away from black, where the floor applies
    step = 1e-6
    columns = [
        (cs.linear_srgb_to_oklab(rgb + step * axis) - cs.linear_srgb_to_oklab(rgb - step * axis)) / (2 * step)
        for axis in np.eye(3)
    ]
    assert cs.oklab_jacobian(rgb) == pytest.approx(np.stack(columns, axis=-1), rel=1e-5, abs=1e-7)
