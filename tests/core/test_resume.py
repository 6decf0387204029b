"""What a resumed render reads back and undoes first, in plain Python.

Digests (fingerprints.py): an edit reaches exactly the takes and outputs whose pixels it can change, checked
as relations between two versions of one spec (never against a digest the code computed). Undoing changes
(resume.py): the files of a changed take and those the plan no longer has are deleted and forgotten, nothing
else, and nothing outside the production folder. The sidecar is read back only when it is the same render and
further on.
"""

from __future__ import annotations

import copy
import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from backlot.production.model import Production
from backlot.production.plan import make_plan
from backlot.production.render.checkpoint import Checkpoint
from backlot.production.render.fingerprints import Fingerprints, fingerprints
from backlot.production.render.request import RenderRequest, take_plan
from backlot.production.render.resume import (
    read_back,
    share_of,
    sidecar_path,
    undo_changes,
    write_sidecar,
)
from backlot.production.spec.api import load_production

SPEC: dict[str, Any] = {
    "production": {
        "title": "Resume",
        "version": "1",
        "render": {"engine": "workbench", "samples": 1},
        "characters": [{"name": "Ada", "height": 1.7}, {"name": "Ben", "height": 1.85}],
        "locations": [{"name": "Yard", "preset": "stage"}],
        "scenes": [
            {"id": "1", "location": "Yard", "characters": ["Ada", "Ben"]},
            {"id": "2", "location": "Yard", "characters": ["Ada"]},
        ],
        "shots": [
            {"id": "1A", "scene": "1", "size": "WS", "duration": "3f"},
            {"id": "1B", "scene": "1", "size": "CU", "subject": "Ben", "duration": "2f"},
            {"id": "2A", "scene": "2", "size": "MS", "subject": "Ada", "duration": "3f"},
        ],
        "outputs": [
            {"name": "preview", "path": "output/preview/", "resolution": [64, 36], "container": "png"},
            {"name": "retro", "path": "output/retro/", "retro": {"colors": 4, "resolution": [32, 18]}},
        ],
    }
}
TAKES = ("1A", "1B", "2A")
OUTPUTS = ("preview", "retro")


def production_of(folder: Path, edit: Any = None) -> Production:
    """The spec, changed by `edit(body)` when given, loaded from `folder` (the same folder every time)."""
    data = copy.deepcopy(SPEC)
    if edit is not None:
        edit(data["production"])
    folder.mkdir(exist_ok=True)
    (folder / "production.yaml").write_text(yaml.safe_dump(data))
    result = load_production(str(folder / "production.yaml"))
    assert result.valid and result.production is not None, [i.message for i in result.issues]
    return result.production


def made(production: Production) -> Fingerprints:
    return fingerprints(production, make_plan(production))


def shot(body: dict[str, Any], shot_id: str) -> dict[str, Any]:
    return next(s for s in body["shots"] if s["id"] == shot_id)


def changed_takes(before: Fingerprints, after: Fingerprints) -> set[str]:
    return {t for t in before.takes if before.takes[t] != after.takes.get(t)}


def changed_outputs(before: Fingerprints, after: Fingerprints) -> set[tuple[str, str]]:
    return {
        (o, t)
        for o, per_take in before.outputs.items()
        for t in per_take
        if per_take[t] != after.outputs[o].get(t)
    }


# -- digests -------------------------------------------------------------------------------------------------
def test_a_lens_change_reaches_its_own_shot_only(tmp_path: Path) -> None:
    before = made(production_of(tmp_path))
    after = made(production_of(tmp_path, lambda body: shot(body, "1B").update(camera={"lens": 85})))
    assert changed_takes(before, after) == {"1B"}
    assert changed_outputs(before, after) == {("preview", "1B"), ("retro", "1B")}


def test_what_lights_or_walks_a_scene_reaches_every_shot_of_it_and_no_other_scene(tmp_path: Path) -> None:
    before = made(production_of(tmp_path))
    # The first shot's subject places the lights; a shot's lighting keys the lamps; blocking walks the cast.
    edits = [
        lambda body: shot(body, "1A").update(subject="Ben"),
        lambda body: shot(body, "1B").update(lighting={"key_fill_ratio": 4}),
        lambda body: shot(body, "1A").update(blocking={"Ada": "upstage"}),
    ]
    for edit in edits:
        assert changed_takes(before, made(production_of(tmp_path, edit))) == {"1A", "1B"}


