"""Where each lamp of a lighting setup stands and how bright it is, relative to subject and camera axis.

Pure maths, no bpy. A rig (presets/light_rigs/<setup>.yaml) lists lamps by role with an azimuth measured
around the subject from the camera axis (positive towards the key side), an elevation and a distance. Levels
are in stops from the key, as a gaffer meters them: each lamp's illuminance on a surface facing it there.
The key is `KEY_IRRADIANCE` (times the spec's `intensity`), which renders a facing surface of albedo p at
scene-linear p, because a Lambertian surface under irradiance E has radiance p E / pi.
See docs/lighting-maths.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from ..model import Lighting
from .colour_temperature import GelledLight, apply_gel, light_rgb
from .photometry import AREA_SHAPES, AreaShape, LightGeometry, LightType, power_for_irradiance, stops

KEY_IRRADIANCE = math.pi
DEFAULT_KELVIN = 5600.0
LAMP_TYPES: tuple[LightType, ...] = ("AREA", "POINT", "SPOT")
RIM_ROLES = ("rim", "back")
Vec3 = tuple[float, float, float]


@dataclass(frozen=True)
class RigLamp:
    """One lamp of a rig preset. `azimuth` None on the key means the spec's `key_angle`."""

    role: str
    light_type: LightType = "AREA"
    shape: AreaShape = "SQUARE"
    size: float = 1.0
    size_y: float | None = None
    azimuth: float | None = None
    elevation: float = 30.0
    distance: float = 3.0
    stops: float = 0.0  # added to the role's level (key 0, fill from the ratio, rim/back from rim_stops)
    kelvin: float | None = None

    @classmethod
    def from_mapping(cls, role: str, data: Mapping[str, Any], where: str) -> RigLamp:
        """Checked construction from YAML: every problem names the preset, the lamp and the fix."""
        allowed = {"type", "shape", "size", "size_y", "azimuth", "elevation", "distance", "stops", "kelvin"}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ValueError(
                f"{where}: lamp {role!r} has unknown key(s) {unknown}; allowed: {sorted(allowed)}"
            )
        numbers: dict[str, float | None] = {}
        for key in ("size", "size_y", "azimuth", "elevation", "distance", "stops", "kelvin"):
            value = data.get(key)
            if value is not None and (not isinstance(value, int | float) or isinstance(value, bool)):
                raise ValueError(f"{where}: lamp {role!r}: {key} must be a number, got {value!r}")
            numbers[key] = None if value is None else float(value)
        light_type = str(data.get("type", "AREA")).upper()
        shape = str(data.get("shape", "SQUARE")).upper()
        if light_type not in LAMP_TYPES or shape not in AREA_SHAPES:
            raise ValueError(
                f"{where}: lamp {role!r}: type must be one of {LAMP_TYPES} and shape one of {AREA_SHAPES}"
            )
        if (numbers["distance"] or 1.0) <= 0 or (numbers["size"] or 1.0) <= 0:
            raise ValueError(f"{where}: lamp {role!r}: distance and size must be > 0 m")
        return cls(
            role,
            cast(LightType, light_type),  # checked against LAMP_TYPES and AREA_SHAPES above
            cast(AreaShape, shape),
            numbers["size"] or 1.0,
            numbers["size_y"],
            numbers["azimuth"],
            30.0 if numbers["elevation"] is None else numbers["elevation"],
            numbers["distance"] or 3.0,
            numbers["stops"] or 0.0,
            numbers["kelvin"],
        )


def rig_from_preset(name: str, data: Mapping[str, Any]) -> tuple[RigLamp, ...]:
    """presets/light_rigs/<name>.yaml `lamps: {role: {...}}` -> lamps; a rig must have a key."""
    lamps = data.get("lamps")
    if not isinstance(lamps, Mapping) or "key" not in lamps:
        raise ValueError(f"light rig {name!r}: write `lamps:` as a mapping of roles that includes `key`")
    return tuple(
        RigLamp.from_mapping(str(role), spec or {}, f"light rig {name!r}") for role, spec in lamps.items()
    )


@dataclass(frozen=True)
class LampPlan:
    """A lamp ready to build: where, aimed at what, its Blender power and linear RGB colour."""

    role: str
    light_type: LightType
    shape: AreaShape
    size: float
    size_y: float | None
    position: Vec3
    target: Vec3
    power: float
    colour: Vec3
    irradiance: float  # luminance-weighted irradiance it puts on a surface facing it at the target


def level_stops(lamp: RigLamp, lighting: Lighting) -> float:
    """Stops from the key: fill from the key/fill ratio N:1 (fill = key / N), rim/back from `rim_stops`."""
    if lamp.role == "key":
        return lamp.stops
    if lamp.role == "fill":
        return lamp.stops - stops(lighting.key_fill_ratio)
    if lamp.role in RIM_ROLES:
        return lamp.stops + lighting.rim_stops
    return lamp.stops


def key_side_sign(key_side: str) -> float:
    """+1 when positive azimuths are camera-right. Camera-left: the camera looks +Y from -Y, left is -X."""
    return -1.0 if key_side == "left" else 1.0


def orbit(subject: Vec3, camera_heading: float, azimuth: float, elevation: float, distance: float) -> Vec3:
    """A point `distance` from the subject, `azimuth` (rad) round from the camera side, `elevation` (rad) up.

    `camera_heading` as in the camera department: the camera stands at subject + d (sin h, -cos h).
    """
    heading = camera_heading + azimuth
    horizontal = distance * math.cos(elevation)
    return (
        subject[0] + horizontal * math.sin(heading),
        subject[1] - horizontal * math.cos(heading),
        subject[2] + distance * math.sin(elevation),
    )


