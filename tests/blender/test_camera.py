"""Camera department on real Blender: framing measured on the built cameras, lenses, moves, focus, rigs.

Expected values come from the documented tables (presets/shot_sizes, presets/sensors, docs/camera.md) and from
geometry measured independently of the solver: subject bounds from the stand-in's mesh vertices, projections
through `world_to_camera_view`, and tiny flat Workbench renders read back as pixels.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, cast

import bpy
import pytest
import yaml
from backlot.departments import camera_rigs
from backlot.departments.camera import shot_cameras
from backlot.production.model import Production
from bpy_extras.object_utils import world_to_camera_view
from build_kit import build_departments, write_spec_file
from example_kit import EXAMPLE
from mathutils import Matrix, Vector

PRESETS = Path(__file__).resolve().parents[2] / "presets"
SINGLES = ["EWS", "WS", "MS", "MCU", "CU", "ECU", "INSERT"]
PAIRS = ["TWO", "OTS"]
LENSES = [24, 50, 85]
EYE_FROM_TOP = 0.064  # Drillis & Contini: eyes at 0.936 of stature
OTS_FOREGROUND_EDGE = 0.6  # docs/camera.md: an OTS's near subject starts 0.6 across the frame
CAST_AND_CAMERAS = ("characters", "camera")


def preset(kind: str, name: str) -> dict[str, Any]:
    return yaml.safe_load((PRESETS / kind / f"{name}.yaml").read_text())


def build_spec(
    tmp_path: Path, shots: list[dict[str, Any]], heights: dict[str, float], **extra: Any
) -> Production:
    """Write and build (cast and cameras) a production: scene 1 holds A alone, scene 2 every character."""
    names = list(heights)
    body = {
        "title": "Camera test",
        "version": "1",
        "aspect_ratio": "16:9",
        "characters": [{"name": n, "height": h} for n, h in heights.items()],
        "locations": [{"name": "Stage", "preset": "stage"}],
        "scenes": [
            {"id": 1, "location": "Stage", "characters": names[:1]},
            {"id": 2, "location": "Stage", "characters": names},
        ],
        "shots": shots,
        "outputs": [{"name": "preview", "format": "preview_540p", "path": "output/"}],
        **extra,
    }
    return build_departments(write_spec_file(tmp_path, body), CAST_AND_CAMERAS).production


def keyed(key: str) -> Any:
    return next((o for o in bpy.data.objects if o.get("backlot_key") == key), None)


def story(scene_id: int) -> Any:
    return next(s for s in bpy.data.scenes if s.get("backlot_key") == f"scene:{scene_id}")


def at_frame(scene: Any, frame: int) -> None:
    """Evaluate `scene` on `frame`. Its depsgraph is made active first (`update`): only an active depsgraph
    writes evaluated matrices back to the objects we read, and a frame change on a scene nothing has
    evaluated yet would evaluate an inactive one."""
    scene.view_layers[0].update()
    scene.frame_set(frame)


def mesh_bounds(obj: Any) -> tuple[Vector, Vector]:
    """World bounds from the figure's own vertices (not the department's bounding-box code)."""
    points = [
        obj.matrix_world @ v.co
        for o in (obj, *obj.children_recursive)
        if o.type == "MESH"
        for v in o.data.vertices
    ]
    return (
        Vector([min(p[i] for p in points) for i in range(3)]),
        Vector([max(p[i] for p in points) for i in range(3)]),
    )


def region_corners(bounds: tuple[Vector, Vector], region: list[float]) -> list[Vector]:
    low, high = bounds
    height = high.z - low.z
    z_values = (high.z - region[1] * height, high.z - region[0] * height)
    return [Vector((x, y, z)) for x in (low.x, high.x) for y in (low.y, high.y) for z in z_values]


def projected(scene: Any, camera: Any, points: list[Vector]) -> list[Vector]:
    return [world_to_camera_view(scene, camera, p) for p in points]


def shot_id(size: str, lens: int) -> str:
    return f"{size}{lens}"


@pytest.mark.parametrize("height", [1.5, 1.8, 2.1])
def test_every_shot_size_frames_the_subject_on_every_lens(
    clean_blender: None, tmp_path: Path, height: float
) -> None:
    shots: list[dict[str, Any]] = [
        {
            "id": shot_id(size, lens),
            "scene": 1,
            "size": size,
            "subject": "A",
            "camera": {"lens": lens},
            "duration": 2,
        }
        for size in SINGLES
        for lens in LENSES
    ]
    shots += [
        {
            "id": shot_id(size, lens),
            "scene": 2,
            "size": size,
            "subjects": ["A", "B"],
            "camera": {"lens": lens},
            "duration": 2,
        }
        for size in PAIRS
        for lens in LENSES
    ]
    shots += [
        {
            "id": shot_id("POV", lens),
            "scene": 2,
            "size": "POV",
            "subject": "B",
            "camera": {"lens": lens, "target": "A"},
            "duration": 2,
        }
        for lens in LENSES
    ]
    build_spec(tmp_path, shots, {"A": height, "B": 1.7})
    failures: list[str] = []
    warned: list[str] = []
    for shot in shots:
        scene = story(shot["scene"])
        camera = keyed(f"shot:{shot['id']}/camera")
        at_frame(scene, scene.timeline_markers[shot["id"]].frame)
        a = mesh_bounds(keyed(f"scene:{shot['scene']}/character:A"))
        b = mesh_bounds(keyed("scene:2/character:B"))
        if shot["size"] == "POV":  # from B's eyes (its eye empty if any), A's face in frame
            eye = keyed("scene:2/character:B/eye")
            eye_z = eye.matrix_world.translation.z if eye else b[1].z - EYE_FROM_TOP * (b[1].z - b[0].z)
            assert camera.matrix_world.translation.z == pytest.approx(eye_z, abs=1e-3)
            head = (a[0] + a[1]) / 2
            head.z = a[1].z - EYE_FROM_TOP * (a[1].z - a[0].z)
            frame = projected(scene, camera, [head])
            assert all(0 < f.x < 1 and 0 < f.y < 1 and f.z > 0 for f in frame), shot["id"]
            continue
        size = preset("shot_sizes", shot["size"])
        boxes = [a, b] if shot["size"] == "TWO" else [a]
        frame = projected(scene, camera, [c for box in boxes for c in region_corners(box, size["region"])])
        fill = max(f.y for f in frame) - min(f.y for f in frame)
        # Singles are framed by height (an ECU may cut the shoulders): their region's centre must be in
        # frame; sizes with fit_width keep every corner inside.
        xs = [f.x for f in frame] if size.get("fit_width") else [sum(f.x for f in frame) / len(frame)]
        inside = all(-1e-3 <= f.y <= 1 + 1e-3 and f.z > 0 for f in frame) and all(0 <= x <= 1 for x in xs)
        if abs(fill / size["fill"] - 1) > 0.10 or not inside:
            failures.append(f"{shot['id']}: fill {fill:.3f} (table {size['fill']}), inside frame {inside}")
        if any(note["kind"] == "warning" for note in json.loads(camera["backlot_staging"])):
            warned.append(shot["id"])
        elif shot["size"] == "OTS":  # B's shoulder on the other side, its edge where docs/camera.md says
            near = [f for f in projected(scene, camera, region_corners(b, [0.0, 1.0])) if f.z > 0]
            centre = sum(f.x for f in frame) / len(frame)
            edge = min(f.x for f in near) if centre < 0.5 else max(f.x for f in near)
            if abs(abs(edge - 0.5) - (OTS_FOREGROUND_EDGE - 0.5)) > 0.08 or (edge - 0.5) * (centre - 0.5) > 0:
                failures.append(f"{shot['id']}: near shoulder edge at {edge:.2f}, subject at {centre:.2f}")
    assert failures == [], failures
    # 1.2 m apart, a 24 mm has to stand beside the near subject (or in front of it, for a short subject) to
    # reach the table's fill: it may say that the shoulder is out of frame. Nothing else warns.
    assert set(warned) <= {"OTS24"}, warned


def render_alpha_rows(
    scene: Any, camera: Any, keep: set[Any], tmp_path: Path, resolution=(192, 108)
) -> list[bool]:
    """Render `keep` alone, flat Workbench on a transparent background; one flag per pixel row, top first."""
    scene.camera = camera
    scene.render.engine = "BLENDER_WORKBENCH"
    scene.display.shading.light = "FLAT"
    scene.render.film_transparent = True
    scene.render.resolution_x, scene.render.resolution_y = resolution
    scene.render.resolution_percentage = 100
    scene.render.image_settings.file_format = "PNG"
    scene.render.image_settings.color_mode = "RGBA"
    scene.render.filepath = str(tmp_path / f"{camera.name}.png")
    for obj in scene.objects:
        obj.hide_render = obj not in keep
    with bpy.context.temp_override(scene=scene):  # `scene=` alone renders at the context scene's frame
        bpy.ops.render.render(write_still=True)
    image = bpy.data.images.load(scene.render.filepath)
    width, height = image.size
    pixels = list(cast("bpy.types.bpy_prop_array[float]", image.pixels))  # the stub: one float
    rows = [any(pixels[(y * width + x) * 4 + 3] > 0.5 for x in range(width)) for y in range(height)]
    bpy.data.images.remove(image)
    return rows[::-1]


def test_rendered_wide_shot_shows_the_figure_at_the_table_fill(clean_blender: None, tmp_path: Path) -> None:
    build_spec(
        tmp_path,
        [{"id": "W", "scene": 1, "size": "WS", "subject": "A", "camera": {"lens": 50}, "duration": 2}],
        {"A": 1.8},
    )
    scene, camera, figure = story(1), keyed("shot:W/camera"), keyed("scene:1/character:A")
    at_frame(scene, 1)
    rows = render_alpha_rows(scene, camera, {figure}, tmp_path)
    covered = [i for i, row in enumerate(rows) if row]
    fill = (covered[-1] - covered[0] + 1) / len(rows)
    assert fill == pytest.approx(preset("shot_sizes", "WS")["fill"], rel=0.10)
    assert covered[0] / len(rows) == pytest.approx(preset("shot_sizes", "WS")["headroom"], abs=0.05)


def test_built_lens_matches_the_sensor_formula_for_every_fit(clean_blender: None, tmp_path: Path) -> None:
    sensors = ["full_frame", "super35", "aps_c", "16mm", "anamorphic_2x"]
    fits = ["AUTO", "HORIZONTAL", "VERTICAL"]
    shots: list[dict[str, Any]] = [
        {
            "id": f"{s}_{fit}".replace("_", ""),
            "scene": 1,
            "size": "MS",
            "subject": "A",
            "camera": {"lens": 40, "sensor": s, "sensor_fit": fit},
            "duration": 2,
        }
        for s in sensors
        for fit in fits
    ]
    build_spec(tmp_path, shots, {"A": 1.8})
    scene = story(1)
    aspect = scene.render.resolution_x / scene.render.resolution_y
    for shot in shots:
        gate = preset("sensors", shot["camera"]["sensor"])
        width = gate["width_mm"] * gate.get("squeeze", 1)
        camera = keyed(f"shot:{shot['id']}/camera")
        at_frame(scene, scene.timeline_markers[shot["id"]].frame)
        if shot["camera"]["sensor_fit"] == "VERTICAL":
            v = 2 * math.atan(gate["height_mm"] / (2 * 40))
            h = 2 * math.atan(gate["height_mm"] * aspect / (2 * 40))
        else:
            h = 2 * math.atan(width / (2 * 40))
            v = 2 * math.atan(width / aspect / (2 * 40))
        to_world = camera.matrix_world
        edges = [Vector((math.tan(h / 2), 0, -1)), Vector((0, math.tan(v / 2), -1))]
        right, top = projected(scene, camera, [to_world @ e for e in edges])
        assert (right.x, top.y) == pytest.approx((1.0, 1.0), abs=1e-4), shot["id"]


def test_dolly_zoom_holds_the_subject_while_the_background_stretches(
    clean_blender: None, tmp_path: Path
) -> None:
    build_spec(
        tmp_path, [{"id": "V", "scene": 1, "template": "vertigo", "subject": "A", "duration": 24}], {"A": 1.8}
    )
    scene, camera = story(1), keyed("shot:V/camera")
    figure = keyed("scene:1/character:A")
    heights, backdrop, lenses = [], [], []
    for frame in range(1, 25):
        at_frame(scene, frame)
        bounds = mesh_bounds(figure)
        ys = [f.y for f in projected(scene, camera, region_corners(bounds, [0.0, 0.28]))]
        heights.append(max(ys) - min(ys))
        far = [Vector((0, 20, 0)) + (bounds[0] + bounds[1]) / 2 + Vector((0, 0, dz)) for dz in (0, 1)]
        b0, b1 = projected(scene, camera, far)
        backdrop.append(abs(b1.y - b0.y))
        lenses.append(camera.data.lens)
    assert max(heights) / min(heights) - 1 < 0.02
    assert lenses[0] == pytest.approx(50) and lenses[-1] == pytest.approx(25)
    assert backdrop[0] > 1.5 * backdrop[-1], "zooming out while dollying in shrinks the background"


def eye_depth(camera: Any, bounds: tuple[Vector, Vector], toward: Vector) -> float:
    """Depth along the view of the eye point: eye height, on the bounds face toward `toward` (horizontal)."""
    low, high = bounds
    center = (low + high) / 2
    direction = Vector((toward.x, toward.y, 0)).normalized()
    front = max(
        (Vector((x, y, 0)) - Vector((center.x, center.y, 0))).dot(direction)
        for x in (low.x, high.x)
        for y in (low.y, high.y)
    )
    eye = Vector((center.x, center.y, high.z - EYE_FROM_TOP * (high.z - low.z))) + direction * front
    forward = -(camera.matrix_world.to_3x3() @ Vector((0, 0, 1))).normalized()
    return (eye - camera.matrix_world.translation).dot(forward)


def test_focus_pull_lands_on_each_subject(clean_blender: None, tmp_path: Path) -> None:
    shot = {
        "id": "P",
        "scene": 2,
        "size": "TWO",
        "subjects": ["A", "B"],
        "camera": {"lens": 50, "f_stop": 2.0},
        "focus": {"pull": ["A", "B"], "at": [0.0, 0.8]},
        "duration": 21,
    }
    build_spec(tmp_path, [shot], {"A": 1.75, "B": 1.9})
    scene, camera = story(2), keyed("shot:P/camera")
    a, b = keyed("scene:2/character:A"), keyed("scene:2/character:B")
    at_frame(scene, 1)
    facing_a = a.matrix_world.to_3x3() @ Vector((0, -1, 0))
    facing_b = b.matrix_world.to_3x3() @ Vector((0, -1, 0))
    assert camera.data.dof.use_dof and camera.data.dof.aperture_fstop == pytest.approx(2.0)
    assert camera.data.dof.focus_distance == pytest.approx(
        eye_depth(camera, mesh_bounds(a), facing_a), abs=0.01
    )
    for frame in (17, 21):  # fraction 0.8 of 21 frames is frame 17
        at_frame(scene, frame)
        assert camera.data.dof.focus_distance == pytest.approx(
            eye_depth(camera, mesh_bounds(b), facing_b), abs=0.01
        )
    at_frame(scene, 9)
    middle = camera.data.dof.focus_distance
    assert (
        min(eye_depth(camera, mesh_bounds(a), facing_a), eye_depth(camera, mesh_bounds(b), facing_b)) < middle
    )


def camera_track(scene: Any, camera: Any, frames: range) -> list[tuple[Vector, Vector]]:
    out = []
    for frame in frames:
        at_frame(scene, frame)
        m = camera.matrix_world
        out.append((m.translation.copy(), -(m.to_3x3() @ Vector((0, 0, 1))).normalized()))
    return out


def camera_rolls(scene: Any, camera: Any, frames: range) -> list[float]:
    """Degrees the camera's up is turned about its view axis from the level up (world Z made square)."""
    rolls = []
    for frame in frames:
        at_frame(scene, frame)
        rotation = camera.matrix_world.to_3x3()
        forward, up = (
            -(rotation @ Vector((0, 0, 1))).normalized(),
            (rotation @ Vector((0, 1, 0))).normalized(),
        )
        level = (Vector((0, 0, 1)) - forward * forward.z).normalized()
        rolls.append(math.degrees(math.atan2(level.cross(up).dot(forward), level.dot(up))))
    return rolls


