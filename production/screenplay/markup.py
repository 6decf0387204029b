"""Fountain's inline markup: emphasis runs, ``[[notes]]`` and the plain text a line prints as.

Shared by the element model (a title in plain text), the page model (what each element prints) and the
breakdown (notes and plain action). Tuned for speed: most text has no markup at all (see docs/fountain.md).
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass
from operator import attrgetter

NOTE_MARKUP = re.compile(r"\[\[([^\n\]]*+(?:(?:\](?!\])|\n(?!\n))[^\n\]]*+)*+)\]\]")
"""One note: ``[[`` up to the first ``]]``, unless a truly empty line comes first (a held line does not end
it). Found without trying one character at a time; the parser uses it for notes alone in a paragraph too,
so ``[[a]] [[b]]`` is two notes, never one reaching from the first ``[[`` to the last ``]]``."""

_ESCAPES = {"\\*": "\ue000", "\\_": "\ue001", "\\\\": "\ue002"}
_UNESCAPE = str.maketrans({"\ue000": "*", "\ue001": "_", "\ue002": "\\"})
_SPACE_TAB_LINE = re.compile(r"^[ \t]+$", re.MULTILINE)
_EMPHASIS_STYLES: tuple[frozenset[str], ...] = (
    frozenset({"bold", "italic"}),
    frozenset({"bold"}),
    frozenset({"italic"}),
    frozenset({"underline"}),
)
_STAR_SPANS = ((3, 0), (2, 1), (1, 2))
"""The spans a run of stars may open, most markers first: (markers each side, ``_EMPHASIS_STYLES`` index)."""
_UNDERLINE_SPANS = ((1, 3),)
_MARKER_RUN = {"*": re.compile(r"\*+"), "_": re.compile(r"_+")}
_SIMPLE_SPAN = re.compile(r"\*([^\s*_](?:[^*_\n]*[^\s*_])?)\*|_([^\s*_](?:[^*_\n]*[^\s*_])?)_")
"""A span with one marker each side and none inside (``*word*``, ``_a few words_``), as most marked-up text
holds. Each try stops at the next marker: cutting a text at these costs time in proportion to its length."""


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
    # Neighbours with the same styles become one run (empty runs aside), each text joined once.
    return [
        Run("".join(run.text for run in group).translate(_UNESCAPE), styles)
        for styles, group in itertools.groupby(filter(attrgetter("text"), runs), attrgetter("styles"))
    ]


def _collect_runs(text: str, styles: frozenset[str], runs: list[Run]) -> None:
    pieces, span_styles = _emphasis_pieces(text)
    runs.append(Run(pieces[0], styles))
    for number, style in enumerate(span_styles):
        _collect_runs(pieces[2 * number + 1], styles | _EMPHASIS_STYLES[style], runs)
        runs.append(Run(pieces[2 * number + 2], styles))


def _emphasis_pieces(text: str) -> tuple[list[str], list[int]]:
    """``text`` cut at its emphasis spans: the text outside and inside them by turns (``[outside, inside,
    outside, ..., outside]``, markers left out), and each span's index in ``_EMPHASIS_STYLES``. Emphasis never
    spans lines: each line is read alone."""
    if "\n" not in text:
        return _line_pieces(text)
    pieces: list[str] = []
    styles: list[int] = []
    outside: list[str] = []  # the lines of the outside piece being gathered (joined once: no repeated copies)
    for line in text.split("\n"):
        line_pieces, line_styles = _line_pieces(line)
        outside.append(line_pieces[0])
        if line_styles:
            pieces.append("\n".join(outside))
            pieces += line_pieces[1:-1]
            styles += line_styles
            outside = [line_pieces[-1]]
    pieces.append("\n".join(outside))
    return pieces, styles


def _line_pieces(line: str) -> tuple[list[str], list[int]]:
    """:func:`_emphasis_pieces` of one line, by Markdown's flanking rule for whole runs of markers.

    A run of markers followed by a space opens nothing (no star of ``** word`` does). Otherwise its first
    marker opens a span of three, two or one stars (as many as the run holds, the most that a later run
    closes) or of one underscore. The span closes at the first later run of its marker with at least as many
    markers and a character other than a space before it (``word **`` closes nothing); what is left of that
    run may open the next span. Spans inside a span are found in its text alone.

    One pass, in time growing with the line's length whatever the markers (a hostile line may be megabytes
    long): where the next star and the next underscore are, and where each kind of span next closes, is kept
    until the pass goes beyond it, and a marker that no later run can close opens nothing more.
    """
    pieces: list[str] = []
    styles: list[int] = []
    outside_start = position = 0
    star, underscore = line.find("*"), line.find("_")
    # Per style: where the run that closes its next span starts; -1: none on the line, 0: not looked for yet
    # (a run at 0 closes nothing: no character before it).
    closers = [0, 0, 0, 0]
    while True:
        if 0 <= star < position:
            star = line.find("*", position)
        if 0 <= underscore < position:
            underscore = line.find("_", position)
        opener = star if underscore < 0 or 0 <= star < underscore else underscore
        if opener < 0:
            break
        marker = line[opener]
        position = opener + 1
        if line[position : position + 1] == marker:  # (most runs are one marker: no pattern for those)
            position = _run_end(line, position)
        if line[position : position + 1].isspace():
            continue
        # (opener - position: minus the markers left in the run; the slice keeps spans of at most that many)
        for width, style in _STAR_SPANS[opener - position :] if marker == "*" else _UNDERLINE_SPANS:
            closer = closers[style]
            if 0 <= closer < position:
                closer = closers[style] = _closing_run(line, marker, width, position)
            if closer >= 0:
                break
        else:  # not even one marker closes: no later run of this marker opens a span on this line
            if marker == "*":
                star = -1
            else:
                underscore = -1
            continue
        pieces.append(line[outside_start:opener])
        pieces.append(line[opener + width : closer])
        styles.append(style)
        position = outside_start = closer + width
    pieces.append(line[outside_start:])
    return pieces, styles


def _closing_run(line: str, marker: str, width: int, start: int) -> int:
    """Where the first run of ``marker`` from ``start`` on begins (``start`` is not inside one) that closes a
    span of ``width`` markers: one with at least that many and a character other than a space before it. -1:
    none on the line."""
    closer = line.find(marker, start)
    while closer >= 0 and (line[closer - 1].isspace() or line[closer : closer + width] != marker * width):
        closer = line.find(marker, _run_end(line, closer))
    return closer


def _run_end(line: str, start: int) -> int:
    """Where the run of markers at ``start`` ends."""
    run = _MARKER_RUN[line[start]].match(line, start)
    return run.end() if run else start


def notes_in(text: str) -> list[str]:
    """The ``[[notes]]`` inside an element's text (a truly empty line ends a note; a held line does not)."""
    return NOTE_MARKUP.findall(text)


def _without_emphasis(text: str) -> str:
    """The joined texts of :func:`_collect_runs`' runs, without making them.

    First the text is cut at its simple spans, in C (from the first marker on: ``str.find`` gets there
    quicker than the pattern's scan). When that leaves no marker, these are the spans :func:`_line_pieces`
    finds (it meets each one's first marker next, with no space after it, and the next marker closes it), and
    the text is done; otherwise the pieces come from :func:`_emphasis_pieces`, and a span's text holding
    markers of its own is read again.
    """
    stars, underscores = text.find("*"), text.find("_")
    start = min(stars, underscores) if stars >= 0 and underscores >= 0 else max(stars, underscores)
    joined = text[:start] + "".join(filter(None, _SIMPLE_SPAN.split(text[start:])))
    if "*" not in joined and "_" not in joined:
        return joined
    pieces, _styles = _emphasis_pieces(text)
    inside = "".join(pieces[1::2])
    if "*" in inside or "_" in inside:
        pieces[1::2] = [
            _without_emphasis(span) if "*" in span or "_" in span else span for span in pieces[1::2]
        ]
    return "".join(pieces)


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
