"""Fountain 1.1 screenplays: parser, writer and a page model (see docs/fountain.md).

Pure Python (no bpy). ``parse`` turns text into a :class:`Screenplay` of :class:`Element` values that
keep their source line; ``write`` turns it back into Fountain that parses to the same elements; ``paginate``
lays it out on US-letter or A4 pages for page counts and per-scene lengths in eighths of a page.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

# Element kinds, in the vocabulary of fountain.io's syntax page.
SCENE_HEADING = "scene_heading"
ACTION = "action"
CHARACTER = "character"
PARENTHETICAL = "parenthetical"
DIALOGUE = "dialogue"
LYRIC = "lyric"
TRANSITION = "transition"
CENTERED = "centered"
SECTION = "section"
SYNOPSIS = "synopsis"
NOTE = "note"
PAGE_BREAK = "page_break"
BONEYARD = "boneyard"

DIALOGUE_BLOCK_KINDS = frozenset({PARENTHETICAL, DIALOGUE, LYRIC})
"""Kinds that continue a character's speech without a blank line in between."""

HELD_LINE = "  "
"""Two spaces: Fountain's 'empty' line that keeps dialogue or a note in one piece."""


@dataclass(frozen=True)
class Element:
    """One screenplay element. ``line`` is the 1-based source line and is ignored by ``==``.

    ``text`` keeps Fountain's inline markup (emphasis, ``[[notes]]``) but not the syntax that chose the kind
    (the forcing ``.``/``!``/``@``/``>``/``~``, section ``#``, parentheses of a parenthetical, scene numbers).
    """

    kind: str
    text: str
    line: int = field(default=0, compare=False)
    scene_number: str | None = None
    extensions: tuple[str, ...] = ()
    dual: bool = False
    level: int = 0


def _element(
    kind: str,
    text: str,
    line: int,
    scene_number: str | None = None,
    extensions: tuple[str, ...] = (),
    dual: bool = False,
    level: int = 0,
) -> Element:
    """``Element(...)`` for the parser's loop: a frozen dataclass's ``__init__`` calls ``object.__setattr__``
    once per field, the parser's largest single cost. Filling the instance dict gives an equal object
    (Element has no ``__post_init__``) in a third of the time. Fields left at their default are not stored
    at all: reading them finds the dataclass's class attribute, the default."""
    element = object.__new__(Element)
    fields = element.__dict__
    fields["kind"] = kind
    fields["text"] = text
    fields["line"] = line
    if scene_number is not None:
        fields["scene_number"] = scene_number
    if extensions:
        fields["extensions"] = extensions
    if dual:
        fields["dual"] = dual
    if level:
        fields["level"] = level
    return element


@dataclass(frozen=True)
class Scene:
    """A scene heading and the elements up to the next heading."""

    index: int
    heading: Element
    elements: tuple[Element, ...]

    @property
    def number(self) -> str:
        """The script's own scene number (``#12A#``) or the running index."""
        return self.heading.scene_number or str(self.index)

    @property
    def line(self) -> int:
        return self.heading.line


@dataclass
class Screenplay:
    title_page: dict[str, str]
    elements: list[Element]
    source: str | None = None

    @property
    def scenes(self) -> list[Scene]:
        return list(_scenes(self.elements))

    @property
    def title(self) -> str:
        """The title page's Title in plain text ('' when absent)."""
        for key, value in self.title_page.items():
            if key.lower() == "title":
                return " ".join(plain_text(value).split())
        return ""


def _scenes(elements: list[Element], starts: list[int] | None = None) -> Iterator[Scene]:
    """The scenes, given the headings' indices when they are known already."""
    if starts is None:
        starts = [i for i, element in enumerate(elements) if element.kind == SCENE_HEADING]
    if not starts:
        return
    for number, (start, end) in enumerate(zip(starts, [*starts[1:], len(elements)], strict=True), 1):
        yield Scene(number, elements[start], tuple(elements[start + 1 : end]))


class FountainError(ValueError):
    """Input that cannot be read as Fountain text at all (not a str, not decodable)."""


# --------------------------------------------------------------------------------------------------- line
# rules

