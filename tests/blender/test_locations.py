"""Locations department on real Blender: every location preset builds a blockout that leaves the camera's view
of the subject clear on every mark, renders non-empty in Workbench, and rebuilds in place."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import bpy
import numpy as np
import pytest
import yaml
from backlot.departments.context import BuildReport
from build_kit import build_departments
from mathutils import Vector

PRESETS = Path(__file__).resolve().parents[2] / "presets" / "locations"
LOCATIONS = sorted(p.stem for p in PRESETS.glob("*.yaml"))
CAMERA_DISTANCES = (2.5, 5.0)  # a medium and a wide shot on the subject's axis
HEIGHT = 1.75
Writer = Callable[[dict[str, Any]], Path]


def marks(location: str) -> list[str]:
    return sorted(yaml.safe_load((PRESETS / f"{location}.yaml").read_text(encoding="utf-8"))["marks"])


def body(location: str, mark: str | None) -> dict[str, Any]:
    return {
        "title": "Locations test",
        "version": "1",
        "characters": [{"name": "Ann", "height": HEIGHT}],
        "locations": [{"name": "Here", "preset": location, "geo": {"latitude": 48.85, "longitude": 2.35}}],
        "scenes": [
            {
                "id": 1,
                "location": "Here",
                "time": "2026-05-01T11:00",
                "characters": ["Ann"],
                **({"blocking": {"Ann": mark}} if mark else {}),
            }
        ],
        "shots": [{"scene": 1, "size": "MS", "duration": 24}],
        "outputs": [{"name": "preview", "format": "preview_540p", "path": "output/"}],
    }


def build(path: Path) -> BuildReport:
    return build_departments(path, ["locations", "characters", "lighting"]).report


def keyed(key: str) -> Any:
    return next((b for b in bpy.data.objects if b.get("backlot_key") == key), None)


def figure_points(root: bpy.types.Object) -> list[Vector]:
    """Head, eyes, shoulders, chest and hips of a standing figure of HEIGHT at the root, in world space."""
    local = [
        (0.0, 0.0, 0.97),
        (0.0, 0.0, 0.93),
        (0.12, 0.0, 0.80),
        (-0.12, 0.0, 0.80),
        (0.0, 0.0, 0.70),
        (0.0, 0.0, 0.52),
    ]
    return [root.matrix_basis @ Vector((x * HEIGHT, y, z * HEIGHT)) for x, y, z in local]


def camera_positions(root: bpy.types.Object) -> list[Vector]:
    """Eye-height cameras in front of the subject (facing 0 looks towards -Y), as the camera department
    stands them on the subject's axis."""
    facing = root.rotation_euler.z
    front = Vector((math.sin(facing), -math.cos(facing), 0.0))
    eye = root.location + Vector((0.0, 0.0, 0.93 * HEIGHT))
    return [eye + front * d for d in CAMERA_DISTANCES]


@pytest.mark.parametrize("location", LOCATIONS)
def test_set_leaves_the_view_of_every_mark_clear(
    clean_blender: None, write_production: Writer, location: str
) -> None:
    for mark in marks(location):
        report = build(write_production(body(location, mark)))
        assert not report.problems, report.problems
        scene = next(s for s in bpy.data.scenes if s.get("backlot_key") == "scene:1")
        root = keyed("scene:1/character:Ann")
        assert keyed("scene:1/set").data.polygons, "the set has geometry"
        view_layer = scene.view_layers[0]
        view_layer.update()
        depsgraph = view_layer.depsgraph
        assert depsgraph is not None
        figure = {root.name, *(child.name for child in root.children_recursive)}
        for camera in camera_positions(root):
            for point in figure_points(root):
                direction = point - camera
                hit, _, _, _, obj, _ = scene.ray_cast(
                    depsgraph, camera, direction.normalized(), distance=direction.length + 0.5
                )
                assert hit and obj.name in figure, (
                    f"{location}/{mark}: {obj.name if hit else 'nothing'} blocks the view from {camera[:]}"
                )


