"""Colour of light: Kelvin -> linear Rec.709 RGB (Planck x CIE 1931 2 deg), gels in mireds, white balance.

Pure maths, no bpy. A blackbody spectrum (Planck's law) is integrated against the CIE 1931 2 deg colour
matching functions (5 nm, 380-780 nm) to CIE XYZ, then converted with the IEC 61966-2-1 (sRGB) matrix to
linear Rec.709/sRGB primaries with the D65 white: Blender's scene-linear space. See docs/lighting-maths.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np

RGB = tuple[float, float, float]
Normalisation = Literal["max", "luminance"]

MIN_KELVIN = 1000.0
MAX_KELVIN = 40000.0

_WAVELENGTHS_NM = np.arange(380.0, 785.0, 5.0)
# CIE 1931 2 deg standard colorimetric observer x-bar, y-bar, z-bar at 380, 385, ... 780 nm.
# Source: CIE 015:2004 Colorimetry, 3rd ed., Table T.4 (the CIE's 1 nm table sampled every 5 nm), as
# distributed
# by the CVRL database (cvrl.org) and colour-science 0.4.7 (`MSDS_CMFS['CIE 1931 2 Degree Standard
# Observer']`).
# fmt: off
_CMF_1931_2DEG = np.array([
    (0.001368, 3.9e-05, 0.00645), (0.002236, 6.4e-05, 0.01055), (0.004243, 0.00012, 0.02005),
    (0.00765, 0.000217, 0.03621), (0.01431, 0.000396, 0.06785), (0.02319, 0.00064, 0.1102),
    (0.04351, 0.00121, 0.2074), (0.07763, 0.00218, 0.3713), (0.13438, 0.004, 0.6456),
    (0.21477, 0.0073, 1.03905), (0.2839, 0.0116, 1.3856), (0.3285, 0.01684, 1.62296),
    (0.34828, 0.023, 1.74706), (0.34806, 0.0298, 1.7826), (0.3362, 0.038, 1.77211),
    (0.3187, 0.048, 1.7441), (0.2908, 0.06, 1.6692), (0.2511, 0.0739, 1.5281),
    (0.19536, 0.09098, 1.28764), (0.1421, 0.1126, 1.0419), (0.09564, 0.13902, 0.81295),
    (0.05795, 0.1693, 0.6162), (0.03201, 0.20802, 0.46518), (0.0147, 0.2586, 0.3533),
    (0.0049, 0.323, 0.272), (0.0024, 0.4073, 0.2123), (0.0093, 0.503, 0.1582),
    (0.0291, 0.6082, 0.1117), (0.06327, 0.71, 0.07825), (0.1096, 0.7932, 0.05725),
    (0.1655, 0.862, 0.04216), (0.22575, 0.91485, 0.02984), (0.2904, 0.954, 0.0203),
    (0.3597, 0.9803, 0.0134), (0.43345, 0.99495, 0.00875), (0.51205, 1, 0.00575),
    (0.5945, 0.995, 0.0039), (0.6784, 0.9786, 0.00275), (0.7621, 0.952, 0.0021),
    (0.8425, 0.9154, 0.0018), (0.9163, 0.87, 0.00165), (0.9786, 0.8163, 0.0014),
    (1.0263, 0.757, 0.0011), (1.0567, 0.6949, 0.001), (1.0622, 0.631, 0.0008),
    (1.0456, 0.5668, 0.0006), (1.0026, 0.503, 0.00034), (0.9384, 0.4412, 0.00024),
    (0.85445, 0.381, 0.00019), (0.7514, 0.321, 0.0001), (0.6424, 0.265, 5e-05),
    (0.5419, 0.217, 3e-05), (0.4479, 0.175, 2e-05), (0.3608, 0.1382, 1e-05),
    (0.2835, 0.107, -1.90582e-21), (0.2187, 0.0816, 0), (0.1649, 0.061, 0),
    (0.1212, 0.04458, 0), (0.0874, 0.032, 0), (0.0636, 0.0232, 0),
    (0.04677, 0.017, 0), (0.0329, 0.01192, 0), (0.0227, 0.00821, 0),
    (0.01584, 0.005723, 0), (0.0113592, 0.004102, 0), (0.00811092, 0.002929, 0),
    (0.00579035, 0.002091, 0), (0.00410946, 0.001484, 0), (0.00289933, 0.001047, 0),
    (0.00204919, 0.00074, 0), (0.00143997, 0.00052, 0), (0.000999949, 0.0003611, 0),
    (0.000690079, 0.0002492, 0), (0.000476021, 0.0001719, 0), (0.000332301, 0.00012, 0),
    (0.000234826, 8.48e-05, 0), (0.00016615, 6e-05, 0), (0.000117413, 4.24e-05, 0),
    (8.30753e-05, 3e-05, 0), (5.87065e-05, 2.12e-05, 0), (4.15099e-05, 1.499e-05, 0),
]).T
# fmt: on

# IEC 61966-2-1:1999 (sRGB), XYZ -> linear RGB for Rec.709 primaries and the D65 white.
# fmt: off
_XYZ_TO_LINEAR_SRGB = np.array([
    [3.2406, -1.5372, -0.4986],
    [-0.9689, 1.8758, 0.0415],
    [0.0557, -0.2040, 1.0570],
])
# fmt: on
# Rec.709 luminance weights (the Y row of the inverse matrix), used to normalise to luminance 1.
_REC709_LUMINANCE = np.array([0.2126, 0.7152, 0.0722])

_PLANCK_C2 = 1.4388e-2  # second radiation constant, m K (the value CIE 015:2004 prescribes)


def _check_kelvin(kelvin: float, where: str) -> None:
    if not isinstance(kelvin, int | float) or isinstance(kelvin, bool) or not math.isfinite(kelvin):
        raise ValueError(f"{where}: colour temperature must be a number of kelvin, got {kelvin!r}")
    if not MIN_KELVIN <= kelvin <= MAX_KELVIN:
        raise ValueError(
            f"{where}: {kelvin} K is outside {MIN_KELVIN:.0f}-{MAX_KELVIN:.0f} K; "
            "candles are about 1900 K, tungsten 3200 K, daylight 5600 K, blue sky 10000 K"
        )


def blackbody_xyz(kelvin: float) -> np.ndarray:
    """CIE XYZ of a blackbody, scaled so Y = 1 (only the chromaticity matters for a lamp colour)."""
    _check_kelvin(kelvin, "kelvin")
    wavelength_m = _WAVELENGTHS_NM * 1e-9
    # Planck's spectral exitance without the constant c1, which cancels when Y is normalised.
    spectrum = 1.0 / (wavelength_m**5 * np.expm1(_PLANCK_C2 / (wavelength_m * kelvin)))
    xyz = _CMF_1931_2DEG @ spectrum
    return xyz / xyz[1]


def _normalised(rgb: np.ndarray, normalise: Normalisation) -> RGB:
    """Clip out-of-gamut negatives to 0, then scale to max channel 1 or Rec.709 luminance 1."""
    clipped = np.clip(rgb, 0.0, None)
    if normalise == "max":
        scale = clipped.max()
    elif normalise == "luminance":
        scale = float(_REC709_LUMINANCE @ clipped)
    else:
        raise ValueError(f"normalise must be 'max' or 'luminance', got {normalise!r}")
    r, g, b = (float(v) for v in clipped / scale)
    return (r, g, b)


def kelvin_to_rgb(kelvin: float, normalise: Normalisation = "max") -> RGB:
    """Linear Rec.709 RGB of a blackbody: 'max' suits a lamp colour, 'luminance' keeps exposure constant."""
    return _normalised(_XYZ_TO_LINEAR_SRGB @ blackbody_xyz(kelvin), normalise)


def kelvin_to_mired(kelvin: float) -> float:
    return 1e6 / kelvin


def mired_to_kelvin(mired: float) -> float:
    return 1e6 / mired


# --- gels ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Gel:
    """A correction gel: mired shift (+ warms, - cools) and a green/magenta shift in CC units (+ green)."""

    name: str
    mired_shift: float = 0.0
    tint_cc: float = 0.0
    description: str = ""
    source: str = ""

    @classmethod
    def from_preset(cls, name: str, data: Mapping[str, Any]) -> Gel:
        """Build from a presets/gels/<name>.yaml mapping; unknown or non-numeric keys are reported by name."""
        allowed = {"mired_shift", "tint_cc", "description", "source"}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ValueError(f"gel {name!r}: unknown key(s) {unknown}; allowed: {sorted(allowed)}")
        values: dict[str, float] = {}
        for key in ("mired_shift", "tint_cc"):
            value = data.get(key, 0.0)
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise ValueError(f"gel {name!r}: {key} must be a number, got {value!r}")
            values[key] = float(value)
        return cls(
            name,
            values["mired_shift"],
            values["tint_cc"],
            str(data.get("description", "")),
            str(data.get("source", "")),
        )


@dataclass(frozen=True)
class GelledLight:
    """A source after its gels: correlated colour temperature plus the accumulated green/magenta shift."""

    kelvin: float
    tint_cc: float = 0.0


def apply_gel(kelvin: float, gel: Gel, tint_cc: float = 0.0) -> GelledLight:
    """Mired shifts add (that is why gels are rated in mireds); CC shifts add too. Stack by applying again."""
    _check_kelvin(kelvin, f"gel {gel.name!r} source")
    shifted = kelvin_to_mired(kelvin) + gel.mired_shift
    if shifted <= 0.0:
        raise ValueError(
            f"gel {gel.name!r}: {kelvin} K shifted by {gel.mired_shift} mired has no colour temperature"
        )
    return GelledLight(mired_to_kelvin(shifted), tint_cc + gel.tint_cc)


def tint_multipliers(tint_cc: float) -> RGB:
    """RGB transmission of a CC filter: CCnnG has density nn/100 to red and blue, CCnnM to green."""
    density = abs(tint_cc) / 100.0
    loss = 10.0 ** (-density)
    return (loss, 1.0, loss) if tint_cc > 0 else (1.0, loss, 1.0)


@lru_cache(maxsize=1024)
def light_rgb(light: GelledLight, normalise: Normalisation = "max") -> RGB:
    """Linear RGB for a (gelled) source: blackbody colour times the green/magenta filter's transmission.

    Cached: a production's lamps share a handful of colour temperatures and gels."""
    rgb = _XYZ_TO_LINEAR_SRGB @ blackbody_xyz(light.kelvin) * np.array(tint_multipliers(light.tint_cc))
    return _normalised(rgb, normalise)


def white_balance(scene_white_kelvin: float, tint_cc: float = 0.0) -> RGB:
    """Per-channel gains (green = 1, like a camera) that render a source of the scene white neutral grey."""
    r, g, b = light_rgb(GelledLight(scene_white_kelvin, tint_cc))
    return (g / r, 1.0, g / b)
