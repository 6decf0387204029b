"""Sun and moon positions and named times against independent implementations (values hard-coded, cited)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from backlot.production.light import solar
from backlot.production.light.solar import Place, SkyPosition

TOKYO = Place(35.68, 139.69, 9)
SYDNEY_SUMMER = Place(-33.87, 151.21, 11)
REYKJAVIK = Place(64.15, -21.94, 0)
QUITO = Place(-0.18, -78.47, -5)
LONDON = Place(51.51, -0.13, 0)
TROMSO = Place(69.65, 18.96, 1)

# Reference: NREL SPA (Reda & Andreas 2004) as implemented by pvlib 0.16.1,
# pvlib.solarposition.spa_python(utc_times, lat, lon, pressure=101000, temperature=10, delta_t=67.0);
# "apparent_elevation" and "azimuth" columns. Inputs are local clock times; UTC = local - utc_offset.
# SPA vs the NOAA spreadsheet differ by ~0.01 deg (plus NOAA's tiny below-horizon refraction, <0.03 deg
# at -11 deg), so the 0.1 deg acceptance tolerance holds.
SPA_REFERENCES = [
    # (place, local time, azimuth, elevation)
    (TOKYO, "2026-03-14T23:30", 350.789, -56.366),  # the spec's night scene
    (TOKYO, "2026-03-14T12:00", 183.830, 51.701),
    (SYDNEY_SUMMER, "2026-12-21T15:00", 282.236, 60.416),
    (Place(-33.87, 151.21, 10), "2026-06-21T09:30", 36.542, 22.929),  # Sydney winter, AEST
    (REYKJAVIK, "2026-06-21T13:30", 180.144, 49.301),  # midsummer
    (REYKJAVIK, "2026-06-21T22:00", 312.958, 6.671),
    (QUITO, "2026-03-20T10:00", 89.739, 54.690),  # equinox on the equator: sun due east
    (Place(40.71, -74.01, -5), "2026-12-21T15:30", 228.599, 8.731),  # New York winter solstice
    (Place(-33.92, 18.42, 2), "2026-04-15T08:00", 71.405, 9.495),  # Cape Town autumn morning
    (LONDON, "2026-10-15T16:45", 252.616, 2.777),  # low sun, large refraction
    (Place(78.22, 15.65, 1), "2026-12-21T12:00", 181.067, -11.661),  # Longyearbyen polar night noon
    (Place(34.05, -118.24, -7), "2026-07-04T00:30", 352.502, -32.717),  # Los Angeles after midnight
]


def _angle_difference(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


@pytest.mark.parametrize(("place", "local", "azimuth", "elevation"), SPA_REFERENCES)
def test_sun_position_matches_spa(place: Place, local: str, azimuth: float, elevation: float) -> None:
    position = solar.sun_position(place, datetime.fromisoformat(local))
    assert _angle_difference(position.azimuth, azimuth) < 0.1
    assert abs(position.elevation - elevation) < 0.1


def test_aware_time_is_converted_to_the_place_clock() -> None:

    # Tokyo 23:30 (+09:00) is 14:30 UTC; SPA reference above.
    position = solar.sun_position(TOKYO, datetime(2026, 3, 14, 14, 30, tzinfo=UTC))
    assert _angle_difference(position.azimuth, 350.789) < 0.1
    assert abs(position.elevation - -56.366) < 0.1


def test_tokyo_night_scene_has_sun_below_horizon() -> None:
    assert solar.sun_position(TOKYO, datetime(2026, 3, 14, 23, 30)).elevation < -50.0


@pytest.mark.parametrize(
    ("azimuth", "elevation", "expected"),
    [
        (0.0, 0.0, (0.0, 1.0, 0.0)),  # north on the horizon = +Y
        (90.0, 0.0, (1.0, 0.0, 0.0)),  # east = +X
        (180.0, 0.0, (0.0, -1.0, 0.0)),
        (270.0, 0.0, (-1.0, 0.0, 0.0)),
        (123.0, 90.0, (0.0, 0.0, 1.0)),  # zenith = +Z whatever the azimuth
        (45.0, 45.0, (0.5, 0.5, math.sqrt(0.5))),  # hand calculation: cos45 * sin45 = 0.5
    ],
)
def test_direction_vector_follows_y_north_x_east(
    azimuth: float, elevation: float, expected: tuple[float, float, float]
) -> None:
    assert solar.direction_vector(SkyPosition(azimuth, elevation)) == pytest.approx(expected, abs=1e-12)


def _euler_xyz_matrix(rx: float, ry: float, rz: float) -> list[list[float]]:
    """Blender's 'XYZ' Euler order: R = Rz @ Ry @ Rx (X applied first), written out independently."""
    cx, sx, cy, sy, cz, sz = (
        math.cos(rx),
        math.sin(rx),
        math.cos(ry),
        math.sin(ry),
        math.cos(rz),
        math.sin(rz),
    )
    return [
        [cz * cy, cz * sy * sx - sz * cx, cz * sy * cx + sz * sx],
        [sz * cy, sz * sy * sx + cz * cx, sz * sy * cx - cz * sx],
        [-sy, cy * sx, cy * cx],
    ]


