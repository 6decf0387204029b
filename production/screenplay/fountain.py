"""Fountain 1.1 screenplays: the parser, and the one place callers import the Fountain API from.

Pure Python (no bpy). ``parse`` turns text into a :class:`Screenplay` of :class:`Element` values that
keep their source line; ``write`` (writer.py) turns it back into Fountain that parses to the same elements;
``paginate`` (pages.py) lays it out on US-letter or A4 pages for page counts and per-scene lengths in eighths
of a page. The element model is in elements.py, inline markup in markup.py, the line rules the parser and the
writer share in line_rules.py. See docs/fountain.md.
"""

from __future__ import annotations

import operator
import re

from .elements import (
    ACTION,
    BONEYARD,
    CENTERED,
    CHARACTER,
    DIALOGUE,
    DIALOGUE_BLOCK_KINDS,
    HELD_LINE,
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
    quick_element,
)
from .line_rules import (
    HEADING_MARKS,
    LINE_KIND_MARKS,
    OPENING_MARKS,
    TITLE_KEY,
    cue_parts,
    is_heading,
    is_held,
    is_transition,
    is_upper,
    line_kind,
    opening_kind,
)
from .markup import NOTE_MARKUP, Run, emphasis_runs, notes_in, plain_text
from .pages import (
    PAPERS,
    Chunk,
    Pagination,
    PaperModel,
    PrintedLine,
    SceneLength,
    paginate,
    wrap,
    wrapped_line_count,
)
from .writer import write

__all__ = [
    "ACTION",
    "BONEYARD",
    "CENTERED",
    "CHARACTER",
    "DIALOGUE",
    "DIALOGUE_BLOCK_KINDS",
    "HELD_LINE",
    "LYRIC",
    "NOTE",
    "PAGE_BREAK",
    "PAPERS",
    "PARENTHETICAL",
    "SCENE_HEADING",
    "SECTION",
    "SYNOPSIS",
    "TRANSITION",
    "Chunk",
    "Element",
    "FountainError",
    "Pagination",
    "PaperModel",
    "PrintedLine",
    "Run",
    "Scene",
    "SceneLength",
    "Screenplay",
    "emphasis_runs",
    "notes_in",
    "paginate",
    "parse",
    "plain_text",
    "wrap",
    "wrapped_line_count",
    "write",
]


class FountainError(ValueError):
    """Input that cannot be read as Fountain text at all (not a str, not decodable)."""


_SCENE_NUMBER = re.compile(r"\s*#([A-Za-z0-9.\-]+)#\s*$")
_BONEYARD = re.compile(r"/\*(.*?)\*/", re.DOTALL)


