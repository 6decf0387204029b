"""Retro quantisation against Pillow on one deterministic 1920x1080 frame: speed and blurred OKLab error.

Run: python benchmarks/retro_vs_pillow.py [--palette pico8] [--repeats 3]
Both sides start from the same linear float frame (what Blender's render buffer holds). Pillow needs 8-bit
sRGB, so
its path includes an encode (a fast 4096-entry table, timed separately) and then resizes/quantises sRGB codes.
Quality: both results and the reference are blurred (gaussian sigma 1.5 px, linear light) and compared in
OKLab.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
if "backlot" not in sys.modules:
    spec = importlib.util.spec_from_file_location(
        "backlot", ROOT / "__init__.py", submodule_search_locations=[str(ROOT)]
    )
    assert spec is not None and spec.loader is not None
    sys.modules["backlot"] = module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

from backlot.production.retro import colour_space, load_console, load_palette  # noqa: E402
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


def best_time(run: Callable[[], object], repeats: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--palette", default="pico8")
    parser.add_argument("--console", default="snes", help="native resolution and pixel aspect")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    palette = load_palette(args.palette).colors
    if palette is None:
        raise SystemExit(f"palette {args.palette!r} is adaptive; pick a fixed palette for this comparison")
    console = load_console(args.console)
    frame = synthetic_frame()
    height, width = frame.shape[:2]
    pillow_palette = Image.new("P", (1, 1))
    pillow_palette.putpalette(palette.srgb8.ravel().tolist())
    nearest_colour_lut(palette)  # built once per palette (per shot), not per frame
    lut_start = time.perf_counter()
    nearest_colour_lut(palette, "oklab", 7)
    print(
        f"palette {args.palette} ({len(palette)} colours); "
        f"2^7-cell LUT build {time.perf_counter() - lut_start:.2f} s"
    )

    native = console.resolution
    settings = RetroSettings(
        resolution=native, palette=palette, pixel_aspect=console.pixel_aspect, serpentine=False
    )
    target = native[0] * console.pixel_aspect / native[1]
    crop = height * target
    box = ((width - crop) / 2, 0.0, (width + crop) / 2, float(height))
    reference_native = fit_to_native(frame[..., :3], native, console.pixel_aspect, "crop")

    t_encode, srgb8 = best_time(lambda: encode_srgb8(frame), args.repeats)
    source = Image.fromarray(srgb8)

    def pillow_native() -> np.ndarray:
        small = source.resize(native, Image.Resampling.BOX, box=box)
        return np.asarray(
            small.quantize(palette=pillow_palette, dither=Image.Dither.FLOYDSTEINBERG).convert("RGB")
        )

    def pillow_full() -> np.ndarray:
        return np.asarray(
            source.quantize(palette=pillow_palette, dither=Image.Dither.FLOYDSTEINBERG).convert("RGB")
        )

    rows = []
    t_pn, out_pn = best_time(pillow_native, args.repeats)
    rows.append(
        ("native", "Pillow FS (sRGB resize+quantize)", t_pn, t_pn + t_encode, out_pn, reference_native)
    )
    for label, serp in (("Backlot FS raster (wavefront)", False), ("Backlot FS serpentine", True)):
        s = RetroSettings(**{**settings.__dict__, "serpentine": serp})
        t, out = best_time(lambda s=s: process_frame(frame, s), args.repeats)
        rows.append(("native", label, t, t, out, reference_native))
    t_pf, out_pf = best_time(pillow_full, 1)
    rows.append(("full", "Pillow FS (sRGB quantize)", t_pf, t_pf + t_encode, out_pf, frame[..., :3]))
    full = RetroSettings(resolution=(width, height), palette=palette, fit="stretch", serpentine=False)
    t_bf, out_bf = best_time(lambda: process_frame(frame, full), 1)
    rows.append(("full", "Backlot FS raster (wavefront)", t_bf, t_bf, out_bf, frame[..., :3]))

    print(
        f"\nframe {width}x{height} float32 linear; native {native[0]}x{native[1]} ({args.console}, crop); "
        f"Pillow's sRGB encode {t_encode * 1e3:.1f} ms"
    )
    print(f"{'path':6} {'method':34} {'ms':>8} {'ms+enc':>8} {'dE mean':>8} {'dE p99':>8}")
    stats = {}
    for path, label, t, t_total, out, ref in rows:
        mean, p99 = blurred_delta_e(ref, out)
        stats[(path, label.split()[0])] = stats.get((path, label.split()[0])) or (t, t_total, mean, p99)
        print(f"{path:6} {label:34} {t * 1e3:8.1f} {t_total * 1e3:8.1f} {mean:8.4f} {p99:8.4f}")
    for path in ("native", "full"):
        p_t, p_total, p_mean, p_p99 = stats[(path, "Pillow")]
        b_t, _, b_mean, b_p99 = stats[(path, "Backlot")]
        print(
            f"{path}: Backlot/Pillow time {b_t / p_t:.2f}x (vs Pillow incl. encode {b_t / p_total:.2f}x), "
            f"dE mean {b_mean / p_mean:.2f}x, dE p99 {b_p99 / p_p99:.2f}x"
        )


if __name__ == "__main__":
    main()
