"""Registering and unregistering leaves nothing behind (run in a subprocess: a clean interpreter)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = f"""
import sys
sys.path.insert(0, {str(ROOT / "tests")!r})
import conftest  # registers the package as `backlot`
import bpy, backlot
before = set(dir(bpy.types))
backlot.register()
added = set(dir(bpy.types)) - before
assert any(name.startswith("BACKLOT_") for name in added), added
assert hasattr(bpy.types.Scene, "backlot")
assert hasattr(bpy.ops.backlot, "build_production")
backlot.unregister()
left = [n for n in set(dir(bpy.types)) - before]
assert not left, left
assert not hasattr(bpy.types.Scene, "backlot")
print("CLEAN")
"""


def test_unregister_leaves_nothing_and_exits() -> None:
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "CLEAN" in done.stdout
