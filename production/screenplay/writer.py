"""Fountain writer: a :class:`Screenplay` back to text that parses to the same elements.

See docs/fountain.md ("Writer") for when a forcing character is added.
"""

from __future__ import annotations

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
    Screenplay,
)
from .line_rules import (
    HEADING_PREFIX,
    TITLE_KEY,
    cue_parts,
    is_blank,
    is_heading,
    is_transition,
    line_kind,
    opening_kind,
)


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
    opening = not out  # nothing before but boneyards: the parser would try a title page here
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
        out.append(_write_element(element, first=opening))
        opening = opening and element.kind == BONEYARD
        previous = element
    return "\n".join(out) + "\n"


def _write_element(element: Element, first: bool) -> str:
    kind, text = element.kind, element.text
    if kind == SCENE_HEADING:
        number = f" #{element.scene_number}#" if element.scene_number else ""
        natural = HEADING_PREFIX.match(text) is not None and not text.startswith(".")
        return ("" if natural else ".") + text + number
    if kind == ACTION:
        return _write_action(text, first)
    if kind == CHARACTER:
        cue = " ".join([text, *(f"({ext})" for ext in element.extensions)]) + (" ^" if element.dual else "")
        natural = cue_parts(cue) == (text, element.extensions, element.dual) and opening_kind(cue) is None
        natural = natural and not is_heading(cue) and not cue.startswith(("!", "[["))
        return cue if natural else "@" + cue
    if kind == DIALOGUE:
        return text
    if kind == PARENTHETICAL:
        return f"({text})"
    if kind == TRANSITION:
        return text if is_transition(text) and opening_kind(text) is None else f"> {text}"
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
        starts_paragraph = index == 0 or is_blank(lines[index - 1])
        following = lines[index + 1] if index + 1 < len(lines) else ""
        needs_force = bool(stripped) and (
            line_kind(stripped) is not None
            or stripped.startswith("!")
            or (starts_paragraph and _starts_other_kind(stripped, following, first and index == 0))
        )
        out.append("!" + line if needs_force else line)
    return "\n".join(out)


def _starts_other_kind(stripped: str, following: str, document_start: bool) -> bool:
    if opening_kind(stripped) is not None or is_heading(stripped) or stripped.startswith("[["):
        return True
    if document_start and TITLE_KEY.fullmatch(stripped):
        return True
    if is_transition(stripped) and is_blank(following):
        return True
    return cue_parts(stripped) is not None and not is_blank(following)
