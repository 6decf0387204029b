"""Files a production names or keeps (spec parts, presets, the screenplay, the checkpoint sidecar), opened so
that bad paths are messages: a NUL in the name, a symbolic link that loops, a pipe or device instead of a
file, or a file far too large for what it claims to be never raises and never blocks."""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_SCREENPLAY_BYTES = 4 << 20
"""A feature screenplay is about 250 KB; four MiB leaves room for notes and boneyards."""


class FileProblem(Exception):
    """Why a named file cannot be used, with the fix; `code` is the issue code."""

    def __init__(self, message: str, suggestion: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.suggestion = suggestion
        self.code = code


def resolve(base_dir: Path, name: str) -> Path:
    """`name` relative to the spec's folder, links followed; a path that cannot be followed is a problem."""
    if "\x00" in name:
        raise FileProblem(f"the path {name!r} contains a NUL character", "remove it from the path", "path")
    try:
        return (base_dir / name).resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop on Python 3.11
        raise FileProblem(
            f"cannot follow the path {name!r}: {getattr(exc, 'strerror', None) or exc}",
            "check for a symbolic link that points at itself",
            "path",
        ) from None


def is_regular_file(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def read_text(path: Path, label: str, limit: int, kind: str) -> str:
    """The UTF-8 text of a regular file of at most `limit` bytes (`kind` names such files in the message)."""
    try:
        info = os.stat(path)
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise FileProblem(
            f"cannot read {label}: {reason}", "check the path and permissions", "file.unreadable"
        ) from None
    if not stat.S_ISREG(info.st_mode):
        raise FileProblem(
            f"{label} is not a regular file (a folder, pipe or device)", "name a file", "file.not_regular"
        )
    if info.st_size > limit:
        raise _too_big(label, info.st_size, limit, kind)
    try:  # non-blocking: a file swapped for a pipe after the check still cannot hold validation up
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(descriptor, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise FileProblem(
            f"cannot read {label}: {exc.strerror}", "check the path and permissions", "file.unreadable"
        ) from None
    if len(data) > limit:  # it grew after the check
        raise _too_big(label, len(data), limit, kind)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileProblem(
            f"{label} is not UTF-8 text (byte {exc.start})", "save the file as UTF-8", "file.encoding"
        ) from None


def _too_big(label: str, size: int, limit: int, kind: str) -> FileProblem:
    return FileProblem(
        f"{label} is {size / 1e6:.0f} MB; {kind} are limited to {limit // 2**20} MiB",
        "split it into smaller files or remove embedded data",
        "file.too_big",
    )