def test_handheld_shake_is_seeded_and_bounded(clean_blender: None, tmp_path: Path) -> None:
    def shot(rig: str, seed: int) -> dict[str, Any]:
        return {
            "id": f"{rig}{seed}",
            "scene": 1,
            "size": "MS",
            "subject": "A",
            "camera": {"lens": 40, "rig": rig, "seed": seed},
            "duration": 48,
        }

    shots = [shot("handheld", 7), shot("tripod", 7), shot("handheld", 8)]
    build_spec(tmp_path, shots, {"A": 1.8})
    scene = story(1)
    tracks = {
        s["id"]: camera_track(scene, keyed(f"shot:{s['id']}/camera"), range(1 + 48 * i, 49 + 48 * i))
        for i, s in enumerate(shots)
    }
    first = [(loc.copy(), fwd.copy()) for loc, fwd in tracks["handheld7"]]
    first_rolls = camera_rolls(scene, keyed("shot:handheld7/camera"), range(1, 49))
    still_rolls = camera_rolls(scene, keyed("shot:tripod7/camera"), range(49, 97))
    bpy.ops.wm.read_factory_settings(use_empty=True)
    build_spec(tmp_path, shots, {"A": 1.8})
    again = camera_track(story(1), keyed("shot:handheld7/camera"), range(1, 49))
    assert all(
        (l1 - l2).length < 1e-6 and (f1 - f2).length < 1e-6
        for (l1, f1), (l2, f2) in zip(first, again, strict=True)
    )
    still_location, still_forward = tracks["tripod7"][0]
    offsets = [(loc - still_location).length for loc, _ in first]
    turns = [math.degrees(fwd.angle(still_forward)) for _, fwd in first]
    assert max(offsets) <= 0.01 * math.sqrt(3) + 1e-6, "location shake within its 1 cm amplitude per axis"
    assert max(turns) <= 3 * 0.6 + 1e-3, "three Euler channels of at most 0.6 degrees each"
    assert max(offsets) > 0.002 and max(turns) > 0.1, "the camera does shake"
    assert max(abs(r) for r in first_rolls) <= 0.6 + 1e-3, "roll within the 0.6 degree amplitude"
    assert max(first_rolls) - min(first_rolls) > 0.2, "the roll shake survives the aim constraint"
    assert still_rolls == pytest.approx([0.0] * 48, abs=1e-4), "a tripod does not roll"
    rebuilt = camera_rolls(story(1), keyed("shot:handheld7/camera"), range(1, 49))
    assert rebuilt == pytest.approx(first_rolls, abs=1e-6), "the same roll on another build"
    other = [loc for loc, _ in tracks["handheld8"]]
    assert any((a[0] - b).length > 1e-4 for a, b in zip(first, other, strict=True)), (
        "another seed, another shake"
    )


