"""Palettes for the retro look: YAML presets, nearest-colour lookup tables, adaptive (k-means) palettes, shot
locks.

A palette is a list of 8-bit sRGB colours, because that is what the output file holds and what the historical
tables
give. All maths on it happens in linear light (mixing) and OKLab (choosing).
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import yaml

from ..image.colour_space import (
    linear_srgb_to_oklab,
    linear_to_srgb,
    linear_to_srgb8,
    oklab_to_linear_srgb,
    srgb_to_linear,
)

PROJECT_PRESETS = Path(__file__).resolve().parents[2] / "presets"
_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
# Linear values are first quantised to this many steps for the table-driven sRGB binning (resolution 1.5e-5).
LINEAR_STEPS = 65535
_RGB = np.arange(3)
CHANNEL_OFFSETS = np.arange(3, dtype=np.intp) * (LINEAR_STEPS + 1)  # red, green, blue in `flat_codes`


class PresetError(ValueError):
    """A preset is missing or malformed; the message says which file, which key and how to fix it."""


@dataclass(frozen=True, eq=False)
class Palette:
    """An ordered set of distinct 8-bit sRGB colours."""

    srgb8: npt.NDArray[np.uint8]
    name: str = ""

    def __post_init__(self) -> None:
        colours = np.ascontiguousarray(np.asarray(self.srgb8, dtype=np.uint8).reshape(-1, 3))
        if len(colours) == 0:
            raise ValueError(f"palette {self.name!r} has no colours; give at least one '#rrggbb' colour")
        _, first = np.unique(colours, axis=0, return_index=True)
        colours = colours[np.sort(first)]  # drop repeats, keep first occurrence order
        colours.setflags(write=False)
        object.__setattr__(self, "srgb8", colours)

    def __len__(self) -> int:
        return len(self.srgb8)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Palette) and np.array_equal(self.srgb8, other.srgb8)

    def __hash__(self) -> int:
        return hash(self.srgb8.tobytes())

    @classmethod
    def from_hex(cls, colours: Iterable[str], name: str = "") -> Palette:
        return cls(np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in colours], np.uint8), name)

    def to_hex(self) -> list[str]:
        return ["#{:02x}{:02x}{:02x}".format(*c) for c in self.srgb8.tolist()]

    @functools.cached_property
    def linear(self) -> npt.NDArray[np.float64]:
        # colour_space types its results as any float array; they are float64 (it converts its inputs)
        return cast("npt.NDArray[np.float64]", srgb_to_linear(self.srgb8 / 255.0))

    @functools.cached_property
    def oklab(self) -> npt.NDArray[np.float64]:
        return cast("npt.NDArray[np.float64]", linear_srgb_to_oklab(self.linear))


@dataclass(frozen=True)
class PalettePreset:
    """A palette preset: fixed colours, or an adaptive budget (`max_colors` from a `bits_per_channel` RGB
    space)."""

    name: str
    colors: Palette | None
    bits_per_channel: int = 8
    max_colors: int = 256
    description: str = ""
    source: str = ""

    @property
    def adaptive(self) -> bool:
        return self.colors is None


@dataclass(frozen=True)
class ConsolePreset:
    """Native display of a console: storage resolution, pixel aspect (width/height of one pixel), palette."""

    name: str
    resolution: tuple[int, int]
    pixel_aspect: float
    palette: str
    max_colors: int
    description: str = ""
    source: str = ""


# --------------------------------------------------------------------------------------------------- preset f


def preset_dirs(user_dirs: Sequence[str | Path] = ()) -> list[Path]:
    """Folders searched for presets: the project's own `presets/` first, then user folders in the given
    order."""
    return [PROJECT_PRESETS, *(Path(d) for d in user_dirs)]


def _read_preset(kind: str, name: str, dirs: Sequence[Path]) -> tuple[dict[str, Any], Path]:
    for folder in dirs:
        path = Path(folder) / kind / f"{name}.yaml"
        if path.is_file():
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
            except yaml.YAMLError as exc:
                raise PresetError(
                    f"{path}: not valid YAML ({exc}); fix the syntax at the position shown"
                ) from exc
            if not isinstance(data, dict):
                raise PresetError(
                    f"{path}: a {kind} preset must be a mapping of keys, got {type(data).__name__}"
                )
            return data, path
    known = sorted({p.stem for folder in dirs for p in (Path(folder) / kind).glob("*.yaml")})
    close = difflib.get_close_matches(name, known, n=3)
    hint = f"did you mean {', '.join(close)}?" if close else f"known {kind}: {', '.join(known) or 'none'}"
    raise PresetError(f"unknown {kind} preset {name!r} (searched {', '.join(map(str, dirs))}); {hint}")


def _int_key(data: dict[str, Any], key: str, path: Path, low: int, high: int, default: int) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise PresetError(f"{path}: `{key}` must be a whole number from {low} to {high}, got {value!r}")
    return value


def load_palette(name: str, dirs: Sequence[Path] | None = None) -> PalettePreset:
    """Load `presets/palettes/<name>.yaml` from the first folder of `dirs` (default: project presets) that
    has it."""
    data, path = _read_preset("palettes", name, dirs or preset_dirs())
    colours = data.get("colors")
    palette = None
    if colours is not None:
        if not isinstance(colours, list) or not colours:
            raise PresetError(f"{path}: `colors` must be a non-empty list of '#rrggbb' strings")
        for i, colour in enumerate(colours):
            if not isinstance(colour, str) or not _HEX_COLOUR.match(colour):
                raise PresetError(f"{path}: colors[{i}] = {colour!r} is not a colour; write it as '#rrggbb'")
        palette = Palette.from_hex(colours, name)
    elif "bits_per_channel" not in data or "max_colors" not in data:
        raise PresetError(
            f"{path}: give either `colors` (a fixed palette) or both `bits_per_channel` and `max_colors` "
            "(an adaptive palette)"
        )
    return PalettePreset(
        name=name,
        colors=palette,
        bits_per_channel=_int_key(data, "bits_per_channel", path, 1, 8, 8),
        max_colors=_int_key(data, "max_colors", path, 1, 256, len(palette) if palette else 256),
        description=str(data.get("description", "")),
        source=str(data.get("source", "")),
    )


def load_console(name: str, dirs: Sequence[Path] | None = None) -> ConsolePreset:
    """Load `presets/consoles/<name>.yaml` (native resolution, pixel aspect, palette name, colour budget)."""
    data, path = _read_preset("consoles", name, dirs or preset_dirs())
    resolution = data.get("resolution")
    if (
        not isinstance(resolution, list)
        or len(resolution) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 8192 for v in resolution)
    ):
        raise PresetError(f"{path}: `resolution` must be [width, height] in whole pixels, got {resolution!r}")
    aspect = data.get("pixel_aspect", 1.0)
    if isinstance(aspect, bool) or not isinstance(aspect, int | float) or not 0.1 <= aspect <= 10:
        raise PresetError(f"{path}: `pixel_aspect` must be a number from 0.1 to 10 (pixel width/height)")
    palette = data.get("palette")
    if not isinstance(palette, str):
        raise PresetError(f"{path}: `palette` must name a palette preset, e.g. `palette: nes`")
    return ConsolePreset(
        name=name,
        resolution=(resolution[0], resolution[1]),
        pixel_aspect=float(aspect),
        palette=palette,
        max_colors=_int_key(data, "max_colors", path, 1, 256, 256),
        description=str(data.get("description", "")),
        source=str(data.get("source", "")),
    )


# --------------------------------------------------------------------------------------------- nearest colour


@dataclass(frozen=True, eq=False)
class NearestColourLUT:
    """Nearest palette colour for any linear RGB, through a table over sRGB-quantised input.

    The sRGB cube is cut into `2**bits` cells per channel; each cell holds the palette colour nearest (in
    `metric`
    space: "oklab" or "linear") to the cell's centre, and each palette colour's own cell holds that colour, so
    exact palette colours always map to themselves. Linear input reaches its cell through a 1-D table of
    `LINEAR_STEPS + 1` entries, so no power function runs per pixel.
    """

    palette: Palette
    metric: str = "oklab"
    bits: int = 6
    table: npt.NDArray[np.intp] = field(init=False, repr=False)
    channel_codes: npt.NDArray[np.intp] = field(init=False, repr=False)  # (LINEAR_STEPS + 1, 3)
    # The three columns of channel_codes end to end, so one `take` of steps + CHANNEL_OFFSETS codes all three.
    flat_codes: npt.NDArray[np.intp] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.metric not in ("oklab", "linear"):
            raise ValueError(f"metric must be 'oklab' or 'linear', got {self.metric!r}")
        cells = 1 << self.bits
        steps = np.arange(LINEAR_STEPS + 1) / LINEAR_STEPS
        bins = np.minimum((linear_to_srgb(steps) * cells).astype(np.intp), cells - 1)
        codes = bins[:, None] * np.array([cells * cells, cells, 1], dtype=np.intp)
        centres_srgb = (np.arange(cells) + 0.5) / cells
        grid = np.stack(np.meshgrid(centres_srgb, centres_srgb, centres_srgb, indexing="ij"), -1).reshape(
            -1, 3
        )
        table = self._nearest(cast("npt.NDArray[np.float64]", srgb_to_linear(grid)))
        own_cells = self._codes_of(np.clip(self.palette.linear, 0.0, 1.0), codes)
        table[own_cells] = np.arange(len(self.palette))
        object.__setattr__(self, "channel_codes", codes)
        object.__setattr__(self, "flat_codes", np.ascontiguousarray(codes.T).ravel())
        object.__setattr__(self, "table", table)

    def _space(self, linear: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        return (
            cast("npt.NDArray[np.float64]", linear_srgb_to_oklab(linear))
            if self.metric == "oklab"
            else linear
        )

    def _nearest(self, linear: npt.NDArray[np.float64], chunk: int = 32768) -> npt.NDArray[np.intp]:
        """Exact nearest palette index by Euclidean distance in the metric space (argmin |p|^2 - 2 c.p)."""
        palette = self._space(self.palette.linear)
        norms = (palette**2).sum(axis=1)
        points = self._space(np.asarray(linear, dtype=np.float64).reshape(-1, 3))
        out = np.empty(len(points), dtype=np.intp)
        for start in range(0, len(points), chunk):
            block = points[start : start + chunk]
            out[start : start + chunk] = np.argmin(norms - 2.0 * block @ palette.T, axis=1)
        return out

    @staticmethod
    def _codes_of(clipped: npt.NDArray[np.float64], codes: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
        steps = (clipped * float(LINEAR_STEPS)).astype(np.intp)
        return codes[steps, _RGB].sum(axis=-1)

    def lookup(self, linear: npt.ArrayLike) -> npt.NDArray[np.intp]:
        """Palette indices (...) for linear RGB (..., 3); values are clipped to [0, 1] first."""
        return self.lookup_clipped(np.clip(np.asarray(linear, dtype=np.float64), 0.0, 1.0))

    def lookup_clipped(self, clipped: npt.NDArray[np.float64]) -> npt.NDArray[np.intp]:
        """`lookup` for values the caller already clipped to [0, 1] (saves a pass in the hot loops)."""
        return self.table.take(self.cells(clipped))

    def cells(self, clipped: npt.NDArray[np.float64]) -> npt.NDArray[np.intp]:
        """Table cell (...) of each clipped linear colour (..., 3): its sRGB bin per channel, packed."""
        steps = (clipped * float(LINEAR_STEPS)).astype(np.intp)
        steps += CHANNEL_OFFSETS
        codes = self.flat_codes.take(steps)
        return codes[..., 0] + codes[..., 1] + codes[..., 2]

    def exact(self, linear: npt.ArrayLike) -> npt.NDArray[np.intp]:
        """Palette indices by full distance computation: the reference the table approximates."""
        values = np.clip(np.asarray(linear, dtype=np.float64), 0.0, 1.0)
        return self._nearest(values).reshape(values.shape[:-1])


def nearest_colour_lut(palette: Palette, metric: str = "oklab", bits: int = 6) -> NearestColourLUT:
    """Cached table per palette: a locked shot palette builds its table once."""
    return _cached_lut(palette, metric, bits)


@functools.lru_cache(maxsize=16)
def _cached_lut(palette: Palette, metric: str, bits: int) -> NearestColourLUT:
    return NearestColourLUT(palette, metric, bits)


# ------------------------------------------------------------------------------------------------ adaptive pa


def _sample_pixels(frames: Sequence[npt.ArrayLike], samples: int, rng: np.random.Generator) -> npt.NDArray:
    per_frame = max(1, samples // max(1, len(frames)))
    picked = []
    for frame in frames:
        pixels = np.asarray(frame, dtype=np.float64)[..., :3].reshape(-1, 3)
        if len(pixels) > per_frame:
            pixels = pixels[np.sort(rng.choice(len(pixels), per_frame, replace=False))]
        picked.append(pixels)
    if not picked:
        raise ValueError("adaptive palette needs at least one sample frame")
    return np.clip(np.concatenate(picked), 0.0, 1.0)


def _kmeans(points: npt.NDArray, k: int, rng: np.random.Generator, iterations: int) -> npt.NDArray:
    """Lloyd's k-means with k-means++ seeding; empty clusters restart at the worst-served point."""
    centres = [points[rng.integers(len(points))]]
    closest = ((points - centres[0]) ** 2).sum(axis=1)
    for _ in range(1, k):
        total = closest.sum()
        if total <= 0:
            break  # fewer distinct colours than k
        centres.append(points[rng.choice(len(points), p=closest / total)])
        closest = np.minimum(closest, ((points - centres[-1]) ** 2).sum(axis=1))
    centre_array = np.array(centres)
    labels = np.full(len(points), -1)
    for _ in range(iterations):
        distances = (centre_array**2).sum(axis=1) - 2.0 * points @ centre_array.T
        new_labels = np.argmin(distances, axis=1)
        if np.array_equal(new_labels, labels):
            break
        labels = new_labels
        counts = np.bincount(labels, minlength=len(centre_array))
        for axis in range(3):
            sums = np.bincount(labels, weights=points[:, axis], minlength=len(centre_array))
            centre_array[:, axis] = np.where(counts > 0, sums / np.maximum(counts, 1), centre_array[:, axis])
        for empty in np.flatnonzero(counts == 0):
            worst = np.argmax(((points - centre_array[labels]) ** 2).sum(axis=1))
            centre_array[empty] = points[worst]
    return centre_array


