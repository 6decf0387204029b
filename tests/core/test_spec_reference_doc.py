"""docs/spec-reference.md lists every field of production/spec/schema.py: its generated tables must be
current.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_reference_tables_are_current() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "spec_reference.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


def test_reference_names_every_top_level_field() -> None:
    text = (ROOT / "docs" / "spec-reference.md").read_text(encoding="utf-8")
    for key in (
        "title",
        "version",
        "characters",
        "costumes",
        "locations",
        "scenes",
        "shots",
        "outputs",
        "wardrobe",
        "retro",
        "pixel_size",
        "focus",
        "template",
        "duration",
    ):
        assert f"`{key}`" in text, key
