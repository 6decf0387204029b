"""Script -> draft spec -> validate -> build, on real Blender."""

from __future__ import annotations

from pathlib import Path

import bpy
from backlot.production import fountain, script_to_spec
from backlot.properties import active_scene, scene_state

SCRIPT = """Title: Night Shift

INT. DINER - NIGHT

MAYA wipes the counter. LEO enters.

LEO
Coffee?

MAYA
Always.

EXT. PARKING LOT - NIGHT

LEO lights a cigarette by his CAR.

INT. DINER - LATER

MAYA counts the tips.
"""


def test_script_builds(clean_blender: None, tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "night_shift.fountain").write_text(SCRIPT)
    spec = script_to_spec.to_spec(fountain.parse(SCRIPT), "scripts/night_shift.fountain")
    spec["production"]["outputs"] = [{"name": "preview", "format": "preview_540p", "path": "output/preview/"}]
    spec_file = tmp_path / "production.yaml"
    spec_file.write_text(script_to_spec.spec_yaml(spec))
    scene_state(active_scene(bpy.context)).spec_path = str(spec_file)
    assert bpy.ops.backlot.build_production() == {"FINISHED"}  # type: ignore[attr-defined]
    built = [s for s in bpy.data.scenes if str(s.get("backlot_key", "")).startswith("scene:")]
    assert len(built) == 3
    for scene in built:
        assert len(scene.timeline_markers) > 0
        assert all(m.camera is not None for m in scene.timeline_markers)
