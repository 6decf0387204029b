"""Script -> draft spec -> validate -> build, on real Blender."""

from __future__ import annotations

from pathlib import Path

import bpy
from backlot.production.screenplay import fountain, script_to_spec
from build_kit import build_with_operator
from script_kit import night_shift

SCRIPT = night_shift()


def test_script_builds(clean_blender: None, tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "night_shift.fountain").write_text(SCRIPT)
    spec = script_to_spec.to_spec(fountain.parse(SCRIPT), "scripts/night_shift.fountain")
    spec["production"]["outputs"] = [{"name": "preview", "format": "preview_540p", "path": "output/preview/"}]
    spec_file = tmp_path / "production.yaml"
    spec_file.write_text(script_to_spec.spec_yaml(spec))
    assert build_with_operator(spec_file) == {"FINISHED"}
    built = [s for s in bpy.data.scenes if str(s.get("backlot_key", "")).startswith("scene:")]
    assert len(built) == 3
    for scene in built:
        assert len(scene.timeline_markers) > 0
        assert all(m.camera is not None for m in scene.timeline_markers)
