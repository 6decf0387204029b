"""Colour conversions for the retro maths: sRGB transfer curve and Björn Ottosson's OKLab.

Renders arrive as linear light (Blender's float buffers); palettes are written in sRGB; colour choices are
made in
OKLab because Euclidean distance there tracks perceived difference far better than in RGB.
Reference: https://bottosson.github.io/posts/oklab/ (matrices as updated 2021-01-25).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.floating]

# linear sRGB -> LMS and LMS' -> Lab, and their inverses (Ottosson's published values).
_LINEAR_SRGB_TO_LMS = np.array(
    [
        [0.4122214708, 0.5363325363, 0.0514459929],
        [0.2119034982, 0.6806995451, 0.1073969566],
        [0.0883024619, 0.2817188376, 0.6299787005],
    ]
)
_XYZ_TO_LMS = np.array(
    [
        [0.8189330101, 0.3618667424, -0.1288597137],
        [0.0329845436, 0.9293118715, 0.0361456387],
        [0.0482003018, 0.2643662691, 0.6338517070],
    ]
)
_LMS_CBRT_TO_LAB = np.array(
    [
        [0.2104542553, 0.7936177850, -0.0040720468],
        [1.9779984951, -2.4285922050, 0.4505937099],
        [0.0259040371, 0.7827717662, -0.8086757660],
    ]
)
_LAB_TO_LMS_CBRT = np.array(
    [
        [1.0, 0.3963377774, 0.2158037573],
        [1.0, -0.1055613458, -0.0638541728],
        [1.0, -0.0894841775, -1.2914855480],
    ]
)
_LMS_TO_LINEAR_SRGB = np.array(
    [
        [4.0767416621, -3.3077115913, 0.2309699292],
        [-1.2684380046, 2.6097574011, -0.3413193965],
        [-0.0041960863, -0.7034186147, 1.7076147010],
    ]
)
# Rec. 709 / sRGB luminance weights (row Y of the sRGB -> XYZ matrix, IEC 61966-2-1).
LUMINANCE_WEIGHTS = np.array([0.2126, 0.7152, 0.0722])


def srgb_to_linear(encoded: npt.ArrayLike) -> FloatArray:
    """Decode sRGB values in [0, 1] to linear light (IEC 61966-2-1 piecewise curve)."""
    values = np.asarray(encoded, dtype=np.float64)
    return np.where(values <= 0.04045, values / 12.92, ((values + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(linear: npt.ArrayLike) -> FloatArray:
    """Encode linear light to sRGB in [0, 1]; input is clipped to [0, 1] first (display-referred output)."""
    values = np.clip(np.asarray(linear, dtype=np.float64), 0.0, 1.0)
    return np.where(values <= 0.0031308, values * 12.92, 1.055 * values ** (1.0 / 2.4) - 0.055)


def linear_to_srgb8(linear: npt.ArrayLike) -> npt.NDArray[np.uint8]:
    """Encode linear light to 8-bit sRGB with round-half-up, the usual display quantisation."""
    return np.floor(linear_to_srgb(linear) * 255.0 + 0.5).astype(np.uint8)


def _lms_to_oklab(lms: FloatArray) -> FloatArray:
    return np.cbrt(lms) @ _LMS_CBRT_TO_LAB.T


def linear_srgb_to_oklab(rgb: npt.ArrayLike) -> FloatArray:
    """Linear sRGB (..., 3) to OKLab (..., 3)."""
    return _lms_to_oklab(np.asarray(rgb, dtype=np.float64) @ _LINEAR_SRGB_TO_LMS.T)


def oklab_jacobian(rgb: npt.ArrayLike, floor: float = 1e-4) -> FloatArray:
    """d OKLab / d linear sRGB at each colour (..., 3) -> (..., 3, 3): how far a small linear step moves.

    LMS responses are floored at `floor` so black (where the cube root's slope is infinite) stays finite.
    """
    lms = np.maximum(np.asarray(rgb, dtype=np.float64) @ _LINEAR_SRGB_TO_LMS.T, floor)
    slope = lms ** (-2.0 / 3.0) / 3.0  # derivative of the cube root
    return _LMS_CBRT_TO_LAB @ (slope[..., :, None] * _LINEAR_SRGB_TO_LMS)


def xyz_to_oklab(xyz: npt.ArrayLike) -> FloatArray:
    """CIE XYZ (D65, Y of white = 1) to OKLab; the form in which Ottosson publishes his test pairs."""
    return _lms_to_oklab(np.asarray(xyz, dtype=np.float64) @ _XYZ_TO_LMS.T)


def oklab_to_linear_srgb(lab: npt.ArrayLike) -> FloatArray:
    """OKLab (..., 3) back to linear sRGB (..., 3); out-of-gamut results are not clipped."""
    lms_cbrt = np.asarray(lab, dtype=np.float64) @ _LAB_TO_LMS_CBRT.T
    return (lms_cbrt**3) @ _LMS_TO_LINEAR_SRGB.T


def luminance(rgb: npt.ArrayLike) -> FloatArray:
    """Relative luminance Y of linear sRGB (..., 3)."""
    return np.asarray(rgb, dtype=np.float64) @ LUMINANCE_WEIGHTS
