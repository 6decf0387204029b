"""Lighting rigs: placement round the subject by hand geometry, ratios recovered by numerical integration
written here, interiors, rig presets, and the sun/sky level curves against their published formulas."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from backlot.production.light import rig as lr
from backlot.production.model import Lighting
from backlot.production.spec.schema import LIGHTING_SETUPS

RIGS = Path(__file__).resolve().parents[2] / "presets" / "light_rigs"
SUBJECT = (1.0, 2.0, 1.6)


def load_rig(name: str) -> tuple[lr.RigLamp, ...]:
    return lr.rig_from_preset(name, yaml.safe_load((RIGS / f"{name}.yaml").read_text(encoding="utf-8")))


def test_every_lighting_setup_has_a_rig_with_a_key_and_a_fill() -> None:
    for setup in LIGHTING_SETUPS:
        roles = {lamp.role for lamp in load_rig(setup)}
        assert {"key", "fill"} <= roles, setup


def test_orbit_by_hand() -> None:
    # Camera heading 0: the camera is on -Y of the subject. Azimuth 0, elevation 0, 3 m: straight towards it.
    assert lr.orbit(SUBJECT, 0.0, 0.0, 0.0, 3.0) == pytest.approx((1.0, -1.0, 1.6))
    # Azimuth 90 deg (camera-right, +X), elevation 30 deg: 3 cos 30 across, 3 sin 30 up.
    assert lr.orbit(SUBJECT, 0.0, math.pi / 2, math.radians(30), 3.0) == pytest.approx(
        (1.0 + 3 * math.sqrt(3) / 2, 2.0, 1.6 + 1.5)
    )
    # Heading 180 deg puts the camera on +Y: azimuth 0 follows it there.
    assert lr.orbit(SUBJECT, math.pi, 0.0, 0.0, 2.0) == pytest.approx((1.0, 4.0, 1.6))


def test_key_side_left_is_camera_left() -> None:
    lamps = (lr.RigLamp("key"), lr.RigLamp("fill", azimuth=-50.0))
    for side, sign in (("left", -1), ("right", 1)):
        key, fill = lr.plan_rig(lamps, Lighting(key_side=side, key_angle=40), SUBJECT, 0.0, {})
        # the camera looks along +Y, so its left is -X
        assert math.copysign(1, key.position[0] - SUBJECT[0]) == sign
        assert math.copysign(1, fill.position[0] - SUBJECT[0]) == -sign


def _numeric_irradiance(plan: lr.LampPlan, samples: int = 200) -> float:
    """Irradiance on a surface facing the lamp at its target, integrating L cos cos / r^2 over an aimed
    square or rectangle of radiance P / (pi A); a point or spot as P / (4 pi d^2). Times the colour's
    luminance, as a light meter would weigh it."""
    lamp, target = np.array(plan.position), np.array(plan.target)
    axis = (target - lamp) / np.linalg.norm(target - lamp)
    weight = float(np.dot([0.2126, 0.7152, 0.0722], plan.colour))
    if plan.light_type != "AREA":
        return weight * plan.power / (4 * math.pi) / float(np.sum((target - lamp) ** 2))
    helper = np.array([0.0, 0.0, 1.0]) if abs(axis[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    u = np.cross(axis, helper)
    u /= np.linalg.norm(u)
    v = np.cross(axis, u)
    width, height = plan.size, plan.size_y or plan.size
    grid = (np.arange(samples) + 0.5) / samples - 0.5
    a, b = np.meshgrid(grid * width, grid * height)
    points = lamp + a.ravel()[:, None] * u + b.ravel()[:, None] * v
    offsets = target - points
    r = np.linalg.norm(offsets, axis=1)
    cos_both = (offsets @ axis / r) ** 2  # the receiver faces the lamp along the same axis
    radiance = plan.power / (math.pi * width * height)
    return weight * float(np.sum(radiance * cos_both / r**2) * width * height / samples**2)


@pytest.mark.parametrize(
    ("setup", "ratio"), list(itertools.product(["three_point", "high_key", "low_key"], [2, 4, 8]))
)
def test_fill_is_key_over_n_at_the_subject(setup: str, ratio: float) -> None:
    lighting = Lighting(setup=setup, key_fill_ratio=ratio, rim_stops=-1.5, key_kelvin=3200)
    plans = {p.role: p for p in lr.plan_rig(load_rig(setup), lighting, SUBJECT, 0.4, {})}
    key, fill, rim = (_numeric_irradiance(plans[r]) for r in ("key", "fill", "rim"))
    assert key / fill == pytest.approx(ratio, rel=0.01)
    assert rim / key == pytest.approx(2**-1.5, rel=0.01)
    assert key == pytest.approx(math.pi, rel=0.01)


def test_interior_bounds_pull_lamps_inside_along_their_line() -> None:
    bounds = ((-2.0, -10.0, 0.2), (2.0, 2.0, 2.5))
    subject = (0.0, 0.0, 1.6)
    far = (5.0, 6.0, 4.0)
    inside = lr.pull_inside(far, subject, bounds)
    assert all(lo - 1e-9 <= c <= hi + 1e-9 for c, lo, hi in zip(inside, *bounds, strict=True))
    assert max(c - hi for c, hi in zip(inside, bounds[1], strict=True)) == pytest.approx(0.0, abs=1e-9)
    # still on the segment subject -> far: the direction to the subject does not change
    towards = np.subtract(far, subject)
    moved = np.subtract(inside, subject)
    assert np.cross(towards, moved) == pytest.approx([0, 0, 0], abs=1e-9)
    assert np.dot(towards, moved) > 0


def test_rig_preset_problems_are_named() -> None:
    with pytest.raises(ValueError, match=r"lamp 'fill' has unknown key\(s\) \['colour'\]"):
        lr.rig_from_preset("mine", {"lamps": {"key": {}, "fill": {"colour": 3}}})
    with pytest.raises(ValueError, match="includes `key`"):
        lr.rig_from_preset("mine", {"lamps": {"fill": {}}})
    with pytest.raises(ValueError, match="distance must be a number"):
        lr.rig_from_preset("mine", {"lamps": {"key": {"distance": "far"}}})


def test_air_mass_matches_kasten_young_reference_points() -> None:
    # Kasten & Young (1989): AM = 0.99971 at the zenith, 1.9942 at 30 deg elevation, ~37.9 at the horizon.
    assert lr.air_mass(90.0) == pytest.approx(1.0, abs=5e-4)
    assert lr.air_mass(30.0) == pytest.approx(1.994, abs=2e-3)
    assert lr.air_mass(0.0) == pytest.approx(37.92, rel=0.01)


def test_sun_and_sky_levels_fall_monotonically_towards_night() -> None:
    elevations = np.linspace(90, -20, 221)
    sun = [lr.sun_irradiance(e) for e in elevations]
    sky = [lr.sky_strength(e) for e in elevations]
    kelvin = [lr.sun_kelvin(e) for e in elevations]
    for series in (sun, kelvin):
        assert all(b <= a for a, b in itertools.pairwise(series))
    assert all(b <= a for a, b in itertools.pairwise(sky))
    # Meinel: at air mass 2 the beam is 0.7^(2^0.678) / 0.7 of the zenith value
    assert lr.sun_irradiance(30.0) / lr.sun_irradiance(90.0) == pytest.approx(
        0.7 ** (1.994**0.678) / 0.7, rel=2e-3
    )
    assert sun[-1] == 0.0 and sky[-1] == pytest.approx(lr.SKY_NIGHT_STRENGTH)