def test_shortening_a_shot_changes_it_and_the_shots_after_it_in_its_scene(tmp_path: Path) -> None:
    before = made(production_of(tmp_path))
    after = made(production_of(tmp_path, lambda body: shot(body, "1A").update(duration="2f")))
    assert changed_takes(before, after) == {"1A", "1B"}  # 1B now starts a frame earlier


def test_an_output_setting_reaches_that_output_only(tmp_path: Path) -> None:
    before = made(production_of(tmp_path))
    after = made(production_of(tmp_path, lambda body: body["outputs"][1]["retro"].update(colors=8)))
    assert changed_takes(before, after) == set()
    assert changed_outputs(before, after) == {("retro", t) for t in TAKES}


def test_what_sets_the_master_reaches_every_take(tmp_path: Path) -> None:
    before = made(production_of(tmp_path))
    deep = {
        "name": "deep",
        "path": "output/deep/",
        "resolution": [64, 36],
        "container": "png",
        "color_depth": "16",
    }
    larger = {"name": "large", "path": "output/large/", "resolution": [128, 72], "container": "png"}
    for extra in (deep, larger):  # a 16-bit master; a larger master
        after = made(production_of(tmp_path, lambda body, extra=extra: body["outputs"].append(extra)))
        assert changed_takes(before, after) == set(TAKES)
    production = production_of(tmp_path)
    overridden = made(RenderRequest(samples=8).apply(production))
    assert changed_takes(before, overridden) == set(TAKES)


def test_words_about_the_production_change_nothing(tmp_path: Path) -> None:
    before = made(production_of(tmp_path))
    after = made(production_of(tmp_path, lambda body: body.update(title="Another title", description="new")))
    assert after == before


def test_a_replaced_file_the_model_names_counts_as_a_change(tmp_path: Path) -> None:
    production = production_of(tmp_path)
    sky = tmp_path / "sky.hdr"
    sky.write_bytes(b"one")
    with_sky = replace(production, locations=tuple(replace(loc, hdri=sky) for loc in production.locations))
    before = made(with_sky)
    sky.write_bytes(b"other sky")
    assert changed_takes(before, made(with_sky)) == set(TAKES)


@pytest.mark.parametrize("spec", ["neon_alley", *(f"templates/{t}" for t in ("commercial", "short_film"))])
def test_every_kind_of_value_in_a_real_production_gets_into_a_digest(spec: str) -> None:
    result = load_production(str(Path(__file__).resolve().parents[2] / "examples" / spec))
    assert result.valid and result.production is not None
    digests = made(result.production)
    assert len(set(digests.takes.values())) == len(digests.takes)  # every take is told apart


# -- undoing changes -----------------------------------------------------------------------------------------
def frame_file(root: Path, output: str, take: str, frame: int) -> Path:
    return root / "output" / output / take / f"{frame:04d}.png"


def rendered(folder: Path, production: Production) -> Checkpoint:
    """A checkpoint as a finished render leaves it: digests, every frame on disk and recorded, palettes."""
    checkpoint = Checkpoint()
    plan = take_plan(production, make_plan(production))
    undo_changes(checkpoint, production, plan, made(production))
    for take in plan.shots:
        for output in OUTPUTS:
            for frame in take.frame_numbers():
                path = frame_file(folder, output, take.shot_id, frame)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(b"frame")
                checkpoint.record_frame(
                    output, take.shot_id, frame, path.relative_to(path.parents[1]), 5, "x"
                )
        checkpoint.lock_palette("retro", take.shot_id, ["#000000", "#ffffff"])
    return checkpoint


def undo(checkpoint: Checkpoint, production: Production, **scope: Any) -> Any:
    plan = take_plan(production, make_plan(production))
    return undo_changes(checkpoint, production, plan, made(production), **scope)


def files(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in (folder / "output").rglob("*") if p.is_file()}


def all_frames(takes: dict[str, range], outputs: tuple[str, ...] = OUTPUTS) -> set[str]:
    return {f"output/{o}/{t}/{f:04d}.png" for o in outputs for t, frames in takes.items() for f in frames}


FRAMES = {"1A": range(1, 4), "1B": range(4, 6), "2A": range(1, 4)}


