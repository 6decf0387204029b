"""Backlot from the command line.

    python run.py validate spec.yaml              (plain Python; build/render need `pip install bpy`)
    blender -b -q -P run.py -- render spec.yaml   (inside Blender)

A thin layer: it makes this folder importable as the package `backlot` and hands over to
`backlot.cli.main`; Blender commands go to `backlot.pipeline.headless`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    import argparse

    from backlot.cli.console import Console

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
    from backlot.cli.console import json_only_stdout

    with json_only_stdout(console):  # Blender logs on stdout from the moment bpy is imported
        from backlot.pipeline import headless

        return headless.run_command(args, console)


def main() -> int:
    import_package()
    from backlot.cli import main as cli

    blender_available = importlib.util.find_spec("bpy") is not None
    return cli.main(_arguments(), _run_blender_command if blender_available else None)


def exit_without_hang(code: int) -> NoReturn:
    """Exit with `code`, skipping the interpreter's exit handlers: Blender 4.5's pip module can hang forever
    in a thread-pool destructor at exit (seen here about one run in two). Call it only when everything the
    process writes is flushed and closed."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def run_without_hang(main: Callable[[], int | None]) -> NoReturn:
    """Run a script's `main` under the bpy module and exit without the hang, also when `main` raises."""
    try:
        code = main() or 0
    except BaseException:  # report it, then still exit without the hang
        traceback.print_exc()
        code = 1
    exit_without_hang(code)


EXIT_INTERNAL = 5
"""A bug in Backlot, not in the input: documented beside the other exit codes (cli/console.py)."""


def guarded(main: Callable[[], int | None], arguments: list[str]) -> int:
    """Every way out of a command is an exit code and never a traceback (after which Blender 4.5 would hang
    at exit): output piped into `head` ends quietly; an unexpected error says what failed and what to do."""
    try:
        return main() or 0
    except BrokenPipeError:  # the reader went away: nothing more can be said on stdout
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        print(
            "error: interrupted\n  fix: run the same command again (render: with --resume)", file=sys.stderr
        )
        return 4
    except Exception as error:
        if os.environ.get("BACKLOT_TRACEBACK"):
            traceback.print_exc()
        message = f"internal error: {type(error).__name__}: {error}"
        fix = "this is a bug in Backlot: run again with BACKLOT_TRACEBACK=1 and report what it prints"
        if "--json" in arguments:
            print(json.dumps({"error": "internal", "message": message, "suggestion": fix}), flush=True)
        print(f"error: {message}\n  fix: {fix}", file=sys.stderr)
        return EXIT_INTERNAL


def _exit(code: int) -> NoReturn:
    """Plain Python with the bpy module exits without the hang; inside Blender, Blender ends the process."""
    if "bpy" in sys.modules and Path(sys.argv[0]).resolve() == Path(__file__).resolve():
        exit_without_hang(code)
    sys.exit(code)


if __name__ == "__main__":
    _exit(guarded(main, _arguments()))
