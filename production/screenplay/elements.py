"""The Fountain element model: element kinds, :class:`Element`, :class:`Scene` and :class:`Screenplay`.

What the parser makes, the writer writes back and the page model lays out; see docs/fountain.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from .markup import plain_text

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


def quick_element(
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
        return list(split_scenes(self.elements))

    @property
    def title(self) -> str:
        """The title page's Title in plain text ('' when absent)."""
        for key, value in self.title_page.items():
            if key.lower() == "title":
                return " ".join(plain_text(value).split())
        return ""


def split_scenes(elements: list[Element], starts: list[int] | None = None) -> Iterator[Scene]:
    """The scenes, given the headings' indices when they are known already."""
    if starts is None:
        starts = [i for i, element in enumerate(elements) if element.kind == SCENE_HEADING]
    if not starts:
        return
    for number, (start, end) in enumerate(zip(starts, [*starts[1:], len(elements)], strict=True), 1):
        yield Scene(number, elements[start], tuple(elements[start + 1 : end]))