def quantise_channels(srgb8: npt.NDArray[np.uint8], bits: int) -> npt.NDArray[np.uint8]:
    """Snap 8-bit sRGB to a `bits`-per-channel RGB space (e.g. 5 for the SNES's 15-bit colour), expanded to 8
    bits.

    Expansion is round(code * 255 / (2**bits - 1)), which for 5 bits equals the hardware-style (c << 3) | (c
    >> 2).
    """
    levels = (1 << bits) - 1
    codes = np.floor(srgb8.astype(np.float64) * levels / 255.0 + 0.5)
    return np.floor(codes * 255.0 / levels + 0.5).astype(np.uint8)


def adaptive_palette(
    frames: Sequence[npt.ArrayLike],
    n: int,
    seed: int = 0,
    bits_per_channel: int = 8,
    samples: int = 65536,
    iterations: int = 30,
) -> Palette:
    """N colours for linear RGB(A) frames: k-means in OKLab on a deterministic sample, snapped to the RGB
    space.

    Same frames + same seed give the same palette. Colours are sorted by OKLab lightness. Snapping to few
    bits may
    merge colours, so the result can hold fewer than `n`.
    """
    if not 1 <= n <= 256:
        raise ValueError(f"adaptive palette size must be 1..256, got {n}")
    rng = np.random.default_rng(seed)
    lab = linear_srgb_to_oklab(_sample_pixels(frames, samples, rng))
    centres = _kmeans(lab, min(n, len(lab)), rng, iterations)
    centres = centres[np.argsort(centres[:, 0], kind="stable")]
    srgb8 = linear_to_srgb8(oklab_to_linear_srgb(centres))
    return Palette(quantise_channels(srgb8, bits_per_channel), name=f"adaptive{n}")


