"""The compiled retro kernels (native/retro_dither.c through production/retro/native.py): same results as the
numpy code, and a clean fallback to numpy when the library is missing or broken.

The kernels' bit-for-bit match with the textbook diffusion loop is in test_retro_dither.py (run on both
paths).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from backlot.production.retro import native, pipeline
from backlot.production.retro.gamut import gamut_map
from backlot.production.retro.palettes import Palette
from retro_backends import require_compiled

PALETTE = Palette.from_hex(["#000000", "#ffffff", "#ff0000", "#00ff00", "#0000ff", "#808080", "#ffff00"])


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(native.FORCE_NUMPY_VARIABLE, raising=False)
    require_compiled()


@pytest.fixture
def fresh_loader(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Forget the cached library so a test can load from another folder; forget it again afterwards."""
    monkeypatch.delenv(native.FORCE_NUMPY_VARIABLE, raising=False)
    native._load.cache_clear()
    yield
    native._load.cache_clear()


def numpy_result(
    monkeypatch: pytest.MonkeyPatch, function: Callable[..., np.ndarray], *arguments: object
) -> np.ndarray:
    """`function(*arguments)` with the compiled kernels switched off."""
    with monkeypatch.context() as patch:
        patch.setenv(native.FORCE_NUMPY_VARIABLE, "1")
        assert native.library() is None
        return function(*arguments)


@pytest.mark.usefixtures("compiled")
def test_gamut_map_is_bit_identical_including_rgba_views_and_nan(monkeypatch: pytest.MonkeyPatch) -> None:
    rgba = np.random.default_rng(3).random((17, 13, 4)) * 1.4 - 0.2  # out-of-range values must clip
    rgb = rgba[..., :3]  # a strided view: the compiled path reads it in place
    mapping = gamut_map(PALETTE)
    assert mapping is not None
    expected = numpy_result(monkeypatch, mapping.apply, np.ascontiguousarray(rgb))
    assert np.array_equal(mapping.apply(rgb), expected)
    assert np.array_equal(mapping.apply(np.ascontiguousarray(rgb[::-1]))[::-1], expected)
    # NaN counts as 0 and infinities clip, as numpy's nan_to_num before the lookup does
    bad = np.array([[[np.nan, 0.5, np.inf], [-np.inf, np.nan, 0.25]]])
    cleaned = np.nan_to_num(bad, nan=0.0, posinf=1.0, neginf=0.0)
    assert np.array_equal(mapping.apply(bad), numpy_result(monkeypatch, mapping.apply, cleaned))


@pytest.mark.usefixtures("compiled")
def test_process_frame_is_identical_on_both_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole exact post-process (downscale, gamut map, serpentine diffusion, upscale) from a float32
    RGBA frame: the compiled downscale rounds differently in the last float32 bit, which must not change any
    chosen colour on a smooth frame."""
    y, x = np.mgrid[0:90, 0:160] / 160.0
    frame = np.stack([x, y, (x + y) % 1.0, np.ones_like(x)], -1).astype(np.float32)
    settings = pipeline.RetroSettings(resolution=(48, 36), palette=PALETTE, serpentine=True, scale=2)
    expected = numpy_result(monkeypatch, pipeline.process_frame, frame, settings)
    assert np.array_equal(pipeline.process_frame(frame, settings), expected)


@pytest.mark.usefixtures("compiled")
def test_compiled_downscale_hand_computed() -> None:
    image = np.arange(16, dtype=np.float32).reshape(4, 4, 1)
    # 2x2 blocks: means of (0,1,4,5), (2,3,6,7), (8,9,12,13), (10,11,14,15); all exact in float32
    assert np.array_equal(pipeline.area_downscale(image, (2, 2))[..., 0], [[2.5, 4.5], [10.5, 12.5]])
    row = np.array([[[0.0], [3.0], [6.0]]], dtype=np.float32)  # box (0.5, 0, 2.5, 1): half 0, 3, half 6
    assert pipeline.area_downscale(row, (1, 1), (0.5, 0.0, 2.5, 1.0))[0, 0, 0] == pytest.approx(3.0)


@pytest.mark.usefixtures("compiled")
@pytest.mark.parametrize(
    "box", [None, (3.25, 1.5, 117.75, 70.0), (0.0, 0.0, 119.0, 71.0), (40.5, 10.0, 41.0, 12.0)]
)
def test_compiled_downscale_matches_numpy_within_float32_rounding(
    monkeypatch: pytest.MonkeyPatch, box: tuple[float, float, float, float] | None
) -> None:
    frame = np.random.default_rng(8).random((71, 121, 4)).astype(np.float32)
    window = frame[:, 2:]  # rows not contiguous with each other: read in place
    for size in ((32, 24), (119, 71), (7, 3), (1, 1)):
        expected = numpy_result(monkeypatch, pipeline.area_downscale, window, size, box)
        result = pipeline.area_downscale(window, size, box)
        assert result.dtype == np.float64 and result.shape == expected.shape
        assert np.allclose(result, expected, rtol=1e-5, atol=1e-6), (size, box)


@pytest.mark.usefixtures("fresh_loader")
def test_missing_library_falls_back_to_numpy_and_says_so_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(native, "LIBRARY_DIR", tmp_path)
    with caplog.at_level(logging.INFO, logger=native.__name__):
        assert native.library() is None
        assert native.library() is None
        image = np.random.default_rng(2).random((5, 6, 3))
        assert pipeline.quantise(image, pipeline.RetroSettings((6, 5), PALETTE)).shape == (5, 6)
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 1 and "using numpy" in messages[0], messages


@pytest.mark.usefixtures("fresh_loader")
def test_broken_library_falls_back_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = native.library_path()
    if path is None:
        pytest.skip("no compiled retro kernels are built for this platform")
    (tmp_path / path.name).write_bytes(b"not a shared library")
    monkeypatch.setattr(native, "LIBRARY_DIR", tmp_path)
    with caplog.at_level(logging.WARNING, logger=native.__name__):
        assert native.library() is None
    assert any("cannot use the compiled kernels" in record.getMessage() for record in caplog.records)


def test_force_numpy_variable_switches_the_library_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(native.FORCE_NUMPY_VARIABLE, "1")
    assert native.library() is None