def front_eye_and_top(figure: Any) -> tuple[Vector, Vector]:
    """The eyes and the top of the head on the front face of a figure standing as built (facing -Y)."""
    low, high = mesh_bounds(figure)
    x = (low.x + high.x) / 2
    return Vector((x, low.y, high.z - EYE_FROM_TOP * (high.z - low.z))), Vector((x, low.y, high.z))


def test_dolly_rides_its_track_and_crane_swings_its_arm(clean_blender: None, tmp_path: Path) -> None:
    shots = [
        {"id": "D", "scene": 1, "template": "push_in_close", "subject": "A", "duration": 24},
        {
            "id": "C",
            "scene": 1,
            "size": "WS",
            "subject": "A",
            "camera": {"lens": 24, "rig": "crane", "move": "crane", "amount": 25},
            "duration": 24,
        },
    ]
    build_spec(tmp_path, shots, {"A": 1.8})
    scene = story(1)
    dolly = keyed("shot:D/camera")
    cart, track = keyed("shot:D/camera/cart"), keyed("shot:D/camera/track")
    assert dolly.parent == cart and track.type == "CURVE" and cart.constraints[0].target == track
    path = camera_track(scene, dolly, range(1, 25))
    travel = path[-1][0] - path[0][0]
    assert travel.length > 0.1 and travel.normalized().dot(path[0][1]) > 0.999, "pushes in along the view"
    crane = keyed("shot:C/camera")
    arm, root = keyed("shot:C/camera/arm"), keyed("shot:C/camera/rig")
    assert crane.parent == arm and arm.parent == root
    moves = camera_track(scene, crane, range(25, 49))
    pivot = root.matrix_world.translation
    reach = [(loc - pivot).length for loc, _ in moves]
    assert max(reach) - min(reach) < 1e-3, "the camera stays on the arm's end"
    rise = [math.degrees(math.asin((loc - pivot).z / (loc - pivot).length)) for loc, _ in moves]
    assert rise[-1] - rise[0] == pytest.approx(25, abs=0.5), "booms up by the spec's amount"
    # The head keeps the solved composition all along (the eyes where the WS frame put them, under the
    # table's headroom), instead of centring the eyes as a plain aim would.
    headroom = preset("shot_sizes", "WS")["headroom"]
    eyes, tops = [], []
    for frame in range(25, 49):
        at_frame(scene, frame)
        eye, top_of_head = front_eye_and_top(keyed("scene:1/character:A"))
        eye_frame, top = projected(scene, crane, [eye, top_of_head])
        eyes.append(eye_frame)
        tops.append(top.y)
    assert 1 - tops[0] == pytest.approx(headroom, abs=0.03)
    assert eyes[0].y > 0.8, "a wide shot's eyes sit high in the frame, not at its centre"
    assert max((e.xy - eyes[0].xy).length for e in eyes) < 0.01, "the eyes stay where the framing put them"


