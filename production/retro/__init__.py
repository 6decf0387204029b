"""Retro graphics maths (pure numpy): palettes, OKLab, dithering and the exact per-frame post-process.

The Blender side (compositor node group, output wiring) lives in `departments/retro.py`.
"""

from __future__ import annotations

from ..image.colour_space import linear_srgb_to_oklab, linear_to_srgb, oklab_to_linear_srgb, srgb_to_linear
from .dither import KERNELS, bayer_matrix, error_diffuse, nearest, ordered_dither
from .palettes import (
    ConsolePreset,
    NearestColourLUT,
    Palette,
    PaletteLock,
    PalettePreset,
    PresetError,
    adaptive_palette,
    load_console,
    load_palette,
    nearest_colour_lut,
    preset_dirs,
    restrict_palette,
)
from .pipeline import (
    OutputProcessor,
    RetroSettings,
    area_downscale,
    integer_scale,
    process_frame,
    settings_for_console,
    settings_from_spec,
)

__all__ = [
    "KERNELS",
    "ConsolePreset",
    "NearestColourLUT",
    "OutputProcessor",
    "Palette",
    "PaletteLock",
    "PalettePreset",
    "PresetError",
    "RetroSettings",
    "adaptive_palette",
    "area_downscale",
    "bayer_matrix",
    "error_diffuse",
    "integer_scale",
    "linear_srgb_to_oklab",
    "linear_to_srgb",
    "load_console",
    "load_palette",
    "nearest",
    "nearest_colour_lut",
    "oklab_to_linear_srgb",
    "ordered_dither",
    "preset_dirs",
    "process_frame",
    "restrict_palette",
    "settings_for_console",
    "settings_from_spec",
    "srgb_to_linear",
]