_HEADING_PREFIX = re.compile(r"(?:int\.?/ext|int/ext|i/e|int|ext|est)[.\s]", re.IGNORECASE)
_SCENE_NUMBER = re.compile(r"\s*#([A-Za-z0-9.\-]+)#\s*$")
_PAGE_BREAK = re.compile(r"={3,}")
_TITLE_KEY = re.compile(r"([A-Za-z][A-Za-z0-9 _\-]*?)\s*:\s*(.*)")
_BONEYARD = re.compile(r"/\*(.*?)\*/", re.DOTALL)
_WHOLE_NOTE = re.compile(r"\[\[((?:[^\n]|\n(?!\n))*?)\]\]")  # a truly empty line ends a note
_NOTE = re.compile(r"\[\[([^\n\]]*+(?:(?:\](?!\])|\n(?!\n))[^\n\]]*+)*+)\]\]")
"""A note inside text: what :data:`_WHOLE_NOTE` finds there (up to the first ``]]``), found without trying
one character at a time. ``fullmatch`` of a paragraph still needs :data:`_WHOLE_NOTE`: a paragraph may hold
``[[a]] [[b]]``, which as a whole is one note."""
_CUE = re.compile(r"([^(]*?)\s*((?:\([^()]*\)\s*)*)")
_EXTENSION = re.compile(r"\(([^()]*)\)")


def _is_blank(line: str) -> bool:
    """A paragraph break: empty or whitespace, except a 'held' line of two or more spaces."""
    return not line.strip() and not (len(line) >= 2 and line.strip(" ") == "")


def _is_held(line: str) -> bool:
    return len(line) >= 2 and line.strip(" ") == ""


def _is_upper(text: str) -> bool:
    if text.isascii():  # the same test, done in C: some A-Z and no a-z
        return text.isupper()
    return text == text.upper() and any(char.isalpha() for char in text)


def _line_kind(stripped: str) -> str | None:
    """Kinds decided by one line alone, wherever it stands."""
    if stripped.startswith("===") and _PAGE_BREAK.fullmatch(stripped):
        return PAGE_BREAK
    if stripped.startswith("~"):
        return LYRIC
    return None


def _opening_kind(stripped: str) -> str | None:
    """Single-line kinds, recognised where a paragraph may start even without a blank line before."""
    kind = _line_kind(stripped)
    if kind:
        return kind
    if stripped.startswith("#"):
        return SECTION
    if stripped.startswith("="):
        return SYNOPSIS
    if stripped.startswith(">"):
        return CENTERED if stripped.endswith("<") and len(stripped) > 1 else TRANSITION
    return None


_OPENING_MARKS = frozenset("=~#>")
"""First characters of every kind :func:`_opening_kind` finds; lines starting otherwise skip its tests."""
_LINE_KIND_MARKS = frozenset("=~")
"""First characters of every kind :func:`_line_kind` finds."""


def _is_heading(stripped: str) -> bool:
    if stripped.startswith("."):
        return len(stripped) > 1 and stripped[1].isalnum()
    return stripped[:1] in _HEADING_FIRST and _HEADING_PREFIX.match(stripped) is not None


_HEADING_FIRST = frozenset("IiEe\u0130\u0131")
"""Every first character :data:`_HEADING_PREFIX` accepts (it ignores case, so also dotted and dotless i)."""
_HEADING_MARKS = _HEADING_FIRST | {"."}
"""First characters of every line :func:`_is_heading` accepts."""


def _cue_parts(stripped: str) -> tuple[str, tuple[str, ...], bool] | None:
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
    return _is_upper(name) and "^" not in name and not name.endswith(":")


def _is_transition(stripped: str) -> bool:
    return stripped.endswith("TO:") and _is_upper(stripped)


# --------------------------------------------------------------------------------------------------- parser


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
    elements = _Parser(lines, start).run()
    return Screenplay(title_page, _place_boneyards(elements, boneyards), source)


def _cut_boneyards(text: str) -> tuple[str, list[Element]]:
    """Remove ``/* */`` spans, keeping their newlines so line numbers and paragraph breaks survive."""
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


