"""Optics and framing against real Blender cameras: angle_x/angle_y, view frames and world_to_camera_view."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from typing import Literal, cast

import pytest
import yaml
from backlot.production.camera import framing, optics
from backlot.production.camera import moves as camera_moves

pytestmark = [
    pytest.mark.blender,
    pytest.mark.skipif(importlib.util.find_spec("bpy") is None, reason="needs the pip bpy module"),
]

PRESETS = Path(__file__).resolve().parents[2] / "presets"
SENSORS = ["full_frame", "super35", "aps_c", "16mm", "anamorphic_2x"]


def load(kind: str, name: str) -> dict:
    return yaml.safe_load((PRESETS / kind / f"{name}.yaml").read_text())


def fresh_scene(resolution: tuple[int, int], pixel_aspect: tuple[float, float] = (1.0, 1.0)):
    import bpy

    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene
    scene.render.resolution_x, scene.render.resolution_y = resolution
    scene.render.resolution_percentage = 100
    scene.render.pixel_aspect_x, scene.render.pixel_aspect_y = pixel_aspect
    return scene


def add_camera(scene, gate: optics.Sensor, focal: float, fit: str, location=(0, 0, 0), rotation=(0, 0, 0)):
    import bpy

    data = bpy.data.cameras.new("cam")
    data.lens = focal
    data.sensor_width, data.sensor_height = optics.blender_sensor(gate)
    data.sensor_fit = cast(Literal["AUTO", "HORIZONTAL", "VERTICAL"], fit)  # one of optics.SENSOR_FITS
    obj = bpy.data.objects.new("cam", data)
    scene.collection.objects.link(obj)
    obj.location, obj.rotation_euler = location, rotation
    scene.camera = obj
    bpy.context.view_layer.update()
    return obj


def frame_of(scene, camera, point):
    from bpy_extras.object_utils import world_to_camera_view
    from mathutils import Vector

    return world_to_camera_view(scene, camera, Vector(point))


@pytest.mark.parametrize("name", SENSORS)
def test_field_of_view_matches_blender_for_every_fit(name: str) -> None:
    gate = optics.sensor_from_preset(name, load("sensors", name))
    for resolution in ((1920, 804), (1080, 1920)):
        scene = fresh_scene(resolution, optics.render_pixel_aspect(gate))
        aspect = resolution[0] * gate.squeeze / resolution[1]
        for fit in optics.SENSOR_FITS:
            focal = 40.0
            camera = add_camera(scene, gate, focal, fit)
            h, v = optics.field_of_view(gate, focal, fit, aspect)
            if fit == "HORIZONTAL" or (fit == "AUTO" and aspect >= 1):
                assert h == pytest.approx(camera.data.angle_x, rel=1e-6)
                assert h == pytest.approx(2 * math.atan(gate.width_mm * gate.squeeze / (2 * focal)), rel=1e-9)
            if fit == "VERTICAL":
                assert v == pytest.approx(camera.data.angle_y, rel=1e-6)
                assert v == pytest.approx(2 * math.atan(gate.height_mm / (2 * focal)), rel=1e-9)
            # Frame corners one metre down -Z from a camera at the origin land on 0 and 1.
            half_w, half_h = math.tan(h / 2), math.tan(v / 2)
            for sx, sy in ((-1, -1), (1, 1), (1, -1)):
                x, y, _ = frame_of(scene, camera, (sx * half_w, sy * half_h, -1.0))
                assert (x, y) == pytest.approx(((sx + 1) / 2, (sy + 1) / 2), abs=1e-5), (
                    name,
                    resolution,
                    fit,
                )


SIZES = ["EWS", "WS", "MS", "MCU", "CU", "ECU", "INSERT", "TWO", "OTS"]


@pytest.mark.parametrize("size_name", SIZES)
def test_shot_sizes_frame_the_subject_in_blender(size_name: str) -> None:
    size = framing.shot_size_from_preset(size_name, load("shot_sizes", size_name))
    gate = optics.sensor_from_preset("super35", load("sensors", "super35"))
    scene = fresh_scene((1920, 804))
    aspect = 1920 / 804
    for height in (1.5, 1.8, 2.1):
        framed = framing.Subject(((-0.25, -0.15, 0.0), (0.25, 0.15, height)), facing=(0.0, -1.0), name="A")
        other = None
        if size_name == "TWO":
            other = framing.Subject(((0.95, -0.15, 0.0), (1.45, 0.15, 1.7)), facing=(0.0, -1.0), name="B")
        if size_name == "OTS":
            framed = framing.Subject(framed.bounds, facing=(0.0, 1.0), name="B")
            other = framing.Subject(((-0.25, 0.85, 0.0), (0.25, 1.15, 1.8)), facing=(0.0, -1.0), name="A")
        for focal in (24.0, 50.0, 85.0):
            placement = framing.frame_subject(size, framed, focal, gate, aspect, other=other)
            camera = add_camera(scene, gate, focal, "AUTO", placement.location, placement.rotation_euler)
            subjects = [framed] if other is None or size_name == "OTS" else [framed, other]
            assert size.region is not None
            points = [c for s in subjects for c in optics.box_corners(framing.region_box(s, size.region))]
            frame = [frame_of(scene, camera, p) for p in points]
            ys = [f.y for f in frame]
            where = f"{size_name} {height} m {focal} mm"
            assert max(ys) - min(ys) == pytest.approx(size.fill, rel=0.10), where
            assert min(ys) >= -1e-4 and max(ys) <= 1 + 1e-4, where
            assert all(f.z > 0 for f in frame), where
            if size.fit_width:
                assert all(-1e-4 <= f.x <= 1 + 1e-4 for f in frame), where


def test_dolly_zoom_keeps_the_subject_size_in_blender() -> None:
    scene = fresh_scene((1920, 1080))
    gate = optics.sensor_from_preset("full_frame", load("sensors", "full_frame"))
    bounds = ((-0.25, -0.15, 0.0), (0.25, 0.15, 1.8))
    start = camera_moves.CameraPose((0.0, -5.0, 0.9), (math.pi / 2, 0.0, 0.0), 35.0)
    poses = camera_moves.dolly_zoom(start, 24, bounds, 85.0)
    heights, backdrop = [], []
    for pose in poses:
        camera = add_camera(scene, gate, pose.focal_mm, "AUTO", pose.location, pose.rotation_euler)
        ys = [frame_of(scene, camera, c).y for c in optics.box_corners(bounds)]
        heights.append(max(ys) - min(ys))
        backdrop.append(
            frame_of(scene, camera, (0.0, 30.0, 3.0)).y - frame_of(scene, camera, (0.0, 30.0, 0.0)).y
        )
    assert max(heights) / min(heights) - 1 < 0.02
    assert backdrop[-1] > 1.5 * backdrop[0]