def pull_inside(point: Vec3, subject: Vec3, bounds: tuple[Vec3, Vec3]) -> Vec3:
    """Slide a lamp along its line to the subject until it is inside an interior's box (walls, ceiling)."""
    low, high = bounds
    fraction = 1.0
    for axis in range(3):
        offset = point[axis] - subject[axis]
        if point[axis] > high[axis] and offset > 0:
            fraction = min(fraction, (high[axis] - subject[axis]) / offset)
        elif point[axis] < low[axis] and offset < 0:
            fraction = min(fraction, (low[axis] - subject[axis]) / offset)
    fraction = max(fraction, 0.15)  # never onto the subject: a lamp that cannot fit stays close
    return tuple(s + (p - s) * fraction for p, s in zip(point, subject, strict=True))  # type: ignore[return-value]


def lamp_colour(kelvin: float, gels: list[Any], white_balance: Vec3) -> Vec3:
    """Blackbody colour through the lamp's gels, white-balanced to the scene, largest channel 1."""
    light = GelledLight(kelvin)
    for gel in gels:
        light = apply_gel(light.kelvin, gel, light.tint_cc)
    r, g, b = light_rgb(light)
    balanced = (r * white_balance[0], g * white_balance[1], b * white_balance[2])
    peak = max(balanced)
    return (balanced[0] / peak, balanced[1] / peak, balanced[2] / peak)


def luminance(colour: Vec3) -> float:
    """Rec.709 luminance: a lamp's power is divided by this so its colour does not change its level."""
    return 0.2126 * colour[0] + 0.7152 * colour[1] + 0.0722 * colour[2]


def plan_rig(
    rig: tuple[RigLamp, ...],
    lighting: Lighting,
    subject: Vec3,
    camera_heading: float,
    gels: Mapping[str, list[Any]],
    white_balance: Vec3 = (1.0, 1.0, 1.0),
    bounds: tuple[Vec3, Vec3] | None = None,
) -> list[LampPlan]:
    """Every lamp of the rig placed round the subject with the power that gives its level there."""
    side = key_side_sign(lighting.key_side)
    key_irradiance = KEY_IRRADIANCE * (lighting.intensity if lighting.intensity is not None else 1.0)
    key_kelvin = lighting.key_kelvin or DEFAULT_KELVIN
    plans = []
    for lamp in rig:
        azimuth = lighting.key_angle if lamp.azimuth is None and lamp.role == "key" else (lamp.azimuth or 0.0)
        position = orbit(
            subject,
            camera_heading,
            side * math.radians(azimuth),
            math.radians(lamp.elevation),
            lamp.distance,
        )
        if bounds is not None:
            position = pull_inside(position, subject, bounds)
        distance = math.dist(position, subject)
        geometry = LightGeometry(lamp.light_type, distance, 0.0, lamp.size, lamp.shape, lamp.size_y)
        target = key_irradiance * 2.0 ** level_stops(lamp, lighting)
        colour = lamp_colour(lamp.kelvin or key_kelvin, list(gels.get(lamp.role, [])), white_balance)
        power = power_for_irradiance(geometry, target) / luminance(colour)
        plans.append(
            LampPlan(
                lamp.role,
                lamp.light_type,
                lamp.shape,
                lamp.size,
                lamp.size_y,
                position,
                subject,
                power,
                colour,
                target,
            )
        )
    return plans


# --- sun and sky levels --------------------------------------------------------------------------------

SUN_NORMAL_IRRADIANCE = 4.0 * KEY_IRRADIANCE
"""Clear-sky direct sun at the zenith in Backlot's units: two stops over a studio key (a sunlit exterior)."""
SKY_NIGHT_STRENGTH = 0.02
SKY_DAY_STRENGTH = 1.0


def air_mass(elevation: float) -> float:
    """Kasten & Young (1989) relative optical air mass for an apparent elevation in degrees."""
    zenith = 90.0 - elevation
    return 1.0 / (math.cos(math.radians(zenith)) + 0.50572 * (96.07995 - zenith) ** -1.6364)


def sun_irradiance(elevation: float) -> float:
    """Direct-beam sun on a surface facing it: Meinel & Meinel (1976) I = I0 0.7^(AM^0.678); 0 below."""
    if elevation <= -0.833:
        return 0.0
    return SUN_NORMAL_IRRADIANCE * 0.7 ** (air_mass(max(elevation, 0.0)) ** 0.678) / 0.7


def sky_strength(elevation: float) -> float:
    """Background strength of the sky by sun elevation, rising through twilight and on through the day.

    Night level below -12 deg (nautical dusk); a smoothstep to 30 % of the day level at sunset (twilight);
    then 30 % + 70 % sin(elevation), the day's brightening as the sun climbs. An approximation, chosen to be
    continuous and strictly increasing from -12 deg to the zenith.
    """
    twilight = min(1.0, max(0.0, (elevation + 12.0) / 12.0))
    level = 0.3 * twilight * twilight * (3.0 - 2.0 * twilight) + 0.7 * math.sin(
        math.radians(max(elevation, 0.0))
    )
    return SKY_NIGHT_STRENGTH + (SKY_DAY_STRENGTH - SKY_NIGHT_STRENGTH) * level


def sun_kelvin(elevation: float) -> float:
    """Approximate correlated colour temperature of direct sun: ~2000 K at the horizon to ~5500 K high.

    A photographic rule of thumb (sunrise/sunset 2000-3000 K, an hour after ~3500 K, midday 5000-5500 K),
    not a radiative-transfer result; monotonic in elevation.
    """
    return 2000.0 + 3500.0 * (1.0 - math.exp(-max(elevation, 0.0) / 12.0))
