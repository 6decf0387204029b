"""Make the repository importable as the package ``backlot`` (as Blender imports the extension)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _load_backlot_package() -> None:
    if "backlot" in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(
        "backlot", ROOT / "__init__.py", submodule_search_locations=[str(ROOT)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["backlot"] = module
    spec.loader.exec_module(module)


_load_backlot_package()
