"""Gamut mapping onto a palette's convex hull: the hull test, fixed points, and nearness in OKLab."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from backlot.production.image import colour_space as cs
from backlot.production.retro import load_palette
from backlot.production.retro.gamut import MAX_HULL_COLOURS, GamutMap, gamut_map, hull_planes
from backlot.production.retro.palettes import Palette

CUBE_CORNERS = Palette(np.array(list(itertools.product((0, 255), repeat=3)), dtype=np.uint8))


def fixed_colours(name: str) -> Palette:
    """The colours of a preset with a fixed palette (adaptive presets have none to map onto)."""
    colours = load_palette(name).colors
    assert colours is not None, f"{name} is an adaptive palette"
    return colours


def inside(points: np.ndarray, palette: Palette, tolerance: float = 1e-6) -> np.ndarray:
    normals, offsets = hull_planes(palette.linear)
    return np.all(points @ normals.T <= offsets + tolerance, axis=1)


def inside_margin(points: np.ndarray, palette: Palette) -> np.ndarray:
    normals, offsets = hull_planes(palette.linear)
    return (points @ normals.T - offsets).max(axis=1)


def test_hull_of_the_cube_corners_is_the_unit_cube() -> None:
    points = np.random.default_rng(1).uniform(-0.3, 1.3, (2000, 3))
    in_cube = np.all((points >= 0) & (points <= 1), axis=1)
    assert np.array_equal(inside(points, CUBE_CORNERS, 0.0), in_cube)


def test_whole_cube_palette_maps_every_colour_to_itself() -> None:
    colours = np.random.default_rng(2).random((500, 3))
    assert np.array_equal(GamutMap(CUBE_CORNERS).apply(colours), colours)


@pytest.mark.parametrize("name", ["pico8", "gameboy", "1bit", "c64", "nes"])
def test_palette_colours_are_fixed_points(name: str) -> None:
    palette = fixed_colours(name)
    assert np.array_equal(gamut_map(palette).apply(palette.linear), palette.linear)


def test_mapped_colours_lie_in_the_hull_and_no_farther_than_the_nearest_palette_colour() -> None:
    palette = fixed_colours("pico8")
    colours = np.random.default_rng(3).random((3000, 3))
    mapped = gamut_map(palette).apply(colours)
    # The table holds one displacement per 1/64 sRGB cell: a colour may land up to half a cell outside, and
    # the widest cell in linear light is the top one, 1 - srgb_to_linear(63/64).
    half_cell = (1.0 - cs.srgb_to_linear(63 / 64)) / 2 * np.sqrt(3)
    assert np.all(inside(mapped, palette, half_cell))
    assert np.median(inside_margin(mapped, palette)) <= 1e-9  # typically inside or on the boundary
    lab, mapped_lab, palette_lab = (cs.linear_srgb_to_oklab(c) for c in (colours, mapped, palette.linear))
    to_mapped = np.linalg.norm(lab - mapped_lab, axis=1)
    to_nearest_colour = np.linalg.norm(lab[:, None] - palette_lab[None], axis=2).min(axis=1)
    assert np.all(to_mapped <= to_nearest_colour + 0.01)  # every palette colour is a point of the hull
    assert to_mapped.mean() < 0.5 * to_nearest_colour.mean()


def test_one_bit_maps_to_the_grey_of_nearest_lightness() -> None:
    """The hull of black and white is the grey axis; the nearest grey in OKLab keeps about the lightness."""
    palette = fixed_colours("1bit")
    colours = np.random.default_rng(4).uniform(0.05, 0.95, (400, 3))
    mapped = gamut_map(palette).apply(colours)
    # grey (r = g = b) up to the table's resolution: one 1/64 sRGB cell, at most this wide in linear light
    assert np.all(np.ptp(mapped, axis=1) <= 1.0 - cs.srgb_to_linear(63 / 64))
    greys = np.linspace(0.0, 1.0, 4097)
    grey_lab = cs.linear_srgb_to_oklab(np.repeat(greys[:, None], 3, axis=1))
    lab = cs.linear_srgb_to_oklab(colours)
    best_grey = greys[np.linalg.norm(lab[:, None] - grey_lab[None], axis=2).argmin(axis=1)]  # brute force
    best_lab = cs.linear_srgb_to_oklab(np.repeat(best_grey[:, None], 3, axis=1))
    mapped_distance = np.linalg.norm(lab - cs.linear_srgb_to_oklab(mapped), axis=1)
    best_distance = np.linalg.norm(lab - best_lab, axis=1)
    assert np.all(mapped_distance <= best_distance + 0.01)  # Gauss-Newton + 1/64 table: near the optimum


def test_large_palettes_are_not_mapped() -> None:
    big = Palette(np.random.default_rng(5).integers(0, 256, (MAX_HULL_COLOURS + 1, 3), dtype=np.uint8))
    assert len(big) > MAX_HULL_COLOURS and gamut_map(big) is None
