"""Palette quantisation of linear-light images: error diffusion, ordered (Bayer, Knoll), plain nearest.

Every function returns palette indices (H, W); the caller turns them into pixels with
`palette.srgb8[indices]`, so the output holds palette colours exactly. Errors are measured and spread in
linear light (where light adds up); targets outside the palette's gamut and plain nearest colours are chosen
in OKLab (where distance matches perception), through `GamutMap` and `NearestColourLUT`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import as_strided

from ..image.colour_space import luminance
from . import native
from .gamut import gamut_map
from .palettes import CHANNEL_OFFSETS, LINEAR_STEPS, NearestColourLUT, Palette, nearest_colour_lut

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
    """Float64 RGB (H, W, 3) with NaN -> 0 and infinities clamped, so the lookups stay in range. A finite
    image comes back as a read-only view (no copy: callers never write into it)."""
    array = np.asarray(image, dtype=np.float64)
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise ValueError(f"expected an image of shape (height, width, 3 or 4), got {array.shape}")
    rgb = array[..., :3]
    # A NaN or infinity anywhere makes the sum non-finite (so may huge values or a bad alpha: the slow path is
    # still right). The whole buffer, not the RGB view: numpy reduces a contiguous array ten times faster.
    if math.isfinite(array.sum()):
        view = rgb.view()
        view.flags.writeable = False
        return view
    return np.nan_to_num(rgb, nan=0.0, posinf=1.0, neginf=0.0)


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
    metric: str = "linear",
    map_gamut: bool = True,
) -> Indices:
    """Error diffusion of linear RGB (H, W, 3|4) onto `palette`; returns palette indices (H, W).

    First (`map_gamut`) every source colour moves to the nearest colour in OKLab that the palette can mix
    (`gamut.GamutMap`), so the diffused error can always be paid back. Then per pixel: value = target +
    diffused error, clamped to [0, 1]; colour = the nearest in `metric` space (table lookup); error = value -
    colour in linear light, spread by the kernel. Choosing in linear light, the space the error lives in,
    leaves the least low-frequency noise once the eye blurs the pattern (docs/retro.md has the figures);
    "oklab" chooses the perceptually nearest colour per pixel instead. Serpentine reverses every other row
    (mirroring the kernel), which breaks the directional "worms" of raster order but makes the scan serial.
    """
    rgb = _as_rgb(image)
    mapping = gamut_map(palette) if map_gamut else None
    if mapping is not None:
        rgb = mapping.apply(rgb)
    lut = nearest_colour_lut(palette, metric, lut_bits)
    loaded = native.library()
    tables = native.compact_tables(lut) if loaded is not None else None
    if loaded is not None and tables is not None:  # the same loop compiled: bit-identical, any scan order
        # The mapped image is already a fresh array; the diffusion overwrites its input.
        work = np.ascontiguousarray(rgb) if mapping is not None else np.array(rgb, order="C")
        taps = kernel_named(kernel).weighted()
        return native.error_diffuse(loaded, work, taps, serpentine, tables, palette.linear)
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
    *pulls* its incoming errors, summed in the sources' raster order, which reproduces the serial push order
    exactly. The weighted errors of the last few diagonals live in a small ring buffer indexed by image row,
    so every pull is a contiguous slice (numpy call overhead, not arithmetic, is what limits this loop).
    """
    height, width, _ = rgb.shape
    taps = sorted(kernel.weighted(), key=lambda tap: (-tap[0], -tap[1]))  # sources in raster order
    slope = kernel.slope
    top = max(dy for dy, _, _ in taps)
    lags = [dx + slope * dy for dy, dx, _ in taps]  # diagonal t pulls tap k from diagonal t - lag
    ring = max(lags) + 1
    weights = np.array([weight for _, _, weight in taps])[:, None, None]
    spread = np.zeros((ring, len(taps), height + top, 3))  # error * weight per tap, rows shifted by `top`
    image = np.ascontiguousarray(rgb, dtype=np.float64)
    chosen = np.zeros((height, width), dtype=np.intp)
    # Views whose [p, j] is the j-th pixel of the diagonal that starts at flat pixel p (reads stay in bounds).
    along, value_size, index_size = width - slope, image.itemsize, chosen.itemsize
    diagonal_source = as_strided(
        image,
        shape=(height * width, height, 3),
        strides=(3 * value_size, 3 * value_size * along, value_size),
        writeable=False,
    )
    diagonal_chosen = as_strided(
        chosen, shape=(height * width, height), strides=(index_size, index_size * along)
    )
    longest = min(height, (width - 1) // slope + 1)
    value_buffer, code_buffer = np.empty((longest, 3)), np.empty((3, longest), dtype=np.intp)
    codes = lut.flat_codes
    channel_offsets = CHANNEL_OFFSETS[:, None]
    table = lut.table
    colours = np.ascontiguousarray(palette_linear)
    scale = float(LINEAR_STEPS)
    (_, first_lag, first_shift), *later = [(k, lags[k], top - taps[k][0]) for k in range(len(taps))]
    for t in range(width + slope * (height - 1)):
        y_first = max(0, -((width - 1 - t) // slope))  # ceil((t - width + 1) / slope)
        y_last = min(height - 1, t // slope)
        count = y_last - y_first + 1
        start = y_first * width + t - slope * y_first
        value = value_buffer[:count]
        incoming = spread[(t - first_lag) % ring, 0, y_first + first_shift : y_last + first_shift + 1]
        np.add(diagonal_source[start, :count], incoming, out=value)
        for k, lag, shift in later:
            np.add(value, spread[(t - lag) % ring, k, y_first + shift : y_last + shift + 1], out=value)
        value.clip(0.0, 1.0, out=value)
        code = code_buffer[:, :count]  # channels as rows: summing them is one vectorised add per row
        np.multiply(value.T, scale, out=code, casting="unsafe")  # truncation, as astype(intp)
        np.add(code, channel_offsets, out=code)
        index = table.take(np.add.reduce(codes.take(code), axis=0))
        diagonal_chosen[start, :count] = index
        slot = spread[t % ring]
        slot.fill(0.0)  # pixels off the image must pull zero
        np.multiply(
            value - colours.take(index, axis=0), weights, out=slot[:, y_first + top : y_last + top + 1]
        )
    return chosen


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
