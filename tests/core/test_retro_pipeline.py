"""Presets, adaptive palettes locked per shot, area downscale and the whole frame post-process."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from backlot.production.image import colour_space
from backlot.production.retro import palettes, pipeline
from backlot.production.retro.palettes import Palette, PaletteLock, PresetError, load_console, load_palette

PRESETS = Path(__file__).resolve().parents[2] / "presets"


def test_every_palette_and_console_preset_loads_with_a_source() -> None:
    for path in sorted((PRESETS / "palettes").glob("*.yaml")):
        preset = load_palette(path.stem)
        assert preset.source and preset.description, path
    for path in sorted((PRESETS / "consoles").glob("*.yaml")):
        console = load_console(path.stem)
        load_palette(console.palette)
        assert console.source, path


def test_cited_palette_tables() -> None:
    pico8 = load_palette("pico8").colors
    assert pico8 is not None and pico8.to_hex()[:4] == ["#000000", "#1d2b53", "#7e2553", "#008751"]
    c64 = load_palette("c64").colors  # Pepto: red $68372b, light blue $6c5eb5
    assert c64 is not None and c64.to_hex()[2] == "#68372b" and c64.to_hex()[14] == "#6c5eb5"
    nes = load_palette("nes").colors
    assert nes is not None and len(nes) == 54 and nes.to_hex()[:2] == ["#545454", "#001e74"]
    assert len(load_palette("gameboy").colors or ()) == 4
    snes = load_palette("snes")
    assert snes.adaptive and (snes.bits_per_channel, snes.max_colors) == (5, 256)
    assert (load_console("nes").resolution, load_console("snes").resolution) == ((256, 240), (256, 224))
    assert (load_console("gameboy").resolution, load_console("pico8").resolution) == ((160, 144), (128, 128))
    assert load_console("cga").resolution == (320, 200)


def test_user_folder_searched_after_project_and_bad_files_explained(tmp_path: Path) -> None:
    (tmp_path / "palettes").mkdir()
    (tmp_path / "palettes" / "mine.yaml").write_text('colors: ["#102030", "#ffffff"]\nsource: me\n')
    (tmp_path / "palettes" / "pico8.yaml").write_text('colors: ["#123456"]\n')
    dirs = palettes.preset_dirs([tmp_path])
    assert load_palette("mine", dirs).colors.to_hex() == ["#102030", "#ffffff"]
    assert len(load_palette("pico8", dirs).colors or ()) == 16  # project preset wins
    (tmp_path / "palettes" / "bad.yaml").write_text('colors: ["#12345"]\n')
    with pytest.raises(PresetError, match=r"colors\[0\].*'#rrggbb'"):
        load_palette("bad", dirs)
    with pytest.raises(PresetError, match="did you mean pico8"):
        load_palette("pico9", dirs)


def test_area_downscale_hand_computed() -> None:
    image = np.arange(16, dtype=np.float64).reshape(4, 4, 1)
    # 2x2 blocks: means of (0,1,4,5), (2,3,6,7), (8,9,12,13), (10,11,14,15)
    assert pipeline.area_downscale(image, (2, 2))[..., 0] == pytest.approx(
        np.array([[2.5, 4.5], [10.5, 12.5]])
    )
    row = np.array([[[0.0], [3.0], [6.0]]])  # 3 -> 2 pixels: [0, 1.5) and [1.5, 3)
    assert pipeline.area_downscale(row, (2, 1))[0, :, 0] == pytest.approx(
        [(0 + 0.5 * 3) / 1.5, (0.5 * 3 + 6) / 1.5]
    )
    # box (0.5, 0, 2.5, 1) over [0, 3, 6]: half of 0, all of 3, half of 6, over width 2
    assert pipeline.area_downscale(row, (1, 1), (0.5, 0.0, 2.5, 1.0))[0, 0, 0] == pytest.approx(3.0)


def test_crop_keeps_display_aspect() -> None:
    frame = np.zeros((90, 160, 3))
    frame[:, :20] = frame[:, 140:] = 1.0  # bright bars outside a centred 4:3 region (120 wide)
    native = pipeline.fit_to_native(frame, (64, 48), 1.0, "crop")
    assert native.max() == 0.0
    letterbox = pipeline.fit_to_native(np.ones((90, 160, 3)), (64, 48), 1.0, "letterbox")
    assert letterbox[:6].max() == 0.0 and letterbox[24].min() == 1.0  # 64x36 picture, 6 black rows each side


def _frames(count: int) -> list[np.ndarray]:
    y, x = np.mgrid[0:60, 0:80] / 80.0
    return [np.stack([x, y * (1 + 0.1 * i), (x * y + 0.05 * i) % 1.0], -1) for i in range(count)]


def test_adaptive_palette_is_deterministic_and_snapped_to_5_bits() -> None:
    frames = _frames(2)
    first = palettes.adaptive_palette(frames, 16, seed=1, bits_per_channel=5)
    assert first == palettes.adaptive_palette(frames, 16, seed=1, bits_per_channel=5)
    codes = first.srgb8.astype(int)
    expanded = np.round(np.round(codes * 31 / 255) * 255 / 31)
    assert np.array_equal(codes, expanded) and 2 <= len(first) <= 16


def test_locked_palette_is_one_per_shot_and_frames_use_only_it() -> None:
    lock = PaletteLock(load_palette("snes"), seed=0)
    frames = _frames(4)
    shot_palette = lock.palette_for("1A", frames[:2])
    settings = pipeline.RetroSettings(resolution=(40, 30), palette=shot_palette, scale=2)
    allowed = {tuple(c) for c in shot_palette.srgb8.tolist()}
    for frame in frames:
        assert lock.palette_for("1A", [frame]) is shot_palette  # later frames never recompute
        out = pipeline.process_frame(frame, settings)
        assert {tuple(c) for c in out.reshape(-1, 3).tolist()} <= allowed
    assert lock.palette_for("1B", frames[2:]) != shot_palette


def test_restricted_fixed_palette_keeps_most_used_colours() -> None:
    nes = load_palette("nes").colors
    assert nes is not None
    restricted = palettes.restrict_palette(nes, _frames(1), 25)
    assert len(restricted) == 25 and set(restricted.to_hex()) <= set(nes.to_hex())


@pytest.mark.parametrize("dither", sorted(pipeline.SPEC_DITHERS))
def test_process_frame_emits_only_palette_colours_at_native_times_scale(dither: str) -> None:
    gameboy = load_palette("gameboy").colors
    assert gameboy is not None
    settings = pipeline.settings_from_spec({"console": "gameboy", "dither": dither, "pixel_size": 3}, gameboy)
    frame = np.concatenate([_frames(1)[0], np.ones((60, 80, 1))], -1).astype(np.float32)
    out = pipeline.process_frame(frame, settings)
    assert out.shape == (144 * 3, 160 * 3, 3) and out.dtype == np.uint8
    assert {tuple(c) for c in out.reshape(-1, 3).tolist()} <= {tuple(c) for c in gameboy.srgb8.tolist()}


def test_scanlines_darken_odd_rows_in_linear_light() -> None:
    one_bit = Palette.from_hex(["#000000", "#ffffff"])
    settings = pipeline.RetroSettings(
        resolution=(4, 4), palette=one_bit, scale=2, scanlines=0.5, dither="none"
    )
    out = pipeline.process_frame(np.ones((8, 8, 3)), settings)
    half = colour_space.linear_to_srgb8(0.5)  # white at half light = sRGB 188
    assert (out[0::2] == 255).all() and (out[1::2] == half).all() and int(half) == 188


def test_bad_settings_are_explained() -> None:
    with pytest.raises(ValueError, match="kernel 'floyd' is not one of"):
        pipeline.RetroSettings(resolution=(8, 8), palette=Palette.from_hex(["#000000"]), kernel="floyd")
    with pytest.raises(ValueError, match=r"reshape Blender's flat Image.pixels"):
        pipeline.process_frame(np.zeros(12), pipeline.RetroSettings((4, 4), Palette.from_hex(["#000000"])))
