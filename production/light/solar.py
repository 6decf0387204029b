"""Where the sun (and moon) is for a place and a local time: NOAA solar position, named times of day.

Pure maths, no bpy. World convention (shared with the lighting and locations departments): +X east, +Y north,
+Z up; azimuth in degrees clockwise from north (0 = N, 90 = E); elevation in degrees above the horizon.
The sun algorithm is the NOAA Solar Calculator spreadsheet (after Meeus, *Astronomical Algorithms*),
accurate to about 0.01 deg for 1800-2100; the moon is the Astronomical Almanac low-precision series (~0.3°).
See docs/lighting-maths.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

from ..values import NAMED_TIMES, ValueProblem, parse_time

SUNRISE_ELEVATION = -0.833
"""Geometric elevation of the sun's centre at sunrise/sunset: 34' refraction + 16' semi-diameter (NOAA)."""
CIVIL_TWILIGHT_ELEVATION = -6.0
NAUTICAL_TWILIGHT_ELEVATION = -12.0
GOLDEN_HOUR_ELEVATION = 6.0
"""The evening golden hour is taken to start when the sun's centre sinks through +6 deg (geometric)."""

_J2000 = 2451545.0
_MOON_SEARCH_STEP = timedelta(minutes=10)


@dataclass(frozen=True)
class Place:
    """Where the camera stands: degrees north/east, and the local clock's offset from UTC in hours."""

    latitude: float
    longitude: float
    utc_offset: float = 0.0

    def __post_init__(self) -> None:
        checks = (
            ("latitude", self.latitude, 90.0, "degrees north, -90 (south pole) to 90"),
            ("longitude", self.longitude, 180.0, "degrees east, -180 to 180 (west is negative)"),
            ("utc_offset", self.utc_offset, 14.0, "hours from UTC, -12 to 14 (e.g. 9 for Tokyo)"),
        )
        for name, value, limit, hint in checks:
            if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
                raise ValueError(f"geo.{name} must be a number ({hint}), got {value!r}")
            if abs(value) > limit:
                raise ValueError(f"geo.{name} = {value} is out of range: use {hint}")

    @property
    def tzinfo(self) -> timezone:
        return timezone(timedelta(hours=self.utc_offset))


@dataclass(frozen=True)
class SkyPosition:
    """Apparent (refracted) position of a body as seen from a place."""

    azimuth: float
    elevation: float


@dataclass(frozen=True)
class ResolvedTime:
    """A named time turned into a clock time; `note` says why a fallback was used (polar day or night)."""

    name: str
    when: datetime
    note: str = ""


# --- time ----------------------------------------------------------------------------------------------


def _local(place: Place, when: datetime) -> datetime:
    """Aware local time at the place: naive times are read on the place's clock."""
    if when.tzinfo is None:
        return when.replace(tzinfo=place.tzinfo)
    return when.astimezone(place.tzinfo)


def julian_day(when: datetime) -> float:
    """Julian day (UT) of an aware datetime."""
    utc = when.astimezone(UTC)
    since_j2000 = utc - datetime(2000, 1, 1, 12, tzinfo=UTC)
    return _J2000 + since_j2000 / timedelta(days=1)


def _julian_century(when: datetime) -> float:
    return (julian_day(when) - _J2000) / 36525.0


# --- sun -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _SolarTerms:
    apparent_longitude: float  # degrees along the ecliptic
    declination: float  # degrees
    equation_of_time: float  # minutes


def _solar_terms(julian_century: float) -> _SolarTerms:
    """NOAA spreadsheet: mean longitude/anomaly, equation of centre, obliquity, declination, EoT."""
    t = julian_century
    mean_longitude = (280.46646 + t * (36000.76983 + t * 0.0003032)) % 360.0
    mean_anomaly = 357.52911 + t * (35999.05029 - 0.0001537 * t)
    eccentricity = 0.016708634 - t * (0.000042037 + 0.0000001267 * t)
    m = math.radians(mean_anomaly)
    equation_of_centre = (
        math.sin(m) * (1.914602 - t * (0.004817 + 0.000014 * t))
        + math.sin(2 * m) * (0.019993 - 0.000101 * t)
        + math.sin(3 * m) * 0.000289
    )
    true_longitude = mean_longitude + equation_of_centre
    omega = math.radians(125.04 - 1934.136 * t)
    apparent_longitude = true_longitude - 0.00569 - 0.00478 * math.sin(omega)
    mean_obliquity = 23.0 + (26.0 + (21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))) / 60.0) / 60.0
    obliquity = math.radians(mean_obliquity + 0.00256 * math.cos(omega))
    declination = math.degrees(math.asin(math.sin(obliquity) * math.sin(math.radians(apparent_longitude))))
    y = math.tan(obliquity / 2.0) ** 2
    l0 = math.radians(mean_longitude)
    e = eccentricity
    equation_of_time = 4.0 * math.degrees(
        y * math.sin(2 * l0)
        - 2 * e * math.sin(m)
        + 4 * e * y * math.sin(m) * math.cos(2 * l0)
        - 0.5 * y * y * math.sin(4 * l0)
        - 1.25 * e * e * math.sin(2 * m)
    )
    return _SolarTerms(apparent_longitude % 360.0, declination, equation_of_time)


