"""Retro quantisation against Pillow on one deterministic 1920x1080 frame: speed and blurred OKLab error.

Run: python benchmarks/retro_vs_pillow.py [--palette pico8] [--console snes] [--repeats 9]
The frame is linear float RGBA (what Blender's render buffer holds). Pillow is timed three ways: from the
same frame already encoded to 8-bit sRGB (its C path alone: resize + `quantize(palette, FLOYDSTEINBERG)`),
and from the float frame (encode everything first; or the fastest route: per-channel float box resize, then
encode the small image). Backlot's `process_frame` starts from the float frame, with the compiled kernels
(native/, `make native`) and with them switched off (the numpy fallback). Every method is run
`--repeats` times, interleaved, and its best wall time kept. Quality: result and reference (the linear-light
area average of the source) are blurred (gaussian sigma 1.5 px, in linear light) and compared in OKLab:
mean and 99th percentile of the per-pixel distance.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import run  # noqa: E402

run.import_package()

from backlot.production.image import colour_space  # noqa: E402
from backlot.production.retro import load_console, load_palette  # noqa: E402
from backlot.production.retro import native as compiled  # noqa: E402
from backlot.production.retro.gamut import gamut_map  # noqa: E402
from backlot.production.retro.palettes import nearest_colour_lut  # noqa: E402
from backlot.production.retro.pipeline import RetroSettings, fit_to_native, process_frame  # noqa: E402


def synthetic_frame(width: int = 1920, height: int = 1080, seed: int = 7) -> np.ndarray:
    """Linear RGBA float32: hue and lightness ramps, flat and soft shapes, film-grain noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    u, v = x / width, y / height
    hue = 2 * np.pi * u
    srgb = np.stack(
        [0.5 + 0.5 * np.cos(hue), 0.5 + 0.5 * np.cos(hue - 2.1), 0.5 + 0.5 * np.cos(hue + 2.1)], -1
    )
    srgb *= (1.0 - v)[..., None] ** 0.7
    linear = colour_space.srgb_to_linear(srgb)
    for cx, cy, r, colour in ((0.25, 0.5, 0.18, (0.8, 0.1, 0.05)), (0.7, 0.35, 0.12, (0.02, 0.3, 0.9))):
        inside = (u - cx) ** 2 * (width / height) ** 2 + (v - cy) ** 2 < r**2
        linear[inside] = colour
    box = (u > 0.45) & (u < 0.6) & (v > 0.6) & (v < 0.9)
    linear[box] = np.linspace(0.0, 1.0, width)[None, :, None].repeat(height, 0)[box]  # grey ramp
    glow = np.exp(-(((u - 0.85) ** 2 + (v - 0.75) ** 2) / 0.01))[..., None] * np.array([1.0, 0.8, 0.3])
    linear = np.clip(linear + glow + rng.normal(0.0, 0.015, linear.shape), 0.0, None)
    return np.concatenate([linear, np.ones((height, width, 1))], -1).astype(np.float32)


_ENCODE_TABLE = np.floor(colour_space.linear_to_srgb(np.arange(4096) / 4095) * 255 + 0.5).astype(np.uint8)


def encode_srgb8(linear: np.ndarray) -> np.ndarray:
    """The fast way a Pillow pipeline gets 8-bit sRGB from a float buffer: clip, 12-bit index, table."""
    return _ENCODE_TABLE[(np.clip(linear[..., :3], 0.0, 1.0) * 4095.0 + 0.5).astype(np.uint16)]


def gaussian_blur(image: np.ndarray, sigma: float = 1.5) -> np.ndarray:
    radius = int(np.ceil(3 * sigma))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps /= taps.sum()
    out = image.astype(np.float64)
    for axis in (0, 1):
        padded = np.pad(out, [(radius, radius) if a == axis else (0, 0) for a in range(3)], mode="reflect")
        length = out.shape[axis]
        out = sum(w * np.take(padded, np.arange(i, i + length), axis=axis) for i, w in enumerate(taps))
    return out


