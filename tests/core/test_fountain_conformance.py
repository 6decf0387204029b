"""Conformance of the Fountain parser with the screenplay-tools vectors (shared/corpus/fountain).

Each ``X.fountain`` has an expected stream ``X.txt`` of ``KIND:"text"`` tokens (wildwinter/screenplay-tools).
Our element kinds are mapped onto their names below. Where we differ on purpose, the case is listed in
``DEVIATIONS`` with the tokens they expect, the tokens we produce and the reason; nothing is skipped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from backlot.production.screenplay import fountain

CORPUS = Path(__file__).resolve().parents[3] / "shared/corpus/fountain/screenplay-tools"  # beside the repo

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="screenplay-tools corpus not present")

Token = tuple[str, str, str]  # (KIND, text, extras as they print them after the text)

_TOKEN = re.compile(
    r'^(?:\[\[\d+\]\]|/\*\d+\*/)?([A-Z]+):"(.*?)"([^\n]*)$(?=\n(?:\[\[\d+\]\]|/\*\d+\*/)?[A-Z]+:"|\Z)',
    re.DOTALL | re.MULTILINE,
)


def _normalise(text: str) -> str:
    """Whitespace-only lines read as empty, trailing spaces dropped (neither prints)."""
    return "\n".join(line.rstrip() for line in text.split("\n"))


def expected_tokens(name: str) -> list[Token]:
    text = (CORPUS / name).read_text(encoding="utf-8")
    tokens = []
    for kind, body, extras in _TOKEN.findall(text):
        if (
            kind == "TITLEENTRY"
        ):  # TITLEENTRY:"Key":"value": values are indented lines; compare them unindented
            key, _, value = f'{body}"{extras}'.partition('":"')
            lines = [line.strip() for line in value.rstrip('"').split("\n")]
            tokens.append((kind, key, "\n".join(lines).strip("\n")))
        elif kind == "ACTION" and extras.strip() == "(centered)":
            tokens.append((kind, body.strip(), "(centered)"))  # fountain.io: centered text keeps no spaces
        else:
            tokens.append((kind, _normalise(body), extras.strip()))
    return tokens


_NAMES = {
    fountain.SCENE_HEADING: "HEADING",
    fountain.ACTION: "ACTION",
    fountain.CHARACTER: "CHARACTER",
    fountain.DIALOGUE: "DIALOGUE",
    fountain.PARENTHETICAL: "PARENTHETICAL",
    fountain.LYRIC: "LYRIC",
    fountain.TRANSITION: "TRANSITION",
    fountain.SECTION: "SECTION",
    fountain.SYNOPSIS: "SYNOPSIS",
    fountain.PAGE_BREAK: "PAGEBREAK",
    fountain.NOTE: "NOTE",
    fountain.BONEYARD: "BONEYARD",
}


def our_tokens(screenplay: fountain.Screenplay) -> list[Token]:
    tokens: list[Token] = [("TITLEENTRY", key, value) for key, value in screenplay.title_page.items()]
    for element in screenplay.elements:
        if element.kind == fountain.CENTERED:
            tokens.append(("ACTION", element.text, "(centered)"))
        elif element.kind == fountain.SCENE_HEADING:
            tokens.append(
                ("HEADING", element.text, f"({element.scene_number})" if element.scene_number else "")
            )
        elif element.kind == fountain.SECTION:
            tokens.append(("SECTION", element.text, f"({element.level})"))
        elif element.kind == fountain.CHARACTER:
            # screenplay-tools drops (CONT'D) from extensions (the corpus README says so); we keep it.
            kept = [ext for ext in element.extensions if ext.upper().replace("’", "'") != "CONT'D"]
            extras = " ".join([*(f'"({ext})"' for ext in kept), *(["(Dual)"] if element.dual else [])])
            tokens.append(("CHARACTER", element.text, extras))
        else:
            tokens.append((_NAMES[element.kind], _normalise(element.text), ""))
    return tokens


@dataclass(frozen=True)
class Deviation:
    theirs: list[Token]
    ours: list[Token]
    reason: str


DEVIATIONS: dict[str, list[Deviation]] = {
    "Character.txt": [
        Deviation(
            [("ACTION", "3CPO\nNot work.", "")],
            [("CHARACTER", "3CPO", ""), ("DIALOGUE", "Not work.", "")],
            "fountain.io: a character name needs at least one letter ('R2D2 works, but 23 does not'); 3CPO "
            "has.",
        )
    ],
    "Boneyards.txt": [
        Deviation(
            [
                (
                    "ACTION",
                    "As he rattles off the long list, Brick and Steel share a look. This is going to be "
                    "BAD.\n\nCUT TO:\n/*0*/",
                    "",
                ),
                ("HEADING", "EXT. PALATIAL MANSION - DAY", ""),
                ("ACTION", "An EXTREMELY HANDSOME MAN drinks a beer. Shirtless, unfortunately.", ""),
                (
                    "BONEYARD",
                    "\nINT. GARAGE - DAY\n\nBRICK and STEEL get into Mom’s PORSCHE, Steel at the wheel. "
                    "They pause for a beat, the gravity of the situation catching up with "
                    "them.\n\nBRICK\nThis is "
                    "everybody we’ve ever put away.\n\nSTEEL\n(starting the engine)\nSo much for "
                    "retirement!\n\nThey "
                    "speed off. To destiny!\n\nCUT TO:\n",
                    "",
                ),
            ],
            [
                (
                    "ACTION",
                    "As he rattles off the long list, Brick and Steel share a look. This is going to be BAD.",
                    "",
                ),
                ("TRANSITION", "CUT TO:", ""),
                (
                    "BONEYARD",
                    "\nINT. GARAGE - DAY\n\nBRICK and STEEL get into Mom’s PORSCHE, Steel at the wheel. "
                    "They pause for a beat, the gravity of the situation catching up with "
                    "them.\n\nBRICK\nThis is "
                    "everybody we’ve ever put away.\n\nSTEEL\n(starting the engine)\nSo much for "
                    "retirement!\n\nThey "
                    "speed off. To destiny!\n\nCUT TO:\n",
                    "",
                ),
                ("HEADING", "EXT. PALATIAL MANSION - DAY", ""),
                ("ACTION", "An EXTREMELY HANDSOME MAN drinks a beer. Shirtless, unfortunately.", ""),
            ],
            "fountain.io: the boneyard is 'ignored completely', so CUT TO: stands between blank lines and "
            "is a "
            "transition; we keep the boneyard in place (not at the end) so the writer puts it back where "
            "it was.",
        )
    ],
    "Action-Merged.txt": [
        Deviation(
            [
                ("ACTION", "CENTERED BIT", "(centered)"),
                ("ACTION", "", ""),
                ("ACTION", "ANOTHER CENTERED BIT", "(centered)"),
            ],
            [("ACTION", "CENTERED BIT", "(centered)"), ("ACTION", "ANOTHER CENTERED BIT", "(centered)")],
            "a blank line between two centered lines separates elements; it is not an empty action of its "
            "own.",
        )
    ],
    "PageBreak.txt": [
        Deviation(
            [("ACTION", "**Act Two**", "(centered)"), ("ACTION", "", "")],
            [("ACTION", "**Act Two**", "(centered)")],
            "a blank line after centered text separates elements; it is not an empty action of its own.",
        )
    ],
    "Sections.txt": [
        Deviation(
            [("TITLEENTRY", "CUT TO", "")],
            [("TRANSITION", "CUT TO:", "")],
            "fountain.io's Sections example opens with CUT TO: as a transition; a transition is never a "
            "title key.",
        ),
        Deviation(
            [
                ("HEADING", "INT. PALACE HALLWAY - NIGHT", ""),
                ("ACTION", "You can nest Sections by adding more # characters.", ""),
            ],
            [
                ("CHARACTER", "INT. PALACE HALLWAY - NIGHT", ""),
                ("DIALOGUE", "You can nest Sections by adding more # characters.", ""),
            ],
            "fountain.io: a scene heading is 'followed by a blank line' (screenplay-tools does not check); "
            "with text right below, the line in capitals is a character (fountain.io's Character rule, and "
            "screenplain's test_slug_must_be_single_line).",
        ),
    ],
    "Notes.txt": [
        Deviation(
            [
                (
                    "ACTION",
                    "This is the home of THE BOY BAND, AKA DAN and JACK[[0]]. They too are drinking beer, "
                    "and counting the take from their last smash-and-grab. Money, drugs, and ridiculous "
                    "props are "
                    "strewn about the table.\n\n[[1]]",
                    "",
                ),
                ("CHARACTER", "JACK", ""),
                ("PARENTHETICAL", "in Vietnamese, subtitled", ""),
                (
                    "DIALOGUE",
                    "*Did you know Brick and Steel are retired?*\n\nHis hand is an inch from the receiver "
                    "when the phone RINGS. Scott pauses for a moment, suspicious for some reason.[[2]] He "
                    "looks "
                    "around. Phone ringing.\nTesting a note without spaces[[3]]\nDefinitely shouldn't. "
                    "Because of "
                    "that blank line.]] He looks around. Phone ringing.",
                    "",
                ),
                ("NOTE", "Or did we think of actual names for these guys?", ""),
                ("NOTE", "It was supposed to be Vietnamese, right?", ""),
                (
                    "NOTE",
                    "This section needs work.\nEither that, or I need coffee.\n\nDefinitely coffee.",
                    "",
                ),
                ("NOTE", "This\ndoesn't have spaces. Shouldn't work.", ""),
            ],
            [
                (
                    "ACTION",
                    "This is the home of THE BOY BAND, AKA DAN and JACK[[Or did we think of actual names "
                    "for these guys?]]. They too are drinking beer, and counting the take from their last "
                    "smash-and-grab. Money, drugs, and ridiculous props are strewn about the table.",
                    "",
                ),
                ("NOTE", "It was supposed to be Vietnamese, right?", ""),
                ("CHARACTER", "JACK", ""),
                ("PARENTHETICAL", "in Vietnamese, subtitled", ""),
                ("DIALOGUE", "*Did you know Brick and Steel are retired?*", ""),
                (
                    "ACTION",
                    "His hand is an inch from the receiver when the phone RINGS. Scott pauses for a "
                    "moment, suspicious for some reason.[[This section needs work.\nEither that, or I need "
                    "coffee.\n\nDefinitely coffee.]] He looks around. Phone ringing.\n\nTesting a note "
                    "without "
                    "spaces[[This\ndoesn't have spaces. Shouldn't work.\n\nDefinitely shouldn't. Because "
                    "of that "
                    "blank line.]] He looks around. Phone ringing.",
                    "",
                ),
            ],
            "fountain.io: a note on its own line is its own element ('the empty lines around it are "
            "removed') and "
            "a blank line ends dialogue; inline notes stay in the element's text (read them with notes_in), "
            "and a note interrupted by a truly empty line is no note.",
        )
    ],
}

NOT_COMPARED = {
    "Tags.txt": "#tags are a screenplay-tools extension, not Fountain 1.1; test_tags_stay_in_the_text checks "
    "that we keep them verbatim instead.",
    "Dialogue-Unmerged.txt": "we merge consecutive dialogue lines into one element (the -Merged variant).",
    "Action-Unmerged.txt": "we merge consecutive action lines into one element (the -Merged variant).",
    "SimpleCallbackParser.txt": "describes their callback API on a file that is not in the corpus.",
    "Formatted.txt": "inline emphasis, not an element stream: test_emphasis_matches_formatted compares it.",
}


def _apply(tokens: list[Token], deviations: list[Deviation]) -> list[Token]:
    for deviation in deviations:
        width = len(deviation.theirs)
        starts = [i for i in range(len(tokens) - width + 1) if tokens[i : i + width] == deviation.theirs]
        assert starts, f"listed deviation no longer matches the corpus: {deviation.theirs[0]}"
        tokens = tokens[: starts[0]] + deviation.ours + tokens[starts[0] + width :]
    return tokens


def _source_for(expected: str) -> str:
    return re.sub(r"-(Merged|Unmerged)$", "", expected.removesuffix(".txt")) + ".fountain"


EXPECTED_FILES = (
    sorted(p.name for p in CORPUS.glob("*.txt") if p.name not in NOT_COMPARED) if CORPUS.is_dir() else []
)


def test_every_expected_file_is_compared_or_listed() -> None:
    listed = set(EXPECTED_FILES) | set(NOT_COMPARED)
    assert listed == {p.name for p in CORPUS.glob("*.txt")}
    assert len(EXPECTED_FILES) >= 14


@pytest.mark.parametrize("expected", EXPECTED_FILES)
def test_element_stream_matches_corpus(expected: str) -> None:
    screenplay = fountain.parse((CORPUS / _source_for(expected)).read_text(encoding="utf-8"))
    assert our_tokens(screenplay) == _apply(expected_tokens(expected), DEVIATIONS.get(expected, []))


def _as_tags(runs: list[fountain.Run]) -> str:
    """Render runs the way Formatted.txt prints them: <b><i>..</i></b>, <u>..</u>."""
    out = []
    for run in runs:
        text = run.text
        if "italic" in run.styles:
            text = f"<i>{text}</i>"
        if "bold" in run.styles:
            text = f"<b>{text}</b>"
        if "underline" in run.styles:
            text = f"<u>{text}</u>"
        out.append(text)
    return "".join(out)


def test_emphasis_matches_formatted() -> None:
    source = (CORPUS / "Formatted.fountain").read_text(encoding="utf-8").split("\n")
    expected = (CORPUS / "Formatted.txt").read_text(encoding="utf-8").split("\n")
    # Deviation: fountain.io says emphasis can be mixed and combined, so italics nested in an underline count;
    # screenplay-tools leaves the inner *...* as literal asterisks.
    nested = (
        "From what seems like only INCHES AWAY. <u>Steel’s face FILLS the </u><u><i>Leupold Mark 4</i></u>"
        "<u> scope</u>."
    )
    expected = [nested if "Leupold" in line else line for line in expected]
    assert len(source) == len(expected)
    for line, wanted in zip(source, expected, strict=True):
        assert _as_tags(fountain.emphasis_runs(line)) == wanted, line


def test_tags_stay_in_the_text() -> None:
    screenplay = fountain.parse((CORPUS / "Tags.fountain").read_text(encoding="utf-8"))
    headings = [e.text for e in screenplay.elements if e.kind == fountain.SCENE_HEADING]
    assert headings[0] == "INT. SCEHE 1 - DAY #scene1Day #mook:music #hababibibi"
    # A trailing tag after the scene number means the #3# is no longer at the end: no scene number.
    assert headings[3] == "INT./EXT. HEADER WITH SCENENUM #3# #tagtag"


ROUND_TRIP_FILES = sorted(p.name for p in CORPUS.glob("*.fountain")) if CORPUS.is_dir() else []


@pytest.mark.parametrize("name", ROUND_TRIP_FILES)
def test_writer_round_trips_corpus(name: str) -> None:
    first = fountain.parse((CORPUS / name).read_text(encoding="utf-8"))
    second = fountain.parse(fountain.write(first))
    assert second.title_page == first.title_page
    assert second.elements == first.elements
