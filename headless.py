"""Blender commands of run.py (build, render...), run headless with the same code the operators use."""

from __future__ import annotations

import argparse
from pathlib import Path

import bpy

from .production.cli import EXIT_OK, Console, UsageError, report_invalid
from .session import build_into, validate_into


def _ensure_registered() -> None:
    """run.py imports the package without Blender's add-on system: register our properties once."""
    if not hasattr(bpy.types.Scene, "backlot"):
        from . import properties

        properties.register()


def cmd_build(args: argparse.Namespace, console: Console) -> int:
    _ensure_registered()
    scene = bpy.context.scene
    result = validate_into(scene, str(Path(args.spec).resolve()), args.presets)
    if not result.valid:
        return report_invalid(result, args, console)
    try:
        report = build_into(scene, result, args.department or None, args.reset)
    except ValueError as exc:
        raise UsageError(str(exc), "use --department with one of the names listed") from None
    if args.save:
        target = Path(args.save).resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        bpy.ops.wm.save_as_mainfile(filepath=str(target), check_existing=False)
    if console.json_mode:
        console.emit_json({"built": True, "saved": args.save, "report": report.to_dict()})
    else:
        console.print(f"built {result.production.title if result.production else ''}: {report.summary()}")
        for line in report.kept:
            console.print(f"  kept your tweak: {line}")
        for line in report.spec_won:
            console.print(f"  spec changed, overwrote: {line}")
        if args.save:
            console.print(f"saved {args.save}")
    return EXIT_OK


COMMANDS = {"build": cmd_build}


def run_command(args: argparse.Namespace, console: Console) -> int:
    handler = COMMANDS.get(args.command)
    if handler is None:
        raise UsageError(
            f"`{args.command}` is not available yet in this version of Backlot",
            "see README.md for the commands this version supports",
        )
    return handler(args, console)
