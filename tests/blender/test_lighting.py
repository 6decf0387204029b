"""Lighting department on real Blender: sun direction against NREL SPA, ratios in stops at the subject (by
numerical integration over the built lamps, and by a Cycles render of a grey sphere), day-to-night keys."""

from __future__ import annotations

import importlib.util
import itertools
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import bpy
import numpy as np
import pytest
from backlot.production.model import Production
from backlot.runtime import compat
from build_kit import Built, build_departments, keyed
from mathutils import Vector

SOLAR_TESTS = Path(__file__).resolve().parents[1] / "core" / "test_solar.py"
LUMINANCE = (0.2126, 0.7152, 0.0722)  # Rec.709
Writer = Callable[[dict[str, Any]], Path]


def _spa_references() -> list[tuple[Any, str, float, float]]:
    """The NREL SPA reference cases (cited there) from the core solar tests, so both tiers share one table."""
    spec = importlib.util.spec_from_file_location("solar_references", SOLAR_TESTS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.SPA_REFERENCES)


def body(
    lighting: dict[str, Any] | None = None,
    location: dict[str, Any] | None = None,
    time: str = "2026-03-14T12:00",
    shots: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "title": "Lighting test",
        "version": "1",
        "characters": [{"name": "Ann", "height": 1.75}],
        "locations": [{"name": "Set", "preset": "stage", **(location or {})}],
        "scenes": [
            {"id": 1, "location": "Set", "time": time, "characters": ["Ann"], "lighting": lighting or {}}
        ],
        "shots": shots or [{"scene": 1, "size": "MS", "duration": 48}],
        "outputs": [{"name": "preview", "format": "preview_540p", "path": "output/"}],
    }


def build(path: Path, only: tuple[str, ...] = ("locations", "characters", "lighting")) -> Built:
    return build_departments(path, only)


def light_direction(obj: bpy.types.Object) -> Vector:
    """Where a lamp shines: its local -Z in world space (lamps are unparented; no depsgraph needed)."""
    return (obj.matrix_basis.to_3x3() @ Vector((0.0, 0.0, -1.0))).normalized()


# --- sun ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("place", "local", "azimuth", "elevation"), _spa_references())
def test_sun_lamp_points_where_spa_puts_the_sun(
    clean_blender: None, write_production: Writer, place: Any, local: str, azimuth: float, elevation: float
) -> None:
    geo = {"latitude": place.latitude, "longitude": place.longitude, "utc_offset": place.utc_offset}
    build(write_production(body(location={"geo": geo, "interior": False}, time=local)), ("lighting",))
    sun = keyed("objects", "scene:1/sun")
    towards_sun = -light_direction(sun)
    measured_elevation = math.degrees(math.asin(towards_sun.z))
    measured_azimuth = math.degrees(math.atan2(towards_sun.x, towards_sun.y)) % 360.0  # +X east, +Y north
    assert abs(measured_elevation - elevation) < 0.1
    assert abs((measured_azimuth - azimuth + 180.0) % 360.0 - 180.0) < 0.1
    sky = keyed("worlds", "scene:1/world").node_tree.nodes["Sky Texture"]
    assert sky.sky_type == compat.sky_types()["physical"]
    # the sky's sun sits where the lamp says (sun_rotation is the azimuth clockwise from +Y, found by render)
    assert math.degrees(sky.sun_rotation) == pytest.approx(measured_azimuth, abs=0.1)
    assert math.degrees(sky.sun_elevation) == pytest.approx(max(measured_elevation, -10.0), abs=0.1)


# --- ratios ------------------------------------------------------------------------------------------------


def irradiance_from(lamp: bpy.types.Object, point: Vector, samples: int = 160) -> float:
    """Luminance-weighted irradiance a built lamp puts on a surface at `point` facing the lamp.

    Written here from the definitions, not from production/light/photometry.py: an area light is a one-sided
    Lambertian emitter of radiance P / (pi A) (Blender's definition, checked against a Cycles render),
    integrated as L cos(emitter) cos(receiver) / r^2 over its surface; a point or spot radiates P / (4 pi).
    """
    data = lamp.data
    weight = sum(w * c for w, c in zip(LUMINANCE, data.color[:], strict=True))
    centre = lamp.matrix_basis.translation
    receiver_normal = (centre - point).normalized()
    if data.type in ("POINT", "SPOT"):
        return weight * data.energy / (4 * math.pi) / (centre - point).length_squared
    assert data.type == "AREA" and data.shape in ("SQUARE", "RECTANGLE")
    width = data.size
    height = data.size_y if data.shape == "RECTANGLE" else data.size
    u = (np.arange(samples) + 0.5) / samples - 0.5
    xs, ys = np.meshgrid(u * width, u * height)
    matrix = np.array(lamp.matrix_basis)
    local = np.stack([xs.ravel(), ys.ravel(), np.zeros(xs.size), np.ones(xs.size)])
    world = (matrix @ local)[:3].T
    emitter_normal = np.array(light_direction(lamp))
    offsets = np.array(point) - world
    distances = np.linalg.norm(offsets, axis=1)
    directions = offsets / distances[:, None]
    cos_emitter = np.clip(directions @ emitter_normal, 0.0, None)
    cos_receiver = np.clip(-directions @ np.array(receiver_normal), 0.0, None)
    radiance = data.energy / (math.pi * width * height)
    d_area = width * height / samples**2
    return weight * float(np.sum(radiance * cos_emitter * cos_receiver / distances**2) * d_area)


