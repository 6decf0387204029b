"""`render --parallel N` splits whole shots among processes, balanced by frames x seconds per frame as the
render will run: with the request's engine, samples and size overrides, not the spec's own settings.

Expected groups are worked out by hand from the estimate's documented model (docs/rendering.md: seconds per
frame = base[engine] x pixels/1080p x samples/32; Workbench 0.25 s, EEVEE 2 s, Cycles 30 s; Workbench ignores
samples) and the longest-first rule (each shot, costliest first, to the least loaded process; ties keep plan
order and go to the first process)."""

from __future__ import annotations

from pathlib import Path

from backlot.production.model import Production
from backlot.production.plan import make_plan
from backlot.production.render.request import RenderRequest, split_shots
from backlot.production.spec.api import load_production

HEAD = """
production:
  title: Split
  version: "1"
  render: {engine: eevee, samples: 16}
  characters: [{name: Ada, height: 1.7}]
  locations: [{name: Yard, preset: stage}]
  scenes: [{id: 1, location: Yard, characters: [Ada]}]
  outputs:
    - {name: full, path: output/full/, resolution: [1920, 1080], container: png}
  shots:
"""


def production_with(tmp_path: Path, shots: list[str]) -> Production:
    spec = tmp_path / "production.yaml"
    spec.write_text(HEAD + "".join(f"    - {{id: {shot}, scene: 1, size: WS}}\n" for shot in shots))
    result = load_production(str(spec))
    assert result.valid and result.production is not None, [i.message for i in result.issues]
    return result.production


def shot(shot_id: str, frames: int, render: str = "") -> str:
    """A shot's YAML keys after `id`: its length and, optionally, its own render settings."""
    return f"{shot_id}, duration: {frames}f" + (f", render: {{{render}}}" if render else "")


def work_of(frames: dict[str, int]) -> list[tuple[str, int, list[str]]]:
    return [(shot_id, frame, ["full"]) for shot_id, count in frames.items() for frame in range(1, count + 1)]


def split(production: Production, request: RenderRequest, workers: int = 2) -> list[list[str]]:
    plan = make_plan(production)
    return split_shots(work_of({s.shot_id: s.frames for s in plan.shots}), production, plan, request, workers)


def test_the_demo_overrides_split_the_costly_shot_like_any_other(tmp_path: Path) -> None:
    # As the spec renders: A is Cycles at 16 samples, 15 s/frame x 40 = 600 s; B-E EEVEE at 16 samples,
    # 1 s/frame x 20 = 20 s each: A alone against the other four (600 s against 80 s).
    production = production_with(
        tmp_path, [shot("A", 40, "engine: cycles, samples: 16"), *(shot(s, 20) for s in "BCDE")]
    )
    assert split(production, RenderRequest()) == [["A"], ["B", "C", "D", "E"]]
    # `make demo`'s overrides make every frame cost the same (Workbench at half size: 0.25 x 1/4 s), so the
    # split follows frames: A 40 -> first; B 20 -> second; C 20 -> second (40/40); D -> first (60/40);
    # E -> second: 60 frames each.
    demo = RenderRequest(engine="workbench", samples=1, resolution_percentage=50)
    assert split(production, demo) == [["A", "D"], ["B", "C", "E"]]


def test_an_override_of_the_engine_alone_keeps_each_shots_own_size(tmp_path: Path) -> None:
    # Under --engine workbench a frame costs 0.25 s x (size/100)^2: A, C and D at full size 0.25 s, B at
    # half size 0.0625 s. Loads: A 2.5, C 2.5, D 2.5, B 1.25 (20 frames). Costliest first: A -> first,
    # C -> second, D -> first (5 / 2.5), B -> second (5 / 3.75).
    production = production_with(
        tmp_path,
        [
            shot("A", 10, "engine: cycles, samples: 128"),
            shot("B", 20, "resolution_percentage: 50"),
            shot("C", 10),
            shot("D", 10),
        ],
    )
    # As the spec renders, A (Cycles, 128 samples: 120 s/frame) outweighs the rest together.
    assert split(production, RenderRequest()) == [["A"], ["B", "C", "D"]]
    assert split(production, RenderRequest(engine="workbench")) == [["A", "D"], ["B", "C"]]


def test_the_split_is_disjoint_complete_and_keeps_plan_order(tmp_path: Path) -> None:
    # Equal cost per frame: 24 frames split 12/12 by hand: 1A 10 -> first, 2A 6 -> second, 2B 5 -> second
    # (11), 1B 2 -> first (12), 3A 1 -> second (12).
    frames = {"1A": 10, "1B": 2, "2A": 6, "2B": 5, "3A": 1}
    production = production_with(tmp_path, [shot(s, n) for s, n in frames.items()])
    assert split(production, RenderRequest()) == [["1A", "1B"], ["2A", "2B", "3A"]]
    one_each = split(production, RenderRequest(), workers=8)  # more workers than shots: costliest first
    assert one_each == [["1A"], ["2A"], ["2B"], ["1B"], ["3A"]]
    plan = make_plan(production)
    assert split_shots([], production, plan, RenderRequest(), 3) == []