def _place_boneyards(elements: list[Element], boneyards: list[Element]) -> list[Element]:
    """Merge boneyards in by line, never inside a character's speech (which a blank line would end)."""
    if not boneyards:
        return elements
    merged: list[Element] = []
    pending = list(reversed(boneyards))
    for element in elements:
        inside_speech = element.kind in DIALOGUE_BLOCK_KINDS and merged and merged[-1].kind != BONEYARD
        while pending and pending[-1].line < element.line and not inside_speech:
            merged.append(pending.pop())
        merged.append(element)
    merged.extend(reversed(pending))
    return merged


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
        match = _TITLE_KEY.fullmatch(line.rstrip())
        if key is not None and (line.startswith("\t") or line.startswith("   ")):
            title[key].append(line.strip())
        elif match and not _is_transition(line.strip()):
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
        "copyright",
        "notes",
        "revision",
        "episode",
        "format",
    }
)


def _looks_like_title_key(key: str) -> bool:
    """A known key, or any key not in capitals: keeps an opening ``FADE IN:`` out of the title page."""
    return key.lower() in _KNOWN_TITLE_KEYS or not _is_upper(key)


class _Parser:
    """One pass over the body lines; each paragraph start is classified from its line and its neighbours."""

    def __init__(self, lines: list[str], start: int) -> None:
        self.lines = lines
        self.count = len(lines)
        # Paragraph breaks, worked out once per line: most lines are looked at more than once. Mostly they are
        # the empty lines (found in C); only whitespace lines need a look of their own.
        self.blank = list(map(operator.not_, lines))
        if any(map(str.isspace, lines)):
            self.blank = [not line or (line.isspace() and not _is_held(line)) for line in lines]
        self.index = start
        self.elements: list[Element] = []
        self.blank_run = 0  # blank lines since the last element, for merging action paragraphs
        self.after_break = True  # the previous line ended a paragraph (or the title page)
        self.cues: dict[str, tuple[str, tuple[str, ...], bool] | None] = {}  # a script repeats its cues

    def run(self) -> list[Element]:
        lines, blank, count = self.lines, self.blank, self.count
        while self.index < count:
            if blank[self.index]:
                self.blank_run += 1
                self.after_break = True
                self.index += 1
                continue
            self._paragraph(lines[self.index])
            self.blank_run = 0  # every paragraph adds an element or extends the last one
        return self.elements

    def _paragraph(self, line: str) -> None:
        """Classify the paragraph starting at this line and consume it, in the order fountain.io gives."""
        stripped = line.strip()
        first = stripped[:1]
        line_number = self.index + 1
        if first in _OPENING_MARKS:
            kind = _opening_kind(stripped)
            if kind is not None:
                self._single_line(kind, stripped, line_number)
                return
        elif first == "[" and stripped.startswith("[[") and self._note_paragraph(line_number):
            return
        if self.after_break and first != "!":
            if first in _HEADING_MARKS and _is_heading(stripped):
                self._heading(stripped, line_number)
                return
            following = self.index + 1
            if following >= self.count or self.blank[following]:
                # fountain.io: a space after the colon makes a would-be transition action.
                if line.endswith("TO:") and _is_upper(stripped):
                    self._single(TRANSITION, stripped, line_number)
                    return
            else:
                if stripped not in self.cues:
                    self.cues[stripped] = _cue_parts(stripped)
                cue = self.cues[stripped]
                if cue is not None:
                    self._dialogue_block(cue, line_number)
                    return
        self._action(line_number)

    def _single(self, kind: str, text: str, line_number: int, scene_number: str | None = None) -> None:
        self.elements.append(_element(kind, text, line_number, scene_number))
        self.index += 1
        self.after_break = kind != LYRIC

    def _single_line(self, kind: str, stripped: str, line_number: int) -> None:
        if kind == SECTION:
            level = len(stripped) - len(stripped.lstrip("#"))
            self.elements.append(_element(SECTION, stripped[level:].strip(), line_number, level=level))
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
        end = self._paragraph_end()
        body = "\n".join(
            line.strip() if not _is_held(line) else HELD_LINE for line in self.lines[self.index : end]
        )
        match = _WHOLE_NOTE.fullmatch(body)
        if match is None:
            return False
        self.elements.append(_element(NOTE, match.group(1), line_number))
        self.index = end
        self.after_break = True
        return True

    def _dialogue_block(self, cue: tuple[str, tuple[str, ...], bool], line_number: int) -> None:
        name, extensions, dual = cue
        elements, lines, blank, count = self.elements, self.lines, self.blank, self.count
        elements.append(_element(CHARACTER, name, line_number, None, extensions, dual))
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
                elements.append(_element(PARENTHETICAL, stripped[1:-1].strip(), index + 1))
            elif first == "~":
                if speech:
                    self._flush_speech(speech, speech_line)
                    speech = []
                elements.append(_element(LYRIC, stripped[1:].strip(), index + 1))
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
            self.elements.append(_element(DIALOGUE, "\n".join(speech), line_number))

    def _action(self, line_number: int) -> None:
        """An action paragraph; paragraphs separated only by blank lines merge, keeping the blank lines."""
        lines: list[str] = []
        while self.index < self.count and not self.blank[self.index]:
            raw = self.lines[self.index]
            if lines and raw.lstrip()[:1] in _LINE_KIND_MARKS and _line_kind(raw.strip()) is not None:
                break
            if _is_held(raw):
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
            self.elements[-1] = _element(ACTION, joined, previous.line)
        else:
            self.elements.append(_element(ACTION, text, line_number))


