"""Isometric and dimetric shot cameras on real Blender: a 1 m ground tile, projected through the built camera
with `world_to_camera_view`, is `tile_size` pixels wide and as tall as the view's elevation says (2:1 for
dimetric, 1/sqrt(3) of the width for true isometric), seen from 45 degrees azimuth, centred on the subject."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import bpy
import pytest
from bpy_extras.object_utils import world_to_camera_view
from build_kit import build_departments, write_spec_file
from mathutils import Vector

SHOTS = [
    {"id": "1A", "scene": 1, "size": "MS", "subject": "A", "duration": "12f",
     "camera": {"projection": "dimetric", "tile_size": 40, "move": "push_in", "rig": "dolly"}},
    {"id": "1B", "scene": 1, "size": "WS", "subject": "A", "duration": "12f",
     "camera": {"projection": "isometric", "tile_size": 64}},
    {"id": "1C", "scene": 1, "size": "MS", "subject": "A", "duration": "12f"},
]  # fmt: skip


def build(tmp_path: Path, shots: list[dict[str, Any]]) -> None:
    body = {
        "title": "Tiles",
        "version": "1",
        "characters": [{"name": "A", "height": 1.8}],
        "locations": [{"name": "Stage", "preset": "stage"}],
        "scenes": [{"id": 1, "location": "Stage", "characters": ["A"]}],
        "shots": shots,
        "outputs": [{"name": "preview", "format": "preview_540p", "path": "output/"}],
    }
    build_departments(write_spec_file(tmp_path, body), ["characters", "camera"])


def keyed(key: str) -> Any:
    return next(o for o in bpy.data.objects if o.get("backlot_key") == key)


def story() -> Any:
    return next(s for s in bpy.data.scenes if s.get("backlot_key") == "scene:1")


def figure_centre() -> Vector:
    """Centre of the figure's world bounds, from its own mesh vertices (not the department's bounds code)."""
    root = keyed("scene:1/character:A")
    points = [
        o.matrix_world @ v.co
        for o in (root, *root.children_recursive)
        if o.type == "MESH"
        for v in o.data.vertices
    ]
    return Vector([(min(p[i] for p in points) + max(p[i] for p in points)) / 2 for i in range(3)])


def tile_on_screen(scene: Any, camera: Any, at: Vector) -> tuple[float, float]:
    """Width and height in pixels of the 1 m ground tile whose near corner is `at`."""
    corners = [at + Vector(offset) for offset in ((0, 0, 0), (1, 0, 0), (1, 1, 0), (0, 1, 0))]
    pixels = [world_to_camera_view(scene, camera, c) for c in corners]
    xs = [p.x * scene.render.resolution_x for p in pixels]
    ys = [p.y * scene.render.resolution_y for p in pixels]
    return max(xs) - min(xs), max(ys) - min(ys)


@pytest.mark.parametrize(("shot", "tile", "elevation_deg"), [("1A", 40, 30.0), ("1B", 64, 35.26439)])
def test_tile_camera_draws_the_tile_at_the_asked_size(
    clean_blender: None, tmp_path: Path, shot: str, tile: int, elevation_deg: float
) -> None:
    build(tmp_path, SHOTS)
    scene, camera = story(), keyed(f"shot:{shot}/camera")
    assert camera.data.type == "ORTHO"
    first = next(m.frame for m in scene.timeline_markers if m.camera == camera)
    centre = figure_centre()
    matrices = []
    for frame in (first, first + 11):  # a push-in asked for: a tile view stays put
        scene.view_layers[0].update()
        scene.frame_set(frame)
        width, height = tile_on_screen(scene, camera, Vector((centre.x, centre.y, 0.0)))
        assert width == pytest.approx(tile, abs=1e-3)
        # a tile seen from above at elevation e is sin(e) as tall as wide (2:1 at 30 degrees)
        assert height == pytest.approx(tile * math.sin(math.radians(elevation_deg)), abs=1e-3)
        forward = -(camera.matrix_world.to_3x3() @ Vector((0, 0, 1)))
        assert math.degrees(math.asin(-forward.z)) == pytest.approx(elevation_deg, abs=1e-4)
        assert math.degrees(math.atan2(forward.y, forward.x)) == pytest.approx(45.0, abs=1e-4)
        middle = world_to_camera_view(scene, camera, centre)
        # the subject is the frame's centre
        assert (middle.x, middle.y) == pytest.approx((0.5, 0.5), abs=1e-6)
        matrices.append(camera.matrix_world.copy())
    assert max(abs(value) for row in matrices[0] - matrices[1] for value in row) < 1e-9


def test_perspective_is_the_default_and_comes_back_on_rebuild(clean_blender: None, tmp_path: Path) -> None:
    build(tmp_path, SHOTS)
    assert keyed("shot:1C/camera").data.type == "PERSP"
    build(tmp_path, [{**s, "camera": {}} if s["id"] == "1B" else s for s in SHOTS])
    assert keyed("shot:1B/camera").data.type == "PERSP"


def test_artist_tweak_of_the_tile_scale_survives_a_rebuild(clean_blender: None, tmp_path: Path) -> None:
    build(tmp_path, SHOTS)
    data = keyed("shot:1B/camera").data
    data.ortho_scale = 7.5
    build(tmp_path, SHOTS)
    assert data.ortho_scale == pytest.approx(7.5)
