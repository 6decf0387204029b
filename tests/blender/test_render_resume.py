"""Resume after a kill or after an edit of the spec: every frame, decoded, equals a render of the spec as it
is now that was never interrupted, and nothing the plan no longer has is left on disk or in the manifest.

The production (productions/resume_render) moves every shot's camera, so each frame differs from the next and
an adaptive retro palette (`colors: 4`) locked from another frame of a shot comes out different: a resume that
lost a take's palette shows in its retro frames. Kills land right after the render logs an event (see
test_render_kill.py); Workbench renders the same pixels every time.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import yaml
from backlot.production.image.codecs import read_png
from render_kit import log_events, render
from test_render_kill import render_until_killed

RESUME = Path(__file__).resolve().parent / "productions" / "resume_render"
# From the spec: scene 1 plays 1A (4 frames) then 1B (3), scene 2 is 2A (3); each timeline starts at 1.
FRAMES = {"1A": [1, 2, 3, 4], "1B": [5, 6, 7], "2A": [1, 2, 3]}
OUTPUTS = ("preview", "half", "retro")


def copy_production(folder: Path) -> Path:
    shutil.copytree(RESUME, folder)
    return folder / "production.yaml"


def edit_spec(spec: Path, edit: dict) -> None:
    """Apply `edit` to the spec: shot id -> keys to set (a `camera` mapping is merged), `drop_outputs`."""
    data = yaml.safe_load(spec.read_text())
    body = data["production"]
    for shot in body["shots"]:
        for key, value in edit.get(shot["id"], {}).items():
            shot[key] = {**shot.get(key, {}), **value} if key == "camera" else value
    body["outputs"] = [o for o in body["outputs"] if o["name"] not in edit.get("drop_outputs", ())]
    spec.write_text(yaml.safe_dump(data, sort_keys=False))


def expected_files(root: Path, frames: dict[str, list[int]], outputs: tuple[str, ...]) -> set[Path]:
    return {
        root / "output" / output / shot / f"{frame:04d}.png"
        for output in outputs
        for shot, numbers in frames.items()
        for frame in numbers
    }


def files_on_disk(root: Path) -> set[Path]:
    return {p for p in (root / "output").rglob("*") if p.is_file()}


def decoded(root: Path) -> dict[str, np.ndarray]:
    """Every frame file's pixels, by path relative to the production folder."""
    return {p.relative_to(root).as_posix(): read_png(p) for p in sorted(files_on_disk(root))}


def assert_same_pixels(root: Path, reference: Path) -> None:
    mine, theirs = decoded(root), decoded(reference)
    assert sorted(mine) == sorted(theirs)
    differ = [name for name in mine if not np.array_equal(mine[name], theirs[name])]
    assert not differ, f"frames whose pixels differ from an uninterrupted render: {differ}"


def assert_manifest_is_the_disk(root: Path) -> None:
    manifest = json.loads((root / "manifest.json").read_text())
    assert {root / f["path"] for f in manifest["files"]} == files_on_disk(root)


def rendered_since(root: Path, events_before: int) -> Counter[tuple[str, int]]:
    return Counter((e["shot"], e["frame"]) for e in log_events(root, "rendered")[events_before:])


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The production rendered once, never interrupted."""
    spec = copy_production(tmp_path_factory.mktemp("reference") / "production")
    render(spec)
    return spec.parent


KILLS = {
    # Right after each take's palette is locked (and committed), before the frame that locked it is written.
    "after a palette lock": [("palette_locked", 1)] * 3,
    # Right after the frame a take's palette was locked on is written, before the next .blend save.
    "after the frame that locked the palette": [("frame_done", 1)] * 3,
    # While the manifest and report are written, after the last frame.
    "during the manifest write": [("finalize", 1)],
}


@pytest.mark.parametrize("kills", KILLS.values(), ids=KILLS.keys())
def test_a_killed_render_resumes_to_the_pixels_of_an_uninterrupted_one(
    reference: Path, tmp_path: Path, kills: list[tuple[str, int]]
) -> None:
    spec = copy_production(tmp_path / "production")
    done = 0
    for event, occurrences in kills:
        done += render_until_killed(spec, event, occurrences, resume=done > 0)
    assert done == len(kills), "the render finished before a kill point"
    render(spec, "--resume")

    root = spec.parent
    assert files_on_disk(root) == expected_files(root, FRAMES, OUTPUTS)
    assert_same_pixels(root, reference)
    assert_manifest_is_the_disk(root)
    renders = rendered_since(root, 0)
    assert max(renders.values()) == 1, f"frames rendered twice: {[k for k, n in renders.items() if n > 1]}"


def test_an_edit_after_a_kill_re_renders_the_changed_shot_whole(tmp_path: Path) -> None:
    """1B's lens changes after its first frame was rendered: the resume renders all of 1B with the new lens
    (not half a shot with each), and says so."""
    spec = copy_production(tmp_path / "production")
    assert render_until_killed(spec, "frame_done", 5, resume=False)  # 1A whole, and 1B's first frame
    root = spec.parent
    assert (root / "output" / "retro" / "1B" / "0005.png").is_file()
    edit = {"1B": {"camera": {"lens": 85}}}
    edit_spec(spec, edit)
    before = len(log_events(root, "rendered"))
    resumed = render(spec, "--resume")

    reference = copy_production(tmp_path / "reference")
    edit_spec(reference, edit)
    render(reference)
    assert_same_pixels(root, reference.parent)
    assert_manifest_is_the_disk(root)
    assert set(rendered_since(root, before)) == {("1B", f) for f in FRAMES["1B"]} | {
        ("2A", f) for f in FRAMES["2A"]
    }
    assert "1 shot(s) changed since the last run: 1B (re-rendering)" in resumed.stdout
    (event,) = log_events(root, "spec_changed")
    assert event["changed"] == ["1B"]


def test_a_shortened_shot_and_a_removed_output_leave_no_orphan_frames(tmp_path: Path) -> None:
    spec = copy_production(tmp_path / "production")
    render(spec)
    root = spec.parent
    edit = {"2A": {"duration": "2f"}, "drop_outputs": ["half"]}
    edit_spec(spec, edit)
    # Orphans, counted by hand: every frame of `half` (4 + 3 + 3) and 2A's third frame in the other two.
    orphans = 10 + 2
    before = len(log_events(root, "rendered"))
    resumed = render(spec, "--resume")

    shortened = {**FRAMES, "2A": [1, 2]}
    assert files_on_disk(root) == expected_files(root, shortened, ("preview", "retro"))
    assert_manifest_is_the_disk(root)
    reference = copy_production(tmp_path / "reference")
    edit_spec(reference, edit)
    render(reference)
    assert_same_pixels(root, reference.parent)
    # 2A is shorter, so its camera moves over fewer frames: all of it renders again, and nothing else.
    assert set(rendered_since(root, before)) == {("2A", 1), ("2A", 2)}
    expected = f"1 shot(s) changed since the last run: 2A (re-rendering); {orphans} orphan frame(s) removed"
    assert expected in resumed.stdout


def test_restart_renders_every_frame_again(tmp_path: Path) -> None:
    spec = copy_production(tmp_path / "production")
    render(spec)
    root = spec.parent
    before = len(log_events(root, "rendered"))
    render(spec, "--restart")
    assert set(rendered_since(root, before)) == {(s, f) for s, frames in FRAMES.items() for f in frames}
    assert files_on_disk(root) == expected_files(root, FRAMES, OUTPUTS)