# --------------------------------------------------------------------------------------------------- inline
# text

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


# --------------------------------------------------------------------------------------------------- writer


def write(screenplay: Screenplay) -> str:
    """Fountain text that parses back to the same title page and elements (line numbers aside)."""
    out: list[str] = []
    for key, value in screenplay.title_page.items():
        values = value.split("\n") if value else []
        if len(values) == 1:
            out.append(f"{key}: {values[0]}")
        else:
            out.append(f"{key}:")
            out.extend(f"    {item}" for item in values)
    previous: Element | None = None
    for element in screenplay.elements:
        joined = (
            previous is not None
            and element.kind in DIALOGUE_BLOCK_KINDS
            and previous.kind
            in {
                CHARACTER,
                *DIALOGUE_BLOCK_KINDS,
            }
        )
        if out and not joined:
            out.append("")
        out.append(_write_element(element, first=not out))
        previous = element
    return "\n".join(out) + "\n"


def _write_element(element: Element, first: bool) -> str:
    kind, text = element.kind, element.text
    if kind == SCENE_HEADING:
        number = f" #{element.scene_number}#" if element.scene_number else ""
        natural = _HEADING_PREFIX.match(text) is not None and not text.startswith(".")
        return ("" if natural else ".") + text + number
    if kind == ACTION:
        return _write_action(text, first)
    if kind == CHARACTER:
        cue = " ".join([text, *(f"({ext})" for ext in element.extensions)]) + (" ^" if element.dual else "")
        natural = _cue_parts(cue) == (text, element.extensions, element.dual) and _opening_kind(cue) is None
        natural = natural and not _is_heading(cue) and not cue.startswith(("!", "[["))
        return cue if natural else "@" + cue
    if kind == DIALOGUE:
        return text
    if kind == PARENTHETICAL:
        return f"({text})"
    if kind == TRANSITION:
        return text if _is_transition(text) and _opening_kind(text) is None else f"> {text}"
    simple = {
        LYRIC: f"~{text}",
        CENTERED: f"> {text} <",
        SECTION: "#" * element.level + " " + text,
        SYNOPSIS: f"= {text}",
        NOTE: f"[[{text}]]",
        PAGE_BREAK: "===",
        BONEYARD: f"/*{text}*/",
    }
    return simple[kind]


def _write_action(text: str, first: bool) -> str:
    """Add ``!`` wherever a line would otherwise read as another element."""
    lines = text.split("\n")
    out: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        starts_paragraph = index == 0 or _is_blank(lines[index - 1])
        following = lines[index + 1] if index + 1 < len(lines) else ""
        needs_force = bool(stripped) and (
            _line_kind(stripped) is not None
            or stripped.startswith("!")
            or (starts_paragraph and _starts_other_kind(stripped, following, first and index == 0))
        )
        out.append("!" + line if needs_force else line)
    return "\n".join(out)


def _starts_other_kind(stripped: str, following: str, document_start: bool) -> bool:
    if _opening_kind(stripped) is not None or _is_heading(stripped) or stripped.startswith("[["):
        return True
    if document_start and _TITLE_KEY.fullmatch(stripped):
        return True
    if _is_transition(stripped) and _is_blank(following):
        return True
    return _cue_parts(stripped) is not None and not _is_blank(following)


# ---------------------------------------------------------------------------------------------------
# pagination


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
    scenes = list(_scenes(elements, headings))
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