def test_an_arc_keeps_the_composition_the_framing_solved(clean_blender: None, tmp_path: Path) -> None:
    shot = {
        "id": "R",
        "scene": 1,
        "size": "MS",
        "subject": "A",
        "camera": {"lens": 35, "rig": "tripod", "move": "arc", "amount": 60},
        "duration": 24,
    }
    build_spec(tmp_path, [shot], {"A": 1.8})
    scene, camera = story(1), keyed("shot:R/camera")
    eye = front_eye_and_top(keyed("scene:1/character:A"))[0]
    seen, headings = [], []
    for frame in range(1, 25):
        at_frame(scene, frame)
        seen.append(projected(scene, camera, [eye])[0])
        headings.append(math.degrees(math.atan2(*(camera.matrix_world.translation - eye).xy.yx)))
    assert abs(headings[-1] - headings[0]) == pytest.approx(60, abs=0.5), (
        "arcs round the subject by the amount"
    )
    assert seen[0].y > 0.55, "a medium shot's eyes sit above the frame's centre"
    assert max((s.xy - seen[0].xy).length for s in seen) < 0.01, "the eyes stay where the framing put them"


def test_extra_cameras_are_found_by_shot_and_frame_the_subject(clean_blender: None, tmp_path: Path) -> None:
    shot = {
        "id": "M",
        "scene": 1,
        "size": "MCU",
        "subject": "A",
        "camera": {"lens": 50},
        "cameras": [{"lens": 85, "angle": -40}, {"name": "wide", "lens": 24}],
        "duration": 2,
    }
    build_spec(tmp_path, [shot], {"A": 1.8})
    scene = story(1)
    found = shot_cameras(scene, "M")
    assert [name for name, _ in found] == ["A", "B", "wide"]
    at_frame(scene, 1)
    bounds = mesh_bounds(keyed("scene:1/character:A"))
    fill = preset("shot_sizes", "MCU")["fill"]
    for name, camera in found:
        ys = [f.y for f in projected(scene, camera, region_corners(bounds, [0.0, 0.28]))]
        assert max(ys) - min(ys) == pytest.approx(fill, rel=0.10), name
    assert scene.timeline_markers["M"].camera == found[0][1]


