"""Build Production on real Blender: scenes, cameras, markers, idempotent rebuilds, hand tweaks kept."""

from __future__ import annotations

import re
from pathlib import Path

import bpy
import pytest
import yaml
from backlot.production.plan import make_plan
from build_kit import build_with_operator, keyed, validated

KINDS = ("scenes", "objects", "meshes", "cameras", "lights", "materials", "collections", "worlds")


def counts() -> dict[str, int]:
    return {kind: len(getattr(bpy.data, kind)) for kind in KINDS}


def report() -> str:
    return str(bpy.context.scene.backlot.build_report)


def test_build_through_operator_saves_and_reopens(
    clean_blender: None, example_copy: Path, tmp_path: Path
) -> None:
    assert build_with_operator(example_copy) == {"FINISHED"}
    production = validated(example_copy).production
    plan = make_plan(production)
    blend = tmp_path / "built.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(blend))
    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.ops.wm.open_mainfile(filepath=str(blend))
    for scene in production.scenes:
        blender_scene = keyed("scenes", f"scene:{scene.id}")
        assert blender_scene is not None, f"scene {scene.id} missing after reopen"
        markers = {m.name: m for m in blender_scene.timeline_markers}
        for shot_plan in (p for p in plan.shots if p.scene_id == scene.id):
            camera = keyed("objects", f"shot:{shot_plan.shot_id}/camera")
            assert camera is not None and camera.type == "CAMERA"
            marker = markers[shot_plan.shot_id]
            assert marker.frame == shot_plan.frame_start
            assert marker.camera == camera
        assert blender_scene.frame_start == 1
        assert blender_scene.frame_end == plan.scene_ranges[scene.id][1]


def test_rebuild_is_idempotent(clean_blender: None, example_copy: Path) -> None:
    build_with_operator(example_copy)
    first = counts()
    build_with_operator(example_copy)
    assert counts() == first
    assert '"created": []' in report()


def test_hand_tweaks_are_kept_then_spec_wins_then_reset(clean_blender: None, example_copy: Path) -> None:
    build_with_operator(example_copy)
    light = keyed("lights", "scene:1/light:key")
    camera = keyed("cameras", "shot:1C/camera")
    courier = keyed("objects", "scene:1/character:Courier")
    generated_lens = camera.lens
    light.energy = 1234.0
    camera.lens = 135.0
    courier.location = (3.0, 2.0, 0.0)

    build_with_operator(example_copy)
    assert light.energy == pytest.approx(1234.0)
    assert camera.lens == pytest.approx(135.0)
    assert tuple(courier.location) == pytest.approx((3.0, 2.0, 0.0))
    kept = bpy.context.scene.backlot.build_report
    for label in ("energy", "lens", "location"):
        assert re.search(rf"kept.*{label}", kept, re.S), f"{label} tweak not reported as kept"

    spec = yaml.safe_load(example_copy.read_text())
    shot = next(s for s in spec["production"]["shots"] if s["id"] == "1C")
    shot["camera"]["lens"] = 100
    example_copy.write_text(yaml.safe_dump(spec, sort_keys=False))
    build_with_operator(example_copy)
    assert camera.lens == pytest.approx(100.0)
    assert "1C Camera: lens" in str(eval_report()["spec_won"])
    assert light.energy == pytest.approx(1234.0), "an unrelated tweak must survive a spec change"

    bpy.context.scene.backlot.reset_to_spec = True
    build_with_operator(example_copy)
    assert light.energy != pytest.approx(1234.0)
    assert tuple(courier.location) != pytest.approx((3.0, 2.0, 0.0))
    assert camera.lens == pytest.approx(100.0)
    assert generated_lens == pytest.approx(85.0)
    assert bpy.context.scene.backlot.reset_to_spec is False, "reset applies to one build only"


def eval_report() -> dict[str, list[str]]:
    import json

    return json.loads(report())


def test_removed_shot_is_cleaned_up_and_foreign_data_untouched(
    clean_blender: None, example_copy: Path
) -> None:
    build_with_operator(example_copy)
    mine = bpy.data.objects.new("Artist Prop", None)
    bpy.data.scenes[0].collection.objects.link(mine)
    spec = yaml.safe_load(example_copy.read_text())
    spec["production"]["shots"] = [s for s in spec["production"]["shots"] if s["id"] != "2D"]
    example_copy.write_text(yaml.safe_dump(spec, sort_keys=False))
    build_with_operator(example_copy)
    assert keyed("objects", "shot:2D/camera") is None
    scene_2 = keyed("scenes", "scene:2")
    assert "2D" not in scene_2.timeline_markers
    assert bpy.data.objects.get("Artist Prop") is mine
    assert any("2D" in line for line in eval_report()["removed"])


def test_single_department_rebuild_touches_only_it(clean_blender: None, example_copy: Path) -> None:
    build_with_operator(example_copy)
    light = keyed("objects", "scene:1/light:key")
    camera = keyed("cameras", "shot:1A/camera")
    bpy.data.objects.remove(light)
    camera.lens = 70.0
    spec = yaml.safe_load(example_copy.read_text())
    spec["production"]["shots"][0]["camera"] = {"lens": 20}
    example_copy.write_text(yaml.safe_dump(spec, sort_keys=False))
    assert build_with_operator(example_copy, department="lighting") == {"FINISHED"}
    assert keyed("objects", "scene:1/light:key") is not None, "lighting rebuild recreates its light"
    assert camera.lens == pytest.approx(70.0), "camera department was not rebuilt"


def test_invalid_spec_cancels_with_message(clean_blender: None, tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("production:\n  title: X\n  version: '1'\n  shots: [{scene: 9, duration: 4s}]\n")
    with pytest.raises(RuntimeError, match="errors"):
        build_with_operator(spec)
    state = bpy.context.scene.backlot
    assert state.valid is False
    assert any(issue.path == "shots[0].scene" for issue in state.issues)


@pytest.mark.parametrize("fps", [24, 23.976, 29.97, 12.5])
def test_scene_frame_rate_matches_the_spec(clean_blender: None, example_copy: Path, fps: float) -> None:
    spec = yaml.safe_load(example_copy.read_text())
    spec["production"]["fps"] = fps
    example_copy.write_text(yaml.safe_dump(spec, sort_keys=False))
    build_with_operator(example_copy)
    scene = keyed("scenes", "scene:1")
    assert scene.render.fps / scene.render.fps_base == pytest.approx(fps, rel=1e-6)
