"""Dither kernels against a textbook nested-loop implementation, bit for bit; ordered dither patterns."""

from __future__ import annotations

import numpy as np
import pytest
from backlot.production.retro import dither
from backlot.production.retro.gamut import gamut_map
from backlot.production.retro.palettes import Palette, nearest_colour_lut
from retro_backends import retro_backend  # noqa: F401  (fixture: compiled kernels and numpy fallback)

PALETTE = Palette.from_hex(["#000000", "#ffffff", "#ff0000", "#00ff00", "#0000ff", "#808080", "#ffff00"])

# Kernels as printed in the literature: (dy, dx, weight numerator), divisor.
REFERENCE_KERNELS = {
    "floyd_steinberg": (16, [(0, 1, 7), (1, -1, 3), (1, 0, 5), (1, 1, 1)]),
    "atkinson": (8, [(0, 1, 1), (0, 2, 1), (1, -1, 1), (1, 0, 1), (1, 1, 1), (2, 0, 1)]),
    "jarvis_judice_ninke": (
        48,
        [
            (0, 1, 7),
            (0, 2, 5),
            (1, -2, 3),
            (1, -1, 5),
            (1, 0, 7),
            (1, 1, 5),
            (1, 2, 3),
            (2, -2, 1),
            (2, -1, 3),
            (2, 0, 5),
            (2, 1, 3),
            (2, 2, 1),
        ],
    ),
    "stucki": (
        42,
        [
            (0, 1, 8),
            (0, 2, 4),
            (1, -2, 2),
            (1, -1, 4),
            (1, 0, 8),
            (1, 1, 4),
            (1, 2, 2),
            (2, -2, 1),
            (2, -1, 2),
            (2, 0, 4),
            (2, 1, 2),
            (2, 2, 1),
        ],
    ),
    "sierra": (
        32,
        [
            (0, 1, 5),
            (0, 2, 3),
            (1, -2, 2),
            (1, -1, 4),
            (1, 0, 5),
            (1, 1, 4),
            (1, 2, 2),
            (2, -1, 2),
            (2, 0, 3),
            (2, 1, 2),
        ],
    ),
    "burkes": (32, [(0, 1, 8), (0, 2, 4), (1, -2, 2), (1, -1, 4), (1, 0, 8), (1, 1, 4), (1, 2, 2)]),
}


def reference_diffusion(image: np.ndarray, kernel: str, serpentine: bool, metric: str) -> np.ndarray:
    """Pixel by pixel, pushing each error to its neighbours; mirrored kernel on reversed rows."""
    divisor, taps = REFERENCE_KERNELS[kernel]
    lut = nearest_colour_lut(PALETTE, metric)
    height, width, _ = image.shape
    work = image.astype(np.float64).copy()
    out = np.zeros((height, width), dtype=int)
    for y in range(height):
        backwards = serpentine and y % 2 == 1
        for x in range(width - 1, -1, -1) if backwards else range(width):
            value = np.clip(work[y, x], 0.0, 1.0)
            out[y, x] = int(lut.lookup(value))
            error = value - PALETTE.linear[out[y, x]]
            for dy, dx, numerator in taps:
                tx = x - dx if backwards else x + dx
                if y + dy < height and 0 <= tx < width:
                    work[y + dy, tx] = work[y + dy, tx] + error * (numerator / divisor)
    return out


def test_kernel_tables_match_literature() -> None:
    assert set(dither.KERNELS) == set(REFERENCE_KERNELS)
    for name, (divisor, taps) in REFERENCE_KERNELS.items():
        assert (dither.KERNELS[name].divisor, sorted(dither.KERNELS[name].taps)) == (divisor, sorted(taps))


@pytest.mark.parametrize("kernel", sorted(REFERENCE_KERNELS))
@pytest.mark.parametrize("serpentine", [False, True])
@pytest.mark.parametrize("metric", ["linear", "oklab"])
@pytest.mark.usefixtures("retro_backend")
def test_kernel_matches_reference_bit_for_bit(kernel: str, serpentine: bool, metric: str) -> None:
    rng = np.random.default_rng(sum(map(ord, kernel)) + serpentine)
    for shape in ((9, 11), (4, 3), (1, 7), (6, 1), (2, 2), (1, 1), (23, 5)):
        image = rng.random((*shape, 3)) * 1.2 - 0.1  # includes out-of-range values that must clamp
        expected = reference_diffusion(image, kernel, serpentine, metric)
        result = dither.error_diffuse(image, PALETTE, kernel, serpentine, metric=metric, map_gamut=False)
        assert np.array_equal(result, expected), shape


@pytest.mark.usefixtures("retro_backend")
def test_gamut_mapping_only_changes_the_target() -> None:
    """With mapping on, diffusion equals the reference run on the mapped image (the kernel is unchanged)."""
    image = np.random.default_rng(11).random((12, 10, 3))
    mapped = gamut_map(PALETTE).apply(image)
    for serpentine in (False, True):
        expected = reference_diffusion(mapped, "floyd_steinberg", serpentine, "linear")
        assert np.array_equal(dither.error_diffuse(image, PALETTE, serpentine=serpentine), expected)


def test_lut_is_exact_on_palette_colours_and_close_elsewhere() -> None:
    lut = nearest_colour_lut(PALETTE)
    assert np.array_equal(lut.lookup(PALETTE.linear), np.arange(len(PALETTE)))
    samples = np.random.default_rng(5).random((20000, 3))
    agree = np.mean(lut.lookup(samples) == lut.exact(samples))
    assert agree > 0.98


def test_flat_grey_on_one_bit_gives_bayer_fractions() -> None:
    bayer4 = np.array([[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]])  # Bayer (1973) 4x4
    assert np.array_equal(dither.bayer_matrix(4), bayer4)
    one_bit = Palette.from_hex(["#000000", "#ffffff"])
    for level in range(17):
        grey = np.full((8, 8, 3), level / 16)
        white = dither.ordered_dither(grey, one_bit, size=4, method="bayer") == 1
        assert white.mean() == level / 16
        # the brightest `level` thresholds light up first: white where rank >= 16 - level
        assert np.array_equal(white[:4, :4], bayer4 >= 16 - level)


def test_knoll_pattern_mean_tracks_linear_grey() -> None:
    one_bit = Palette.from_hex(["#000000", "#ffffff"])
    for level in (0.25, 0.5, 0.75):
        out = dither.ordered_dither(np.full((8, 8, 3), level), one_bit, size=4, method="knoll")
        assert out.mean() == pytest.approx(level, abs=1 / 16)


@pytest.mark.parametrize("method", ["error", "bayer", "knoll", "none"])
def test_outputs_are_palette_indices(method: str) -> None:
    image = np.random.default_rng(6).random((20, 24, 3))
    if method == "error":
        out = dither.error_diffuse(image, PALETTE)
    elif method == "none":
        out = dither.nearest(image, PALETTE)
    else:
        out = dither.ordered_dither(image, PALETTE, size=8, method=method)
    assert out.shape == (20, 24) and out.min() >= 0 and out.max() < len(PALETTE)
