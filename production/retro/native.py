"""The compiled retro kernels (native/retro_dither.c), loaded with ctypes when this platform's library exists.

`make native` cross-compiles one small C library per supported platform into native/lib/ (git-ignored, shipped
in the extension zip). It has no CPython API, so one file serves every Python. Without it, or when it fails to
load, every caller uses its numpy path (said once in the log); the results are the same bit for bit for error
diffusion and gamut mapping, and within float32 rounding for the area downscale. Set BACKLOT_RETRO_NUMPY=1 to
force numpy (tests run both paths).
"""

from __future__ import annotations

import ctypes
import functools
import logging
import os
import platform
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from .palettes import LINEAR_STEPS, NearestColourLUT

LIBRARY_DIR = Path(__file__).resolve().parents[2] / "native" / "lib"
ABI_VERSION = 1  # BACKLOT_RETRO_ABI in retro_dither.c
FORCE_NUMPY_VARIABLE = "BACKLOT_RETRO_NUMPY"
# (platform.system(), platform.machine()) -> file name; Makefile's NATIVE_LIBS builds exactly these.
LIBRARY_FILES = {
    ("Linux", "x86_64"): "backlot_retro-linux-x64.so",
    ("Darwin", "arm64"): "backlot_retro-macos-arm64.dylib",
    ("Darwin", "x86_64"): "backlot_retro-macos-x64.dylib",
    ("Windows", "AMD64"): "backlot_retro-windows-x64.dll",
}

_log = logging.getLogger(__name__)
_POINTER, _INT64, _INT32, _DOUBLE = ctypes.c_void_p, ctypes.c_int64, ctypes.c_int32, ctypes.c_double
_SIGNATURES = {
    "backlot_gamut_apply": (_POINTER, _INT64, _INT64, _POINTER, _INT64, _INT32, _POINTER, _POINTER),
    "backlot_error_diffuse": (
        *(_POINTER, _INT64, _INT64, _POINTER, _POINTER, _POINTER, _INT32, _INT32),
        *(_POINTER, _INT64, _INT32, _POINTER, _POINTER, _POINTER),
    ),
    "backlot_area_downscale_f32": (
        *(_POINTER, _INT64, _INT64, _INT64, _INT64, _DOUBLE, _DOUBLE, _INT64, _DOUBLE, _DOUBLE, _INT64),
        _POINTER,
    ),
}
_RESULT_TYPES = {"backlot_area_downscale_f32": _INT32}


def library_path() -> Path | None:
    """Where this platform's library would be; None on a platform without one."""
    name = LIBRARY_FILES.get((platform.system(), platform.machine()))
    return LIBRARY_DIR / name if name else None


def library() -> ctypes.CDLL | None:
    """The loaded library, or None when it is missing, broken or switched off by BACKLOT_RETRO_NUMPY."""
    if os.environ.get(FORCE_NUMPY_VARIABLE, "") not in ("", "0"):
        return None
    return _load()


@functools.cache
def _load() -> ctypes.CDLL | None:
    path = library_path()
    if path is None or not path.is_file():
        _log.info(
            "retro: no compiled kernels for %s %s (%s); using numpy (slower; `make native` builds them)",
            platform.system(),
            platform.machine(),
            path,
        )
        return None
    try:
        loaded = ctypes.CDLL(str(path))
        loaded.backlot_retro_abi.restype = _INT32
        if (found := loaded.backlot_retro_abi()) != ABI_VERSION:
            raise OSError(f"ABI version {found}, expected {ABI_VERSION}: rebuild it with `make native`")
        for name, arguments in _SIGNATURES.items():
            function = getattr(loaded, name)
            function.argtypes, function.restype = arguments, _RESULT_TYPES.get(name)
    except (OSError, AttributeError) as error:
        _log.warning("retro: cannot use the compiled kernels %s (%s); using numpy", path, error)
        return None
    return loaded


def _address(array: np.ndarray) -> int:
    """The data pointer for a C call; the caller keeps `array` referenced until the call returns."""
    return array.ctypes.data


@dataclass(frozen=True)
class CompactTables:
    """A `NearestColourLUT` in the form the C loop keeps in cache: one sRGB bin per quantised linear step
    (uint8; the LUT's `channel_codes` are these bins times 4^bits, 2^bits and 1) and the table as uint16."""

    bins: npt.NDArray[np.uint8]
    bits: int
    table: npt.NDArray[np.uint16]


