"""Fountain's inline markup: emphasis runs, ``[[notes]]`` and the plain text a line prints as.

Shared by the element model (a title in plain text), the page model (what each element prints) and the
breakdown (notes and plain action). Tuned for speed: most text has no markup at all (see docs/fountain.md).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

NOTE_MARKUP = re.compile(r"\[\[([^\n\]]*+(?:(?:\](?!\])|\n(?!\n))[^\n\]]*+)*+)\]\]")
"""One note: ``[[`` up to the first ``]]``, unless a truly empty line comes first (a held line does not end
it). Found without trying one character at a time; the parser uses it for notes alone in a paragraph too,
so ``[[a]] [[b]]`` is two notes, never one reaching from the first ``[[`` to the last ``]]``."""

_ESCAPES = {"\\*": "\ue000", "\\_": "\ue001", "\\\\": "\ue002"}
_UNESCAPE = str.maketrans({"\ue000": "*", "\ue001": "_", "\ue002": "\\"})
_SPACE_TAB_LINE = re.compile(r"^[ \t]+$", re.MULTILINE)
# Markdown's flanking rule for whole runs of markers: a run followed by a space opens nothing (no star of
# "** word" opens), a run preceded by a space closes nothing (nor does "word **"): the text inside may not
# start with markers and a space, and its last character besides markers may not be a space. A marker with
# more markers before it than a closer has is never where a span starts (the marker before it would start
# it first): skipping it keeps a long run of markers from costing a scan per marker.
_STARS = r"(?!\**\s)(.*?[^\s*]\**?)"
_UNDERLINED = r"(?!_*\s)(.*?[^\s_]_*?)"
_EMPHASIS = re.compile(  # (each look back follows the first marker: a pattern starting with one scans slower)
    rf"\*(?<!\*\*\*\*\*)(?:\*\*{_STARS}\*\*\*|\*{_STARS}\*\*|{_STARS}\*)|_(?<!___){_UNDERLINED}_"
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
    return NOTE_MARKUP.findall(text)


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
        text = NOTE_MARKUP.sub("", text)
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
