"""Make the repository importable as the package ``backlot`` (as Blender imports the extension)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import run  # noqa: E402

sys.path.remove(str(ROOT))
run.import_package()
# shared test kits (tests/core/test_spec_common.py, tests/blender/render_kit.py) import by name
sys.path.insert(0, str(ROOT / "tests" / "core"))
sys.path.insert(0, str(ROOT / "tests" / "blender"))
