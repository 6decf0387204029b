"""Validation never breaks on bad input: thousands of seeded mutants of real specs validate without a
traceback or a hang, and every issue says where (a path, and a line of the file). The slow tier runs more
seeds; `BACKLOT_FUZZ_SEED` and `BACKLOT_FUZZ_COUNT` reproduce or widen a run."""

from __future__ import annotations

import os
import shutil
import time
import traceback
from pathlib import Path

import pytest
from backlot.production.spec.api import load_production
from spec_mutants import SOURCES, mutants

SEED = int(os.environ.get("BACKLOT_FUZZ_SEED", "20261207"))
COUNT = int(os.environ.get("BACKLOT_FUZZ_COUNT", "2000"))
SLOWEST_SECONDS = 5.0


def _problems(name: str, spec: Path) -> list[str]:
    started = time.perf_counter()
    try:
        result = load_production(spec)
    except Exception:
        return [f"{name}: traceback\n{traceback.format_exc(limit=-3)}"]
    problems = []
    if time.perf_counter() - started > SLOWEST_SECONDS:
        problems.append(f"{name}: took {time.perf_counter() - started:.1f} s")
    for issue in result.issues:
        if not issue.path and not issue.file:
            problems.append(f"{name}: issue says nowhere: {issue.format()}")
        elif issue.file and issue.line is None and Path(issue.file).suffix in (".yaml", ".yml"):
            problems.append(f"{name}: issue without a line: {issue.format()}")
    return problems


def _fuzz(tmp_path: Path, seed: int, count: int) -> list[str]:
    folders = {}
    for source in SOURCES:
        folder = tmp_path / source.parent.name
        shutil.copytree(source.parent, folder)
        folders[source] = folder
    problems: list[str] = []
    for name, source, text in mutants(seed, count):
        spec = folders[source] / "production.yaml"
        spec.write_text(text, encoding="utf-8")
        problems += _problems(name, spec)
    return problems


def test_the_mutants_are_varied_and_reproducible() -> None:
    first = [text for _, _, text in mutants(SEED, 50)]
    assert first == [text for _, _, text in mutants(SEED, 50)]
    assert len(set(first)) > 45


def test_thousands_of_mutants_validate_without_traceback_hang_or_nowhere(tmp_path: Path) -> None:
    problems = _fuzz(tmp_path, SEED, COUNT)
    assert problems == [], f"{len(problems)} problems, first ones:\n" + "\n".join(problems[:15])


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(1, 6))
def test_more_seeds(tmp_path: Path, seed: int) -> None:
    problems = _fuzz(tmp_path, seed, 4000)
    assert problems == [], f"{len(problems)} problems, first ones:\n" + "\n".join(problems[:15])