def test_a_changed_take_loses_its_files_records_and_palette_and_nothing_else(tmp_path: Path) -> None:
    checkpoint = rendered(tmp_path, production_of(tmp_path))
    edited = production_of(tmp_path, lambda body: shot(body, "1B").update(camera={"lens": 85}))
    changes = undo(checkpoint, edited)
    assert files(tmp_path) == all_frames({"1A": FRAMES["1A"], "2A": FRAMES["2A"]})
    assert "1B" not in checkpoint.frames["preview"] and "1B" not in checkpoint.palettes["retro"]
    assert checkpoint.frames["retro"]["1A"] and checkpoint.palettes["retro"]["2A"]
    assert changes.changed == {"1B": {"preview", "retro"}} and changes.stale_masters == {"1B"}
    order = list(TAKES)
    assert changes.message(order, None, OUTPUTS) == "1 shot(s) changed since the last run: 1B (re-rendering)"
    assert changes.message(order, ("2A",), OUTPUTS) == (
        "1 shot(s) changed since the last run: 1B (old frames removed; not rendered this run)"
    )
    again = undo(checkpoint, edited)  # the new digest is recorded: nothing more to undo
    assert not again.changed and not again.orphans and not again.stale_masters


def test_frames_the_plan_no_longer_has_are_deleted_and_counted(tmp_path: Path) -> None:
    checkpoint = rendered(tmp_path, production_of(tmp_path))

    def edit(body: dict[str, Any]) -> None:
        shot(body, "2A").update(duration="2f")
        body["outputs"] = body["outputs"][:1]  # no more retro

    changes = undo(checkpoint, production_of(tmp_path, edit))
    # 2A is shorter, so all of it goes (its camera moves over fewer frames); 1A and 1B stay as they were.
    assert files(tmp_path) == all_frames({"1A": FRAMES["1A"], "1B": FRAMES["1B"]}, ("preview",))
    assert changes.orphans == (3 + 2 + 3) + 1  # by hand: every retro frame, and 2A's third preview frame
    assert set(changes.changed) == {"2A"}
    assert "retro" not in checkpoint.frames and "retro" not in checkpoint.folders
    message = changes.message(list(TAKES), None, ("preview",))
    assert message == "1 shot(s) changed since the last run: 2A (re-rendering); 9 orphan frame(s) removed"


def test_a_removed_shot_leaves_no_frames_and_no_masters(tmp_path: Path) -> None:
    checkpoint = rendered(tmp_path, production_of(tmp_path))
    edited = production_of(
        tmp_path, lambda body: body.update(shots=[s for s in body["shots"] if s["id"] != "1B"])
    )
    changes = undo(checkpoint, edited)
    # 1B's frames are orphans; 1A shared its scene with 1B, so it changed and renders again; 2A stays.
    assert files(tmp_path) == all_frames({"2A": FRAMES["2A"]})
    assert changes.orphans == 2 * 2 and set(changes.changed) == {"1A"}
    assert "1B" not in checkpoint.take_digests and changes.stale_masters == {"1A", "1B"}
    assert "1B" not in checkpoint.frames["preview"] and "1B" not in checkpoint.palettes["retro"]


def test_frames_from_a_render_the_checkpoint_has_no_record_of_are_removed(tmp_path: Path) -> None:
    production = production_of(tmp_path)
    rendered(tmp_path, production)
    changes = undo(Checkpoint(), production)  # a lost checkpoint, or --restart
    assert files(tmp_path) == set()
    assert set(changes.unrecorded) == set(TAKES) and not changes.changed
    assert "3 shot(s) had frames on disk from a render this checkpoint has no record of" in changes.message(
        list(TAKES), None, OUTPUTS
    )


def test_a_retro_take_without_its_palette_is_rendered_again(tmp_path: Path) -> None:
    production = production_of(tmp_path)
    checkpoint = rendered(tmp_path, production)
    del checkpoint.palettes["retro"]["2A"]
    undo(checkpoint, production)
    assert files(tmp_path) == all_frames(FRAMES) - all_frames({"2A": FRAMES["2A"]}, ("retro",))


def test_a_worker_undoes_its_own_takes_only_and_leaves_orphans_to_its_parent(tmp_path: Path) -> None:
    checkpoint = rendered(tmp_path, production_of(tmp_path))

    def edit(body: dict[str, Any]) -> None:
        shot(body, "1B").update(camera={"lens": 85})
        shot(body, "2A").update(camera={"lens": 85})
        body["outputs"] = body["outputs"][:1]

    changes = undo(
        checkpoint, production_of(tmp_path, edit), takes=("2A",), outputs=("preview",), orphans=False
    )
    assert files(tmp_path) == all_frames(FRAMES) - all_frames({"2A": FRAMES["2A"]}, ("preview",))
    assert set(changes.changed) == {"2A"} and not changes.orphans


