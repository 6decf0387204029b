"""Render selection, takes and the dry-run plan with overrides, in plain Python (splitting work among
processes: test_parallel_split.py)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest
from backlot.production.model import Production
from backlot.production.plan import Plan, ShotPlan, make_plan
from backlot.production.render.checkpoint import Checkpoint
from backlot.production.render.request import (
    RenderRequest,
    SelectionError,
    describe,
    production_takes,
    select_shots,
    take_ids,
    take_plan,
)
from backlot.production.spec.api import load_production


def plan_of(*ids: str) -> Plan:
    shots = tuple(ShotPlan(i, i[0], 1, 2, "workbench", 1, ("cinema",)) for i in ids)
    return Plan(24.0, shots, ())


def test_shot_ranges_follow_plan_order() -> None:
    plan = plan_of("1A", "1B", "2A", "2B", "3A")
    assert select_shots("1B-2B, 3a", plan) == ("1B", "2A", "2B", "3A")
    assert select_shots("", plan) is None
    with pytest.raises(SelectionError, match="backwards"):
        select_shots("2B-1A", plan)
    with pytest.raises(SelectionError) as error:
        select_shots("1C", plan)
    assert "1A" in error.value.suggestion or "1B" in error.value.suggestion


SPEC = """
production:
  title: Takes
  version: "1"
  render: {engine: eevee, samples: 16}
  characters: [{name: Ada, height: 1.7}]
  locations: [{name: Yard, preset: stage}]
  scenes: [{id: 1, location: Yard, characters: [Ada]}]
  shots:
    - {id: 1A, scene: 1, size: WS, duration: 3f, cameras: [{lens: 85}, {name: wide, lens: 18}]}
    - {id: 1B, scene: 1, size: CU, subject: Ada, duration: 2f, render: {samples: 64}}
  outputs:
    - {name: preview, path: output/preview/, resolution: [1920, 1080], container: png}
"""


def shots_of(plan: dict[str, object]) -> list[dict[str, Any]]:
    return cast(list[dict[str, Any]], plan["shots"])


@pytest.fixture
def production(tmp_path: Path) -> Production:
    spec = tmp_path / "production.yaml"
    spec.write_text(SPEC)
    result = load_production(str(spec))
    assert result.valid and result.production is not None, [i.message for i in result.issues]
    return result.production


def test_extra_cameras_are_takes_named_after_the_camera(production: Production) -> None:
    takes = production_takes(production, make_plan(production))
    assert list(takes) == ["1A", "1A_B", "1A_wide", "1B"]  # unnamed extras are B, C, ... in order
    assert takes["1A_wide"].shot_id == "1A" and takes["1A_wide"].spec.lens == 18
    plan = take_plan(production, make_plan(production))
    assert [(s.shot_id, s.frame_start, s.frame_end) for s in plan.shots] == [
        ("1A", 1, 3),
        ("1A_B", 1, 3),  # a take renders its shot's frames
        ("1A_wide", 1, 3),
        ("1B", 4, 5),
    ]
    assert take_ids(("1A",), takes) == ("1A", "1A_B", "1A_wide")


def test_dry_run_plans_every_take_with_the_overrides(production: Production) -> None:
    plan = make_plan(production)
    spec_plan = describe(production, plan, Checkpoint(), RenderRequest())
    assert spec_plan["renders"] == 3 * 3 + 2
    assert [(s["shot"], s["camera"], s["count"]) for s in shots_of(spec_plan)] == [
        ("1A", "A", 3),
        ("1A_B", "B", 3),
        ("1A_wide", "wide", 3),
        ("1B", "A", 2),
    ]
    assert [(s["engine"], s["samples"]) for s in shots_of(spec_plan)][-2:] == [("eevee", 16), ("eevee", 64)]
    request = RenderRequest(shots=("1B",), engine="cycles", samples=128, resolution_percentage=50)
    overridden = describe(production, plan, Checkpoint(), request)
    (shot,) = shots_of(overridden)
    assert (shot["shot"], shot["engine"], shot["samples"], shot["resolution_percentage"]) == (
        "1B",
        "cycles",
        128,
        50,
    )
    # docs: seconds/frame = base[engine] x pixels/1080p x samples/32, so half the size (a quarter of the
    # pixels) at twice the samples costs half of what the same shot costs at full size.
    assert shot["estimate_seconds"] > 1  # large enough that rounding to 0.01 s cannot decide the test
    full = describe(production, plan, Checkpoint(), replace(request, resolution_percentage=100))
    assert shot["estimate_seconds"] == pytest.approx(shots_of(full)[0]["estimate_seconds"] / 4, rel=0.02)
    doubled = describe(production, plan, Checkpoint(), replace(request, samples=256))
    assert shots_of(doubled)[0]["estimate_seconds"] == pytest.approx(2 * shot["estimate_seconds"], rel=0.02)


def test_overrides_reach_every_shot_and_leave_the_rest(production: Production) -> None:
    assert RenderRequest().apply(production) is production
    changed = RenderRequest(engine="workbench", resolution_percentage=25).apply(production)
    assert [s.render.engine for s in changed.shots] == ["workbench", "workbench"]
    assert [s.render.resolution_percentage for s in changed.shots] == [25, 25]
    assert [s.render.samples for s in changed.shots] == [16, 64]  # not overridden: each shot's own
