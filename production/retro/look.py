"""The live compositor look's numbers, decided in pure Python so they are testable without Blender.

`departments/retro.py` turns a `LiveLook` into a node group; everything here is what that group needs to know:
native size, the palette (fixed colours in linear light, or an RGB grid for adaptive palettes), the Bayer
matrix, and the artist-facing defaults. The look mirrors `ordered_dither(method="bayer")`: offset
`spread * ((M + 0.5) / n² - 0.5)` in linear light, then the nearest palette colour in linear light.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .dither import palette_spread
from .palettes import load_console
from .pipeline import SPEC_DITHERS, _spec_value, palette_preset_for

DEFAULT_NATIVE = (256, 224)


@dataclass(frozen=True)
class LiveLook:
    """What the compositor group of one retro output is built from. Inputs the artist can tweak are floats."""

    native: tuple[int, int]
    colours: tuple[tuple[float, float, float], ...]  # fixed palette in linear light; empty for adaptive
    levels: int  # adaptive palettes: steps per channel in sRGB code space (2**bits - 1)
    matrix_size: int  # Bayer matrix size 2 | 4 | 8
    spread: float  # dither amplitude: linear light for fixed palettes, sRGB code fraction for adaptive
    dither: float  # 1 = ordered dither on, 0 = nearest colour only
    scanlines: float
    crt: float  # 0 or 1: switches the CRT chain (curvature, aberration, bloom, vignette) in
    curvature: float = 0.04
    aberration: float = 0.01
    bloom: float = 0.3
    vignette: float = 0.25
    outline: float = 0.0  # 0 or 1: dark outline from a Sobel edge mask

    @property
    def adaptive(self) -> bool:
        return not self.colours


def live_look(retro: Mapping[str, Any] | object, dirs: Sequence[Path] | None = None) -> LiveLook:
    """The live look for a spec `retro` block: its console's native size, palette and ordered dither.

    Error diffusion cannot be built from compositor nodes (each pixel waits for its neighbours), so every
    dither other than `none` previews as Bayer (size from `bayer2|4|8`, else 4); the exact output still uses
    the spec's dither. A fixed palette is used whole (an on-screen limit such as the NES's 25 colours needs
    the shot's frames, which only the post-process has).
    """
    console_name = _spec_value(retro, "console")
    console = load_console(console_name, dirs) if console_name else None
    resolution = _spec_value(retro, "resolution") or (console.resolution if console else DEFAULT_NATIVE)
    dither = _spec_value(retro, "dither") or "error_diffusion"
    fields = SPEC_DITHERS.get(dither, {})
    matrix_size = int(fields.get("matrix_size", 4))
    preset = palette_preset_for(retro, dirs)
    if preset.colors is not None:
        colours = tuple(tuple(float(v) for v in c) for c in preset.colors.linear)
        levels, spread = 0, palette_spread(preset.colors)
    else:
        colours, levels = (), (1 << preset.bits_per_channel) - 1
        spread = 1.0 / levels
    return LiveLook(
        native=(int(resolution[0]), int(resolution[1])),
        colours=colours,  # type: ignore[arg-type]
        levels=levels,
        matrix_size=matrix_size,
        spread=spread,
        dither=0.0 if fields.get("dither") == "none" else 1.0,
        scanlines=float(_spec_value(retro, "scanlines") or 0.0),
        crt=1.0 if _spec_value(retro, "crt") else 0.0,
    )


def bayer_from_coordinates(
    x: npt.NDArray[np.integer], y: npt.NDArray[np.integer], size: int
) -> npt.NDArray[np.intp]:
    """Bayer rank at integer pixel (x, y) from the bits of x and y, the form the node group computes.

    M = sum over bits k of 4^(b-1-k) * (2 * (x_k xor y_k) + y_k), b = log2(size): the closed form of the
    recursion M(2n) = [[4M, 4M+2], [4M+3, 4M+1]] (the finest bit picks the coarsest sub-pattern).
    """
    bits = size.bit_length() - 1
    if size not in (2, 4, 8):
        raise ValueError(f"Bayer size must be 2, 4 or 8, got {size}")
    rank = np.zeros(np.broadcast(x, y).shape, dtype=np.intp)
    for k in range(bits):
        x_bit, y_bit = (np.asarray(x) >> k) & 1, (np.asarray(y) >> k) & 1
        rank += 4 ** (bits - 1 - k) * (2 * (x_bit ^ y_bit) + y_bit)
    return rank