def subject_eye(production: Production) -> Vector:
    """Where the lights aim: Ann's eye-point empty, or (before the cast has one) 0.93 of her height at the
    origin, where she stands alone."""
    eye = keyed("objects", "scene:1/character:Ann/eye")
    if eye is None:
        return Vector((0.0, 0.0, 0.93 * production.character("Ann").height))
    return eye.parent.matrix_basis @ eye.matrix_parent_inverse @ eye.matrix_basis.translation


@pytest.mark.parametrize("ratio", [2, 4, 8])
@pytest.mark.parametrize("setup", ["three_point", "rembrandt", "low_key", "motivated_window"])
def test_key_fill_ratio_holds_at_the_subject(
    clean_blender: None, write_production: Writer, ratio: int, setup: str
) -> None:
    production, _ = build(
        write_production(body(lighting={"setup": setup, "key_fill_ratio": ratio, "rim_stops": -1}))
    )
    eye = subject_eye(production)
    key = irradiance_from(keyed("objects", "scene:1/light:key"), eye)
    fill = irradiance_from(keyed("objects", "scene:1/light:fill"), eye)
    rim = irradiance_from(keyed("objects", "scene:1/light:rim"), eye)
    assert math.log2(key / fill) == pytest.approx(math.log2(ratio), abs=0.05)
    assert math.log2(rim / key) == pytest.approx(-1.0, abs=0.05)
    assert key == pytest.approx(math.pi, rel=0.01)  # the documented key level: albedo p renders at p


def test_shot_override_keys_the_fill_for_that_shot(clean_blender: None, write_production: Writer) -> None:
    shots = [
        {"id": "1A", "scene": 1, "size": "MS", "duration": 24},
        {"id": "1B", "scene": 1, "size": "CU", "duration": 24, "lighting": {"key_fill_ratio": 4}},
    ]
    build(write_production(body(lighting={"preset": "three_point", "key_fill_ratio": 8}, shots=shots)))
    fill = keyed("objects", "scene:1/light:fill").data
    (energy,) = [c for c in compat.fcurves(fill) if c.data_path == "energy"]
    # the same lamp at the same place: fill = key / N, so going from 8:1 to 4:1 doubles its power
    assert energy.evaluate(30) / energy.evaluate(5) == pytest.approx(2.0, rel=1e-4)


def test_gel_and_kelvin_colour_the_key(clean_blender: None, write_production: Writer) -> None:
    lighting = {"preset": "three_point", "key_kelvin": 3200, "gels": {"key": "full_ctb"}}
    build(write_production(body(lighting=lighting)))
    key = keyed("objects", "scene:1/light:key").data.color
    fill = keyed("objects", "scene:1/light:fill").data.color
    # 3200 K + full CTB (-131 mired) is ~5500 K: bluer than the ungelled 3200 K fill, still warmer than the
    # default 6500 K white balance
    assert key[2] / key[0] > 2 * fill[2] / fill[0]
    assert key[0] >= key[2]


def test_rebuild_keeps_lamps_and_a_moved_light(clean_blender: None, write_production: Writer) -> None:
    path = write_production(body(lighting={"preset": "rembrandt"}))
    build(path)
    lamps = len(bpy.data.lights)
    key = keyed("objects", "scene:1/light:key")
    key.location.x += 0.5
    moved = tuple(key.location)
    _, report = build(path)
    assert len(bpy.data.lights) == lamps and not report.created
    assert tuple(keyed("objects", "scene:1/light:key").location) == pytest.approx(moved)


# --- day to night ------------------------------------------------------------------------------------------


def test_day_to_night_keys_sun_and_sky_monotonic(clean_blender: None, write_production: Writer) -> None:
    geo = {"latitude": 40.42, "longitude": -3.70, "utc_offset": 2}  # Madrid, summer time
    path = write_production(
        body(
            lighting={"preset": "three_point", "day_to_night": True},
            location={"geo": geo, "interior": False},
            time="2026-06-21T18:00",
            shots=[{"scene": 1, "size": "WS", "duration": 96}, {"scene": 1, "size": "MS", "duration": 96}],
        )
    )
    build(path, ("lighting",))
    sun = keyed("objects", "scene:1/sun")
    world = keyed("worlds", "scene:1/world")
    (tilt,) = [c for c in compat.fcurves(sun) if c.data_path == "rotation_euler" and c.array_index == 0]
    (strength,) = [c for c in compat.fcurves(world.node_tree) if c.data_path.endswith("default_value")]
    frames = np.linspace(1, 192, 40)
    elevations = [90.0 - math.degrees(tilt.evaluate(f)) for f in frames]  # rotation x = 90 deg - elevation
    strengths = [strength.evaluate(f) for f in frames]
    assert all(b < a for a, b in itertools.pairwise(elevations))
    assert all(b < a for a, b in itertools.pairwise(strengths))
    assert elevations[0] > 10.0 and elevations[-1] < -10.0  # 18:00 in June is day; it ends at nautical dusk
    rebuilt_actions = len(bpy.data.actions)
    build(path, ("lighting",))
    assert len(bpy.data.actions) == rebuilt_actions  # keys replaced in place, no orphan actions


