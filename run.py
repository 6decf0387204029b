"""Backlot from the command line.

    python run.py validate spec.yaml              (plain Python; build/render need `pip install bpy`)
    blender -b -q -P run.py -- render spec.yaml   (inside Blender)

A thin layer: it makes this folder importable as the package `backlot` and hands over to
`backlot.production.cli`; Blender commands go to `backlot.headless`.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

    from backlot.production.cli import Console

ROOT = Path(__file__).resolve().parent


def import_package() -> None:
    """Import this folder as the package `backlot`, as Blender does; tests and benchmarks call this too."""
    if "backlot" in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(
        "backlot", ROOT / "__init__.py", submodule_search_locations=[str(ROOT)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["backlot"] = module
    spec.loader.exec_module(module)


def _arguments() -> list[str]:
    """Inside Blender our arguments follow `--`; from plain Python they are all of argv."""
    if "--" in sys.argv:
        return sys.argv[sys.argv.index("--") + 1 :]
    return sys.argv[1:]


def _run_blender_command(args: argparse.Namespace, console: Console) -> int:
    """Blender commands import bpy only when one is asked for, so `validate` stays fast."""
    from backlot.production.cli import json_only_stdout

    with json_only_stdout(console):  # Blender logs on stdout from the moment bpy is imported
        from backlot import headless

        return headless.run_command(args, console)


def main() -> int:
    import_package()
    from backlot.production import cli

    blender_available = importlib.util.find_spec("bpy") is not None
    return cli.main(_arguments(), _run_blender_command if blender_available else None)


def _exit(code: int) -> None:
    """Exit with `code`. Under plain Python with the bpy module, skip the interpreter's exit handlers:
    Blender 4.5's module can hang forever in a thread-pool destructor at exit (seen here about one run in
    two). Everything Backlot writes is flushed and closed by then."""
    if "bpy" in sys.modules and Path(sys.argv[0]).resolve() == Path(__file__).resolve():
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    _exit(main())
