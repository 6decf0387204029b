"""What the camera department's cheats do to the evaluated scene: a wild wall hidden from render on the frames
of the shot that needed it and no other, a subject cheated closer on its shot only, both kept unchanged by a
rebuild and handed back when no shot needs them. Expected positions come from the marks in the spec."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import bpy
from backlot.departments import build_production
from backlot.runtime.properties import active_scene
from build_kit import keyed, validated, write_spec_file

ROOM_A, ROOM_B = (-2.4, -1.4), (-2.4, 1.4)
"""Near the room's left wall, facing each other along Y: the cameras' side is the room (+X), and a TWO on
a 135 mm must back off through the right wall (x = 3 m), which the room preset marks wild."""
ALLEY_A, ALLEY_B = (0.0, -10.0), (0.0, 10.0)
"""20 m apart down the alley: an OTS needs the near one cheated closer."""
ON_MARKS = {"Ann": "ann", "Bob": "bob"}


def body(two_lens: float) -> dict[str, Any]:
    return {
        "title": "Staging test",
        "version": "1",
        "aspect_ratio": "2.39:1",
        "characters": [{"name": "Ann", "height": 1.7}, {"name": "Bob", "height": 1.8}],
        "locations": [
            {"name": "Room", "preset": "room_interior", "marks": {"ann": list(ROOM_A), "bob": list(ROOM_B)}},
            {"name": "Alley", "preset": "urban_alley", "marks": {"ann": list(ALLEY_A), "bob": list(ALLEY_B)}},
        ],
        "scenes": [
            {"id": i, "location": place, "characters": list(ON_MARKS), "blocking": ON_MARKS}
            for i, place in ((1, "Room"), (2, "Alley"))
        ],
        "shots": [
            {"id": "1A", "scene": 1, "size": "CU", "subject": "Ann", "camera": {"lens": 50}, "duration": 12},
            {"id": "1B", "scene": 1, "size": "TWO", "subjects": ["Ann", "Bob"], "camera": {"lens": two_lens},
             "duration": 12},
            {"id": "1C", "scene": 1, "size": "CU", "subject": "Bob", "camera": {"lens": 50}, "duration": 12},
            {"id": "1D", "scene": 1, "size": "CU", "subject": "Bob", "duration": 12,
             "camera": {"lens": 50, "cross_line": True}},
            {"id": "2A", "scene": 2, "size": "WS", "subject": "Ann", "duration": 12},
            {"id": "2B", "scene": 2, "size": "OTS", "subjects": ["Bob", "Ann"], "camera": {"lens": 50},
             "duration": 12},
        ],
        "outputs": [{"name": "preview", "format": "preview_540p", "path": "output/"}],
    }  # fmt: skip


def build(tmp_path: Path, two_lens: float) -> Any:
    production, presets = validated(write_spec_file(tmp_path, body(two_lens)))
    return build_production(production, active_scene(bpy.context), presets=presets)


def story(scene_id: int) -> Any:
    return next(s for s in bpy.data.scenes if s.get("backlot_key") == f"scene:{scene_id}")


def marker_frames(scene: Any, shot: str) -> tuple[int, int]:
    """The shot's first and last frame on its story scene (markers bind shots)."""
    frames = sorted(m.frame for m in scene.timeline_markers)
    first = scene.timeline_markers[shot].frame if shot in scene.timeline_markers else None
    if first is None:
        first = next(m.frame for m in scene.timeline_markers if m.name.split(" ")[0] == shot)
    later = [f for f in frames if f > first]
    return first, (later[0] - 1 if later else scene.frame_end)


def evaluated(scene: Any, obj: Any, frame: int) -> Any:
    scene.view_layers[0].update()
    scene.frame_set(frame)
    return obj.evaluated_get(scene.view_layers[0].depsgraph)


def notes(shot: str) -> list[dict[str, str]]:
    camera = keyed("objects", f"shot:{shot}/camera")
    return list(json.loads(camera["backlot_staging"]))


def test_cheats_are_keyed_on_their_shot_kept_by_a_rebuild_and_handed_back(
    clean_blender: None, tmp_path: Path
) -> None:
    report = build(tmp_path, two_lens=135)
    room, alley = story(1), story(2)
    wall = keyed("objects", "scene:1/set/wall:right")
    said = [n["text"] for n in notes("1B") if n["kind"] == "cheat"]
    assert any("pulled the wild wall 'right'" in text for text in said), notes("1B")
    for shot, hidden in (("1A", False), ("1B", True), ("1C", False)):
        first, last = marker_frames(room, shot)
        for frame in (first, last):
            assert evaluated(room, wall, frame).hide_render is hidden, (shot, frame)
    assert not keyed("objects", "scene:1/set/wall:left").hide_render
    # the line runs up the room at x = -2.4: every camera on its right (x > -2.4), the crossing one left
    for shot in ("1A", "1B", "1C", "1D"):
        camera = evaluated(room, keyed("objects", f"shot:{shot}/camera"), marker_frames(room, shot)[0])
        assert (camera.matrix_world.translation.x > ROOM_A[0]) is (shot != "1D"), (shot, camera.matrix_world)

    ann = keyed("objects", "scene:2/character:Ann")
    assert any("cheated Ann" in n["text"] for n in notes("2B")), notes("2B")
    first, _ = marker_frames(alley, "2A")
    at_mark = evaluated(alley, ann, first).matrix_world.translation
    assert math.dist(at_mark.to_2d(), ALLEY_A) < 1e-4, "the blocking holds outside the cheated shot"
    first, last = marker_frames(alley, "2B")
    cheated = evaluated(alley, ann, last).matrix_world.translation
    bob = ALLEY_B
    assert math.dist(cheated.to_2d(), bob) < math.dist(ALLEY_A, bob) - 5.0, "Ann is brought toward Bob"
    assert abs(cheated.x - ALLEY_A[0]) < 1e-4, "along the line between them"
    assert [n.line() for n in report.staging if "no clean view" in n.text] == []

    again = build(tmp_path, two_lens=135)
    assert again.created == [] and again.updated == [] and again.removed == [], again.updated
    first, last = marker_frames(room, "1B")
    assert evaluated(room, wall, first).hide_render

    build(tmp_path, two_lens=18)  # an 18 mm sees the pair from inside the room: nothing to pull
    assert not any(n["kind"] == "cheat" for n in notes("1B")), notes("1B")
    for shot in ("1A", "1B", "1C"):
        assert not evaluated(room, wall, marker_frames(room, shot)[0]).hide_render, shot