@pytest.mark.parametrize("location", LOCATIONS)
def test_set_renders_non_empty_in_workbench(
    clean_blender: None, write_production: Writer, tmp_path: Path, location: str
) -> None:
    build(write_production(body(location, None)))
    scene = next(s for s in bpy.data.scenes if s.get("backlot_key") == "scene:1")
    root = keyed("scene:1/character:Ann")
    for obj in scene.objects:  # only the set: the figure in front would make any frame non-empty
        obj.hide_render = obj.get("backlot_department") == "characters"
    camera = bpy.data.objects.new("probe", bpy.data.cameras.new("probe"))
    camera.location = camera_positions(root)[1]
    camera.rotation_euler = (math.radians(80), 0.0, 0.0)  # looking along +Y, slightly down
    scene.collection.objects.link(camera)
    scene.camera = camera
    scene.render.engine = "BLENDER_WORKBENCH"  # type: ignore[assignment]  # the 4.5 stub lists EEVEE only
    scene.display.shading.light = "STUDIO"
    scene.display.shading.color_type = "MATERIAL"
    scene.render.resolution_x, scene.render.resolution_y, scene.render.resolution_percentage = 96, 54, 100
    scene.render.image_settings.file_format = "PNG"
    scene.render.filepath = str(tmp_path / f"{location}.png")
    bpy.ops.render.render(write_still=True, scene=scene.name)
    image = bpy.data.images.load(scene.render.filepath)
    stored = cast("bpy.types.bpy_prop_array[float]", image.pixels)  # the stub types it as one float
    pixels = np.empty(len(stored), np.float32)
    stored.foreach_get(pixels)
    rgb = pixels.reshape(54, 96, 4)[..., :3]
    background = rgb[0, 0]
    differs = np.abs(rgb - background).sum(axis=-1) > 0.02
    assert differs.mean() > 0.2, f"only {differs.mean():.0%} of the frame shows the set"
    assert rgb.std() > 0.02


def test_rebuild_changes_nothing_and_follows_the_spec(clean_blender: None, write_production: Writer) -> None:
    path = write_production(body("room_interior", "couch"))
    build(path)
    mesh = keyed("scene:1/set").data
    faces = len(mesh.polygons)
    report = build(path)
    assert not report.created and not report.removed
    assert keyed("scene:1/set").data == mesh and len(mesh.polygons) == faces
    wider = body("room_interior", "couch")
    wider["locations"][0]["size"] = [8, 5, 2.8]
    build(write_production(wider))
    xs = [v.co.x for v in keyed("scene:1/set").data.vertices]
    assert max(xs) - min(xs) == pytest.approx(8.0)


def test_weather_wets_the_street(clean_blender: None, write_production: Writer) -> None:
    dry = body("street", None)
    build(write_production(dry))
    floor = next(m for m in bpy.data.materials if m.get("backlot_key") == "location:Here/surface:floor")
    dry_colour, dry_roughness = tuple(floor.diffuse_color), floor.roughness
    wet = body("street", None)
    wet["locations"][0]["weather"] = "rain"
    build(write_production(wet))
    assert floor.roughness < dry_roughness / 2  # a film of water is glossy
    assert all(w < d for w, d in zip(floor.diffuse_color[:3], dry_colour[:3], strict=True))  # and darker


def test_user_weather_preset_shadows_the_built_in(
    clean_blender: None, write_production: Writer, tmp_path: Path
) -> None:
    """A studio's preset folder restyles `rain` for validation and for the build alike."""
    dry = body("street", None)
    build(write_production(dry))
    floor = next(m for m in bpy.data.materials if m.get("backlot_key") == "location:Here/surface:floor")
    dry_roughness = floor.roughness
    studio = tmp_path / "studio_presets"
    (studio / "weather").mkdir(parents=True)
    (studio / "weather" / "rain.yaml").write_text("description: drizzle\nwetness: 0.5\n", encoding="utf-8")
    wet = body("street", None)
    wet["locations"][0]["weather"] = "rain"
    build_departments(write_production(wet), ["locations"], preset_folders=[studio])
    # docs/lighting-maths.md: a wet exterior surface's roughness scales by (1 - 0.8 w)
    assert floor.roughness == pytest.approx(dry_roughness * (1 - 0.8 * 0.5), rel=1e-4)
