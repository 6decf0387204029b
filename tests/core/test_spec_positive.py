"""What a valid spec turns into: the example validates clean, values are normalised (durations to frames,
scene ranges to sets), shot ids default to <scene><letter>, explicit keys beat preset keys, user presets
shadow built-in ones, and the plan/estimate figures match hand calculations."""

from __future__ import annotations

from pathlib import Path

import pytest
import test_spec_common as kit
from backlot.production.plan import estimate, make_plan
from backlot.production.spec.api import load_production
from backlot.production.values import ValueProblem, parse_duration, parse_scene_range


@pytest.fixture(scope="module")
def stubs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return kit.write_stub_presets(tmp_path_factory.mktemp("stub_presets"))


def test_example_validates_clean(stubs: Path) -> None:
    result = load_production(kit.EXAMPLE, [stubs])
    assert result.issues == [], kit.describe(result.issues)
    production = result.production
    assert production is not None
    # what the issue asks of the example
    assert len(production.scenes) >= 4 and len(production.shots) >= 12
    assert len(production.characters) >= 2 and len(production.locations) >= 2
    assert any(len({e.costume for e in c.wardrobe}) > 1 for c in production.characters)  # a wardrobe change
    assert any(s.focus.pull for s in production.shots)  # a focus pull
    assert any(o.retro is not None for o in production.outputs)  # a retro output


@pytest.mark.parametrize(
    ("written", "fps", "frames"),
    [
        ("4s", 24, 96),
        ("4s", 25, 100),
        ("4s", 30, 120),
        ("96f", 24, 96),
        (96, 24, 96),
        ("1.5s", 24, 36),
        ("2.5 seconds", 24, 60),
        ("1:30", 24, 2160),
        ("0:02", 30, 60),
        (72.0, 24, 72),
    ],
)
def test_durations_normalise_to_frames(written: object, fps: float, frames: int) -> None:
    assert parse_duration(written).to_frames(fps) == frames


@pytest.mark.parametrize("written", ["4m", "fast", "1.5f", "", [4]])
def test_unreadable_durations_raise_a_value_problem(written: object) -> None:
    with pytest.raises(ValueProblem) as info:
        parse_duration(written)
    assert info.value.suggestion


@pytest.mark.parametrize(
    ("written", "ids"),
    [
        ("1,4,7-9", ("1", "4", "7", "8", "9")),
        ("1-3", ("1", "2", "3")),
        ("3", ("3",)),
        (5, ("5",)),
        (" 2 - 4 , 9", ("2", "3", "4", "9")),
        ("1-2,2-3", ("1", "2", "3")),
        ([1, "3-4"], ("1", "3", "4")),
    ],
)
def test_scene_ranges(written: object, ids: tuple[str, ...]) -> None:
    assert parse_scene_range(written) == ids


def test_scene_range_of_named_scenes_follows_spec_order() -> None:
    assert parse_scene_range("intro-chase", ["intro", "alley", "chase", "end"]) == ("intro", "alley", "chase")
    with pytest.raises(ValueProblem):
        parse_scene_range("5-2")


def test_fps_changes_frames_in_the_model(tmp_path: Path, stubs: Path) -> None:
    spec = kit.base_spec()
    spec["production"]["fps"] = 25
    production = kit.validate_spec(tmp_path, spec, stubs).production
    assert production is not None
    # 3s, 48f, 2s, 72, 2s at 25 fps
    assert [s.duration for s in production.shots] == [75, 48, 50, 72, 50]


def test_wardrobe_ranges_in_the_model(tmp_path: Path, stubs: Path) -> None:
    spec = kit.base_spec()
    spec["production"]["characters"][1]["wardrobe"] = [{"scenes": "1,3", "costume": "suit"}]
    production = kit.validate_spec(tmp_path, spec, stubs).production
    assert production is not None
    ben = production.character("Ben")
    assert ben.wardrobe[0].scenes == ("1", "3")
    assert [ben.costume_for(s) for s in ("1", "2", "3")] == ["suit", None, "suit"]


def test_default_shot_ids(tmp_path: Path, stubs: Path) -> None:
    spec = kit.base_spec()
    spec["production"]["shots"] = [
        {"scene": 1, "duration": "1s"},
        {"scene": 1, "duration": "1s"},
        {"scene": 2, "duration": "1s"},
        {"id": "1C", "scene": 1, "duration": "1s"},  # taken explicitly: the next default skips it
        {"scene": 1, "duration": "1s"},
        {"scene": 3, "duration": "1s"},
    ]
    production = kit.validate_spec(tmp_path, spec, stubs).production
    assert production is not None
    assert [s.id for s in production.shots] == ["1A", "1B", "2A", "1C", "1D", "3A"]


def test_shot_letters_go_past_z(tmp_path: Path, stubs: Path) -> None:
    spec = kit.base_spec()
    spec["production"]["shots"] = [{"scene": 1, "duration": 1} for _ in range(28)]
    production = kit.validate_spec(tmp_path, spec, stubs).production
    assert production is not None
    assert [s.id for s in production.shots][24:] == ["1Y", "1Z", "1AA", "1AB"]