@functools.lru_cache(maxsize=16)
def compact_tables(lut: NearestColourLUT) -> CompactTables | None:
    """Cached per LUT (LUTs compare by identity); None for palettes too big for uint16 indices."""
    if len(lut.palette) > np.iinfo(np.uint16).max:
        return None
    bins = lut.channel_codes[:, 2].astype(np.uint8)  # blue's multiplier is 1: its codes are the bins
    return CompactTables(bins, lut.bits, lut.table.astype(np.uint16))


def _pixel_stride(array: npt.NDArray[np.float64]) -> int | None:
    """Doubles from one pixel to the next of a float64 (..., 3) array when all its pixels are evenly spaced
    (e.g. the RGB view of a packed RGBA buffer), else None."""
    if array.ndim < 2 or array.strides[-1] != 8 or array.strides[-2] % 8 or array.strides[-2] < 24:
        return None
    expected = array.strides[-2]
    for size, stride in zip(reversed(array.shape[:-1]), reversed(array.strides[:-1]), strict=True):
        if size > 1 and stride != expected:
            return None
        expected *= size
    return array.strides[-2] // 8


def gamut_apply(
    loaded: ctypes.CDLL,
    source: npt.NDArray[np.float64],
    tables: CompactTables,
    displacement: npt.NDArray[np.float32],
) -> npt.NDArray[np.float64]:
    """`GamutMap.apply` of linear RGB (..., 3) into a new contiguous array, reading evenly spaced pixels in
    place (no copy of an RGBA buffer's RGB view); NaN counts as 0, as in `dither._as_rgb`."""
    stride = _pixel_stride(source)
    if stride is None:
        source, stride = np.ascontiguousarray(source), 3
    shifts = np.ascontiguousarray(displacement, dtype=np.float32)  # named: it must outlive the call
    out = np.empty(source.shape)
    loaded.backlot_gamut_apply(
        *(_address(source), source.size // 3, stride, _address(tables.bins), LINEAR_STEPS, tables.bits),
        *(_address(shifts), _address(out)),
    )
    return out


def error_diffuse(
    loaded: ctypes.CDLL,
    work: npt.NDArray[np.float64],
    taps: list[tuple[int, int, float]],
    serpentine: bool,
    tables: CompactTables,
    palette_linear: npt.NDArray[np.float64],
) -> npt.NDArray[np.int64]:
    """Palette indices of a C-contiguous float64 (H, W, 3) image; `work` is overwritten with the diffused
    values. `taps` are (dy, dx, weight) in the order errors are pushed."""
    if work.dtype != np.float64 or not work.flags.c_contiguous or work.shape[2:] != (3,):
        raise ValueError("error_diffuse needs a C-contiguous float64 (height, width, 3) array")
    height, width, _ = work.shape
    tap_dy = np.array([dy for dy, _, _ in taps], dtype=np.int32)
    tap_dx = np.array([dx for _, dx, _ in taps], dtype=np.int32)
    tap_weight = np.array([weight for _, _, weight in taps], dtype=np.float64)
    colours = np.ascontiguousarray(palette_linear, dtype=np.float64)
    chosen = np.empty((height, width), dtype=np.int64)
    loaded.backlot_error_diffuse(
        *(_address(work), height, width, _address(tap_dy), _address(tap_dx), _address(tap_weight)),
        *(len(taps), int(serpentine), _address(tables.bins), LINEAR_STEPS, tables.bits),
        *(_address(tables.table), _address(colours), _address(chosen)),
    )
    return chosen


def area_downscale(
    loaded: ctypes.CDLL,
    window: npt.NDArray[np.float32],
    box: tuple[float, float, float, float],
    size: tuple[int, int],
) -> npt.NDArray[np.float64]:
    """`pipeline.area_downscale` of a float32 (H, W, C <= 4) window whose pixels are packed within each row
    (a window of a bigger frame is fine: no copy); `box` (x0, y0, x1, y1) in window pixels, `size` (w, h)."""
    height, width, channels = window.shape
    if window.dtype != np.float32 or channels > 4 or window.strides[1:] != (4 * channels, 4):
        raise ValueError("area_downscale needs float32 pixels of at most 4 channels, packed within each row")
    if min(size) < 1 or min(height, width) < 1:
        raise ValueError(f"area_downscale: sizes must be at least 1 pixel, got {size} from {height}x{width}")
    x0, y0, x1, y1 = box
    out = np.empty((size[1], size[0], channels))
    if loaded.backlot_area_downscale_f32(
        *(_address(window), height, width, channels, window.strides[0] // 4),
        *(y0, y1, size[1], x0, x1, size[0], _address(out)),
    ):
        raise MemoryError("area_downscale: no memory for the weight tables (or an empty box)")
    return out
