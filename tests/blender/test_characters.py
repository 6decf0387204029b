"""Characters on real Blender: stand-in size and proportions, the eye point, linked assets, walks."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import bpy
import pytest
from backlot.departments.characters import PART_ATTRIBUTE
from backlot.departments.context import BuildReport
from backlot.production.spec.api import load_production
from backlot.production.staging.figure import PARTS
from backlot.runtime import compat
from build_kit import build_departments, write_spec_file

# docs/characters.md: shoulder breadth (outer arms) and hip breadth as fractions of height, per build.
DOCUMENTED = {
    "slim": (0.235, 0.175),
    "average": (0.259, 0.191),
    "athletic": (0.285, 0.195),
    "heavy": (0.285, 0.235),
}


def write_spec(folder: Path, characters: list[dict[str, Any]], **extra: Any) -> Path:
    names = [c["name"] for c in characters]
    production = {
        "title": "T",
        "version": "1",
        "characters": characters,
        "locations": [{"name": "Stage", "marks": {"a": [0, 0], "b": [3, 4]}}],
        "scenes": [{"id": 1, "location": "Stage", "characters": names}],
        "shots": [{"scene": 1, "size": "WS", "duration": 24}],
    }
    return write_spec_file(folder, production | extra)


def build(spec: Path, departments: tuple[str, ...] = ("characters",)) -> BuildReport:
    return build_departments(spec, departments, capabilities=compat.capabilities()).report


def keyed(key: str) -> bpy.types.Object:
    return next(o for o in bpy.data.objects if o.get("backlot_key") == key)


def evaluate_in_context(*objects: bpy.types.Object, frame: int = 1) -> bpy.types.Depsgraph:
    """Story scenes have no depsgraph headless: show the objects in the context scene and evaluate there."""
    scene = bpy.context.scene
    for obj in objects:
        if scene.collection.objects.get(obj.name) is None:
            scene.collection.objects.link(obj)
    scene.frame_set(frame)
    return bpy.context.evaluated_depsgraph_get()


def world_z_range(obj: bpy.types.Object) -> tuple[float, float]:
    evaluated = obj.evaluated_get(evaluate_in_context(obj))
    zs = [(evaluated.matrix_world @ v.co).z for v in evaluated.data.vertices]
    return min(zs), max(zs)


def part_breadth(obj: bpy.types.Object, part: str) -> float:
    """X extent of the faces of one body part, measured on the mesh."""
    mesh = obj.data
    parts = [0] * len(mesh.polygons)
    mesh.attributes[PART_ATTRIBUTE].data.foreach_get("value", parts)
    index = PARTS.index(part)
    xs = [
        mesh.vertices[v].co.x
        for p, face in zip(parts, mesh.polygons, strict=True)
        if p == index
        for v in face.vertices
    ]
    return max(xs) - min(xs)


@pytest.mark.parametrize("build_name", sorted(DOCUMENTED))
@pytest.mark.parametrize("height", [1.2, 1.75, 2.05])
def test_stand_in_height_eye_and_proportions(
    clean_blender: None, tmp_path: Path, build_name: str, height: float
) -> None:
    build(write_spec(tmp_path, [{"name": "Ann", "height": height, "build": build_name}]))
    root = keyed("scene:1/character:Ann")
    bottom, top = world_z_range(root)
    assert top - bottom == pytest.approx(height, rel=0.01)
    assert bottom == pytest.approx(0.0, abs=0.01 * height)
    eye = keyed("scene:1/character:Ann/eye")
    assert eye.parent == root
    evaluate_in_context(root, eye)
    # eyes halfway down a head that is 1/7.5 of the height: h * (1 - 1/15)
    assert eye.matrix_world.translation.z == pytest.approx(height * (1 - 1 / 15), rel=0.01)
    head_bottom = min(
        root.data.vertices[v].co.z
        for p, face in zip(
            [a.value for a in root.data.attributes[PART_ATTRIBUTE].data], root.data.polygons, strict=True
        )
        if PARTS[p] == "head"
        for v in face.vertices
    )
    assert height - head_bottom == pytest.approx(height / 7.5, rel=0.03)
    shoulder, hip = DOCUMENTED[build_name]
    assert part_breadth(root, "upper_arm") == pytest.approx(shoulder * height, rel=0.02)
    assert part_breadth(root, "pelvis") == pytest.approx(hip * height, rel=0.02)
    assert len(root.material_slots) == 8  # skin, hair and six costume pieces


def make_asset(folder: Path) -> Path:
    """A .blend with a collection "Hero" holding one 2 m tall box."""
    mesh = bpy.data.meshes.new("hero_box")
    mesh.from_pydata(
        [(x, y, z) for z in (0, 2) for x, y in ((0, 0), (1, 0), (1, 1), (0, 1))], [], [(0, 1, 2, 3)]
    )
    collection = bpy.data.collections.new("Hero")
    collection.objects.link(bpy.data.objects.new("hero", mesh))
    path = folder / "assets" / "hero.blend"
    path.parent.mkdir()
    bpy.data.libraries.write(str(path), {collection}, fake_user=True)
    bpy.data.collections.remove(collection)
    return path


def test_linked_asset_is_instanced_and_linked_once(clean_blender: None, tmp_path: Path) -> None:
    make_asset(tmp_path)
    spec = write_spec(tmp_path, [{"name": "Ann", "model": "assets/hero.blend", "collection": "Hero"}])
    libraries_before = len(bpy.data.libraries)
    first = build(spec)
    second = build(spec)
    assert len(bpy.data.libraries) == libraries_before + 1
    linked = [c for c in bpy.data.collections if c.library is not None]
    assert [c.name for c in linked] == ["Hero"]
    root = keyed("scene:1/character:Ann")
    assert root.instance_type == "COLLECTION" and root.instance_collection == linked[0]
    assert not first.problems and not second.problems and not second.created


def test_wrong_collection_is_a_validation_error_naming_the_available(
    clean_blender: None, tmp_path: Path
) -> None:
    make_asset(tmp_path)
    spec = write_spec(tmp_path, [{"name": "Ann", "model": "assets/hero.blend", "collection": "Heroine"}])
    result = load_production(spec, [], compat.capabilities())
    errors = [i for i in result.issues if i.severity == "error"]
    assert [i.path for i in errors] == ["characters[0].collection"]
    assert "Hero" in errors[0].message and "Heroine" in errors[0].message


def test_missing_model_file_is_a_validation_error(clean_blender: None, tmp_path: Path) -> None:
    spec = write_spec(tmp_path, [{"name": "Ann", "model": "assets/nowhere.blend", "collection": "Hero"}])
    result = load_production(spec, [], compat.capabilities())
    assert [i.path for i in result.issues if i.severity == "error"] == ["characters[0].model"]


def test_wrong_collection_at_build_is_a_problem_not_a_crash(clean_blender: None, tmp_path: Path) -> None:
    """The pure validator cannot open .blend files; the build then reports the name and uses a stand-in."""
    make_asset(tmp_path)
    spec = write_spec(tmp_path, [{"name": "Ann", "model": "assets/hero.blend", "collection": "Heroine"}])
    report = build_departments(spec, ["characters"]).report
    assert len(report.problems) == 1 and "Hero" in report.problems[0]
    assert keyed("scene:1/character:Ann").type == "MESH"


def test_shot_walks_between_marks_at_constant_speed_facing_travel(
    clean_blender: None, tmp_path: Path
) -> None:
    spec = write_spec(
        tmp_path,
        [{"name": "Ann"}],
        scenes=[{"id": 1, "location": "Stage", "characters": ["Ann"], "blocking": {"Ann": "a"}}],
        shots=[
            {"scene": 1, "size": "WS", "duration": 24},
            {"scene": 1, "size": "WS", "duration": 49, "blocking": {"Ann": "b"}},
        ],
    )
    build(spec)
    root = keyed("scene:1/character:Ann")
    # shot 1B covers frames 25..73: from mark a (0, 0) to mark b (3, 4), 5 m in 48 frames
    expected_facing = math.atan2(3, -4)  # facing 0 looks down -Y, so the travel direction (3, 4) is this
    positions = {}
    for frame in (1, 24, 25, 49, 73, 80):
        evaluate_in_context(root, frame=frame)
        positions[frame] = root.matrix_world.translation.copy()
        if frame >= 25:
            assert root.matrix_world.to_euler().z == pytest.approx(expected_facing, abs=1e-4)
    assert positions[1].to_tuple() == pytest.approx((0, 0, 0), abs=1e-5)
    assert positions[25].to_tuple() == pytest.approx((0, 0, 0), abs=1e-5)
    # halfway in time, halfway there
    assert positions[49].to_tuple() == pytest.approx((1.5, 2.0, 0), abs=1e-4)
    assert positions[73].to_tuple() == pytest.approx((3, 4, 0), abs=1e-5)
    assert positions[80].to_tuple() == pytest.approx((3, 4, 0), abs=1e-5)
    signature = bpy.data.actions[0].get("backlot_walk")
    build(spec)
    assert len(bpy.data.actions) == 1 and bpy.data.actions[0].get("backlot_walk") == signature