def refraction_correction(elevation: float) -> float:
    """Atmospheric refraction in degrees to add to a geometric elevation (NOAA's piecewise fit)."""
    if elevation > 85.0:
        return 0.0
    tan_e = math.tan(math.radians(elevation))
    if elevation > 5.0:
        arcsec = 58.1 / tan_e - 0.07 / tan_e**3 + 0.000086 / tan_e**5
    elif elevation > -0.575:
        arcsec = 1735.0 + elevation * (
            -518.2 + elevation * (103.4 + elevation * (-12.79 + elevation * 0.711))
        )
    else:
        arcsec = -20.772 / tan_e
    return arcsec / 3600.0


def _horizontal(latitude: float, declination: float, hour_angle: float) -> tuple[float, float]:
    """Geometric (azimuth, elevation) from latitude, declination and hour angle (degrees, west positive)."""
    lat, dec, ha = (math.radians(v) for v in (latitude, declination, hour_angle))
    sin_elevation = math.sin(lat) * math.sin(dec) + math.cos(lat) * math.cos(dec) * math.cos(ha)
    elevation = math.degrees(math.asin(max(-1.0, min(1.0, sin_elevation))))
    # Same angle as NOAA's arccos form, but atan2 stays defined at the zenith and at the poles.
    azimuth = math.degrees(
        math.atan2(math.sin(ha), math.cos(ha) * math.sin(lat) - math.tan(dec) * math.cos(lat))
    )
    return (azimuth + 180.0) % 360.0, elevation


def _minutes_past_local_midnight(when: datetime) -> float:
    return when.hour * 60.0 + when.minute + (when.second + when.microsecond / 1e6) / 60.0


def _geometric_sun(place: Place, when: datetime) -> tuple[float, float]:
    local = _local(place, when)
    terms = _solar_terms(_julian_century(local))
    true_solar_time = (
        _minutes_past_local_midnight(local)
        + terms.equation_of_time
        + 4.0 * place.longitude
        - 60.0 * place.utc_offset
    ) % 1440.0
    hour_angle = true_solar_time / 4.0 - 180.0
    return _horizontal(place.latitude, terms.declination, hour_angle)


def sun_position(place: Place, when: datetime) -> SkyPosition:
    """Apparent sun azimuth/elevation (degrees) at a local time (naive = the place's clock)."""
    azimuth, elevation = _geometric_sun(place, when)
    return SkyPosition(azimuth, elevation + refraction_correction(elevation))


def direction_vector(position: SkyPosition) -> tuple[float, float, float]:
    """Unit vector from the scene towards the body, +X east, +Y north, +Z up."""
    az, el = math.radians(position.azimuth), math.radians(position.elevation)
    return (math.sin(az) * math.cos(el), math.cos(az) * math.cos(el), math.sin(el))


def sun_lamp_rotation(position: SkyPosition) -> tuple[float, float, float]:
    """Blender XYZ Euler (radians) that aims a sun lamp's local -Z away from the sun, i.e. along its light."""
    return (math.radians(90.0 - position.elevation), 0.0, math.radians(180.0 - position.azimuth))


# --- events --------------------------------------------------------------------------------------------


def _local_midnight(place: Place, day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=place.tzinfo)


def _transit(place: Place, day: date, lower: bool) -> datetime:
    """Solar noon (upper transit) of a local date, or the solar midnight that follows it (lower)."""
    midnight = _local_midnight(place, day)
    minutes = 720.0
    for _ in range(3):
        terms = _solar_terms(_julian_century(midnight + timedelta(minutes=minutes)))
        minutes = (
            720.0
            + (720.0 if lower else 0.0)
            - 4.0 * place.longitude
            - terms.equation_of_time
            + 60.0 * place.utc_offset
        )
    return midnight + timedelta(minutes=minutes)


def solar_noon(place: Place, day: date) -> datetime:
    """Local clock time when the sun crosses the meridian (highest) on a local date."""
    return _transit(place, day, lower=False)


def solar_midnight(place: Place, day: date) -> datetime:
    """Local clock time of the sun's lowest point in the night after a local date's noon."""
    return _transit(place, day, lower=True)


