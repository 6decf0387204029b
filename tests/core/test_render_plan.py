"""Render selection and work splitting, in plain Python."""

from __future__ import annotations

import pytest
from backlot.production.plan import Plan, ShotPlan
from backlot.production.render_plan import SelectionError, select_shots, split_shots


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


def test_split_shots_is_disjoint_complete_and_balanced() -> None:
    work = [
        (s, f, ["cinema"])
        for s, n in (("1A", 10), ("1B", 2), ("2A", 6), ("2B", 5), ("3A", 1))
        for f in range(n)
    ]
    groups = split_shots(work, {}, 2)
    flat = [s for g in groups for s in g]
    assert sorted(flat) == ["1A", "1B", "2A", "2B", "3A"] and len(flat) == len(set(flat))
    loads = [sum(sum(1 for w in work if w[0] == s) for s in g) for g in groups]
    assert max(loads) - min(loads) <= 2  # 24 frames split 12/12 by hand: 10+2 against 6+5+1
    assert sorted(map(len, split_shots(work, {}, 8))) == [1, 1, 1, 1, 1]  # more workers than shots
    assert split_shots([], {}, 3) == []
