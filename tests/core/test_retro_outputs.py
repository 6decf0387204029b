"""Retro outputs of the example production: palette-exact frames at native size times the pixel size, one
palette per shot across an animation, and the live look's numbers (Bayer closed form, presets)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from backlot.production.model import Output
from backlot.production.retro import OutputProcessor, bayer_matrix, load_console, load_palette
from backlot.production.retro.look import bayer_from_coordinates, live_look
from backlot.production.spec.api import load_production

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "neon_alley"
FORMATS = ("16bit_game", "8bit_game", "gameboy", "1bit")


@pytest.fixture(scope="module")
def example_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Output]:
    """The example production with one extra output per retro format preset, loaded through the spec."""
    folder = tmp_path_factory.mktemp("example") / "neon_alley"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("output", "*.blend*"))
    spec_path = folder / "production.yaml"
    data = yaml.safe_load(spec_path.read_text())
    data["production"]["outputs"] += [{"name": f, "format": f, "path": f"output/{f}/"} for f in FORMATS]
    spec_path.write_text(yaml.safe_dump(data))
    production = load_production(spec_path).production
    assert production is not None
    return {o.name: o for o in production.outputs}


def animation(shot: int, frames: int = 3, size: tuple[int, int] = (96, 54)) -> list[np.ndarray]:
    """Linear RGBA frames of a moving gradient and a moving bright disc; shots differ in hue."""
    height, width = size[1], size[0]
    y, x = np.mgrid[0:height, 0:width] / np.array([height, width])[:, None, None]
    out = []
    for t in range(frames):
        disc = ((x - 0.2 - 0.2 * t) ** 2 + (y - 0.5) ** 2 < 0.02).astype(float)
        rgb = np.stack([x, y * (0.5 + 0.5 * shot), (1 - x) * (shot % 2)], -1) ** 2.2 + disc[..., None]
        out.append(np.concatenate([rgb, np.ones((height, width, 1))], -1).astype(np.float32))
    return out


@pytest.mark.parametrize("name", FORMATS)
def test_example_retro_outputs_hold_only_palette_colours_at_native_times_scale(
    example_outputs: dict[str, Output],
    name: str,
) -> None:
    output = example_outputs[name]
    retro = output.retro
    assert retro is not None and retro.palette is not None, "every retro format names a palette"
    preset = load_palette(retro.palette)
    if retro.resolution is None:
        assert retro.console is not None, "a retro format without a resolution takes its console's"
        native = load_console(retro.console).resolution
    else:
        native = retro.resolution
    processor = OutputProcessor(retro)
    for shot in ("1A", "1B"):
        for master in animation(int(shot == "1B")):
            frame = processor.frame(master, shot)
            assert frame.shape == (native[1] * retro.pixel_size, native[0] * retro.pixel_size, 3)
            colours = {tuple(c) for c in frame.reshape(-1, 3).tolist()}
            shot_palette = processor.palettes[shot]
            assert colours <= {tuple(c) for c in shot_palette.srgb8.tolist()}
            if preset.colors is not None:  # a fixed palette: the shot's colours come from the cited table
                assert set(shot_palette.to_hex()) <= set(preset.colors.to_hex())
            else:  # SNES: 15-bit colour, at most 256 of them
                codes = shot_palette.srgb8.astype(float)
                assert np.array_equal(codes, np.floor(np.round(codes * 31 / 255) * 255 / 31 + 0.5))
                assert len(shot_palette) <= 256


def test_adaptive_palette_is_one_per_shot_across_frames(example_outputs: dict[str, Output]) -> None:
    retro = example_outputs["16bit_game"].retro
    processor = OutputProcessor(retro)
    seen: dict[str, set[tuple[int, int, int]]] = {}
    for shot in ("1A", "1B"):
        for master in animation(int(shot == "1B"), frames=4):
            frame = processor.frame(master, shot)
            seen.setdefault(shot, set()).update((r, g, b) for r, g, b in frame.reshape(-1, 3).tolist())
    palettes = processor.palettes
    assert set(palettes) == {"1A", "1B"} and palettes["1A"] != palettes["1B"]
    for shot, colours in seen.items():  # every frame of a shot drew from that shot's single palette
        assert colours <= {tuple(c) for c in palettes[shot].srgb8.tolist()}
    resumed = OutputProcessor(retro, pinned=palettes)  # a resumed render reuses the saved palettes
    assert resumed.settings("1A").palette is palettes["1A"]


def test_nes_output_is_limited_to_the_consoles_25_colours(example_outputs: dict[str, Output]) -> None:
    processor = OutputProcessor(example_outputs["8bit_game"].retro)
    processor.frame(animation(0)[0], "1A")
    assert len(processor.palettes["1A"]) == 25  # NESdev: 25 colours on screen


@pytest.mark.parametrize("size", [2, 4, 8])
def test_bayer_closed_form_equals_the_recursion(size: int) -> None:
    y, x = np.mgrid[0 : 2 * size, 0 : 2 * size]
    expected = bayer_matrix(size)[y % size, x % size]
    assert np.array_equal(bayer_from_coordinates(x, y, size), expected)


def test_live_look_follows_the_presets() -> None:
    gameboy = live_look({"console": "gameboy", "palette": "gameboy", "dither": "bayer8"})
    assert gameboy.native == (160, 144) and len(gameboy.colours) == 4 and gameboy.matrix_size == 8
    # Game Boy greens: median nearest-neighbour step in linear light / sqrt(3), from the hex table by hand.
    greens = np.array([[0x0F, 0x38, 0x0F], [0x30, 0x62, 0x30], [0x8B, 0xAC, 0x0F], [0x9B, 0xBC, 0x0F]]) / 255
    linear = np.where(greens <= 0.04045, greens / 12.92, ((greens + 0.055) / 1.055) ** 2.4)
    gaps = np.sqrt(((linear[:, None] - linear[None]) ** 2).sum(-1)) + np.eye(4) * 9
    assert gameboy.spread == pytest.approx(np.median(gaps.min(1)) / np.sqrt(3))
    snes = live_look({"console": "snes", "palette": "snes", "dither": "floyd_steinberg", "scanlines": 0.3})
    assert snes.adaptive and snes.levels == 31 and snes.matrix_size == 4 and snes.scanlines == 0.3
    assert live_look({"palette": "1bit", "dither": "none"}).dither == 0.0
