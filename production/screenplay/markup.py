"""Fountain's inline markup: emphasis runs, ``[[notes]]`` and the plain text a line prints as.

Shared by the element model (a title in plain text), the page model (what each element prints) and the
breakdown (notes and plain action). Tuned for speed: most text has no markup at all (see docs/fountain.md).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_NOTE = re.compile(r"\[\[([^\n\]]*+(?:(?:\](?!\])|\n(?!\n))[^\n\]]*+)*+)\]\]")
"""A note inside text: what the parser's ``_WHOLE_NOTE`` finds there (up to the first ``]]``), found
without trying one character at a time. ``fullmatch`` of a paragraph still needs ``_WHOLE_NOTE``: a
paragraph may hold ``[[a]] [[b]]``, which as a whole is one note."""

_ESCAPES = {"\\*": "\ue000", "\\_": "\ue001", "\\\\": "\ue002"}
_UNESCAPE = str.maketrans({"\ue000": "*", "\ue001": "_", "\ue002": "\\"})
_SPACE_TAB_LINE = re.compile(r"^[ \t]+$", re.MULTILINE)
_EMPHASIS = re.compile(
    r"\*\*\*(?=\S)(.+?)(?<=\S)\*\*\*|\*\*(?=\S)(.+?)(?<=\S)\*\*|\*(?=\S)(.+?)(?<=\S)\*|_(?=\S)(.+?)(?<=\S)_"
)
_EMPHASIS_STYLES: tuple[frozenset[str], ...] = (
    frozenset({"bold", "italic"}),
    frozenset({"bold"}),
    frozenset({"italic"}),
    frozenset({"underline"}),
)


@dataclass(frozen=True)
class Run:
    """A stretch of text with one set of styles (``bold``, ``italic``, ``underline``)."""

    text: str
    styles: frozenset[str] = frozenset()


def emphasis_runs(line: str) -> list[Run]:
    """Split one line into styled runs following Markdown's rules (fountain.io: Emphasis); ``\\*`` escapes."""
    for escape, placeholder in _ESCAPES.items():
        line = line.replace(escape, placeholder)
    runs: list[Run] = []
    _collect_runs(line, frozenset(), runs)
    merged: list[Run] = []
    for run in runs:
        text = run.text.translate(_UNESCAPE)
        if merged and merged[-1].styles == run.styles:
            merged[-1] = Run(merged[-1].text + text, run.styles)
        elif text:
            merged.append(Run(text, run.styles))
    return merged


def _collect_runs(text: str, styles: frozenset[str], runs: list[Run]) -> None:
    position = 0
    for match in _EMPHASIS.finditer(text):
        runs.append(Run(text[position : match.start()], styles))
        group = next(index for index in range(4) if match.group(index + 1) is not None)
        _collect_runs(match.group(group + 1), styles | _EMPHASIS_STYLES[group], runs)
        position = match.end()
    runs.append(Run(text[position:], styles))


def notes_in(text: str) -> list[str]:
    """The ``[[notes]]`` inside an element's text (a truly empty line ends a note; a held line does not)."""
    return _NOTE.findall(text)


def _unmarked(match: re.Match[str]) -> str:
    """An emphasis span's text with its markers gone, inner spans included (as :func:`_collect_runs`)."""
    inner = match.group(match.lastindex or 0)
    return _EMPHASIS.sub(_unmarked, inner) if "*" in inner or "_" in inner else inner


def _without_emphasis(text: str) -> str:
    """``_EMPHASIS.sub(_unmarked, text)``. Mostly the spans hold no markers of their own, and splitting on
    the spans and joining the pieces, all in C, gives the same text; markers left in it (a span inside a
    span, or a stray ``*``) send the text through :func:`_unmarked`."""
    # split gives the text around the spans and each span's groups (None for those that did not take part).
    # It starts where the first marker is: str.find gets there quicker than the pattern's scan.
    stars, underscores = text.find("*"), text.find("_")
    start = min(stars, underscores) if stars >= 0 and underscores >= 0 else max(stars, underscores)
    joined = text[:start] + "".join(filter(None, _EMPHASIS.split(text[start:])))
    if "*" in joined or "_" in joined:
        return _EMPHASIS.sub(_unmarked, text)
    return joined


_SPACE_LINE = re.compile(r"^[^\S\n]+$", re.MULTILINE)


def plain_text(text: str) -> str:
    """Text as printed: notes removed, emphasis markers and escapes resolved, held lines emptied.

    Gives the joined texts of :func:`emphasis_runs`, line by line, without building the runs (emphasis never
    spans lines).
    """
    # Most text has no markup: substring tests first, then emphasis, escapes, notes or a line of spaces. One
    # character is found far quicker than two: "[" and a line break go before "[[" and a line starting blank.
    if not ("*" in text or "_" in text or "\\" in text or ("[" in text and "[[" in text)):
        maybe_space_line = text.startswith((" ", "\t")) or (
            "\n" in text and ("\n " in text or "\n\t" in text)
        )
        if not maybe_space_line or _SPACE_TAB_LINE.search(text) is None:
            return text
    return _marked_plain_text(text)


@functools.lru_cache(maxsize=8192)
def _marked_plain_text(text: str) -> str:
    """:func:`plain_text` of text with markup. Cached, unlike the quick answer for text without any: checking
    the cache would cost that text more than its substring tests."""
    if "[[" in text:
        text = _NOTE.sub("", text)
    if "\n" in text:
        text = _SPACE_LINE.sub("", text)
    elif text.isspace():
        return ""
    escaped = "\\" in text
    if escaped:
        for escape, placeholder in _ESCAPES.items():
            text = text.replace(escape, placeholder)
    if "*" in text or "_" in text:
        text = _without_emphasis(text)
    if escaped:
        for escape, placeholder in _ESCAPES.items():  # as _UNESCAPE; str.replace is quicker than translate
            text = text.replace(placeholder, escape[1])
    return text
