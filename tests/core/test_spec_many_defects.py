"""One spec, eleven unrelated defects: a single validation run reports every one of them, each where it is."""

from __future__ import annotations

from pathlib import Path

import test_spec_common as kit


def test_every_defect_is_reported_in_one_run(tmp_path: Path) -> None:
    spec = kit.base_spec()
    p = spec["production"]
    p["shots"][1]["camera"]["lens"] = "85mm"  # 1 unit in a number
    p["characters"][0]["heigth"] = 1.8  # 2 misspelt key (error)
    del p["outputs"][0]["path"]  # 3 missing required field
    p["locations"][2]["name"] = "Office"  # 4 duplicate name
    p["scenes"][1]["location"] = "Offise"  # 5 dangling reference
    p["characters"][0]["wardrobe"][1]["costume"] = "gwn"  # 6 dangling wardrobe costume
    p["locations"][0]["hdri"] = "hdri/missing.exr"  # 7 missing file
    p["shots"][4]["duration"] = "601s"  # 8 absurd duration
    p["outputs"][1]["retro"]["pixel_size"] = 0  # 9 retro out of range
    p["shots"][3]["focus"]["pull"] = ["Ada", "Cat"]  # 10 focus pull on someone absent
    p["outputs"][1]["path"] = "../../etc"  # 11 output escaping the folder
    stubs = kit.write_stub_presets(tmp_path / "stubs")
    result = kit.validate_spec(tmp_path / "prod", spec, stubs)
    expected = {
        ("shots[1].camera.lens", "error"),
        ("characters[0].heigth", "error"),
        ("outputs[0].path", "error"),
        ("locations[2].name", "error"),
        ("scenes[1].location", "error"),
        ("characters[0].wardrobe[1].costume", "error"),
        ("locations[0].hdri", "error"),
        ("shots[4].duration", "error"),
        ("outputs[1].retro.pixel_size", "error"),
        ("shots[3].focus.pull[1]", "error"),
        ("outputs[1].path", "error"),
    }
    assert kit.paths(result.issues, "error", "warning") == expected, kit.describe(result.issues)
    assert result.counts()["error"] == 11 and result.counts()["warning"] == 0
    assert not result.valid and result.production is None
    # errors come before warnings, and every issue carries its line in the spec file
    severities = [i.severity for i in result.issues]
    assert severities == sorted(severities, key=["error", "warning", "info"].index)
    assert all(i.file == "production.yaml" and i.line for i in result.issues)
    scene_issue = next(i for i in result.issues if i.path == "scenes[1].location")
    assert "'Office'" in scene_issue.suggestion
