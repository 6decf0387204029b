"""Gamut mapping onto a palette: aim error diffusion at the nearest colour the palette can actually mix.

Error diffusion can only reproduce colours inside the convex hull of the palette (in linear light, where the
eye mixes neighbouring pixels). For a colour outside, the diffused error can never be paid back: it swings the
choice between extreme colours and lands on whatever average the scan happens to reach. Mapping each source
colour first to the hull point nearest to it in OKLab (two Gauss-Newton rounds, each a convex problem in a
locally linearised OKLab) gives diffusion a reachable target with the smallest visible error.

The mapping is a table, built once per palette: the projection is solved at the nodes of a 17^3 grid over the
sRGB cube, its displacement trilinearly resampled onto 64^3 sRGB cells, and each pixel adds its cell's
displacement (one lookup). Nodes inside the hull (exact plane test) have zero displacement, so colours well
inside the gamut pass through unchanged, and the cells holding palette colours are zeroed, so exact palette
colours are never moved. Palettes of more than 64 colours (adaptive ones, fitted to the shot) are not mapped.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ..image.colour_space import linear_srgb_to_oklab, oklab_jacobian, srgb_to_linear
from . import native
from .palettes import NearestColourLUT, Palette, nearest_colour_lut

GRID = 17  # nodes per sRGB axis (16 cells) where the projection is solved
_CELL_BITS = 6  # the table applied per pixel: 64^3 sRGB cells, trilinearly filled from the grid
MAX_HULL_COLOURS = 64  # larger (adaptive) palettes are fitted to the shot's colours and are not mapped
_INSIDE_TOLERANCE = 1e-9


def hull_planes(points: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Supporting planes of the convex hull of a few 3-D points: unit normals (F, 3) and offsets (F,).

    A point x is inside the hull when normals @ x <= offsets for every plane. Brute force over point triples
    (fine for <= 64 points). A flat hull (coplanar points) yields each plane in both orientations, so only
    points on it count as inside; fewer than three independent points give no planes (nothing is inside).
    """
    triples = np.array(list(itertools.combinations(range(len(points)), 3)), dtype=np.intp).reshape(-1, 3)
    first, second, third = (points[triples[:, c]] for c in range(3))
    normals = np.cross(second - first, third - first)
    lengths = np.linalg.norm(normals, axis=1)
    keep = lengths > 1e-12
    normals = np.concatenate([normals[keep], -normals[keep]]) / np.tile(lengths[keep], 2)[:, None]
    offsets = np.einsum("fi,fi->f", normals, np.concatenate([first[keep], first[keep]]))
    supporting = np.all(points @ normals.T <= offsets + _INSIDE_TOLERANCE, axis=0)
    return normals[supporting], offsets[supporting]


def nearest_in_hull(
    colours: npt.NDArray[np.float64],
    palette_linear: npt.NDArray[np.float64],
    iterations: int = 100,
    rounds: int = 2,
) -> npt.NDArray[np.float64]:
    """For each linear colour (N, 3), the convex mix of palette colours nearest to it in OKLab.

    Gauss-Newton: each round linearises OKLab (Jacobian J) at the current estimate y0 (first the colour
    itself) and minimises |lab(y0) + J (mix - y0) - lab(colour)|^2 over mixing weights on the simplex by
    pairwise Frank-Wolfe (weight moves from the worst used palette colour to the best one, exact line
    search; it converges linearly on a polytope, plain Frank-Wolfe only as 1/steps), all colours at once.
    """
    target = linear_srgb_to_oklab(colours)
    rows = np.arange(len(colours))
    weights = np.zeros((len(colours), len(palette_linear)))
    estimate = colours
    for round_ in range(rounds):
        jacobian = oklab_jacobian(estimate)
        corners = np.einsum("nij,kj->nki", jacobian, palette_linear)  # palette in the local metric
        goal = target - linear_srgb_to_oklab(estimate) + np.einsum("nij,nj->ni", jacobian, estimate)
        if round_ == 0:
            weights[rows, ((corners - goal[:, None]) ** 2).sum(-1).argmin(axis=1)] = 1.0
        for _ in range(iterations):
            mix = np.einsum("nk,nki->ni", weights, corners)
            gradient = np.einsum("ni,nki->nk", mix - goal, corners)
            toward = gradient.argmin(axis=1)
            away = np.where(weights > 0, gradient, -np.inf).argmax(axis=1)
            direction = corners[rows, toward] - corners[rows, away]
            length2 = (direction**2).sum(axis=1)
            step = ((goal - mix) * direction).sum(axis=1) / np.maximum(length2, 1e-30)
            step = np.clip(step, 0.0, weights[rows, away])
            weights[rows, away] -= step
            weights[rows, toward] += step
        estimate = weights @ palette_linear
    return estimate


