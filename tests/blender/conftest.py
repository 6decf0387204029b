"""Real Blender (pip bpy) fixtures: a clean file per test, Backlot registered once per session."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest

bpy = pytest.importorskip("bpy", reason="the Blender tier needs the bpy module (make venv)")

import backlot  # noqa: E402
from build_kit import write_spec_file  # noqa: E402
from example_kit import copy_example  # noqa: E402


@pytest.fixture(scope="session")
def registered() -> Iterator[None]:
    backlot.register()
    yield
    backlot.unregister()


@pytest.fixture
def clean_blender(registered: None) -> Iterator[None]:
    bpy.ops.wm.read_factory_settings(use_empty=True)
    yield


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    """A private copy of the example production that a test may edit."""
    return copy_example(tmp_path / "neon_alley")


@pytest.fixture
def write_production(tmp_path: Path) -> Callable[[dict], Path]:
    """Write `{"production": body}` as a spec file in the test's folder and return its path."""

    return partial(write_spec_file, tmp_path)
