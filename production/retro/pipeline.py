"""The exact retro post-process of one frame: linear render in, palette-true 8-bit sRGB out.

Steps: drop alpha -> area-average downscale in linear light to the console's native resolution (crop,
letterbox or
stretch to its display aspect) -> palette quantisation (error diffusion, ordered or none) -> nearest-neighbour
integer upscale -> optional scanlines. Rows are processed in array order: Blender's bottom-up `Image.pixels`
work
as they are and the output keeps the input's row order (flip with `np.flipud` to write a top-down file).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..image.colour_space import linear_to_srgb8
from . import native
from .dither import KERNELS, error_diffuse, nearest, ordered_dither
from .palettes import ConsolePreset, Palette, PaletteLock, PalettePreset, load_console, load_palette

DITHERS = ("error_diffusion", "ordered", "none")
ORDERED_METHODS = ("bayer", "knoll")
FITS = ("crop", "letterbox", "stretch")


@dataclass(frozen=True)
class RetroSettings:
    """Everything `process_frame` needs; `palette` is already resolved (a locked shot palette for adaptive
    ones)."""

    resolution: tuple[int, int]  # native (width, height)
    palette: Palette
    pixel_aspect: float = 1.0  # width / height of one native pixel on the console's display
    fit: str = "crop"  # crop | letterbox | stretch (how the source meets the native display aspect)
    dither: str = "error_diffusion"  # error_diffusion | ordered | none
    kernel: str = "floyd_steinberg"
    serpentine: bool = False
    ordered_method: str = "bayer"  # bayer | knoll
    matrix_size: int = 4  # 2 | 4 | 8
    scale: int = 1  # nearest-neighbour integer upscale ("pixel_size")
    scanlines: float = 0.0  # 0..1: odd output rows keep (1 - scanlines) of their light
    lut_bits: int = 6
    diffusion_metric: str = "linear"  # linear | oklab: where error diffusion picks the nearest colour
    gamut_mapping: bool = True  # error diffusion aims at the OKLab-nearest colour the palette can mix

    def __post_init__(self) -> None:
        problems = []
        width, height = self.resolution
        if not (1 <= width <= 8192 and 1 <= height <= 8192):
            problems.append(f"resolution {self.resolution} must be 1..8192 pixels each way")
        if not 0.1 <= self.pixel_aspect <= 10:
            problems.append(f"pixel_aspect {self.pixel_aspect} must be between 0.1 and 10")
        for key, value, allowed in (
            ("fit", self.fit, FITS),
            ("dither", self.dither, DITHERS),
            ("kernel", self.kernel, tuple(KERNELS)),
            ("ordered_method", self.ordered_method, ORDERED_METHODS),
            ("matrix_size", self.matrix_size, (2, 4, 8)),
            ("diffusion_metric", self.diffusion_metric, ("linear", "oklab")),
        ):
            if value not in allowed:
                problems.append(f"{key} {value!r} is not one of {', '.join(map(str, allowed))}")
        if not 1 <= self.scale <= 64:
            problems.append(f"scale {self.scale} must be a whole number 1..64")
        if not 0.0 <= self.scanlines <= 1.0:
            problems.append(f"scanlines {self.scanlines} must be between 0 (off) and 1 (black rows)")
        if not 4 <= self.lut_bits <= 7:
            problems.append(f"lut_bits {self.lut_bits} must be 4..7")
        if problems:
            raise ValueError("retro settings: " + "; ".join(problems))


def settings_for_console(console: ConsolePreset, palette: Palette, **overrides: Any) -> RetroSettings:
    """Settings from a console preset; explicit keyword overrides win (as spec keys win over preset keys)."""
    base = RetroSettings(resolution=console.resolution, palette=palette, pixel_aspect=console.pixel_aspect)
    return replace(base, **overrides)


# The spec's `dither` vocabulary (schema.DITHERS) as settings fields.
SPEC_DITHERS: dict[str, dict[str, Any]] = {
    "none": {"dither": "none"},
    "error_diffusion": {"dither": "error_diffusion", "kernel": "floyd_steinberg"},
    **{name: {"dither": "error_diffusion", "kernel": name} for name in KERNELS},
    "ordered": {"dither": "ordered", "ordered_method": "bayer", "matrix_size": 4},
    **{f"bayer{n}": {"dither": "ordered", "ordered_method": "bayer", "matrix_size": n} for n in (2, 4, 8)},
    "pattern": {"dither": "ordered", "ordered_method": "knoll", "matrix_size": 4},
}


def _spec_value(retro: Mapping[str, Any] | object, key: str) -> Any:
    return retro.get(key) if isinstance(retro, Mapping) else getattr(retro, key, None)


def palette_preset_for(
    retro: Mapping[str, Any] | object, dirs: Sequence[Path] | None = None
) -> PalettePreset:
    """The palette preset a spec `retro` block asks for: `palette`, else its console's; `colors: N` caps it
    at N."""
    name = _spec_value(retro, "palette")
    console_name = _spec_value(retro, "console")
    console = load_console(console_name, dirs) if console_name is not None else None
    if name is None and console is not None:
        name = console.palette
    colours = _spec_value(retro, "colors")
    if name is None:
        if colours is None:
            raise ValueError("retro output needs `palette`, `console` or `colors`; add e.g. `palette: snes`")
        return PalettePreset(name=f"adaptive{colours}", colors=None, max_colors=int(colours))
    preset = load_palette(name, dirs)
    if colours is not None:
        return replace(preset, max_colors=int(colours))
    if console is not None:  # the console's on-screen limit, e.g. the NES shows 25 of its 54 colours
        return replace(preset, max_colors=min(preset.max_colors, console.max_colors))
    return preset


def settings_from_spec(
    retro: Mapping[str, Any] | object, palette: Palette, dirs: Sequence[Path] | None = None
) -> RetroSettings:
    """RetroSettings for a spec `retro` block (a mapping or the model's Retro), given the shot's resolved
    palette.

    Explicit keys win over the console preset: `resolution`, then the console's, else 256x224.
    """
    console_name = _spec_value(retro, "console")
    console = load_console(console_name, dirs) if console_name else None
    resolution = _spec_value(retro, "resolution") or (console.resolution if console else (256, 224))
    dither = _spec_value(retro, "dither") or "error_diffusion"
    if dither not in SPEC_DITHERS:
        raise ValueError(f"retro dither {dither!r} is not one of {', '.join(SPEC_DITHERS)}")
    serpentine = _spec_value(retro, "serpentine")
    return RetroSettings(
        resolution=(int(resolution[0]), int(resolution[1])),
        palette=palette,
        pixel_aspect=console.pixel_aspect if console else 1.0,
        scale=int(_spec_value(retro, "pixel_size") or 1),
        scanlines=float(_spec_value(retro, "scanlines") or 0.0),
        serpentine=True if serpentine is None else bool(serpentine),
        **SPEC_DITHERS[dither],
    )


def integer_scale(native: tuple[int, int], output: tuple[int, int]) -> int:
    """Largest whole-number upscale of `native` (w, h) that fits inside `output` (w, h), at least 1."""
    return max(1, min(output[0] // native[0], output[1] // native[1]))


# -------------------------------------------------------------------------------------------------- downscale


def _area_rows(values: npt.NDArray, start: float, stop: float, count: int) -> npt.NDArray[np.floating]:
    """Mean of `values` over `count` equal intervals tiling [start, stop) along axis 0, each source row
    weighted by how much of it the interval covers. Float32 stays float32 (relative error ~1e-7, far below
    one 8-bit step, and half the memory traffic of float64); other input is averaged in float64.

    One matrix-vector product per output row over the rows it touches (BLAS reads them once, contiguously).
    """
    length = values.shape[0]
    dtype = np.result_type(values.dtype, np.float32)
    rows = np.ascontiguousarray(values, dtype=dtype).reshape(length, -1)
    edges = start + (stop - start) * np.arange(count + 1) / count
    per_source = count / (stop - start)
    out = np.empty((count, rows.shape[1]), dtype=dtype)
    for i in range(count):
        first, end = int(np.floor(edges[i])), min(length, int(np.ceil(edges[i + 1])))
        sources = np.arange(first, end)
        covered = np.minimum(edges[i + 1], sources + 1) - np.maximum(edges[i], sources)
        np.dot((covered * per_source).astype(dtype), rows[first:end], out=out[i])
    return out.reshape(count, *values.shape[1:])


def area_downscale(
    image: npt.ArrayLike, size: tuple[int, int], box: tuple[float, float, float, float] | None = None
) -> npt.NDArray[np.float64]:
    """Box-filter resample of (H, W, C) to `size` (w, h): each output pixel is the exact area mean of its
    footprint.

    `box` = (x0, y0, x1, y1) in source pixel units (fractions allowed) selects the source region; default the
    whole
    image. Average linear light, not sRGB codes, or dithered and downscaled detail comes out too dark.
    Float32 renders are averaged in float32 (a few pixels per sum: relative error ~1e-7, far below one 8-bit
    step, and half the memory traffic of float64); the result is float64.
    """
    array = np.asarray(image)
    if array.ndim != 3:
        raise ValueError(f"expected an image of shape (height, width, channels), got {array.shape}")
    height, width = array.shape[:2]
    x0, y0, x1, y1 = box if box is not None else (0.0, 0.0, float(width), float(height))
    if not (0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height):
        raise ValueError(f"box {box} must lie inside the {width}x{height} image with x0 < x1 and y0 < y1")
    # Whole rows first (contiguous in memory), then only the columns the box touches.
    top, left = int(np.floor(y0)), int(np.floor(x0))
    loaded = native.library()
    packed = array.shape[2] <= 4 and array.strides[1:] == (4 * array.shape[2], 4)
    if loaded is not None and array.dtype == np.float32 and packed:  # a float32 render, read in place
        window = array[top : int(np.ceil(y1)), left : int(np.ceil(x1))]
        return native.area_downscale(loaded, window, (x0 - left, y0 - top, x1 - left, y1 - top), size)
    rows = _area_rows(array[top : int(np.ceil(y1))], y0 - top, y1 - top, size[1])
    columns = _area_rows(rows[:, left : int(np.ceil(x1))].swapaxes(0, 1), x0 - left, x1 - left, size[0])
    return np.ascontiguousarray(columns.swapaxes(0, 1), dtype=np.float64)  # row-major for later steps


def fit_to_native(
    image: npt.NDArray, resolution: tuple[int, int], pixel_aspect: float, fit: str
) -> npt.NDArray[np.float64]:
    """Downscale to native `resolution` so the picture keeps its shape on the console's display.

    The native display aspect is width * pixel_aspect / height. crop: centre-crop the source to it;
    letterbox: fit
    the whole source and pad with black; stretch: ignore aspect.
    """
    height, width = image.shape[:2]
    native_w, native_h = resolution
    target = native_w * pixel_aspect / native_h
    source = width / height
    if fit == "stretch":
        return area_downscale(image, resolution)
    if fit == "crop":
        if source > target:
            crop = height * target
            box = ((width - crop) / 2, 0.0, (width + crop) / 2, float(height))
        else:
            crop = width / target
            box = (0.0, (height - crop) / 2, float(width), (height + crop) / 2)
        return area_downscale(image, resolution, box)
    canvas = np.zeros((native_h, native_w, image.shape[2]))
    if source > target:
        inner = (native_w, max(1, round(native_h * target / source)))
    else:
        inner = (max(1, round(native_w * source / target)), native_h)
    top, left = (native_h - inner[1]) // 2, (native_w - inner[0]) // 2
    canvas[top : top + inner[1], left : left + inner[0]] = area_downscale(image, inner)
    return canvas


# ------------------------------------------------------------------------------------------------- the frame


def quantise(native: npt.ArrayLike, settings: RetroSettings) -> npt.NDArray[np.intp]:
    """Palette indices for a native-resolution linear RGB(A) image (alpha ignored), by the settings'
    dither."""
    if settings.dither == "error_diffusion":
        return error_diffuse(
            native,
            settings.palette,
            settings.kernel,
            settings.serpentine,
            settings.lut_bits,
            settings.diffusion_metric,
            settings.gamut_mapping,
        )
    if settings.dither == "ordered":
        return ordered_dither(
            native,
            settings.palette,
            settings.matrix_size,
            settings.ordered_method,
            lut_bits=settings.lut_bits,
        )
    return nearest(native, settings.palette, settings.lut_bits)


def upscale_with_scanlines(indices: npt.NDArray[np.intp], settings: RetroSettings) -> npt.NDArray[np.uint8]:
    """Nearest-neighbour integer upscale of palette indices to sRGB pixels, darkening odd output rows if
    asked.

    Scanline rows hold palette colours times (1 - scanlines) in linear light, so with scanlines on the output
    holds the palette plus its darkened copy; with scanlines = 0 it holds palette colours only.
    """
    scale = settings.scale
    big = indices if scale == 1 else np.repeat(np.repeat(indices, scale, axis=0), scale, axis=1)
    pixels = settings.palette.srgb8.take(big, axis=0)
    if settings.scanlines > 0:
        darker = linear_to_srgb8(settings.palette.linear * (1.0 - settings.scanlines))
        pixels[1::2] = darker[big[1::2]]
    return pixels


def process_frame(linear_rgba: npt.ArrayLike, settings: RetroSettings) -> npt.NDArray[np.uint8]:
    """Linear RGB(A) float frame (H, W, 3|4) -> uint8 sRGB (native_h * scale, native_w * scale, 3).

    Alpha is dropped: Blender's render buffers are premultiplied, so this composites over black.
    """
    frame = np.asarray(linear_rgba)
    if frame.ndim != 3 or frame.shape[2] not in (3, 4) or min(frame.shape[:2]) < 1:
        raise ValueError(
            f"process_frame expects a (height, width, 3 or 4) float array, got shape {frame.shape}; "
            "reshape Blender's flat Image.pixels with .reshape(height, width, 4)"
        )
    native = fit_to_native(frame, settings.resolution, settings.pixel_aspect, settings.fit)  # alpha ignored
    return upscale_with_scanlines(quantise(native, settings), settings)


class OutputProcessor:
    """One retro output across a render: one locked palette per shot, then `process_frame` per frame.

    The render loop makes one per retro output and calls `frame(master, shot_id)` for each master frame. A
    shot's palette (adaptive, or a fixed palette cut to the console's on-screen limit) is computed from the
    first frame of that shot it sees, unless `pinned` (e.g. `palettes` saved before a resume) already has
    it; every later frame of the shot reuses it, so animation does not flicker.
    """

    def __init__(
        self,
        retro: Mapping[str, Any] | object,
        dirs: Sequence[Path] | None = None,
        seed: int = 0,
        pinned: dict[Hashable, Palette] | None = None,
    ):
        self.retro = retro
        self.dirs = dirs
        self.lock = PaletteLock(palette_preset_for(retro, dirs), seed, pinned)
        self._settings: dict[Hashable, RetroSettings] = {}

    def settings(self, shot: Hashable, sample_frames: Sequence[npt.ArrayLike] = ()) -> RetroSettings:
        if shot not in self._settings:
            palette = self.lock.palette_for(shot, sample_frames)
            self._settings[shot] = settings_from_spec(self.retro, palette, self.dirs)
        return self._settings[shot]

    def frame(self, linear_rgba: npt.ArrayLike, shot: Hashable) -> npt.NDArray[np.uint8]:
        """The retro frame (uint8 sRGB, rows in the input's order) for one master frame of `shot`."""
        return process_frame(linear_rgba, self.settings(shot, [linear_rgba]))

    @property
    def palettes(self) -> dict[Hashable, Palette]:
        return self.lock.palettes