def test_a_set_feature_is_framed_like_a_mark(clean_blender: None, tmp_path: Path) -> None:
    """`features` are points of the set a shot can frame (validation takes them as subjects): an INSERT of one
    frames the 0.6 x 0.6 x 1 m box docs/camera.md puts on a mark, far from where the cast stands."""
    locations = [{"name": "Stage", "preset": "stage", "features": {"statue": [6.0, 4.0, 0.5]}}]
    shot = {"id": "F", "scene": 1, "size": "INSERT", "subject": "statue", "duration": 2}
    build_spec(tmp_path, [shot], {"A": 1.8}, locations=locations)
    scene = story(1)
    at_frame(scene, 1)
    box = [
        Vector((6 + dx, 4 + dy, 0.5 + dz)) for dx in (-0.3, 0.3) for dy in (-0.3, 0.3) for dz in (0.0, 1.0)
    ]
    frame = projected(scene, keyed("shot:F/camera"), box)
    assert all(0 <= f.x <= 1 and 0 <= f.y <= 1 and f.z > 0 for f in frame), frame
    ys = [f.y for f in frame]
    assert max(ys) - min(ys) == pytest.approx(preset("shot_sizes", "INSERT")["fill"], rel=0.10)


def test_hand_moved_rig_and_aim_survive_a_rebuild(clean_blender: None, tmp_path: Path) -> None:
    shots: list[dict[str, Any]] = [
        {"id": "T", "scene": 1, "size": "MS", "subject": "A", "camera": {"lens": 40}, "duration": 2}
    ]
    build_spec(tmp_path, shots, {"A": 1.8})
    root, aim = keyed("shot:T/camera/rig"), keyed("shot:T/camera/aim")
    root.location.x += 0.7
    aim.location.z += 0.2
    moved = (root.location.copy(), aim.location.copy())
    build_spec(tmp_path, shots, {"A": 1.8})
    assert (root.location - moved[0]).length < 1e-6 and (aim.location - moved[1]).length < 1e-6
    shots[0]["camera"]["lens"] = 85
    build_spec(tmp_path, shots, {"A": 1.8})
    assert (root.location - moved[0]).length > 0.1, "a new lens means a new framing: the spec wins"