# --- render ------------------------------------------------------------------------------------------------


def _grey_sphere(centre: Vector, radius: float, collection: bpy.types.Collection) -> None:
    import bmesh

    mesh = bpy.data.meshes.new("probe")
    shape = bmesh.new()
    bmesh.ops.create_uvsphere(shape, u_segments=96, v_segments=48, radius=radius)
    shape.to_mesh(mesh)
    shape.free()
    for polygon in mesh.polygons:
        polygon.use_smooth = True
    material = bpy.data.materials.new("grey")
    nodes = compat.material_node_tree(material).nodes
    principled = nodes["Principled BSDF"]
    cast(bpy.types.NodeSocketColor, principled.inputs["Base Color"]).default_value = (0.18, 0.18, 0.18, 1.0)
    cast(bpy.types.NodeSocketFloat, principled.inputs["Roughness"]).default_value = 1.0
    cast(bpy.types.NodeSocketFloat, principled.inputs["Specular IOR Level"]).default_value = 0.0
    mesh.materials.append(material)
    sphere = bpy.data.objects.new("probe", mesh)
    sphere.location = centre
    collection.objects.link(sphere)


@pytest.mark.slow
@pytest.mark.parametrize("ratio", [2, 4, 8])
def test_rendered_sphere_shows_the_ratio(
    clean_blender: None, write_production: Writer, tmp_path: Path, ratio: int
) -> None:
    """Cycles CPU: lit side (normal towards the key) vs shadow side (key behind the terminator) of a grey
    sphere at the subject, within 0.5 stop of the requested key/fill ratio."""
    production, _ = build(
        write_production(body(lighting={"setup": "three_point", "key_fill_ratio": ratio, "rim_stops": -8}))
    )
    scene = keyed("scenes", "scene:1")
    for obj in scene.objects:
        obj.hide_render = obj.type != "LIGHT" or "light:" not in obj.get("backlot_key", "")
    scene.world = None
    eye, radius = subject_eye(production), 0.3
    _grey_sphere(eye, radius, scene.collection)
    lens = bpy.data.cameras.new("probe camera")
    lens.type, lens.ortho_scale = "ORTHO", 2.5 * radius
    camera = bpy.data.objects.new("probe camera", lens)
    camera.location = eye + Vector((0.0, -5.0, 0.0))
    camera.rotation_euler = (math.pi / 2, 0.0, 0.0)  # looks along +Y
    scene.collection.objects.link(camera)
    scene.camera = camera
    scene.render.engine = "CYCLES"
    scene.cycles.device, scene.cycles.samples, scene.cycles.use_denoising = "CPU", 256, False
    scene.render.resolution_x = scene.render.resolution_y = 100
    scene.render.resolution_percentage = 100
    scene.view_settings.view_transform = "Standard"
    scene.render.image_settings.file_format = "OPEN_EXR"
    scene.render.filepath = str(tmp_path / "sphere.exr")
    bpy.ops.render.render(write_still=True, scene=scene.name)
    image = bpy.data.images.load(scene.render.filepath)
    stored = cast("bpy.types.bpy_prop_array[float]", image.pixels)  # the stub types it as one float
    pixels = np.empty(len(stored), np.float32)
    stored.foreach_get(pixels)
    rgb = pixels.reshape(100, 100, 4)[..., :3] @ np.array(LUMINANCE)

    def luminance_at(normal: Vector) -> float:
        assert normal.y < 0, "the sample point must face the camera"
        column = int((normal.x * radius / camera.data.ortho_scale + 0.5) * 100)
        row = int((normal.z * radius / camera.data.ortho_scale + 0.5) * 100)
        return float(rgb[row - 1 : row + 2, column - 1 : column + 2].mean())

    towards_key = (keyed("objects", "scene:1/light:key").location - eye).normalized()
    towards_fill = (keyed("objects", "scene:1/light:fill").location - eye).normalized()
    shadow_side = (
        towards_fill - towards_fill.dot(towards_key) * towards_key - 0.25 * towards_key
    ).normalized()
    measured = luminance_at(towards_key) / luminance_at(shadow_side)
    print(f"key/fill {ratio}:1 rendered as {measured:.3f}:1")
    assert abs(math.log2(measured) - math.log2(ratio)) <= 0.5, measured