def time_at_elevation(place: Place, day: date, elevation: float, rising: bool) -> datetime | None:
    """When the sun's centre crosses a geometric elevation on a local date; None if it never does that day.

    NOAA's sunrise equation (hour angle of the crossing either side of solar noon), iterated so declination
    and equation of time are taken at the event itself rather than at noon.
    """
    midnight = _local_midnight(place, day)
    minutes = 720.0
    for _ in range(4):
        terms = _solar_terms(_julian_century(midnight + timedelta(minutes=minutes)))
        lat, dec = math.radians(place.latitude), math.radians(terms.declination)
        denominator = math.cos(lat) * math.cos(dec)
        if abs(denominator) < 1e-12:  # at a pole the sun circles at constant height
            return None
        cos_hour_angle = (math.sin(math.radians(elevation)) - math.sin(lat) * math.sin(dec)) / denominator
        if abs(cos_hour_angle) > 1.0:
            return None
        hour_angle = math.degrees(math.acos(cos_hour_angle))
        transit = 720.0 - 4.0 * place.longitude - terms.equation_of_time + 60.0 * place.utc_offset
        minutes = transit - 4.0 * hour_angle if rising else transit + 4.0 * hour_angle
    return midnight + timedelta(minutes=minutes)


def sunrise(place: Place, day: date) -> datetime | None:
    """Local sunrise (upper limb on the refracted horizon); None during polar day or polar night."""
    return time_at_elevation(place, day, SUNRISE_ELEVATION, rising=True)


def sunset(place: Place, day: date) -> datetime | None:
    """Local sunset; it may fall after local midnight (e.g. Reykjavik in June). None in polar day or night."""
    return time_at_elevation(place, day, SUNRISE_ELEVATION, rising=False)


# --- named times ---------------------------------------------------------------------------------------


def _crossing_or_nearest(place: Place, day: date, name: str, elevation: float, rising: bool) -> ResolvedTime:
    """The crossing of `elevation`; if the sun never crosses it that day, the moment it comes nearest."""
    crossing = time_at_elevation(place, day, elevation, rising)
    if crossing is not None:
        return ResolvedTime(name, crossing)
    noon = solar_noon(place, day)
    if _geometric_sun(place, noon)[1] < elevation:
        note = (
            f"the sun stays below {elevation:+.0f} deg all day at latitude {place.latitude} on {day} "
            "(polar night): using solar noon, when it comes closest"
        )
        return ResolvedTime(name, noon, note)
    midnight = solar_midnight(place, day)
    note = (
        f"the sun stays above {elevation:+.0f} deg all day at latitude {place.latitude} on {day} "
        "(midnight sun): using solar midnight, when it is lowest"
    )
    return ResolvedTime(name, midnight, note)


def _night(place: Place, day: date) -> ResolvedTime:
    """Moon highest between nautical dusk and the next nautical dawn if it is up; else solar midnight."""
    dusk = time_at_elevation(place, day, NAUTICAL_TWILIGHT_ELEVATION, rising=False)
    dawn = time_at_elevation(place, day + timedelta(days=1), NAUTICAL_TWILIGHT_ELEVATION, rising=True)
    midnight = solar_midnight(place, day)
    if dusk is None or dawn is None or dawn <= dusk:
        note = f"no dark (nautical) night at latitude {place.latitude} on {day}: using solar midnight"
        return ResolvedTime("night", midnight, note)
    best_time, best_elevation = midnight, 0.0
    moment = dusk
    while moment <= dawn:
        elevation = moon_position(place, moment).elevation
        if elevation > best_elevation:
            best_time, best_elevation = moment, elevation
        moment += _MOON_SEARCH_STEP
    if best_elevation <= 0.0:
        return ResolvedTime(
            "night", midnight, "the moon is down all night: using solar midnight, no moonlight"
        )
    return ResolvedTime("night", best_time)


_NAMED: dict[str, Callable[[Place, date], ResolvedTime]] = {
    "dawn": lambda p, d: _crossing_or_nearest(p, d, "dawn", CIVIL_TWILIGHT_ELEVATION, rising=True),
    "dusk": lambda p, d: _crossing_or_nearest(p, d, "dusk", CIVIL_TWILIGHT_ELEVATION, rising=False),
    "golden_hour": lambda p, d: _crossing_or_nearest(
        p, d, "golden_hour", GOLDEN_HOUR_ELEVATION, rising=False
    ),
    "day": lambda p, d: ResolvedTime("day", solar_noon(p, d)),
    "night": _night,
}


def resolve_named_time(name: str, place: Place, day: date) -> ResolvedTime:
    """`dawn|day|golden_hour|dusk|night` -> local clock time on `day` at `place` (fallbacks carry a note)."""
    resolver = _NAMED.get(name)
    if resolver is None:
        raise ValueError(
            f"unknown time of day {name!r}: use one of {', '.join(NAMED_TIMES)} or an ISO date-time"
        )
    return resolver(place, day)


