"""Palette quantisation of linear-light images: error diffusion, ordered (Bayer, Knoll) and plain nearest
colour.

Every function returns palette indices (H, W); the caller turns them into pixels with
`palette.srgb8[indices]`, so
the output holds palette colours exactly. Errors are measured and spread in linear light (where light adds
up) and
colours are chosen in OKLab (where distance matches perception), both through `NearestColourLUT`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .colour_space import luminance
from .palettes import LINEAR_STEPS, NearestColourLUT, Palette, nearest_colour_lut

Indices = npt.NDArray[np.intp]


@dataclass(frozen=True)
class Kernel:
    """Error diffusion weights: `taps` are (dy, dx, numerator) for pixels after the current one; weight = num
    / divisor."""

    name: str
    divisor: int
    taps: tuple[tuple[int, int, int], ...]

    def weighted(self) -> list[tuple[int, int, float]]:
        return [(dy, dx, num / self.divisor) for dy, dx, num in self.taps]

    @property
    def slope(self) -> int:
        """Smallest k such that pixel time x + k*y runs every tap's target after its source (wavefront
        order)."""
        return max([1, *(math.floor(-dx / dy) + 1 for dy, dx, _ in self.taps if dy > 0)])


KERNELS: dict[str, Kernel] = {
    k.name: k
    for k in (
        Kernel("floyd_steinberg", 16, ((0, 1, 7), (1, -1, 3), (1, 0, 5), (1, 1, 1))),
        Kernel("atkinson", 8, ((0, 1, 1), (0, 2, 1), (1, -1, 1), (1, 0, 1), (1, 1, 1), (2, 0, 1))),
        Kernel(
            "jarvis_judice_ninke",
            48,
            (
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
            ),
        ),
        Kernel(
            "stucki",
            42,
            (
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
            ),
        ),
        Kernel(
            "sierra",
            32,
            (
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
            ),
        ),
        Kernel("burkes", 32, ((0, 1, 8), (0, 2, 4), (1, -2, 2), (1, -1, 4), (1, 0, 8), (1, 1, 4), (1, 2, 2))),
    )
}


def _as_rgb(image: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Float64 RGB (H, W, 3) with NaN -> 0 and infinities clamped, so the lookups stay in range."""
    array = np.asarray(image, dtype=np.float64)
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise ValueError(f"expected an image of shape (height, width, 3 or 4), got {array.shape}")
    return np.nan_to_num(array[..., :3], nan=0.0, posinf=1.0, neginf=0.0)


def kernel_named(name: str) -> Kernel:
    if name not in KERNELS:
        raise ValueError(f"unknown error diffusion kernel {name!r}; choose one of {', '.join(KERNELS)}")
    return KERNELS[name]


def error_diffuse(
    image: npt.ArrayLike,
    palette: Palette,
    kernel: str = "floyd_steinberg",
    serpentine: bool = True,
    lut_bits: int = 6,
) -> Indices:
    """Error diffusion of linear RGB (H, W, 3|4) onto `palette`; returns palette indices (H, W).

    Per pixel: value = source + diffused error, clamped to [0, 1]; colour = nearest in OKLab (table lookup);
    error = value - colour in linear light, spread by the kernel. Serpentine reverses every other row
    (mirroring
    the kernel), which breaks the directional "worms" of raster order but makes the scan strictly serial.
    """
    rgb = _as_rgb(image)
    lut = nearest_colour_lut(palette, "oklab", lut_bits)
    if serpentine:
        return _diffuse_serpentine(rgb, lut.table, lut.channel_codes, palette.linear, kernel_named(kernel))
    return _diffuse_wavefront(rgb, lut, palette.linear, kernel_named(kernel))