def test_explicit_keys_win_over_the_template(tmp_path: Path, stubs: Path) -> None:
    """presets/shots/close_up.yaml: size CU, lens 85, rig tripod, move static, height eye, 3s."""
    spec = kit.base_spec()
    spec["production"]["shots"][1] = {
        "id": "1B",
        "scene": 1,
        "template": "close_up",
        "subject": "Ada",
        "camera": {"lens": 50},
    }
    production = kit.validate_spec(tmp_path, spec, stubs).production
    assert production is not None
    shot = production.shot("1B")
    assert shot.camera.lens == 50  # the shot's own key
    assert (shot.camera.rig, shot.camera.move, shot.camera.height) == (
        "tripod",
        "static",
        "eye",
    )  # the template's
    assert shot.size == "CU"
    assert (
        shot.duration == 72
    )  # the template's 3s at 24 fps: duration is not required when a template gives it
    assert shot.template == "close_up"


def test_explicit_duration_wins_over_the_template(tmp_path: Path, stubs: Path) -> None:
    production = kit.validate_spec(tmp_path, kit.base_spec(), stubs).production
    assert production is not None
    # 1A uses establishing_wide (4s) but says 3s
    assert production.shot("1A").duration == 72
    assert production.shot("1A").size == "EWS" and production.shot("1A").camera.lens == 24


def test_location_preset_fills_marks_and_lighting(tmp_path: Path, stubs: Path) -> None:
    """presets/locations/street.yaml gives the marks (shot 4A frames 'corner') and lighting three_point."""
    production = kit.validate_spec(tmp_path, kit.base_spec(), stubs).production
    assert production is not None
    street = production.location("Street")
    assert street.marks["corner"] == (6, 20)
    assert street.weather == "rain"  # explicit beats the preset's `clear`
    assert street.lighting is not None and street.lighting.preset == "three_point"


def test_user_preset_shadows_builtin(tmp_path: Path, stubs: Path) -> None:
    user = tmp_path / "studio_presets"
    (user / "shots").mkdir(parents=True)
    (user / "shots" / "establishing_wide.yaml").write_text(
        "description: studio house style\nsize: WS\ncamera: {lens: 18, rig: drone}\nduration: 5s\n",
        encoding="utf-8",
    )
    (user / "outputs").mkdir()
    (user / "outputs" / "festival_dcp.yaml").write_text(
        "resolution: [1998, 1080]\ncontainer: exr\n", encoding="utf-8"
    )
    spec = kit.base_spec()
    spec["production"]["outputs"][0]["format"] = "festival_dcp"
    del spec["production"]["outputs"][0]["container"]
    result = load_production(kit.write_spec(tmp_path / "prod", spec), [stubs, user])
    assert result.issues == [], kit.describe(result.issues)
    assert result.production is not None
    shot = result.production.shot("1A")
    assert (shot.size, shot.camera.lens, shot.camera.rig) == ("WS", 18, "drone")
    assert shot.duration == 72  # still the shot's own 3s
    output = result.production.outputs[0]
    assert (output.resolution, output.container) == ((1998, 1080), "exr")
    # without the user folder, the built-in establishing_wide applies
    plain = kit.validate_spec(tmp_path / "prod2", kit.base_spec(), stubs).production
    assert plain is not None and plain.shot("1A").camera.lens == 24


def test_plan_frame_ranges_and_estimate(tmp_path: Path, stubs: Path) -> None:
    production = kit.validate_spec(tmp_path, kit.base_spec(), stubs).production
    assert production is not None
    plan = make_plan(production)
    ranges = {s.shot_id: (s.frame_start, s.frame_end) for s in plan.shots}
    # each scene's timeline starts at 1: 1A 72 frames, 1B 48; 2A 48; 3A 72; 4A 48
    assert ranges == {"1A": (1, 72), "1B": (73, 120), "2A": (1, 48), "3A": (1, 72), "4A": (1, 48)}
    assert plan.total_frames == 288 and plan.total_seconds == 12.0
    assert {o.name: o.frames for o in plan.outputs} == {"preview": 288, "retro": 288}
    est = estimate(production, plan)
    # master = largest non-retro output, 960x540 (1/4 of 1080p); eevee base 2.0 s x 0.25 x 16/32 = 0.25 s
    assert est.resolution == (960, 540)
    assert all(s.seconds_per_frame == pytest.approx(0.25) for s in est.shots)
    assert est.total_seconds == pytest.approx(72.0)


def test_scene_order_drives_shot_order(tmp_path: Path, stubs: Path) -> None:
    spec = kit.base_spec()
    shots = spec["production"]["shots"]
    shots.insert(0, shots.pop())  # 4A written first
    production = kit.validate_spec(tmp_path, spec, stubs).production
    assert production is not None
    assert [s.shot_id for s in make_plan(production).shots] == ["1A", "1B", "2A", "3A", "4A"]


def test_model_is_immutable(tmp_path: Path, stubs: Path) -> None:
    import dataclasses

    production = kit.validate_spec(tmp_path, kit.base_spec(), stubs).production
    assert production is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        production.title = "x"
    with pytest.raises(dataclasses.FrozenInstanceError):
        production.shots[0].duration = 1