def resolve_time(value: str | datetime, place: Place, day: date, where: str = "time") -> ResolvedTime:
    """A spec `time` -> aware local datetime. Text is read as the validator reads it (values.parse_time): a
    named time or a clock time falls on `day`, an ISO date-time is the place's local time."""
    if isinstance(value, datetime):
        return ResolvedTime("", _local(place, value))
    if not isinstance(value, str):
        raise ValueError(
            f"{where}: expected an ISO date-time or one of {', '.join(NAMED_TIMES)}, got {value!r}"
        )
    try:
        parsed = parse_time(value)
    except ValueProblem:
        raise ValueError(
            f"{where}: {value!r} is neither a named time ({', '.join(NAMED_TIMES)}) nor an ISO date-time; "
            'write e.g. "2026-03-14T23:30" (local time at the location) or "dusk"'
        ) from None
    if parsed.named is not None:
        return resolve_named_time(parsed.named, place, day)
    when = parsed.when or datetime.combine(day, parsed.clock or time(12))
    return ResolvedTime("", _local(place, when))


# --- moon ----------------------------------------------------------------------------------------------


def _sin_d(degrees: float) -> float:
    return math.sin(math.radians(degrees))


def _cos_d(degrees: float) -> float:
    return math.cos(math.radians(degrees))


def _moon_ecliptic(t: float) -> tuple[float, float, float]:
    """Geocentric ecliptic longitude, latitude, horizontal parallax (degrees): Astronomical Almanac series."""
    longitude = (
        218.32
        + 481267.881 * t
        + 6.29 * _sin_d(135.0 + 477198.87 * t)
        - 1.27 * _sin_d(259.3 - 413335.36 * t)
        + 0.66 * _sin_d(235.7 + 890534.22 * t)
        + 0.21 * _sin_d(269.9 + 954397.74 * t)
        - 0.19 * _sin_d(357.5 + 35999.05 * t)
        - 0.11 * _sin_d(186.5 + 966404.03 * t)
    )
    latitude = (
        5.13 * _sin_d(93.3 + 483202.02 * t)
        + 0.28 * _sin_d(228.2 + 960400.89 * t)
        - 0.28 * _sin_d(318.3 + 6003.15 * t)
        - 0.17 * _sin_d(217.6 - 407332.21 * t)
    )
    parallax = (
        0.9508
        + 0.0518 * _cos_d(135.0 + 477198.87 * t)
        + 0.0095 * _cos_d(259.3 - 413335.36 * t)
        + 0.0078 * _cos_d(235.7 + 890534.22 * t)
        + 0.0028 * _cos_d(269.9 + 954397.74 * t)
    )
    return longitude % 360.0, latitude, parallax


def _greenwich_mean_sidereal_degrees(jd: float) -> float:
    """Meeus eq. 12.4."""
    t = (jd - _J2000) / 36525.0
    return (280.46061837 + 360.98564736629 * (jd - _J2000) + t * t * (0.000387933 - t / 38710000.0)) % 360.0


def moon_position(place: Place, when: datetime) -> SkyPosition:
    """Apparent topocentric moon azimuth/elevation, about 0.5 deg accurate: enough to aim a moonlight."""
    local = _local(place, when)
    jd = julian_day(local)
    t = (jd - _J2000) / 36525.0
    longitude, latitude, parallax = _moon_ecliptic(t)
    obliquity = 23.439291 - 0.0130042 * t
    lam, beta, eps = math.radians(longitude), math.radians(latitude), math.radians(obliquity)
    right_ascension = math.degrees(
        math.atan2(math.sin(lam) * math.cos(eps) - math.tan(beta) * math.sin(eps), math.cos(lam))
    )
    declination = math.degrees(
        math.asin(math.sin(beta) * math.cos(eps) + math.cos(beta) * math.sin(eps) * math.sin(lam))
    )
    hour_angle = _greenwich_mean_sidereal_degrees(jd) + place.longitude - right_ascension
    azimuth, geocentric_elevation = _horizontal(place.latitude, declination, hour_angle)
    elevation = geocentric_elevation - parallax * math.cos(math.radians(geocentric_elevation))
    return SkyPosition(azimuth, elevation + refraction_correction(elevation))


def moon_illuminated_fraction(place: Place, when: datetime) -> float:
    """Lit fraction of the moon's disc (0 new, 1 full) from its elongation from the sun; ~0.02 accurate."""
    t = _julian_century(_local(place, when))
    moon_longitude, moon_latitude, _ = _moon_ecliptic(t)
    sun_longitude = _solar_terms(t).apparent_longitude
    cos_elongation = _cos_d(moon_latitude) * _cos_d(moon_longitude - sun_longitude)
    return (1.0 - cos_elongation) / 2.0