@dataclass(frozen=True, eq=False)
class GamutMap:
    """Maps linear RGB into the palette's gamut; `apply` is one table lookup, building it takes ~0.1-0.5 s."""

    palette: Palette
    cells: NearestColourLUT = field(init=False, repr=False)  # its sRGB cells index `displacement`
    displacement: npt.NDArray[np.float32] = field(init=False, repr=False)  # (cells, 3), linear light

    def __post_init__(self) -> None:
        axis = srgb_to_linear(np.arange(GRID) / (GRID - 1))
        nodes = np.stack(np.meshgrid(axis, axis, axis, indexing="ij"), -1).reshape(-1, 3)
        node_displacement = np.zeros_like(nodes)
        palette_linear = self.palette.linear
        normals, offsets = hull_planes(palette_linear)
        inside = (
            np.all(nodes @ normals.T <= offsets + _INSIDE_TOLERANCE, axis=1)
            if len(normals)
            else np.zeros(len(nodes), dtype=bool)
        )
        outside = ~inside
        node_displacement[outside] = nearest_in_hull(nodes[outside], palette_linear) - nodes[outside]
        cells = nearest_colour_lut(self.palette, "linear", _CELL_BITS)
        side = 1 << _CELL_BITS
        centres = (np.arange(side) + 0.5) * (GRID - 1) / side  # cell centres in grid units
        displacement = _trilinear(node_displacement.reshape(GRID, GRID, GRID, 3), centres)
        displacement[cells.cells(np.clip(palette_linear, 0.0, 1.0))] = 0.0  # palette colours stay exact
        object.__setattr__(self, "cells", cells)
        object.__setattr__(self, "displacement", displacement.astype(np.float32))

    def apply(self, linear: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Linear RGB (..., 3) clipped to [0, 1] and moved into the gamut (by its cell's displacement)."""
        loaded = native.library()
        tables = native.compact_tables(self.cells) if loaded is not None else None
        if loaded is not None and tables is not None:
            return native.gamut_apply(loaded, np.asarray(linear, dtype=np.float64), tables, self.displacement)
        clipped = np.clip(linear, 0.0, 1.0)
        return clipped + self.displacement.take(self.cells.cells(clipped), axis=0)


def _trilinear(grid: npt.NDArray[np.float64], centres: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Values of `grid` (G, G, G, C) at every point of the lattice centres x centres x centres, flattened."""
    lower = np.minimum(centres.astype(np.intp), len(grid) - 2)
    upper_weight = centres - lower
    result = 0.0
    for corner in itertools.product((0, 1), repeat=3):
        weight = np.ones((len(centres),) * 3)
        index = []
        for axis, step in enumerate(corner):
            shape = [1, 1, 1]
            shape[axis] = -1
            weight = weight * (upper_weight if step else 1.0 - upper_weight).reshape(shape)
            index.append((lower + step).reshape(shape))
        result = result + weight[..., None] * grid[index[0], index[1], index[2]]
    return np.reshape(result, (-1, grid.shape[-1]))


def gamut_map(palette: Palette) -> GamutMap | None:
    """Cached map per palette; None for palettes too large to need one (adaptive palettes fit the shot)."""
    return _cached_map(palette) if len(palette) <= MAX_HULL_COLOURS else None


@functools.lru_cache(maxsize=16)
def _cached_map(palette: Palette) -> GamutMap:
    return GamutMap(palette)