def restrict_palette(
    palette: Palette, frames: Sequence[npt.ArrayLike], n: int, samples: int = 65536
) -> Palette:
    """The `n` colours of a fixed palette that the frames use most (nearest-colour counts), in palette order.

    Models on-screen limits such as the NES's 25 colours out of its 54.
    """
    if n >= len(palette):
        return palette
    pixels = _sample_pixels(frames, samples, np.random.default_rng(0))
    counts = np.bincount(nearest_colour_lut(palette).lookup(pixels), minlength=len(palette))
    keep = np.sort(np.argsort(-counts, kind="stable")[:n])
    return Palette(palette.srgb8[keep], name=f"{palette.name}[{n}]")


class PaletteLock:
    """One palette per shot: computed from the shot's sample frames on first use, then reused for every frame.

    Keeps adaptive palettes from flickering. `pinned` restores palettes saved earlier (e.g. on resume).
    """

    def __init__(self, preset: PalettePreset, seed: int = 0, pinned: dict[Hashable, Palette] | None = None):
        self.preset = preset
        self.seed = seed
        self._palettes: dict[Hashable, Palette] = dict(pinned or {})

    def palette_for(self, shot: Hashable, sample_frames: Sequence[npt.ArrayLike] = ()) -> Palette:
        """The shot's palette; `sample_frames` are only read the first time the shot is seen."""
        if shot not in self._palettes:
            self._palettes[shot] = self._compute(sample_frames)
        return self._palettes[shot]

    def _compute(self, frames: Sequence[npt.ArrayLike]) -> Palette:
        colours = self.preset.colors
        if colours is not None:
            return (
                colours
                if self.preset.max_colors >= len(colours)
                else restrict_palette(colours, frames, self.preset.max_colors)
            )
        return adaptive_palette(frames, self.preset.max_colors, self.seed, self.preset.bits_per_channel)

    @property
    def palettes(self) -> dict[Hashable, Palette]:
        return dict(self._palettes)
