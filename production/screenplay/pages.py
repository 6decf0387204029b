"""Fountain pagination: a screenplay laid out on US-letter or A4 pages, scene lengths in eighths.

Counts lines rather than making them (the printed lines are worked out only when asked for); the model and its
numbers are in docs/fountain.md ("Pagination model").
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .elements import (
    ACTION,
    BONEYARD,
    CENTERED,
    CHARACTER,
    DIALOGUE,
    DIALOGUE_BLOCK_KINDS,
    LYRIC,
    NOTE,
    PAGE_BREAK,
    PARENTHETICAL,
    SCENE_HEADING,
    SECTION,
    SYNOPSIS,
    TRANSITION,
    Element,
    Scene,
    Screenplay,
    split_scenes,
)
from .markup import plain_text


@dataclass(frozen=True)
class PaperModel:
    """Page geometry in Courier 12 pt lines (6 an inch) and characters (10 an inch); see docs/fountain.md."""

    name: str
    lines_per_page: int
    widths: dict[str, int]


_COMMON_WIDTHS = {CHARACTER: 33, PARENTHETICAL: 26, DIALOGUE: 36, LYRIC: 36}
PAPERS: dict[str, PaperModel] = {
    "letter": PaperModel(
        "letter",
        55,
        {**_COMMON_WIDTHS, SCENE_HEADING: 61, ACTION: 61, TRANSITION: 61, CENTERED: 61},
    ),
    "a4": PaperModel(
        "a4",
        57,
        {**_COMMON_WIDTHS, SCENE_HEADING: 58, ACTION: 58, TRANSITION: 58, CENTERED: 58},
    ),
}
_UNPRINTED = frozenset({SECTION, SYNOPSIS, NOTE, BONEYARD})


@dataclass(frozen=True)
class PrintedLine:
    kind: str
    text: str
    element: int  # index into Screenplay.elements; -1 for spacing, (MORE) and continued cues


Chunk = tuple[str, int, int, int]
"""Consecutive printed lines of one element on one page: (kind, element index, first line, line count).
Besides element kinds: ``blank`` (spacing), ``more`` ((MORE)) and ``contd`` (the cue of element index again,
with (CONT'D))."""

_SPACING: Chunk = ("blank", -1, 0, 1)


@dataclass(frozen=True)
class SceneLength:
    scene: Scene
    page: int  # page the heading prints on (1-based)
    lines: int  # printed lines from the heading to the next heading, spacing and (MORE)/(CONT'D) included
    eighths: int  # whole eighths of a page, at least 1

    @property
    def label(self) -> str:
        """Industry notation: '1 3/8', '4/8', '2'."""
        pages, rest = divmod(self.eighths, 8)
        if not rest:
            return str(pages)
        return f"{pages} {rest}/8" if pages else f"{rest}/8"


@dataclass(frozen=True)
class Pagination:
    paper: PaperModel
    page_chunks: list[list[Chunk]]  # what each page prints, element by element
    scenes: list[SceneLength]
    line_count: int  # printed lines of the body, spacing and (MORE)/(CONT'D) included
    elements: list[Element]  # the screenplay's elements, which the chunks point into

    @property
    def page_count(self) -> int:
        return len(self.page_chunks)

    @functools.cached_property
    def pages(self) -> list[list[PrintedLine]]:
        """Every printed line, page by page. Worked out on first use: laying out the pages needs only how
        many lines each element prints, not the lines themselves."""
        widths = self.paper.widths
        wrapped: dict[int, list[str]] = {}
        pages: list[list[PrintedLine]] = []
        for chunks in self.page_chunks:
            page: list[PrintedLine] = []
            for kind, index, first, count in chunks:
                if index >= 0 and index not in wrapped:
                    element = self.elements[index]
                    wrapped[index] = wrap(_printed_text(element), widths[element.kind])
                if kind == "blank":
                    page.append(PrintedLine("blank", "", -1))
                elif kind == "more":
                    page.append(PrintedLine("more", "(MORE)", -1))
                elif kind == "contd":
                    page.append(PrintedLine(CHARACTER, f"{wrapped[index][0]} (CONT'D)", -1))
                else:
                    page += [PrintedLine(kind, text, index) for text in wrapped[index][first : first + count]]
            pages.append(page)
        return pages


@functools.cache
def _wrap_pattern(width: int) -> re.Pattern[str]:
    """One printed line of a single-spaced text: the longest run of whole words that fits, else a cut word."""
    return re.compile(rf"(.{{1,{width}}}(?= |$)|\S{{{width}}}) ?")


def wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap (words longer than the width are cut), one list entry per printed line.

    A line that fits prints as written; a longer one has its spaces collapsed and is cut by one regex scan.
    """
    if len(text) <= width and "\n" not in text:
        return [text]
    printed: list[str] = []
    pattern = _wrap_pattern(width)
    for line in text.split("\n"):
        if len(line) <= width:
            printed.append(line)
        else:
            printed += pattern.findall(_single_spaced(line)) or [""]
    return printed


def wrapped_line_count(text: str, width: int, spaced: bool = False) -> int:
    """``len(wrap(text, width))``, counted without making the lines. ``spaced``: every line of the text is
    known to be single spaced already (see :func:`_all_single_spaced`)."""
    long_line_count = _spaced_line_count if spaced else _long_line_count
    if "\n" not in text:
        return 1 if len(text) <= width else long_line_count(text, width)
    return sum(1 if len(line) <= width else long_line_count(line, width) for line in text.split("\n"))


def _long_line_count(line: str, width: int) -> int:
    """Lines :func:`wrap` makes of one source line."""
    return _spaced_line_count(_single_spaced(line), width)


def _spaced_line_count(line: str, width: int) -> int:
    """Lines :func:`wrap` makes of one single-spaced line: each ends at the last space that fits (which it
    uses up) or, with no space to break at, after ``width`` characters of a long word."""
    count, start, last_start = 1, 0, len(line) - width  # a line starting after last_start fits
    while start < last_start:
        cut = line.rfind(" ", start, start + width + 1)
        start = cut + 1 if cut > start else start + width
        count += 1
    return count


def _single_spaced(line: str) -> str:
    """Whitespace runs as one space, none at the ends; most lines already are, and are kept as they are."""
    if line.isprintable() and "  " not in line and line[:1] != " " and line[-1:] != " ":
        return line  # isprintable(): no whitespace but the ASCII space
    return " ".join(line.split())


_OTHER_ASCII_SPACES = ("\t", "\x0b", "\x0c", "\r", "\x1c", "\x1d", "\x1e", "\x1f")
"""ASCII whitespace besides the space and the line break."""


def _all_single_spaced(texts: list[str]) -> bool:
    """Whether :func:`_single_spaced` keeps every line of these texts as it is: ASCII with no whitespace but
    single spaces between words. Checked on all of them joined, with substring searches in C: a test per line
    (``isprintable`` looks at each character in turn) costs pagination more than the wrapping arithmetic.
    Lines joined by spaces: a space at a line's end or start makes a double space (so does an empty line,
    which only makes the answer a cautious no)."""
    joined = " ".join(texts).replace("\n", " ")
    if not joined.isascii() or joined[:1] == " " or joined[-1:] == " " or "  " in joined:
        return False
    return not any(map(joined.__contains__, _OTHER_ASCII_SPACES))


def _printed_text(element: Element) -> str:
    """What an element prints, before wrapping: its plain text, a parenthetical in parentheses, a cue with its
    extensions."""
    kind = element.kind
    if kind == PARENTHETICAL:
        return plain_text(f"({element.text})")
    if kind == CHARACTER and element.extensions:
        return plain_text(" ".join([element.text, *(f"({ext})" for ext in element.extensions)]))
    return plain_text(element.text)


def paginate(screenplay: Screenplay, paper: str = "letter") -> Pagination:
    """Lay the body out on pages (the title page is not counted) and measure every scene in eighths."""
    if paper not in PAPERS:
        raise ValueError(f"unknown paper {paper!r}; use one of: {', '.join(PAPERS)}")
    model = PAPERS[paper]
    layout = _Layout(model.lines_per_page)
    elements = screenplay.elements
    line_counts = _line_counts(elements, model.widths)
    headings: list[int] = []  # element indices
    heading_starts: list[tuple[int, int]] = []  # (page, running line total) where each heading prints
    index, count = 0, len(elements)
    while index < count:
        element = elements[index]
        kind = element.kind
        if kind == CHARACTER:
            end = index + 1
            body: list[Chunk] = []
            body_count = 0
            while end < count and elements[end].kind in DIALOGUE_BLOCK_KINDS:
                lines = line_counts[end]
                body.append((elements[end].kind, end, 0, lines))
                body_count += lines
                end += 1
            layout.speech(line_counts[index], body, body_count, index)
            index = end
            continue
        if kind == PAGE_BREAK:
            layout.new_page()
        elif kind == SCENE_HEADING:
            keep_with_next = _company_needed(elements, index + 1)
            headings.append(index)
            heading_starts.append(layout.block(kind, line_counts[index], index, keep_with_next))
        elif kind not in _UNPRINTED:
            layout.block(kind, line_counts[index], index, 0)
        index += 1
    scenes = list(split_scenes(elements, headings))
    lengths = _scene_lengths(scenes, heading_starts, layout.total, model.lines_per_page)
    return Pagination(model, layout.finish(), lengths, layout.total, elements)


def _company_needed(elements: list[Element], index: int) -> int:
    """Lines a heading must keep below it on its page: two of whatever prints next (none before a break)."""
    while index < len(elements) and elements[index].kind in _UNPRINTED:
        index += 1
    if index >= len(elements) or elements[index].kind in {PAGE_BREAK, SCENE_HEADING}:
        return 0
    return 2


def _line_counts(elements: list[Element], widths: dict[str, int]) -> list[int]:
    """How many lines each element prints (0: none), for all of them before the layout. The actions and
    speeches longer than a line have their spacing checked together (:func:`_all_single_spaced`); cues,
    parentheticals and transitions come back again and again in a script, so each distinct one is counted
    once."""
    counts = [0] * len(elements)
    long_texts: list[tuple[int, int, str]] = []  # (element index, width, plain text)
    seen: dict[tuple[str, str, tuple[str, ...]], int] = {}
    for index, element in enumerate(elements):
        kind = element.kind
        if kind in (ACTION, DIALOGUE):  # rarely repeated: not worth remembering
            text, width = element.text, widths[kind]
            if len(text) <= width and "\n" not in text:
                counts[index] = 1  # plain text is never longer, so it fits too: no need to work it out
            else:
                long_texts.append((index, width, plain_text(text)))
        elif kind in widths:
            key = (kind, element.text, element.extensions)
            if key not in seen:
                seen[key] = wrapped_line_count(_printed_text(element), widths[kind])
            counts[index] = seen[key]
    spaced = _all_single_spaced([text for _, _, text in long_texts])
    for index, width, text in long_texts:
        counts[index] = wrapped_line_count(text, width, spaced)
    return counts


_SPLITTABLE = frozenset({ACTION, LYRIC})


class _Layout:
    """Fills pages with chunks, counting lines (an element stays one chunk unless a page ends in it)."""

    def __init__(self, lines_per_page: int) -> None:
        self.size = lines_per_page
        self.pages: list[list[Chunk]] = [[]]
        self.fill = 0  # lines on the last page
        self.total = 0  # printed lines so far, continuation lines included

    def new_page(self) -> None:
        if self.fill:
            self.pages.append([])
            self.fill = 0

    def _spacing(self) -> None:
        if self.fill:
            self.pages[-1].append(_SPACING)
            self.fill += 1
            self.total += 1

    def _put(self, kind: str, element: int, first: int, count: int) -> None:
        """Add lines of one element, carrying on over as many new pages as they need."""
        self.total += count
        while count > self.size - self.fill:
            room = self.size - self.fill
            if room > 0:
                self.pages[-1].append((kind, element, first, room))
                first, count = first + room, count - room
            self.pages.append([])
            self.fill = 0
        self.pages[-1].append((kind, element, first, count))
        self.fill += count

    def block(self, kind: str, count: int, index: int, keep_with_next: int) -> tuple[int, int]:
        """Place one element of ``count`` lines; returns (page, running line total) where it starts."""
        needed = (min(count, 2) if kind in _SPLITTABLE else count) + keep_with_next
        spacing = 1 if self.fill else 0
        if spacing + max(count, needed) <= self.size - self.fill:  # the usual case: all of it fits
            if spacing:
                self.pages[-1].append(_SPACING)
            start = (len(self.pages), self.total + spacing)
            self.pages[-1].append((kind, index, 0, count))
            self.fill += spacing + count
            self.total += spacing + count
            return start
        if self.fill and 1 + needed > self.size - self.fill:  # with the spacing line, it does not fit
            self.new_page()
        self._spacing()
        start = (len(self.pages), self.total)
        self._put(kind, index, 0, count)
        return start

    def speech(self, cue_count: int, body: list[Chunk], body_count: int, start: int) -> None:
        """A cue with its parentheticals and dialogue (``body_count`` lines): kept whole, or split with (MORE)
        and a (CONT'D) cue."""
        fill = self.fill
        spacing = 1 if fill else 0
        whole = spacing + cue_count + body_count
        if whole <= self.size - fill:  # the usual case: it all fits
            page = self.pages[-1]
            if spacing:
                page.append(_SPACING)
            page.append((CHARACTER, start, 0, cue_count))
            page += body
            self.fill = fill + whole
            self.total += whole
            return
        if spacing + cue_count + 2 + 1 > self.size - fill:
            self.new_page()  # not even the cue, two lines and (MORE) fit: start the speech overleaf
        self._spacing()
        self._put(CHARACTER, start, 0, cue_count)
        while body_count > self.size - self.fill:
            room = self.size - self.fill
            if room <= 0:
                self.pages.append([])
                self.fill = 0
            elif room == 1:
                self._put("more", -1, 0, 1)
                self.pages.append([])
                self.fill = 0
                self._put("contd", start, 0, 1)
            else:
                head, body = _split_chunks(body, room - 1)
                for chunk in head:
                    self._put(*chunk)
                body_count -= room - 1
        for chunk in body:
            self._put(*chunk)

    def finish(self) -> list[list[Chunk]]:
        return [page for page in self.pages if page] or [[]]


def _split_chunks(chunks: list[Chunk], lines: int) -> tuple[list[Chunk], list[Chunk]]:
    """The first ``lines`` lines of the chunks and the rest, cutting a chunk in two where needed."""
    head: list[Chunk] = []
    for position, (kind, element, first, count) in enumerate(chunks):
        if lines < count:
            if lines:
                head.append((kind, element, first, lines))
            return head, [(kind, element, first + lines, count - lines), *chunks[position + 1 :]]
        head.append((kind, element, first, count))
        lines -= count
    return head, []


def _scene_lengths(
    scenes: list[Scene], heading_starts: list[tuple[int, int]], total: int, lines_per_page: int
) -> list[SceneLength]:
    lengths: list[SceneLength] = []
    totals = [start_total for _, start_total in heading_starts] + [total]
    for scene, (page, start_total), end_total in zip(scenes, heading_starts, totals[1:], strict=True):
        lines = max(1, end_total - start_total)
        eighths = max(1, int(lines * 8 / lines_per_page + 0.5))
        lengths.append(SceneLength(scene, page, lines, eighths))
    return lengths