EXAMPLE_SPEC = EXAMPLE / "production.yaml"


@pytest.mark.parametrize(
    ("shot", "framed"),
    [
        ("1C", ["Courier"]),
        ("2B", ["Pursuer"]),
        ("2C", ["Courier", "Pursuer"]),
        ("3B", ["Courier"]),
        ("4B", ["Pursuer"]),
        ("4C", ["Courier"]),
    ],
)
def test_example_production_cameras_show_their_subject(
    clean_blender: None, tmp_path: Path, shot: str, framed: list[str]
) -> None:
    production = build_departments(EXAMPLE_SPEC, CAST_AND_CAMERAS).production
    scene_id = next(s.scene for s in production.shots if s.id == shot)
    scene = next(s for s in bpy.data.scenes if s.get("backlot_key") == f"scene:{scene_id}")
    at_frame(scene, scene.timeline_markers[shot].frame)
    roots = {keyed(f"scene:{scene_id}/character:{name}") for name in framed}
    figures = roots | {child for o in roots for child in o.children_recursive}
    # a subject cheated for the shot follows its cheat empty, which must stay in the render's scene
    cheats = {keyed(f"scene:{scene_id}/character:{name}/cheat") for name in framed} - {None}
    rows = render_alpha_rows(scene, keyed(f"shot:{shot}/camera"), figures | cheats, tmp_path)
    covered = [i for i, row in enumerate(rows) if row]
    # The 2.39 framing sits in the centre band of the 16:9 master: the figure must show inside that band.
    assert production.aspect_ratio is not None, "the example frames for 2.39"
    band = (1 - (16 / 9) / production.aspect_ratio) / 2
    assert covered, f"{shot}: empty frame"
    assert len(covered) / len(rows) > 0.2, f"{shot}: the subject covers only {len(covered)} rows"
    assert band - 0.02 <= covered[0] / len(rows) < 0.5, (
        f"{shot}: the subject's top is outside the framing band"
    )