def blurred_delta_e(reference_linear: np.ndarray, result_srgb8: np.ndarray) -> tuple[float, float]:
    result_linear = colour_space.srgb_to_linear(result_srgb8 / 255.0)
    a = colour_space.linear_srgb_to_oklab(gaussian_blur(np.clip(reference_linear, 0.0, 1.0)))
    b = colour_space.linear_srgb_to_oklab(gaussian_blur(result_linear))
    delta = np.sqrt(((a - b) ** 2).sum(-1))
    return float(delta.mean()), float(np.percentile(delta, 99))


SPEC_DEFAULT = "Backlot FS serpentine (spec default)"
NUMPY_SERPENTINE = "Backlot FS serpentine, numpy fallback"
NUMPY_RASTER = "Backlot FS raster, numpy fallback"


def numpy_only(run: Callable[[], np.ndarray]) -> Callable[[], np.ndarray]:
    """`run` with the compiled kernels switched off (the fallback when a platform has none)."""

    def forced() -> np.ndarray:
        with mock.patch.dict(os.environ, {compiled.FORCE_NUMPY_VARIABLE: "1"}):
            return run()

    return forced


def best_times(
    runs: dict[str, Callable[[], np.ndarray]], repeats: int
) -> dict[str, tuple[float, np.ndarray]]:
    """Best wall time of each run over `repeats` rounds, interleaved so machine load hits all runs alike."""
    best: dict[str, tuple[float, np.ndarray]] = {}
    for _ in range(repeats):
        for name, one_run in runs.items():
            start = time.perf_counter()
            result = one_run()
            elapsed = time.perf_counter() - start
            if name not in best or elapsed < best[name][0]:
                best[name] = (elapsed, result)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--palette", default="pico8")
    parser.add_argument("--console", default="snes", help="native resolution and pixel aspect")
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    palette = load_palette(args.palette).colors
    if palette is None:
        raise SystemExit(f"palette {args.palette!r} is adaptive; pick a fixed palette for this comparison")
    console = load_console(args.console)
    frame = synthetic_frame()
    height, width = frame.shape[:2]
    pillow_palette = Image.new("P", (1, 1))
    pillow_palette.putpalette(palette.srgb8.ravel().tolist())
    build_start = time.perf_counter()
    for metric in ("linear", "oklab"):
        nearest_colour_lut(palette, metric)  # built once per palette (per shot), not per frame
    mapping = gamut_map(palette)
    loaded = compiled.library()
    print(
        f"compiled kernels: {compiled.library_path() if loaded else 'not loaded (numpy only; make native)'}"
    )
    print(
        f"palette {args.palette} ({len(palette)} colours); per-palette tables (LUTs + gamut map) "
        f"{time.perf_counter() - build_start:.2f} s, once per shot"
    )

    native = console.resolution
    settings = RetroSettings(
        resolution=native, palette=palette, pixel_aspect=console.pixel_aspect, serpentine=True
    )
    target = native[0] * console.pixel_aspect / native[1]
    crop = height * target
    box = ((width - crop) / 2, 0.0, (width + crop) / 2, float(height))
    reference_native = fit_to_native(frame[..., :3], native, console.pixel_aspect, "crop")
    srgb8 = encode_srgb8(frame)
    source = Image.fromarray(srgb8)

    def pillow_quantize(image: Image.Image) -> np.ndarray:
        return np.asarray(
            image.quantize(palette=pillow_palette, dither=Image.Dither.FLOYDSTEINBERG).convert("RGB")
        )

    def pillow_from_float() -> np.ndarray:
        """The fastest Pillow route from the float buffer: per-channel float ("F") box resize in linear light,
        then the 8-bit encode of the small image only."""
        channels = [
            np.asarray(
                Image.fromarray(np.ascontiguousarray(frame[..., c])).resize(
                    native, Image.Resampling.BOX, box=box
                )
            )
            for c in range(3)
        ]
        return pillow_quantize(Image.fromarray(encode_srgb8(np.stack(channels, -1))))

    def variant(overrides: dict[str, Any]) -> Callable[[], np.ndarray]:
        return lambda: process_frame(frame, replace(settings, **overrides))

    variants: dict[str, dict[str, Any]] = {
        "Backlot FS raster": {"serpentine": False},
        "Backlot FS serpentine, OKLab choice": {"diffusion_metric": "oklab"},
        "Backlot FS serpentine, no gamut map": {"gamut_mapping": False},
    }
    native_runs: dict[str, Callable[[], np.ndarray]] = {
        "Pillow FS (8-bit frame: resize+quantize)": lambda: pillow_quantize(
            source.resize(native, Image.Resampling.BOX, box=box)
        ),
        "Pillow FS (float frame: encode all first)": lambda: pillow_quantize(
            Image.fromarray(encode_srgb8(frame)).resize(native, Image.Resampling.BOX, box=box)
        ),
        "Pillow FS (float frame: F resize, encode)": pillow_from_float,
        SPEC_DEFAULT: lambda: process_frame(frame, settings),
        **{label: variant(overrides) for label, overrides in variants.items()},
        NUMPY_SERPENTINE: numpy_only(lambda: process_frame(frame, settings)),
        NUMPY_RASTER: numpy_only(lambda: process_frame(frame, replace(settings, serpentine=False))),
    }
    full = RetroSettings(resolution=(width, height), palette=palette, fit="stretch")
    full_runs: dict[str, Callable[[], np.ndarray]] = {
        "Pillow FS (8-bit frame: quantize)": lambda: pillow_quantize(source),
        "Pillow FS (float frame: encode+quantize)": lambda: pillow_quantize(
            Image.fromarray(encode_srgb8(frame))
        ),
        SPEC_DEFAULT: lambda: process_frame(frame, full),
        NUMPY_RASTER: numpy_only(lambda: process_frame(frame, replace(full, serpentine=False))),
    }
    print(
        f"\nframe {width}x{height} float32 linear; native {native[0]}x{native[1]} ({args.console}, crop); "
        f"gamut map {'on' if mapping is not None else 'off (palette too large)'}; best of {args.repeats}"
    )
    print(f"{'path':6} {'method':42} {'ms':>8} {'dE mean':>8} {'dE p99':>8}")
    summary = {}
    for path, runs, reference, repeats in (
        ("native", native_runs, reference_native, args.repeats),
        ("full", full_runs, frame[..., :3], max(1, args.repeats // 3)),
    ):
        for label, (elapsed, out) in best_times(runs, repeats).items():
            mean, p99 = blurred_delta_e(reference, out)
            summary[(path, label)] = (elapsed, mean, p99)
            print(f"{path:6} {label:42} {elapsed * 1e3:8.1f} {mean:8.4f} {p99:8.4f}")
    for path, pillow_8bit, pillow_float in (
        ("native", "Pillow FS (8-bit frame: resize+quantize)", "Pillow FS (float frame: F resize, encode)"),
        ("full", "Pillow FS (8-bit frame: quantize)", "Pillow FS (float frame: encode+quantize)"),
    ):
        ours, fallback = summary[(path, SPEC_DEFAULT)], summary[(path, NUMPY_RASTER)]
        base, from_float = summary[(path, pillow_8bit)], summary[(path, pillow_float)]
        print(
            f"{path}: Backlot/Pillow time {ours[0] / base[0]:.2f}x of the 8-bit path, "
            f"{ours[0] / from_float[0]:.2f}x of the float path "
            f"(numpy fallback {fallback[0] / base[0]:.2f}x); "
            f"dE mean {ours[1] / base[1]:.2f}x, p99 {ours[2] / base[2]:.2f}x "
            f"(vs the float path {ours[1] / from_float[1]:.2f}x / {ours[2] / from_float[2]:.2f}x)"
        )


if __name__ == "__main__":
    main()