@pytest.mark.parametrize(("place", "local", "azimuth", "elevation"), SPA_REFERENCES)
def test_sun_lamp_rotation_points_local_minus_z_along_the_light(
    place: Place, local: str, azimuth: float, elevation: float
) -> None:
    position = SkyPosition(azimuth, elevation)
    matrix = _euler_xyz_matrix(*solar.sun_lamp_rotation(position))
    lamp_axis = [-row[2] for row in matrix]  # R @ (0, 0, -1)
    az, el = math.radians(azimuth), math.radians(elevation)
    towards_sun = (math.sin(az) * math.cos(el), math.cos(az) * math.cos(el), math.sin(el))
    assert lamp_axis == pytest.approx([-c for c in towards_sun], abs=1e-12)


# Reference events: PyEphem 4.2.1 (libastro), Observer(lat, lon, elevation=0, pressure=0), horizon '-0:50'
# with
# use_center=True for sunrise/sunset (= NOAA's 90.833 deg zenith), next_transit / next_antitransit for noon
# and
# midnight, searched from local midnight (sunset in Reykjavik: from local noon). Times are local clock times.
EPHEM_EVENTS = [
    (TOKYO, "2026-03-14", "05:54:08", "17:47:25", "11:50:29"),
    (SYDNEY_SUMMER, "2026-12-21", "05:40:38", "20:05:24", "12:53:00"),
    (REYKJAVIK, "2026-06-21", "02:55:06", "+1 00:04:02", "13:29:35"),
    (QUITO, "2026-03-20", "06:18:00", "18:24:29", "12:21:15"),
    (LONDON, "2026-10-15", "06:24:24", "17:07:20", "11:46:18"),
]


def _local(place: Place, day: str, clock: str) -> datetime:
    days = 0
    if clock.startswith("+1 "):
        days, clock = 1, clock[3:]
    naive = datetime.fromisoformat(f"{day}T{clock}") + timedelta(days=days)
    return naive.replace(tzinfo=place.tzinfo)


def _assert_close_in_time(actual: datetime | None, expected: datetime, seconds: float = 60.0) -> None:
    assert actual is not None
    assert abs((actual - expected).total_seconds()) < seconds, (actual, expected)


@pytest.mark.parametrize(("place", "day", "rise", "set_", "noon"), EPHEM_EVENTS)
def test_sunrise_sunset_noon_match_ephem(place: Place, day: str, rise: str, set_: str, noon: str) -> None:
    on = date.fromisoformat(day)
    _assert_close_in_time(solar.sunrise(place, on), _local(place, day, rise))
    _assert_close_in_time(solar.sunset(place, on), _local(place, day, set_))
    _assert_close_in_time(solar.solar_noon(place, on), _local(place, day, noon))


# PyEphem 4.2.1 as above with use_center=True: civil twilight horizon '-6', golden hour horizon '6' (setting).
EPHEM_NAMED = [
    (TOKYO, "2026-03-14", "05:28:42", "17:13:37", "18:12:53"),
    (SYDNEY_SUMMER, "2026-12-21", "05:11:28", "19:28:31", "20:34:34"),
    (QUITO, "2026-03-20", "05:57:20", "17:57:10", "18:45:09"),
    (LONDON, "2026-10-15", "05:50:41", "16:21:18", "17:41:00"),
]


@pytest.mark.parametrize(("place", "day", "dawn", "golden", "dusk"), EPHEM_NAMED)
def test_named_times_match_ephem(place: Place, day: str, dawn: str, golden: str, dusk: str) -> None:
    on = date.fromisoformat(day)
    for name, clock in (("dawn", dawn), ("golden_hour", golden), ("dusk", dusk)):
        resolved = solar.resolve_named_time(name, place, on)
        assert resolved.note == ""
        _assert_close_in_time(resolved.when, _local(place, day, clock))
    _assert_close_in_time(solar.resolve_named_time("day", place, on).when, solar.solar_noon(place, on), 1.0)


def test_reykjavik_midsummer_golden_hour_exists_but_dusk_falls_back() -> None:
    on = date(2026, 6, 21)
    # PyEphem 4.2.1: Sun centre sets through +6 deg at 22:06:51; it never reaches -6 (AlwaysUpError),
    # and the following lower transit (solar midnight) is 2026-06-22 01:29:42 local.
    _assert_close_in_time(
        solar.resolve_named_time("golden_hour", REYKJAVIK, on).when,
        _local(REYKJAVIK, "2026-06-21", "22:06:51"),
    )
    dusk = solar.resolve_named_time("dusk", REYKJAVIK, on)
    assert "midnight sun" in dusk.note
    _assert_close_in_time(dusk.when, _local(REYKJAVIK, "2026-06-22", "01:29:42"))
    night = solar.resolve_named_time("night", REYKJAVIK, on)
    assert "solar midnight" in night.note
    _assert_close_in_time(night.when, _local(REYKJAVIK, "2026-06-22", "01:29:42"))


