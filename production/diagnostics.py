"""Issues found in a spec: what is wrong, where, and how to fix it.

Every check in Backlot reports through `Issue` so the panel, the CLI and the JSON output all say the same
thing.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}
Stage = Literal["spec", "usage", "render"]


class ProductionError(Exception):
    """A failure the user can act on, raised where it is found and reported once at the top: `message` says
    what and where, `suggestion` how to fix it, `stage` picks the documented exit code (cli/console.py)."""

    def __init__(self, message: str, suggestion: str, stage: Stage = "render", code: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.suggestion = suggestion
        self.stage: Stage = stage
        self.code = code or stage


@dataclass(frozen=True)
class Position:
    """Where a value came from: file, 1-based line and column."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, kw_only=True)
class Issue:
    """One problem: where it is (spec path, file position) and what to do about it. Keyword-only, so eight
    fields of mostly text and None cannot be passed in the wrong order."""

    path: str
    severity: Severity
    message: str
    suggestion: str = ""
    file: str | None = None
    line: int | None = None
    column: int | None = None
    code: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def where(self) -> str:
        if self.file is None:
            return ""
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}:{self.column or 1}"

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def format(self) -> str:
        """One readable line plus the fix, as printed by the CLI and shown in the panel."""
        where = self.where()
        head = f"{where}: " if where else ""
        path = f"{self.path}: " if self.path else ""
        text = f"{head}{self.severity}: {path}{self.message}"
        if self.suggestion:
            text += f"\n    fix: {self.suggestion}"
        return text


def sort_key(issue: Issue) -> tuple[int, str, int, str]:
    return (SEVERITY_ORDER[issue.severity], issue.file or "", issue.line or 0, issue.path)


def closest(word: str, candidates: Iterable[str], count: int = 3) -> list[str]:
    """Closest known names to `word`, case-insensitively; used for every did-you-mean."""
    pool = list(dict.fromkeys(candidates))
    lowered = {c.lower(): c for c in pool}
    matches = difflib.get_close_matches(word.lower(), list(lowered), n=count, cutoff=0.6)
    return [lowered[m] for m in matches]


def one_edit_away(word: str, known: str) -> bool:
    """One letter dropped, added, changed or two neighbours swapped (`lense`, `charcters`), ignoring case."""
    a, b = word.lower(), known.lower()
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        differ = [i for i in range(len(a)) if a[i] != b[i]]
        swapped = len(differ) == 2 and differ[1] == differ[0] + 1 and a[differ[0]] == b[differ[1]]
        return len(differ) == 1 or (swapped and a[differ[1]] == b[differ[0]])
    shorter, longer = (a, b) if len(a) < len(b) else (b, a)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


def did_you_mean(word: str, candidates: Iterable[str], noun: str = "one of") -> str:
    pool = sorted(dict.fromkeys(candidates))
    near = closest(word, pool)
    if near:
        return "did you mean " + " or ".join(repr(n) for n in near) + "?"
    if not pool and noun != "one of":
        thing = noun.removeprefix("a ").removeprefix("an ")
        return f"there is no {thing} at all: check the spelling of the key that should list them"
    if not pool:
        return ""
    shown = ", ".join(pool[:12]) + (", ..." if len(pool) > 12 else "")
    return f"use {noun}: {shown}"
