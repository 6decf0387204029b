"""Light ratios in stops: the light each Blender lamp puts on the subject, and the power that gives a ratio.

Pure maths, no bpy. "Irradiance" here is in Blender's radiometric W/m^2; only ratios between lamps matter to a
lighting setup, and ratios are what a gaffer measures (key/fill N:1 = fill illuminance is key / N).
Conventions (see docs/lighting-maths.md):
- POINT and SPOT of power P radiate intensity I = P / (4 pi) W/sr (a Blender spot is a masked point light:
  its cone does not concentrate the power); E = I cos(incidence) / d^2, subject assumed inside the cone.
- AREA of power P is a one-sided Lambertian emitter of radiance L = P / (pi A). On its axis: disk
  E = pi L sin^2(half angle) (exact); square/rectangle by the exact view factor of a parallel rectangle;
  ellipse as the disk of equal area. Off the receiver's normal the on-axis value is scaled by
  cos(incidence) (exact for a small source).
- SUN strength S is the irradiance on a surface facing it: E = S cos(incidence).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

LightType = Literal["POINT", "SPOT", "AREA", "SUN"]
AreaShape = Literal["SQUARE", "RECTANGLE", "DISK", "ELLIPSE"]
LIGHT_TYPES: tuple[LightType, ...] = ("POINT", "SPOT", "AREA", "SUN")
AREA_SHAPES: tuple[AreaShape, ...] = ("SQUARE", "RECTANGLE", "DISK", "ELLIPSE")


@dataclass(frozen=True)
class LightGeometry:
    """Where a lamp is relative to the subject: type, size (m), distance (m), incidence on the subject (deg).

    `size` is Blender's: square side, rectangle x, disk or ellipse diameter x; `size_y` for RECTANGLE/ELLIPSE.
    `angle_of_incidence` is between the subject's surface normal and the direction to the lamp.
    """

    light_type: LightType
    distance: float = 1.0
    angle_of_incidence: float = 0.0
    size: float = 0.0
    shape: AreaShape = "SQUARE"
    size_y: float | None = None

    def __post_init__(self) -> None:
        if self.light_type not in LIGHT_TYPES:
            raise ValueError(f"light type {self.light_type!r} is not one of {', '.join(LIGHT_TYPES)}")
        if self.light_type != "SUN" and not self.distance > 0.0:
            raise ValueError(
                f"{self.light_type} light: distance to the subject must be > 0 m, got {self.distance}"
            )
        if not 0.0 <= self.angle_of_incidence < 90.0:
            raise ValueError(
                f"angle of incidence {self.angle_of_incidence} deg must be in [0, 90): at 90 deg or more "
                "the lamp grazes or is behind the lit surface, so it adds no light there"
            )
        if self.light_type == "AREA":
            if self.shape not in AREA_SHAPES:
                raise ValueError(f"area light shape {self.shape!r} is not one of {', '.join(AREA_SHAPES)}")
            if not self.size > 0.0 or (self.size_y is not None and not self.size_y > 0.0):
                raise ValueError(f"area light size must be > 0 m, got size={self.size}, size_y={self.size_y}")


def _rectangle_view_factor_times_pi(half_x: float, half_y: float, distance: float) -> float:
    """pi x view factor from a point to a centred parallel rectangle: E = L x this.

    Each of the four corner rectangles contributes F = (a/ra atan(b/ra) + b/rb atan(a/rb)) / (2 pi).
    """
    a, b = half_x / distance, half_y / distance
    root_a, root_b = math.sqrt(1.0 + a * a), math.sqrt(1.0 + b * b)
    corner = a / root_a * math.atan(b / root_a) + b / root_b * math.atan(a / root_b)
    return 2.0 * corner


def _area_light_on_axis(geometry: LightGeometry, power: float) -> float:
    width = geometry.size
    height = geometry.size_y if geometry.shape in ("RECTANGLE", "ELLIPSE") and geometry.size_y else width
    d = geometry.distance
    if geometry.shape in ("DISK", "ELLIPSE"):
        area = math.pi * width * height / 4.0
        radiance = power / (math.pi * area)
        equivalent_radius_squared = width * height / 4.0
        sin_squared = equivalent_radius_squared / (equivalent_radius_squared + d * d)
        return math.pi * radiance * sin_squared
    radiance = power / (math.pi * width * height)
    return radiance * _rectangle_view_factor_times_pi(width / 2.0, height / 2.0, d)


def irradiance_at(geometry: LightGeometry, power: float) -> float:
    """Irradiance (W/m^2) a lamp of Blender power/strength puts on the subject."""
    cos_incidence = math.cos(math.radians(geometry.angle_of_incidence))
    if geometry.light_type == "SUN":
        return power * cos_incidence
    if geometry.light_type == "AREA":
        return _area_light_on_axis(geometry, power) * cos_incidence
    intensity = power / (4.0 * math.pi)
    return intensity * cos_incidence / geometry.distance**2


def power_for_irradiance(geometry: LightGeometry, irradiance: float) -> float:
    """Blender power (W; sun: strength W/m^2) that puts `irradiance` on the subject: every model is linear."""
    return irradiance / irradiance_at(geometry, 1.0)


def stops(ratio: float) -> float:
    """A light ratio as photographic stops: each stop doubles the light."""
    if not ratio > 0.0:
        raise ValueError(f"a light ratio must be > 0 (e.g. 4 for 4:1), got {ratio}")
    return math.log2(ratio)


def ratio_from_stops(stop_count: float) -> float:
    return 2.0**stop_count


def power_relative_to_key(
    key_power: float, key: LightGeometry, light: LightGeometry, stops_from_key: float
) -> float:
    """Power for a lamp whose light on the subject is `stops_from_key` stops over (+) or under (-) the key."""
    target = irradiance_at(key, key_power) * ratio_from_stops(stops_from_key)
    return power_for_irradiance(light, target)


def fill_power_for_ratio(key_power: float, key: LightGeometry, fill: LightGeometry, ratio: float) -> float:
    """Fill power for a key/fill ratio N:1 (fill illuminance = key / N at the subject)."""
    return power_relative_to_key(key_power, key, fill, -stops(ratio))