def parse(text: str | bytes, source: str | None = None) -> Screenplay:
    """Parse Fountain text (or UTF-8 bytes). ``source`` (a file name) is kept for messages."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            raise FountainError(
                f"{source or 'script'}: not UTF-8 text ({error}); save the screenplay as UTF-8 and try again"
            ) from None
    if not isinstance(text, str):
        raise FountainError(f"{source or 'script'}: expected Fountain text, got {type(text).__name__}")
    text = text.lstrip("\ufeff")
    if "\r" in text:  # looking for one character is quicker than for "\r\n"
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text, boneyards = _cut_boneyards(text)
    lines = text.split("\n")
    title_page, start = _parse_title_page(lines)
    return Screenplay(title_page, _Parser(lines, start, boneyards).run(), source)


def _cut_boneyards(text: str) -> tuple[str, list[Element]]:
    """Remove ``/* */`` spans, keeping their newlines so line numbers and paragraph breaks survive; the
    parser puts each back as an element after the paragraph it starts in, or where it stands between two."""
    if "/" not in text or "/*" not in text:  # the usual case (a lone character is the quickest to look for)
        return text, []
    boneyards: list[Element] = []
    pieces: list[str] = []
    position, line = 0, 1
    for match in _BONEYARD.finditer(text):
        line += text.count("\n", position, match.start())
        boneyards.append(Element(BONEYARD, match.group(1), line))
        pieces += [text[position : match.start()], "\n" * match.group(1).count("\n")]
        line += match.group(0).count("\n")
        position = match.end()
    pieces.append(text[position:])
    return "".join(pieces), boneyards


def _parse_title_page(lines: list[str]) -> tuple[dict[str, str], int]:
    """Read ``Key: value`` lines (values may continue on lines indented by 3+ spaces or a tab)."""
    index = 0
    while index < len(lines) and not lines[index].strip():
        index += 1
    title: dict[str, list[str]] = {}
    key: str | None = None
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            break
        match = TITLE_KEY.fullmatch(line.rstrip())
        if key is not None and (line.startswith("\t") or line.startswith("   ")):
            title[key].append(line.strip())
        elif match and not is_transition(line.strip()):
            key = match.group(1)
            title.setdefault(key, [])
            if match.group(2).strip():
                title[key].append(match.group(2).strip())
        else:
            break
        index += 1
    if not title or not _looks_like_title_key(next(iter(title))):
        return {}, 0
    return {name: "\n".join(values) for name, values in title.items()}, index


_KNOWN_TITLE_KEYS = frozenset(
    {
        "title",
        "credit",
        "author",
        "authors",
        "source",
        "draft date",
        "date",
        "contact",
        "contact info",
        "copyright",
        "notes",
        "revision",
        "episode",
        "format",
    }
)


def _looks_like_title_key(key: str) -> bool:
    """Whether a file's first key opens a title page: a known key, or one word not in capitals (fountain.io
    keeps unknown keys as metadata). An opening ``FADE IN:`` or action with a colon in it (``He opens the
    card: a threat.``) stays in the body."""
    return key.lower() in _KNOWN_TITLE_KEYS or (" " not in key and not is_upper(key))


class _Parser:
    """One pass over the body lines; each paragraph start is classified from its line and its neighbours."""

    def __init__(self, lines: list[str], start: int, boneyards: list[Element]) -> None:
        self.lines = lines
        self.boneyards = boneyards[::-1]  # still to place, the next one last
        self.count = len(lines)
        # Paragraph breaks, worked out once per line: most lines are looked at more than once. Mostly they are
        # the empty lines (found in C); only whitespace lines need a look of their own.
        self.blank = list(map(operator.not_, lines))
        if any(map(str.isspace, lines)):
            self.blank = [not line or (line.isspace() and not is_held(line)) for line in lines]
        self.index = start
        self.elements: list[Element] = []
        self.blank_run = 0  # blank lines since the last element, for merging action paragraphs
        self.after_break = True  # the previous line ended a paragraph (or the title page)
        self.cues: dict[str, tuple[str, tuple[str, ...], bool] | None] = {}  # a script repeats its cues

    def run(self) -> list[Element]:
        lines, blank, count, boneyards = self.lines, self.blank, self.count, self.boneyards
        # A boneyard's 1-based line is the 0-based index of the line after the one it starts in.
        next_boneyard = boneyards[-1].line if boneyards else count + 1
        while self.index < count:
            if self.index >= next_boneyard:
                next_boneyard = self._place_boneyards()
            if blank[self.index]:
                self.blank_run += 1
                self.after_break = True
                self.index += 1
                continue
            self._paragraph(lines[self.index])
            self.blank_run = 0  # every paragraph adds an element or extends the last one
        self.elements += reversed(boneyards)
        return self.elements

    def _place_boneyards(self) -> int:
        """Add the boneyards that start before this line: only ever between paragraphs (never in a speech), so
        an action after one is an element of its own, as the writer puts it back. Returns the next one's
        line."""
        boneyards = self.boneyards
        while boneyards and boneyards[-1].line <= self.index:
            self.elements.append(boneyards.pop())
        return boneyards[-1].line if boneyards else self.count + 1

    def _paragraph(self, line: str) -> None:
        """Classify the paragraph starting at this line and consume it, in the order fountain.io gives."""
        stripped = line.strip()
        first = stripped[:1]
        line_number = self.index + 1
        if first in OPENING_MARKS:
            kind = opening_kind(stripped)
            if kind is not None:
                self._single_line(kind, stripped, line_number)
                return
        elif first == "[" and stripped.startswith("[[") and self._note_paragraph(line_number):
            return
        if self.after_break and first != "!":
            following = self.index + 1
            alone = following >= self.count or self.blank[following]  # a blank line (or the end) follows
            # fountain.io: a scene heading is followed by a blank line; a forced one (".") needs none.
            if (
                first in HEADING_MARKS
                and is_heading(stripped)
                and (alone or first == "." or self._ends_heading(following))
            ):
                self._heading(stripped, line_number)
                return
            if alone:
                # fountain.io: a space after the colon makes a would-be transition action.
                if line.endswith("TO:") and is_upper(stripped):
                    self._single(TRANSITION, stripped, line_number)
                    return
            else:
                if stripped not in self.cues:
                    self.cues[stripped] = cue_parts(stripped)
                cue = self.cues[stripped]
                if cue is not None:
                    self._dialogue_block(cue, line_number)
                    return
        self._action(line_number)

    def _ends_heading(self, following: int) -> bool:
        """Whether a line ends a heading right above it as a blank line would: a line of spaces (it holds
        nothing to a heading) or an element by its first character (a synopsis or a section, as
        screenplay-tools' writer puts them right under a heading)."""
        below = self.lines[following].strip()
        return not below or (below[:1] in OPENING_MARKS and opening_kind(below) is not None)

    def _single(self, kind: str, text: str, line_number: int, scene_number: str | None = None) -> None:
        self.elements.append(quick_element(kind, text, line_number, scene_number))
        self.index += 1
        self.after_break = kind != LYRIC

    def _single_line(self, kind: str, stripped: str, line_number: int) -> None:
        if kind == SECTION:
            level = len(stripped) - len(stripped.lstrip("#"))
            self.elements.append(quick_element(SECTION, stripped[level:].strip(), line_number, level=level))
            self.index += 1
            self.after_break = True
        elif kind == SYNOPSIS:
            self._single(SYNOPSIS, stripped[1:].strip(), line_number)
        elif kind == CENTERED:
            self._single(CENTERED, stripped[1:-1].strip(), line_number)
        elif kind == TRANSITION:
            self._single(TRANSITION, stripped[1:].strip(), line_number)
        elif kind == LYRIC:
            self._single(LYRIC, stripped[1:].strip(), line_number)
        else:
            self._single(PAGE_BREAK, "", line_number)

    def _heading(self, stripped: str, line_number: int) -> None:
        text = stripped[1:] if stripped.startswith(".") else stripped
        number = _SCENE_NUMBER.search(text) if text.endswith("#") else None
        scene_number = None
        if number is not None:
            scene_number = number.group(1)
            text = text[: number.start()]
        self._single(SCENE_HEADING, text.strip(), line_number, scene_number)

    def _paragraph_end(self) -> int:
        end = self.index
        while end < self.count and not self.blank[end]:
            end += 1
        return end

    def _note_paragraph(self, line_number: int) -> bool:
        """A paragraph of nothing but notes: one ``note`` element each (``[[a]] [[b]]`` is two)."""
        end = self._paragraph_end()
        body = "\n".join(
            line.strip() if not is_held(line) else HELD_LINE for line in self.lines[self.index : end]
        )
        notes: list[Element] = []
        position = 0
        for match in NOTE_MARKUP.finditer(body):
            if body[position : match.start()].strip():  # text between notes: an action with notes inside
                return False
            line = line_number + body.count("\n", 0, match.start())
            notes.append(quick_element(NOTE, match.group(1), line))
            position = match.end()
        if not notes or body[position:].strip():
            return False
        self.elements += notes
        self.index = end
        self.after_break = True
        return True

    def _dialogue_block(self, cue: tuple[str, tuple[str, ...], bool], line_number: int) -> None:
        name, extensions, dual = cue
        elements, lines, blank, count = self.elements, self.lines, self.blank, self.count
        elements.append(quick_element(CHARACTER, name, line_number, None, extensions, dual))
        index = self.index + 1
        speech: list[str] = []
        speech_line = 0
        while index < count and not blank[index]:
            stripped = lines[index].strip()
            first = stripped[:1]
            # fountain.io: dialogue is any text after a Character or Parenthetical, so "(a)\n(b)" is (a) +
            # "(b)".
            if first == "(" and stripped.endswith(")") and (speech or elements[-1].kind != PARENTHETICAL):
                if speech:
                    self._flush_speech(speech, speech_line)
                    speech = []
                elements.append(quick_element(PARENTHETICAL, stripped[1:-1].strip(), index + 1))
            elif first == "~":
                if speech:
                    self._flush_speech(speech, speech_line)
                    speech = []
                elements.append(quick_element(LYRIC, stripped[1:].strip(), index + 1))
            else:
                if not speech:
                    speech_line = index + 1
                speech.append(stripped or HELD_LINE)  # a non-blank line that strips to nothing is held
            index += 1
        self.index = index
        if speech:
            self._flush_speech(speech, speech_line)
        self.after_break = True

    def _flush_speech(self, speech: list[str], line_number: int) -> None:
        while speech and speech[-1] == HELD_LINE:
            speech.pop()
        if speech:
            self.elements.append(quick_element(DIALOGUE, "\n".join(speech), line_number))

    def _action(self, line_number: int) -> None:
        """An action paragraph; paragraphs separated only by blank lines merge, keeping the blank lines."""
        lines: list[str] = []
        while self.index < self.count and not self.blank[self.index]:
            raw = self.lines[self.index]
            if lines and raw.lstrip()[:1] in LINE_KIND_MARKS and line_kind(raw.strip()) is not None:
                break
            if is_held(raw):
                lines.append(HELD_LINE)
            else:
                text = raw.replace("\t", "    ").rstrip()
                if text.lstrip().startswith("!"):
                    text = text.replace("!", "", 1)
                lines.append(text)
            self.index += 1
        self.after_break = self.index >= self.count or self.blank[self.index]
        text = "\n".join(lines)
        previous = self.elements[-1] if self.elements else None
        if previous is not None and previous.kind == ACTION and self.blank_run:
            joined = previous.text + "\n" * (self.blank_run + 1) + text
            self.elements[-1] = quick_element(ACTION, joined, previous.line)
        else:
            self.elements.append(quick_element(ACTION, text, line_number))