def test_nothing_outside_the_production_folder_is_deleted(tmp_path: Path) -> None:
    folder = tmp_path / "production"
    outside = tmp_path / "outside"
    (outside / "1A").mkdir(parents=True)
    (outside / "1A" / "0001.png").write_bytes(b"keep")
    production = production_of(folder)
    checkpoint = rendered(folder, production)
    checkpoint.folders["gone"] = ("../outside", "../outside")  # an output the spec dropped, or a forged file
    checkpoint.output_digests["gone"] = {"1A": "x"}
    link = frame_file(folder, "preview", "2A", 1).parent
    for path in link.iterdir():
        path.unlink()
    link.rmdir()
    link.symlink_to(outside / "1A", target_is_directory=True)  # a take folder that leads out
    checkpoint.output_digests["preview"]["2A/../1A"] = "x"  # a forged take id naming another take's folder
    undo(checkpoint, production_of(folder, lambda body: shot(body, "2A").update(camera={"lens": 85})))
    assert (outside / "1A" / "0001.png").read_bytes() == b"keep"
    assert all_frames({"1A": FRAMES["1A"], "1B": FRAMES["1B"]}) <= files(folder)


def test_parallel_workers_merged_in_any_order_keep_the_take_one_of_them_rendered_again() -> None:
    parent = Checkpoint()
    parent.output_digests["preview"] = {"1A": "old", "2A": "same"}
    parent.record_frame("preview", "1A", 1, "1A/0001.png", 5, "old")
    parent.record_frame("preview", "2A", 1, "2A/0001.png", 5, "same")
    first, second = (Checkpoint.from_json(parent.to_json()) for _ in range(2))  # each from the parent's copy
    first.forget("preview", "1A")  # 1A changed: the first worker renders it again
    first.output_digests["preview"]["1A"] = "new"
    first.record_frame("preview", "1A", 1, "1A/0001.png", 6, "new")
    second.record_frame("preview", "2A", 2, "2A/0002.png", 5, "same")
    for order in ((first, "1A"), (second, "2A")), ((second, "2A"), (first, "1A")):
        merged = Checkpoint.from_json(parent.to_json())
        for worker, takes in order:
            merged.merge(share_of(worker, (takes,)))
        assert merged.output_digests["preview"] == {"1A": "new", "2A": "same"}
        assert merged.frames["preview"]["1A"][1].sha256 == "new"
        assert set(merged.frames["preview"]["2A"]) == {1, 2}


# -- the sidecar ---------------------------------------------------------------------------------------------
def test_the_sidecar_is_read_back_only_when_it_is_the_same_render_further_on(tmp_path: Path) -> None:
    sidecar = sidecar_path(tmp_path / "production.blend")
    assert sidecar.name == "production.checkpoint.json"
    saved = Checkpoint()
    saved.record_render("1A", 1, 1.0)
    further = Checkpoint.from_json(saved.to_json())
    further.lock_palette("retro", "1A", ["#102030"])
    write_sidecar(sidecar, further.to_json())
    assert read_back(saved.to_json(), sidecar) == further.to_json()
    assert read_back(further.to_json(), sidecar) == further.to_json()
    behind = Checkpoint.from_json(further.to_json())
    behind.record_render("1A", 2, 1.0)  # the .blend saved later than the sidecar (a parallel parent's merge)
    assert read_back(behind.to_json(), sidecar) == behind.to_json()
    assert read_back("", sidecar) == ""  # --restart: the old render's sidecar stays unread
    assert read_back(Checkpoint().to_json(), sidecar) != further.to_json()  # another render
    sidecar.write_text("{garbage")
    assert read_back(saved.to_json(), sidecar) == saved.to_json()


def test_a_sidecar_that_is_not_a_regular_file_is_not_read(tmp_path: Path) -> None:
    sidecar = tmp_path / "production.checkpoint.json"
    os.mkfifo(sidecar)
    started = time.monotonic()
    assert read_back("", sidecar) == ""
    assert time.monotonic() - started < 5  # a pipe would wait forever for a writer


def test_the_sidecar_is_never_written_through_a_link(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep")
    sidecar = tmp_path / "production.checkpoint.json"
    (tmp_path / ".production.checkpoint.json.partial").symlink_to(target)
    write_sidecar(sidecar, "{}")
    assert target.read_text() == "keep" and sidecar.read_text() == "{}"


def test_an_unwritable_sidecar_is_a_production_error(tmp_path: Path) -> None:
    from backlot.production.diagnostics import ProductionError

    with pytest.raises(ProductionError) as error:
        write_sidecar(tmp_path / "missing folder" / "production.checkpoint.json", "{}")
    assert "cannot save the render checkpoint" in error.value.message and error.value.suggestion