def test_hand_edited_move_keys_survive_a_rebuild_until_the_move_changes(
    clean_blender: None, tmp_path: Path
) -> None:
    shots: list[dict[str, Any]] = [
        {"id": "K", "scene": 1, "size": "MS", "subject": "A", "camera": {"move": "truck"}, "duration": 12}
    ]
    build_spec(tmp_path, shots, {"A": 1.8})

    def last_key() -> Any:
        action = keyed("shot:K/camera").animation_data.action
        bags = [b for layer in action.layers for strip in layer.strips for b in strip.channelbags]
        curve = next(c for b in bags for c in b.fcurves if c.data_path == "location" and c.array_index == 0)
        return curve.keyframe_points[-1]

    last_key().co.y = 0.25  # the artist shortens the truck
    build_spec(tmp_path, shots, {"A": 1.8})
    assert last_key().co.y == pytest.approx(0.25)
    shots[0]["camera"]["amount"] = 2.0
    build_spec(tmp_path, shots, {"A": 1.8})
    assert abs(last_key().co.y) > 1.0, "a changed move rewrites the keys (a 2 m truck)"


def test_follow_keeps_a_walking_subject_in_frame(clean_blender: None, tmp_path: Path) -> None:
    shot = {
        "id": "F",
        "scene": 1,
        "size": "WS",
        "subject": "A",
        "blocking": {"A": "upstage"},
        "camera": {"lens": 35, "rig": "steadicam", "move": "follow"},
        "duration": 48,
    }
    build_spec(tmp_path, [shot], {"A": 1.8})
    scene, camera, figure = story(1), keyed("shot:F/camera"), keyed("scene:1/character:A")
    travelled = []
    for frame in (1, 48):
        at_frame(scene, frame)
        low, high = mesh_bounds(figure)
        centre = projected(scene, camera, [(low + high) / 2])[0]
        assert 0.1 < centre.x < 0.9 and 0 < centre.y < 1, f"frame {frame}: subject at {centre.to_tuple()}"
        travelled.append((figure.matrix_world.translation.copy(), camera.matrix_world.translation.copy()))
    walk = (travelled[1][0] - travelled[0][0]).length
    chase = (travelled[1][1] - travelled[0][1]).length
    assert walk > 1.0, "the blocking walks the subject to its mark"
    assert 0.5 * walk < chase <= walk + 1e-3, "the camera follows, lagging a little"


