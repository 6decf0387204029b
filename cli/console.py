"""The terminal's conventions: exit codes, usage errors, the console (colour, JSON mode) and how errors and
issues are printed. Shared by the pure commands and the Blender ones."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from ..production.diagnostics import Issue

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_RENDER_FAILED, EXIT_INTERRUPTED = 0, 1, 2, 3, 4
EXIT_SERVER = 6
EXIT_BY_STAGE = {"spec": EXIT_INVALID, "usage": EXIT_USAGE, "render": EXIT_RENDER_FAILED}
"""Documented in the README: ok, invalid input (spec or screenplay), usage, render failure, interrupted;
5 is run.py's internal error; 6 the model server gave no usable answer (unreachable, timed out, no model)."""


class UsageError(Exception):
    def __init__(self, message: str, suggestion: str = ""):
        super().__init__(message)
        self.message = message
        self.suggestion = suggestion


@dataclass
class Console:
    """Where human output goes: colour only on a terminal, never in JSON mode."""

    json_mode: bool
    out: TextIO = field(default_factory=lambda: sys.stdout)  # the streams of the moment, not of import
    err: TextIO = field(default_factory=lambda: sys.stderr)

    @property
    def colour(self) -> bool:
        return not self.json_mode and self.out.isatty() and "NO_COLOR" not in os.environ

    def paint(self, text: str, code: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.colour else text

    def print(self, text: str = "") -> None:
        """Human text: stdout, or stderr in JSON mode so stdout stays one JSON document."""
        print(text, file=self.err if self.json_mode else self.out)

    def emit_json(self, payload: Any) -> None:
        json.dump(payload, self.out, indent=2, default=str)
        self.out.write("\n")


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Send whatever is written to file descriptor 1 (Blender's C code prints there) to stderr meanwhile."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


@contextlib.contextmanager
def json_only_stdout(console: Console) -> Iterator[None]:
    """With --json, stdout holds one JSON document: everything else goes to stderr, and the console writes
    its JSON to the real stdout."""
    if not console.json_mode:
        yield
        return
    sys.stdout.flush()
    with os.fdopen(os.dup(1), "w") as json_out:
        console.out = json_out
        try:
            with stdout_to_stderr():
                yield
        finally:
            console.out = sys.stdout  # errors raised out of the block are reported after it


_SEVERITY_COLOURS = {"error": "31;1", "warning": "33", "info": "36"}


def fail(console: Console, code: str, message: str, suggestion: str, exit_code: int) -> int:
    """Report an error the documented way (JSON with --json) and return its exit code."""
    if console.json_mode:
        console.emit_json({"error": code, "message": message, "suggestion": suggestion})
    else:
        print(f"error: {message}" + (f"\n  fix: {suggestion}" if suggestion else ""), file=console.err)
    return exit_code


def print_issues(issues: list[Issue], console: Console) -> None:
    for issue in issues:
        where = issue.where()
        head = console.paint(issue.severity, _SEVERITY_COLOURS[issue.severity])
        location = f"{where}: " if where else ""
        path = console.paint(issue.path, "1") + ": " if issue.path else ""
        console.print(f"{location}{head}: {path}{issue.message}")
        if issue.suggestion:
            console.print(f"    fix: {issue.suggestion}")
