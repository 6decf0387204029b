"""The example production for tests that build or install it (no bpy here: the packaging tests import it)."""

from __future__ import annotations

import shutil
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "neon_alley"


def copy_example(target: Path) -> Path:
    """The example's sources copied to `target`, without what a `make demo` render left there (it may still be
    writing them while a test copies); returns the spec's path."""
    ignore = shutil.ignore_patterns("output", ".backlot", "*.blend*", "*.log", "manifest.json", "report.html")
    shutil.copytree(EXAMPLE, target, ignore=ignore)
    return target / "production.yaml"