def test_bounds_from_known_geometry_equal_the_evaluated_bounds(clean_blender: None) -> None:
    """The department measures static figures without a depsgraph; the evaluated bounds must agree."""
    scene = bpy.context.scene
    mesh = bpy.data.meshes.new("Box")
    mesh.from_pydata([(x, y, z) for x in (-0.3, 0.2) for y in (-0.1, 0.4) for z in (0.0, 1.7)], [], [])
    root = bpy.data.objects.new("Root", mesh)
    child = bpy.data.objects.new("Child", mesh)
    for obj in (root, child):
        scene.collection.objects.link(obj)
    root.location, root.rotation_euler, root.scale = (1.0, -2.0, 0.5), (0.1, -0.2, 0.7), (1.0, 1.5, 0.8)
    child.parent = root
    child.matrix_parent_inverse = Matrix.Translation((0.3, 0.0, -0.2))
    child.location, child.rotation_euler = (0.5, 0.5, 1.0), (0.0, 0.4, -1.1)
    assert camera_rigs.is_static(root) and camera_rigs.is_static(child)
    known = camera_rigs.static_bounds([root, child], {})
    view_layer = scene.view_layers[0]
    view_layer.update()
    assert view_layer.depsgraph is not None, "update() evaluates the view layer's depsgraph"
    evaluated = camera_rigs.world_bounds(view_layer.depsgraph, {root, child})
    assert known is not None and evaluated is not None
    assert [v for corner in known for v in corner] == pytest.approx(
        [v for corner in evaluated for v in corner], abs=1e-5
    )
    child.modifiers.new("Thicker", "SOLIDIFY")
    assert not camera_rigs.is_static(child), "a modifier reshapes the mesh: measure it evaluated"