def _diffuse_wavefront(
    rgb: npt.NDArray[np.float64],
    lut: NearestColourLUT,
    palette_linear: npt.NDArray[np.float64],
    kernel: Kernel,
) -> Indices:
    """Raster-order diffusion computed one anti-diagonal (x + k*y = t) at a time, each diagonal vectorised.

    Every pixel on a diagonal only depends on earlier diagonals, so they can be done together. Each pixel
    *pulls*
    its incoming errors, summed in the sources' raster order, which reproduces the serial push order exactly.
    Buffers are planar (channel, padded flat pixel) and zero-padded, so a diagonal is a strided view per
    channel.
    """
    height, width, _ = rgb.shape
    taps = sorted(kernel.weighted(), key=lambda tap: (-tap[0], -tap[1]))  # sources in raster order
    top = max(dy for dy, _, _ in taps)
    left = max(0, *(dx for _, dx, _ in taps))
    right = max(0, *(-dx for _, dx, _ in taps))
    row_len = width + left + right
    source = np.zeros((3, height + top, row_len))
    source[:, top:, left : left + width] = rgb.transpose(2, 0, 1)
    source = source.reshape(3, -1)
    error = np.zeros_like(source)
    chosen = np.zeros(source.shape[1], dtype=np.intp)
    (first_offset, first_weight), *rest = [(dy * row_len + dx, weight) for dy, dx, weight in taps]
    slope = kernel.slope
    step = row_len - slope
    table = lut.table
    red_codes, green_codes, blue_codes = (np.ascontiguousarray(lut.channel_codes[:, c]) for c in range(3))
    colours = np.ascontiguousarray(palette_linear.T)
    scale = float(LINEAR_STEPS)
    for t in range(width + slope * (height - 1)):
        y_first = max(0, -((width - 1 - t) // slope))  # ceil((t - width + 1) / slope)
        y_last = min(height - 1, t // slope)
        start = (y_first + top) * row_len + t - slope * y_first + left
        stop = start + (y_last - y_first) * step + 1
        value = error[:, start - first_offset : stop - first_offset : step] * first_weight
        np.add(source[:, start:stop:step], value, out=value)
        for offset, weight in rest:
            value += error[:, start - offset : stop - offset : step] * weight
        np.maximum(value, 0.0, out=value)
        np.minimum(value, 1.0, out=value)
        steps = (value * scale).astype(np.intp)
        index = table.take(red_codes.take(steps[0]) + green_codes.take(steps[1]) + blue_codes.take(steps[2]))
        chosen[start:stop:step] = index
        np.subtract(value, colours.take(index, axis=1), out=error[:, start:stop:step])
    return chosen.reshape(height + top, row_len)[top:, left : left + width].copy()


def _diffuse_serpentine(
    rgb: npt.NDArray[np.float64],
    table: npt.NDArray[np.intp],
    codes: npt.NDArray[np.intp],
    palette_linear: npt.NDArray[np.float64],
    kernel: Kernel,
) -> Indices:
    """Serpentine diffusion: a scalar loop along each row (the serial part), vectorised pushes to the rows
    below.

    Contributions to one pixel are added in the order their sources were processed (previous rows first, then
    this row), the same order as the textbook pixel-by-pixel loop, so results match it bit for bit.
    """
    height, width, _ = rgb.shape
    work = rgb.copy()
    chosen = np.empty((height, width), dtype=np.intp)
    taps = kernel.weighted()
    same_row = [(dx, weight) for dy, dx, weight in taps if dy == 0]
    below = sorted(((dy, dx, w) for dy, dx, w in taps if dy > 0), key=lambda tap: (tap[0], -tap[1]))
    table_list = table.tolist()
    red_codes, green_codes, blue_codes = (codes[:, c].tolist() for c in range(3))
    colours = [tuple(c) for c in palette_linear.tolist()]
    scale = float(LINEAR_STEPS)
    for y in range(height):
        direction = -1 if y % 2 else 1
        row = work[y].ravel().tolist()
        row_error = [0.0] * (3 * width)
        row_chosen = [0] * width
        for x in range(width - 1, -1, -1) if direction < 0 else range(width):
            i = 3 * x
            r, g, b = row[i], row[i + 1], row[i + 2]
            r = 0.0 if r < 0.0 else 1.0 if r > 1.0 else r
            g = 0.0 if g < 0.0 else 1.0 if g > 1.0 else g
            b = 0.0 if b < 0.0 else 1.0 if b > 1.0 else b
            index = table_list[
                red_codes[int(r * scale)] + green_codes[int(g * scale)] + blue_codes[int(b * scale)]
            ]
            pr, pg, pb = colours[index]
            er, eg, eb = r - pr, g - pg, b - pb
            row_chosen[x] = index
            row_error[i], row_error[i + 1], row_error[i + 2] = er, eg, eb
            for dx, weight in same_row:
                target = x + dx * direction
                if 0 <= target < width:
                    j = 3 * target
                    row[j] += er * weight
                    row[j + 1] += eg * weight
                    row[j + 2] += eb * weight
        chosen[y] = row_chosen
        errors = np.array(row_error).reshape(width, 3)
        for dy, dx, weight in below:
            if y + dy >= height:
                continue
            shift = dx * direction
            if shift >= 0:
                work[y + dy, shift:] += errors[: width - shift] * weight
            else:
                work[y + dy, :shift] += errors[-shift:] * weight
    return chosen


# ----------------------------------------------------------------------------------------------------- ordere


def bayer_matrix(size: int) -> npt.NDArray[np.intp]:
    """Bayer index matrix (values 0..size^2-1) by the recursion M(2n) = [[4M, 4M+2], [4M+3, 4M+1]]."""
    if size not in (2, 4, 8, 16):
        raise ValueError(f"Bayer matrix size must be 2, 4, 8 or 16, got {size}")
    matrix = np.zeros((1, 1), dtype=np.intp)
    while len(matrix) < size:
        matrix = np.block([[4 * matrix, 4 * matrix + 2], [4 * matrix + 3, 4 * matrix + 1]])
    return matrix


def _tiled(matrix: npt.NDArray, height: int, width: int) -> npt.NDArray:
    size = len(matrix)
    return matrix[np.arange(height)[:, None] % size, np.arange(width)[None, :] % size]


def palette_spread(palette: Palette) -> float:
    """Typical step between palette colours in linear light per channel (median nearest-neighbour distance /
    √3).

    For an evenly spaced grey ramp of L levels this is 1 / (L - 1), the textbook ordered-dither amplitude.
    """
    if len(palette) < 2:
        return 0.0
    linear = palette.linear
    distances = np.sqrt(((linear[:, None, :] - linear[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(distances, np.inf)
    return float(np.median(distances.min(axis=1)) / math.sqrt(3.0))


def ordered_dither(
    image: npt.ArrayLike,
    palette: Palette,
    size: int = 4,
    method: str = "bayer",
    spread: float | None = None,
    lut_bits: int = 6,
) -> Indices:
    """Position-based dither; the same input pixel always gives the same output, so animation does not crawl.

    "bayer": add spread * ((M + 0.5) / size² - 0.5) in linear light and take the nearest colour in linear
    light,
    so on an evenly spaced palette the pattern's average equals the input light. "knoll": Thomas Knoll's
    pattern
    dither for irregular palettes (as described by J. Yliluoma): per pixel build size² candidates by
    repeatedly
    taking the OKLab-nearest colour to input + accumulated linear error, sort them by luminance, and pick the
    one
    the Bayer index selects; the candidates' mean tracks the input light.
    """
    rgb = _as_rgb(image)
    height, width, _ = rgb.shape
    ranks = _tiled(bayer_matrix(size), height, width)
    if method == "bayer":
        amplitude = palette_spread(palette) if spread is None else spread
        offsets = amplitude * ((ranks + 0.5) / (size * size) - 0.5)
        return nearest_colour_lut(palette, "linear", lut_bits).lookup(rgb + offsets[..., None])
    if method == "knoll":
        return _knoll(rgb, palette, ranks.ravel(), size * size, lut_bits).reshape(height, width)
    raise ValueError(f"unknown ordered dither method {method!r}; choose 'bayer' or 'knoll'")


def _knoll(
    rgb: npt.NDArray[np.float64], palette: Palette, ranks: Indices, count: int, lut_bits: int
) -> Indices:
    lut = nearest_colour_lut(palette, "oklab", lut_bits)
    goal = rgb.reshape(-1, 3)
    error = np.zeros_like(goal)
    candidates = np.empty((count, len(goal)), dtype=np.intp)
    for i in range(count):
        candidates[i] = lut.lookup(goal + error)
        error += goal - palette.linear[candidates[i]]
    order = np.argsort(luminance(palette.linear)[candidates], axis=0, kind="stable")
    pixels = np.arange(len(goal))
    return candidates[order[ranks, pixels], pixels]


def nearest(image: npt.ArrayLike, palette: Palette, lut_bits: int = 6) -> Indices:
    """No dither: each pixel's OKLab-nearest palette colour."""
    return nearest_colour_lut(palette, "oklab", lut_bits).lookup(_as_rgb(image))
