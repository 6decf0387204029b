"""Fountain's line rules: which kind a line reads as on its own (heading, cue, transition, ...).

The parser classifies paragraphs with them and the writer uses them to know when a line needs its forcing
character; see docs/fountain.md.
"""

from __future__ import annotations

import re

from .elements import CENTERED, LYRIC, PAGE_BREAK, SECTION, SYNOPSIS, TRANSITION

HEADING_PREFIX = re.compile(r"(?:int\.?/ext|int/ext|i/e|int|ext|est)[.\s]", re.IGNORECASE)
_PAGE_BREAK = re.compile(r"={3,}")
TITLE_KEY = re.compile(r"([A-Za-z][A-Za-z0-9 _\-]*?)\s*:\s*(.*)")
_CUE = re.compile(r"([^(]*?)\s*((?:\([^()]*\)\s*)*)")
_EXTENSION = re.compile(r"\(([^()]*)\)")


def is_blank(line: str) -> bool:
    """A paragraph break: empty or whitespace, except a 'held' line of two or more spaces."""
    return not line.strip() and not (len(line) >= 2 and line.strip(" ") == "")


def is_held(line: str) -> bool:
    return len(line) >= 2 and line.strip(" ") == ""


def is_upper(text: str) -> bool:
    if text.isascii():  # the same test, done in C: some A-Z and no a-z
        return text.isupper()
    return text == text.upper() and any(char.isalpha() for char in text)


def line_kind(stripped: str) -> str | None:
    """Kinds decided by one line alone, wherever it stands."""
    if stripped.startswith("===") and _PAGE_BREAK.fullmatch(stripped):
        return PAGE_BREAK
    if stripped.startswith("~"):
        return LYRIC
    return None


def opening_kind(stripped: str) -> str | None:
    """Single-line kinds, recognised where a paragraph may start even without a blank line before."""
    kind = line_kind(stripped)
    if kind:
        return kind
    if stripped.startswith("#"):
        return SECTION
    if stripped.startswith("="):
        return SYNOPSIS
    if stripped.startswith(">"):
        return CENTERED if stripped.endswith("<") and len(stripped) > 1 else TRANSITION
    return None


OPENING_MARKS = frozenset("=~#>")
"""First characters of every kind :func:`opening_kind` finds; lines starting otherwise skip its tests."""
LINE_KIND_MARKS = frozenset("=~")
"""First characters of every kind :func:`line_kind` finds."""


def is_heading(stripped: str) -> bool:
    if stripped.startswith("."):
        return len(stripped) > 1 and stripped[1].isalnum()
    return stripped[:1] in _HEADING_FIRST and HEADING_PREFIX.match(stripped) is not None


_HEADING_FIRST = frozenset("IiEe\u0130\u0131")
"""Every first character :data:`HEADING_PREFIX` accepts (it ignores case, so also dotted and dotless i)."""
HEADING_MARKS = _HEADING_FIRST | {"."}
"""First characters of every line :func:`is_heading` accepts."""


def cue_parts(stripped: str) -> tuple[str, tuple[str, ...], bool] | None:
    """Split a character cue into (name, extensions, dual), or None when the line is no cue."""
    forced = stripped.startswith("@")
    text = stripped[1:].strip() if forced else stripped
    dual = text.endswith("^")
    if dual:
        text = text[:-1].rstrip()
    if not forced:
        # The name (all before the first parenthesis) must be in capitals: rejects most action lines, and
        # settles cues without extensions, before the slower cue pattern runs.
        name, parenthesis, _ = text.partition("(")
        if name != name.upper():
            return None
        if not parenthesis:
            name = name.strip()
            return (name, (), dual) if _unforced_name(name) else None
    match = _CUE.fullmatch(text)
    if match is None:
        return (text, (), dual) if forced and text else None
    name = match.group(1).strip()
    extensions = tuple(ext.strip() for ext in _EXTENSION.findall(match.group(2)))
    if forced:
        return (name, extensions, dual) if name else None
    return (name, extensions, dual) if _unforced_name(name) else None


def _unforced_name(name: str) -> bool:
    """A cue name without ``@``: capitals, no ``^`` inside (dual marks end a cue), no colon at the end."""
    return is_upper(name) and "^" not in name and not name.endswith(":")


def is_transition(stripped: str) -> bool:
    return stripped.endswith("TO:") and is_upper(stripped)
