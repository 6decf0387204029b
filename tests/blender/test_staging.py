"""The staging measure on real Blender: the example production, every stress production under
tests/productions/staging and the render tests' productions build (`run.py build --save`), and
shared/tools/check_staging.py passes on what they built (each shot's subject seen, not through a wall; an OTS
with its shoulder; one side of the line).

The measure lives beside the repository (`shared/`, as in CI): the issue's own judge, not code under test.
Builds and checks run as subprocesses: the check opens the .blend as its own file, as it would for a user.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from example_kit import copy_example

ROOT = Path(__file__).resolve().parents[2]
CHECK = ROOT.parent / "shared" / "tools" / "check_staging.py"  # beside the repository
STAGING = ROOT / "tests" / "productions" / "staging"
IMPOSSIBLE = STAGING / "impossible.yaml"

pytestmark = pytest.mark.skipif(
    not CHECK.is_file(), reason="shared/tools/check_staging.py not present beside the repository"
)

Built = tuple[Path, subprocess.CompletedProcess[str]]  # the saved .blend and what the build said
Build = Callable[[Path], Built]


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *command], capture_output=True, text=True, timeout=300)


def _output(done: subprocess.CompletedProcess[str]) -> str:
    return f"exit {done.returncode}\n--- stdout\n{done.stdout}\n--- stderr\n{done.stderr}"


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """`run.py build SPEC --save` once per spec in this module: the .blend and the build's output."""
    built: dict[Path, Built] = {}

    def build_once(spec: Path) -> Built:
        if spec not in built:
            blend = tmp_path_factory.mktemp(spec.stem) / "built.blend"
            built[spec] = blend, _run(str(ROOT / "run.py"), "build", str(spec), "--save", str(blend))
        return built[spec]

    return build_once


@pytest.fixture(scope="module")
def example_spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_example(tmp_path_factory.mktemp("example") / "neon_alley")


RENDER_PRODUCTIONS = ROOT / "tests" / "blender" / "productions"  # the render tests' own productions
SPECS = [
    "neon_alley",
    *sorted(p.stem for p in STAGING.glob("*.yaml")),
    *sorted(p.parent.name for p in RENDER_PRODUCTIONS.glob("*/production.yaml")),
]


def spec_of(name: str, example: Path) -> Path:
    if name == "neon_alley":
        return example
    staged = STAGING / f"{name}.yaml"
    return staged if staged.is_file() else RENDER_PRODUCTIONS / name / "production.yaml"


@pytest.mark.parametrize("name", SPECS)
def test_the_production_passes_the_staging_measure(name: str, build: Build, example_spec: Path) -> None:
    spec = spec_of(name, example_spec)
    blend, built = build(spec)
    assert built.returncode == 0 and blend.is_file(), _output(built)
    measured = _run(str(CHECK), str(blend), str(spec), f"--project={ROOT}")
    assert measured.returncode == 0, _output(measured)


def test_the_stress_productions_are_all_there() -> None:
    """A renamed or lost file would silently shrink the measured set."""
    expected = {
        "far_apart",
        "long_lens_small_room",
        "three_hander",
        "walk_and_talk",
        "doorway",
        "impossible",
        "inserts_and_povs",
        "resume_render",
        "tiny_render",
    }
    assert expected <= set(SPECS)


def test_an_impossible_two_shot_builds_and_says_what_it_cheated(build: Build) -> None:
    """A TWO of two people 40 m apart on a 135 mm in a 5 m room: no traceback, exit 0, and the summary names
    shot 1A with what it cheated (or a warning why it could not)."""
    blend, built = build(IMPOSSIBLE)
    said = built.stdout + built.stderr
    assert built.returncode == 0 and blend.is_file(), _output(built)
    assert "Traceback" not in said, _output(built)
    about_the_shot = [line for line in said.splitlines() if "1A" in line]
    said_why = [line for line in about_the_shot if "cheat" in line.lower() or "warning" in line.lower()]
    assert said_why, _output(built)
    assert any("closer together" in line for line in said_why), _output(built)