def test_polar_day_and_polar_night_have_no_sunrise_and_fall_back() -> None:
    # Tromsø 69.65 N: PyEphem 4.2.1 raises AlwaysUpError on 2026-06-21 and NeverUpError on 2026-12-21;
    # next_antitransit from local noon 2026-06-21 = 23:46:04, next_transit on 2026-12-21 = 11:42:11.
    summer, winter = date(2026, 6, 21), date(2026, 12, 21)
    assert solar.sunrise(TROMSO, summer) is None and solar.sunset(TROMSO, summer) is None
    assert solar.sunrise(TROMSO, winter) is None and solar.sunset(TROMSO, winter) is None
    dawn = solar.resolve_named_time("dawn", TROMSO, summer)
    assert "midnight sun" in dawn.note
    _assert_close_in_time(dawn.when, _local(TROMSO, "2026-06-21", "23:46:04"))
    golden = solar.resolve_named_time("golden_hour", TROMSO, winter)
    assert "polar night" in golden.note
    _assert_close_in_time(golden.when, _local(TROMSO, "2026-12-21", "11:42:11"))


def test_night_prefers_the_moon_when_it_is_up() -> None:
    # PyEphem 4.2.1, Tokyo: nautical dusk 2026-03-14 18:42:31, moonrise (centre, no refraction)
    # 2026-03-15 03:46:47,
    # nautical dawn 2026-03-15 04:57:43. A waning crescent rises before dawn, so the night shot lands
    # after it.
    night = solar.resolve_named_time("night", TOKYO, date(2026, 3, 14))
    assert night.note == ""
    assert _local(TOKYO, "2026-03-15", "03:46:47") <= night.when <= _local(TOKYO, "2026-03-15", "04:57:43")


def test_night_without_moon_is_solar_midnight() -> None:
    # PyEphem 4.2.1, London 2026-03-18 (new moon 2026-03-19 01:23 UTC): the moon stays below -11 deg
    # between nautical
    # dusk and dawn; the lower transit of the sun is 2026-03-19 00:08:24 UTC.
    night = solar.resolve_named_time("night", LONDON, date(2026, 3, 18))
    assert "moon is down" in night.note
    _assert_close_in_time(night.when, _local(LONDON, "2026-03-19", "00:08:24"))


# PyEphem 4.2.1 Moon(observer) with pressure=1010, temp=10 (topocentric, refracted alt/az) and moon_phase.
EPHEM_MOON = [
    (TOKYO, "2026-03-14T23:30", 86.41, -48.51, 0.210),
    (LONDON, "2026-10-15T22:00", 253.67, -23.87, 0.253),
    (SYDNEY_SUMMER, "2026-12-21T23:00", 347.63, 30.66, 0.904),
    (QUITO, "2026-03-20T02:00", 50.23, -76.11, 0.021),
    (Place(40.71, -74.01, -4), "2026-08-28T21:00", 107.69, 12.58, 0.992),
    (REYKJAVIK, "2026-01-03T20:00", 78.11, 22.39, 0.996),
]


@pytest.mark.parametrize(("place", "local", "azimuth", "elevation", "lit"), EPHEM_MOON)
def test_moon_within_one_degree_of_ephem(
    place: Place, local: str, azimuth: float, elevation: float, lit: float
) -> None:
    when = datetime.fromisoformat(local)
    position = solar.moon_position(place, when)
    # near the zenith/nadir azimuth is ill-conditioned: compare the great-circle separation instead
    a1, e1, a2, e2 = (math.radians(v) for v in (position.azimuth, position.elevation, azimuth, elevation))
    cos_sep = math.sin(e1) * math.sin(e2) + math.cos(e1) * math.cos(e2) * math.cos(a1 - a2)
    assert math.degrees(math.acos(min(1.0, cos_sep))) < 1.0
    assert abs(solar.moon_illuminated_fraction(place, when) - lit) < 0.03


def test_resolve_time_accepts_iso_and_names() -> None:
    resolved = solar.resolve_time("2026-03-14T23:30", TOKYO, date(2026, 1, 1))
    assert resolved.when == datetime.fromisoformat("2026-03-14T23:30+09:00")
    assert solar.resolve_time(" Dusk ", TOKYO, date(2026, 3, 14)).name == "dusk"


@pytest.mark.parametrize("bad", ["teatime", "2026-13-40T25:00", "", 42])
def test_bad_time_names_the_field_and_the_fix(bad: Any) -> None:
    with pytest.raises(ValueError, match=r"scenes\[0\]\.time.*(ISO|dusk)"):
        solar.resolve_time(bad, TOKYO, date(2026, 3, 14), where="scenes[0].time")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"latitude": 95.0, "longitude": 0.0}, "latitude"),
        ({"latitude": 0.0, "longitude": -181.0}, "longitude"),
        ({"latitude": 0.0, "longitude": 0.0, "utc_offset": 15}, "utc_offset"),
        ({"latitude": "north", "longitude": 0.0}, "latitude"),
    ],
)
def test_bad_place_names_the_field(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=rf"geo\.{field}"):
        Place(**kwargs)
