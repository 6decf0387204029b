"""Fountain parser, writer and pagination against fountain.io's syntax page and hand-counted layouts.

The examples are the ones on https://fountain.io/syntax (Fountain 1.1); each expectation is what that page
says the example means.
"""

from __future__ import annotations

import itertools
import operator
from typing import SupportsIndex

import pytest
from backlot.production.screenplay import fountain, line_rules, markup, pages
from backlot.production.screenplay.fountain import (
    ACTION,
    BONEYARD,
    CENTERED,
    CHARACTER,
    DIALOGUE,
    LYRIC,
    NOTE,
    PAGE_BREAK,
    PARENTHETICAL,
    SCENE_HEADING,
    SECTION,
    SYNOPSIS,
    TRANSITION,
)


def kinds(text: str) -> list[tuple[str, str]]:
    return [(e.kind, e.text) for e in fountain.parse(text).elements]


# (section of the syntax page, example text, expected (kind, text) stream)
SYNTAX_EXAMPLES: list[tuple[str, str, list[tuple[str, str]]]] = [
    (
        "Scene Heading: regular and forced",
        "EXT. BRICK'S POOL - DAY\n\nSteel, in the middle of a heated phone call:\n\nSTEEL\nThey're coming "
        "out of "
        "the woodwork!\n(pause)\nNo, everybody we've put away!\n(pause)\nPoint Blank Sniper?\n\n.SNIPER "
        "SCOPE POV\n\n"
        "From what seems like only INCHES AWAY.  _Steel's face FILLS the *Leupold Mark 4* scope_.",
        [
            (SCENE_HEADING, "EXT. BRICK'S POOL - DAY"),
            (ACTION, "Steel, in the middle of a heated phone call:"),
            (CHARACTER, "STEEL"),
            (DIALOGUE, "They're coming out of the woodwork!"),
            (PARENTHETICAL, "pause"),
            (DIALOGUE, "No, everybody we've put away!"),
            (PARENTHETICAL, "pause"),
            (DIALOGUE, "Point Blank Sniper?"),
            (SCENE_HEADING, "SNIPER SCOPE POV"),
            (
                ACTION,
                "From what seems like only INCHES AWAY.  _Steel's face FILLS the *Leupold Mark 4* scope_.",
            ),
        ],
    ),
    (
        "Scene Heading: ellipsis is not a forced heading",
        "EXT. OLYMPIA CIRCUS - NIGHT\n\n...where the second-rate carnival is parked for the moment in an "
        "Alabama "
        "field.",
        [
            (SCENE_HEADING, "EXT. OLYMPIA CIRCUS - NIGHT"),
            (ACTION, "...where the second-rate carnival is parked for the moment in an Alabama field."),
        ],
    ),
    ("Scene Heading: lower case", "ext. brick's pool - day", [(SCENE_HEADING, "ext. brick's pool - day")]),
    (
        "Action: line breaks kept",
        "They drink long and well from the beers.\n\nAnd then there's a long beat.\nLonger than is funny.\n"
        "Long enough to be depressing.\n\nThe men look at each other.",
        [
            (
                ACTION,
                "They drink long and well from the beers.\n\nAnd then there's a long beat.\nLonger than is "
                "funny.\n"
                "Long enough to be depressing.\n\nThe men look at each other.",
            )
        ],
    ),
    (
        "Action: indentation kept, tabs are four spaces",
        "He opens the card.\n\n\tScott --\n          Jacob Billups",
        [(ACTION, "He opens the card.\n\n    Scott --\n          Jacob Billups")],
    ),
    (
        "Character: extensions in any case",
        "MOM (O. S.)\nLuke! Come down for supper!\n\nHANS (on the radio)\nWhat was it you said?",
        [
            (CHARACTER, "MOM"),
            (DIALOGUE, "Luke! Come down for supper!"),
            (CHARACTER, "HANS"),
            (DIALOGUE, "What was it you said?"),
        ],
    ),
    ("Character: R2D2 works", "R2D2\nBeep.", [(CHARACTER, "R2D2"), (DIALOGUE, "Beep.")]),
    ("Character: 23 does not", "23\nBeep.", [(ACTION, "23\nBeep.")]),
    (
        "Character: forced with @",
        "@McCLANE\nYippie ki-yay! I got my lower-case C back!",
        [(CHARACTER, "McCLANE"), (DIALOGUE, "Yippie ki-yay! I got my lower-case C back!")],
    ),
    (
        "Dialogue: manual line breaks",
        "DAN\nThen let's retire them.\n_Permanently_.",
        [(CHARACTER, "DAN"), (DIALOGUE, "Then let's retire them.\n_Permanently_.")],
    ),
    (
        "Parenthetical",
        "STEEL\n(starting the engine)\nSo much for retirement!",
        [(CHARACTER, "STEEL"), (PARENTHETICAL, "starting the engine"), (DIALOGUE, "So much for retirement!")],
    ),
    (
        "Dual Dialogue",
        "BRICK\nScrew retirement.\n\nSTEEL ^\nScrew retirement.",
        [
            (CHARACTER, "BRICK"),
            (DIALOGUE, "Screw retirement."),
            (CHARACTER, "STEEL"),
            (DIALOGUE, "Screw retirement."),
        ],
    ),
    (
        "Lyrics",
        "~Willy Wonka! Willy Wonka! The amazing chocolatier!\n~Willy Wonka! Willy Wonka! Everybody give a "
        "cheer!",
        [
            (LYRIC, "Willy Wonka! Willy Wonka! The amazing chocolatier!"),
            (LYRIC, "Willy Wonka! Willy Wonka! Everybody give a cheer!"),
        ],
    ),
    (
        "Transition",
        "Jack begins to argue vociferously in Vietnamese (?), But mercifully we...\n\nCUT TO:\n\n"
        "EXT. BRICK'S POOL - DAY",
        [
            (ACTION, "Jack begins to argue vociferously in Vietnamese (?), But mercifully we..."),
            (TRANSITION, "CUT TO:"),
            (SCENE_HEADING, "EXT. BRICK'S POOL - DAY"),
        ],
    ),
    (
        "Transition: forced with >",
        "Brick and Steel regard one another.  A job well done.\n\n> Burn to White.",
        [(ACTION, "Brick and Steel regard one another.  A job well done."), (TRANSITION, "Burn to White.")],
    ),
    ("Transition: trailing space makes it action", "\nCUT TO: \n", [(ACTION, "CUT TO:")]),
    ("Centered", ">THE END<", [(CENTERED, "THE END")]),
    ("Centered: spaces inside", "> THE END <", [(CENTERED, "THE END")]),
    (
        "Page Breaks",
        "NARRATOR\nShoot, to the Dukes that's about like taking Grandma for a Sunday drive.\n\n>**End of "
        "Act One**<"
        "\n\n===\n\n>**Act Two**<\n\nThe General Lee hangs in the air, right where we left it.",
        [
            (CHARACTER, "NARRATOR"),
            (DIALOGUE, "Shoot, to the Dukes that's about like taking Grandma for a Sunday drive."),
            (CENTERED, "**End of Act One**"),
            (PAGE_BREAK, ""),
            (CENTERED, "**Act Two**"),
            (ACTION, "The General Lee hangs in the air, right where we left it."),
        ],
    ),
    (
        "Line Breaks: uppercase line reads as a character",
        "INT. CASINO - NIGHT\n\nTHE DEALER eyes the new player warily.\n\nSCANNING THE AISLES...\n"
        "Where is that pit boss?",
        [
            (SCENE_HEADING, "INT. CASINO - NIGHT"),
            (ACTION, "THE DEALER eyes the new player warily."),
            (CHARACTER, "SCANNING THE AISLES..."),
            (DIALOGUE, "Where is that pit boss?"),
        ],
    ),
    (
        "Line Breaks: ! forces action",
        "INT. CASINO - NIGHT\n\nTHE DEALER eyes the new player warily.\n\n!SCANNING THE AISLES...\n"
        "Where is that pit boss?",
        [
            (SCENE_HEADING, "INT. CASINO - NIGHT"),
            (
                ACTION,
                "THE DEALER eyes the new player warily.\n\nSCANNING THE AISLES...\nWhere is that pit boss?",
            ),
        ],
    ),
    (
        "Line Breaks: two spaces keep dialogue together",
        "DEALER\nTen.\nFour.\nDealer gets a seven.\n  \nHit or stand sir?\n\nMONKEY\nDude, I'm a monkey.",
        [
            (CHARACTER, "DEALER"),
            (DIALOGUE, "Ten.\nFour.\nDealer gets a seven.\n  \nHit or stand sir?"),
            (CHARACTER, "MONKEY"),
            (DIALOGUE, "Dude, I'm a monkey."),
        ],
    ),
    (
        "Line Breaks: without two spaces the rest is action",
        "DEALER\nTen.\nDealer gets a seven.\n\nHit or stand sir?",
        [(CHARACTER, "DEALER"), (DIALOGUE, "Ten.\nDealer gets a seven."), (ACTION, "Hit or stand sir?")],
    ),
    (
        "Indenting: ignored outside action",
        "                CUT TO:\n\nINT. GARAGE - DAY\n\n            BRICK\n    This is everybody we've "
        "ever put "
        "away.\n\n            STEEL\n        (starting the engine)\n    So much for retirement!",
        [
            (TRANSITION, "CUT TO:"),
            (SCENE_HEADING, "INT. GARAGE - DAY"),
            (CHARACTER, "BRICK"),
            (DIALOGUE, "This is everybody we've ever put away."),
            (CHARACTER, "STEEL"),
            (PARENTHETICAL, "starting the engine"),
            (DIALOGUE, "So much for retirement!"),
        ],
    ),
    (
        "Notes: on its own line, and inline",
        "INT. TRAILER HOME - DAY\n\nThis is the home of DAN and JACK[[Or did we think of names?]].\n\n"
        "[[It was supposed to be Vietnamese, right?]]\n\nJACK\n(in Vietnamese, subtitled)\n"
        "*Did you know Brick and Steel are retired?*",
        [
            (SCENE_HEADING, "INT. TRAILER HOME - DAY"),
            (ACTION, "This is the home of DAN and JACK[[Or did we think of names?]]."),
            (NOTE, "It was supposed to be Vietnamese, right?"),
            (CHARACTER, "JACK"),
            (PARENTHETICAL, "in Vietnamese, subtitled"),
            (DIALOGUE, "*Did you know Brick and Steel are retired?*"),
        ],
    ),
    (
        "Boneyard: a whole scene ignored",
        "As he rattles off the long list.\n\nCUT TO:\n/*\nINT. GARAGE - DAY\n\nBRICK\nHello.\n*/\n"
        "EXT. PALATIAL MANSION - DAY\n\nAn EXTREMELY HANDSOME MAN drinks a beer.",
        [
            (ACTION, "As he rattles off the long list."),
            (TRANSITION, "CUT TO:"),
            (BONEYARD, "\nINT. GARAGE - DAY\n\nBRICK\nHello.\n"),
            (SCENE_HEADING, "EXT. PALATIAL MANSION - DAY"),
            (ACTION, "An EXTREMELY HANDSOME MAN drinks a beer."),
        ],
    ),
    (
        "Sections",
        "CUT TO:\n\n# This is a Section\n\nINT. PALACE HALLWAY - NIGHT\n\n# Act\n\n## Sequence\n\n### Scene",
        [
            (TRANSITION, "CUT TO:"),
            (SECTION, "This is a Section"),
            (SCENE_HEADING, "INT. PALACE HALLWAY - NIGHT"),
            (SECTION, "Act"),
            (SECTION, "Sequence"),
            (SECTION, "Scene"),
        ],
    ),
    (
        "Synopses",
        "# ACT I\n\n= Set up the characters and the story.\n\nEXT. BRICK'S PATIO - DAY\n\n= This scene "
        "sets up "
        "Brick & Steel's new life as retirees.\n\nA gorgeous day.",
        [
            (SECTION, "ACT I"),
            (SYNOPSIS, "Set up the characters and the story."),
            (SCENE_HEADING, "EXT. BRICK'S PATIO - DAY"),
            (SYNOPSIS, "This scene sets up Brick & Steel's new life as retirees."),
            (ACTION, "A gorgeous day."),
        ],
    ),
]


@pytest.mark.parametrize(
    ("section", "text", "expected"), SYNTAX_EXAMPLES, ids=[e[0] for e in SYNTAX_EXAMPLES]
)
def test_syntax_page_example(section: str, text: str, expected: list[tuple[str, str]]) -> None:
    assert kinds(text) == expected


@pytest.mark.parametrize(
    ("section", "text", "expected"), SYNTAX_EXAMPLES, ids=[e[0] for e in SYNTAX_EXAMPLES]
)
def test_syntax_page_example_round_trips(section: str, text: str, expected: list[tuple[str, str]]) -> None:
    first = fountain.parse(text)
    assert fountain.parse(fountain.write(first)).elements == first.elements


def test_scene_numbers_from_syntax_page() -> None:
    # fountain.io: "any alphanumerics (plus dashes and periods), wrapped in #"
    numbers = ["1", "1A", "1a", "A1", "I-1-A", "1."]
    for number in numbers:
        (heading,) = fountain.parse(f"INT. HOUSE - DAY #{number}#").elements
        assert (heading.text, heading.scene_number) == ("INT. HOUSE - DAY", number)
    (flashback,) = fountain.parse("INT. HOUSE - DAY - FLASHBACK (1944) #110A#").elements
    assert (flashback.text, flashback.scene_number) == ("INT. HOUSE - DAY - FLASHBACK (1944)", "110A")


def test_all_heading_prefixes() -> None:
    for prefix in ["INT", "EXT", "EST", "INT./EXT", "INT/EXT", "I/E"]:
        for joiner in [". ", " "]:
            text = f"{prefix}{joiner}PLACE - DAY"
            assert kinds(text) == [(SCENE_HEADING, text)], text
    assert kinds("!INT. PLACE - DAY") == [(ACTION, "INT. PLACE - DAY")]


def test_character_extensions_and_dual() -> None:
    screenplay = fountain.parse("BRICK\nHi.\n\nSTEEL (V.O.) (CONT'D)   ^\nHi.")
    steel = screenplay.elements[2]
    assert (steel.text, steel.extensions, steel.dual) == ("STEEL", ("V.O.", "CONT'D"), True)
    assert screenplay.elements[0].dual is False


def test_title_page_values_and_following_body() -> None:
    text = (
        "Title:\n    _**BRICK & STEEL**_\n    _**FULL RETIRED**_\nCredit: Written by\nAuthor: Stu Maschwitz\n"
        "Draft date: 1/20/2012\nContact:\n\tNext Level Productions\n\t1588 Mission Dr.\n\nINT. HOUSE - DAY"
    )
    screenplay = fountain.parse(text)
    assert screenplay.title_page == {
        "Title": "_**BRICK & STEEL**_\n_**FULL RETIRED**_",
        "Credit": "Written by",
        "Author": "Stu Maschwitz",
        "Draft date": "1/20/2012",
        "Contact": "Next Level Productions\n1588 Mission Dr.",
    }
    assert screenplay.title == "BRICK & STEEL FULL RETIRED"
    assert kinds(text)[-1] == (SCENE_HEADING, "INT. HOUSE - DAY")
    # "Draft date: 6/23/2012" alone is a valid title page (fountain.io).
    assert fountain.parse("Draft date: 6/23/2012").title_page == {"Draft date": "6/23/2012"}


def test_fade_in_is_not_a_title_page() -> None:
    screenplay = fountain.parse("FADE IN:\n\nINT. HOUSE - DAY")
    assert screenplay.title_page == {}
    assert [e.kind for e in screenplay.elements] == [ACTION, SCENE_HEADING]


def test_windows_and_old_mac_line_ends_are_line_breaks() -> None:
    for ending in ("\n", "\r\n", "\r"):
        text = ending.join(["INT. A - DAY", "", "BOB", "Hi.", "", "She waits.", "/* cut", "*/ Then goes."])
        elements = [(e.kind, e.text, e.line) for e in fountain.parse(text).elements]
        assert elements == [
            (SCENE_HEADING, "INT. A - DAY", 1),
            (CHARACTER, "BOB", 3),
            (DIALOGUE, "Hi.", 4),
            (ACTION, "She waits.", 6),
            (BONEYARD, " cut\n", 7),
            (ACTION, " Then goes.", 8),
        ], ending


def test_line_numbers_are_source_lines() -> None:
    text = "Title: X\n\nINT. A - DAY\n\nBOB\n(quiet)\nHi.\n/* gone\nstill gone */\n\nEXT. B - NIGHT #2#"
    lines = [(e.kind, e.line) for e in fountain.parse(text).elements]
    assert lines == [
        (SCENE_HEADING, 3),
        (CHARACTER, 5),
        (PARENTHETICAL, 6),
        (DIALOGUE, 7),
        (BONEYARD, 8),
        (SCENE_HEADING, 11),
    ]


def test_scenes_view() -> None:
    screenplay = fountain.parse("FADE IN:\n\nINT. A - DAY\n\nHi.\n\nEXT. B - NIGHT #7B#\n\nBOB\nYo.")
    scenes = screenplay.scenes
    assert [(s.index, s.number, s.line) for s in scenes] == [(1, "1", 3), (2, "7B", 7)]
    assert [e.kind for e in scenes[1].elements] == [CHARACTER, DIALOGUE]


@pytest.mark.parametrize(
    ("line", "runs"),
    [
        ("*italics*", [("italics", {"italic"})]),
        ("**bold**", [("bold", {"bold"})]),
        ("***bold italics***", [("bold italics", {"bold", "italic"})]),
        ("_underline_", [("underline", {"underline"})]),
        (
            "Steel enters the code on the keypad: **\\*9765\\***",
            [("Steel enters the code on the keypad: ", set()), ("*9765*", {"bold"})],
        ),
        (
            "He dialed *69 and then *23, and then hung up.",
            [("He dialed *69 and then *23, and then hung up.", set())],
        ),
        (
            "He dialed *69 and then 23*, and then hung up.",
            [("He dialed ", set()), ("69 and then 23", {"italic"}), (", and then hung up.", set())],
        ),
        (
            "He dialed *69 and then 23\\*, and then hung up.",
            [("He dialed *69 and then 23*, and then hung up.", set())],
        ),
    ],
)
def test_emphasis_examples(line: str, runs: list[tuple[str, set[str]]]) -> None:
    assert [(run.text, set(run.styles)) for run in fountain.emphasis_runs(line)] == runs


@pytest.mark.parametrize(
    "line",
    [
        # CommonMark (fountain.io: "Fountain follows Markdown's rules for emphasis"): a run of markers
        # followed by a space is not left-flanking and opens nothing; one preceded by a space is not
        # right-flanking and closes nothing. No star of these may italicise or embolden anything.
        "** foo bar**",
        "**foo bar **",
        "a ** foo bar**",
        "She said ** hi** and left.",
        "Stars ** everywhere **, none of them bold.",
    ],
)
def test_a_marker_run_beside_a_space_opens_or_closes_nothing(line: str) -> None:
    assert [(run.text, set(run.styles)) for run in fountain.emphasis_runs(line)] == [(line, set())]
    assert fountain.plain_text(line) == line


def test_emphasis_does_not_cross_lines() -> None:
    text = "As he rattles off the long list, Brick and Steel *share a look.\n\nThis is going to be BAD.*"
    assert fountain.plain_text(text) == text


# Lines of markers in shapes where each opener once searched the rest of the line for its closer (time growing
# with the square of the line's length): (a piece, the runs it prints as, worked out by hand from the rules).
HOSTILE_PIECES: list[tuple[str, list[tuple[str, set[str]]]]] = [
    ("*a ", [("*a ", set())]),  # every run may open, none closes: each has a space before it
    ("***a ***", [("***a ***", set())]),
    ("_a ", [("_a ", set())]),
    ("** ", [("** ", set())]),  # every run has a space after it: none opens
    ("**a* ", [("*a", {"italic"}), (" ", set())]),  # no run of two closes: one star opens, one stays
    ("*_*_*_", [("_", {"italic"}), ("*", {"underline"})]),  # each closer's marker opens the next span
    ("_*a*_ ", [("a", {"underline", "italic"}), (" ", set())]),
]


class _FindCountingLine(str):
    """A line counting the work of its ``find`` calls, the scanner's only search: one per call plus the
    characters passed over."""

    work = 0

    def find(self, sub: str, start: SupportsIndex | None = None, end: SupportsIndex | None = None) -> int:
        found = super().find(sub, start, end)
        self.work += 1 + (len(self) if found < 0 else found) - operator.index(start or 0)
        return found


def _scanning_work(line: str) -> int:
    counting = _FindCountingLine(line)
    markup._line_pieces(counting)
    return counting.work


def _repeated(runs: list[tuple[str, set[str]]], times: int) -> list[tuple[str, set[str]]]:
    """The runs of a piece repeated ``times`` times, neighbours with the same styles as one."""
    return [
        ("".join(text for text, _ in group), styles)
        for styles, group in itertools.groupby(runs * times, key=lambda run: run[1])
    ]


@pytest.mark.parametrize(("piece", "piece_runs"), HOSTILE_PIECES)
def test_a_long_hostile_line_prints_as_its_piece_repeated_and_is_read_in_one_pass(
    piece: str, piece_runs: list[tuple[str, set[str]]]
) -> None:
    for times in (3, 20_000 // len(piece)):
        line = piece * times
        expected = _repeated(piece_runs, times)
        assert [(run.text, set(run.styles)) for run in fountain.emphasis_runs(line)] == expected
        assert fountain.plain_text(line) == "".join(text for text, _ in expected)
    # Four times the line, about four times the work (a search per opener to the line's end would be 16).
    times = 5_000 // len(piece)
    assert _scanning_work(piece * 4 * times) < 5 * _scanning_work(piece * times)


def test_a_marker_far_ahead_is_searched_for_once() -> None:
    # Where the next underscore is stays known while the stars before it are read.
    assert _scanning_work("*a* " * 20_000 + "_") < 5 * _scanning_work("*a* " * 5_000 + "_")


def test_notes_and_plain_text() -> None:
    text = (
        "Scott pauses.[[This section needs work.\nEither that, or I need coffee.\n  \n"
        "Definitely coffee.]] Ring."
    )
    assert fountain.notes_in(text) == [
        "This section needs work.\nEither that, or I need coffee.\n  \nDefinitely coffee."
    ]
    assert fountain.plain_text(text) == "Scott pauses. Ring."
    broken = "Testing[[This\nno spaces.\n\nStill not.]] End."
    assert fountain.notes_in(broken) == []


def test_each_bracketed_note_is_its_own_note() -> None:
    # fountain.io: a note is text enclosed in double brackets; "[[a]] text [[b]]" holds two notes with text
    # between them (an action), not one note running from the first [[ to the last ]].
    screenplay = fountain.parse("INT. A - DAY\n\n[[first]] She waits. [[second]]\n\n[[third]] [[fourth]]")
    assert [(e.kind, e.text) for e in screenplay.elements] == [
        (SCENE_HEADING, "INT. A - DAY"),
        (ACTION, "[[first]] She waits. [[second]]"),
        (NOTE, "third"),
        (NOTE, "fourth"),
    ]
    assert fountain.notes_in(screenplay.elements[1].text) == ["first", "second"]
    assert fountain.parse(fountain.write(screenplay)).elements == screenplay.elements


def _printed(text: str) -> list[list[str]]:
    return [[line.text for line in page] for page in fountain.paginate(fountain.parse(text)).pages]


def test_boneyard_between_actions_stays_between_and_prints_nothing() -> None:
    # fountain.io: a boneyard is ignored (it never prints); it sits between the two paragraphs, which stay
    # two, and the page prints exactly what it would without it: two paragraphs one blank line apart.
    for boneyard in ("/* cut */", "/* cut\nstill cut */", "/*\nINT. GARAGE - DAY\n\nBRICK\nHi.\n*/"):
        text = f"First action.\n\n{boneyard}\n\nSecond action."
        screenplay = fountain.parse(text)
        assert [e.kind for e in screenplay.elements] == [ACTION, BONEYARD, ACTION], boneyard
        assert [e.text for e in screenplay.elements[::2]] == ["First action.", "Second action."]
        assert screenplay.elements[1].text == boneyard[2:-2]
        assert _printed(text) == [["First action.", "", "Second action."]], boneyard
        assert fountain.parse(fountain.write(screenplay)).elements == screenplay.elements
    # A boneyard on its own line inside a paragraph breaks it, as the blank line it leaves would.
    assert _printed("First action.\n/* cut */\nSecond action.") == [["First action.", "", "Second action."]]


def test_heading_needs_a_blank_line_below() -> None:
    # fountain.io: a line beginning with INT, EXT... "followed by a blank line" is a Scene Heading. With text
    # right below, the Character rule applies to a line in capitals (a line "entirely in uppercase, with one
    # empty line before it and without an empty line after it"), and anything else is action.
    assert kinds("Hello.\n\nINT. HOUSE - DAY\nShe enters.") == [
        (ACTION, "Hello."),
        (CHARACTER, "INT. HOUSE - DAY"),
        (DIALOGUE, "She enters."),
    ]
    assert kinds("int. house - day\nShe enters.") == [(ACTION, "int. house - day\nShe enters.")]
    # Still headings: forced with a period (the force decides), at the end of the text, above a line of
    # spaces, above a synopsis or section line (an element by its first character).
    assert kinds(".SNIPER SCOPE POV\nShe aims.") == [
        (SCENE_HEADING, "SNIPER SCOPE POV"),
        (ACTION, "She aims."),
    ]
    assert kinds("Hello.\n\nEXT. POOL - DAY") == [(ACTION, "Hello."), (SCENE_HEADING, "EXT. POOL - DAY")]
    assert kinds("EXT. POOL - DAY\n    \n\nSteel swims.")[0] == (SCENE_HEADING, "EXT. POOL - DAY")
    assert kinds("EXT. POOL - DAY\n= Steel relaxes.") == [
        (SCENE_HEADING, "EXT. POOL - DAY"),
        (SYNOPSIS, "Steel relaxes."),
    ]


def test_opening_line_with_a_colon_is_action_not_a_title_page() -> None:
    # fountain.io: title page keys may have spaces (Draft date) and unknown keys are kept as metadata. An
    # opening action line with a colon in it is neither: a first key of several words must be a known one.
    screenplay = fountain.parse("He opens the card: a threat.\n\nINT. HOUSE - DAY")
    assert screenplay.title_page == {}
    assert kinds("He opens the card: a threat.\n\nINT. HOUSE - DAY") == [
        (ACTION, "He opens the card: a threat."),
        (SCENE_HEADING, "INT. HOUSE - DAY"),
    ]
    assert fountain.parse("Draft date: 6/23/2012").title_page == {"Draft date": "6/23/2012"}
    assert fountain.parse("Series: Night Shift\nAuthors: A and B").title_page == {
        "Series": "Night Shift",
        "Authors": "A and B",
    }
    # The writer keeps such a line out of the title page wherever the parser would look for one: at the
    # start, or after boneyards only.
    for before in ([], [fountain.Element(BONEYARD, " draft ")]):
        screenplay = fountain.Screenplay({}, [*before, fountain.Element(ACTION, "Later: she returns.")])
        again = fountain.parse(fountain.write(screenplay))
        assert (again.title_page, again.elements) == ({}, screenplay.elements)


def test_writer_forces_what_would_read_differently() -> None:
    screenplay = fountain.Screenplay(
        {},
        [
            fountain.Element(ACTION, "Note: this opens the script"),
            fountain.Element(SCENE_HEADING, "SNIPER SCOPE POV"),
            fountain.Element(
                ACTION, "SCANNING THE AISLES...\nWhere is that pit boss?\n~not a lyric\n#not a section"
            ),
            fountain.Element(CHARACTER, "McCLANE"),
            fountain.Element(DIALOGUE, "Yippie ki-yay."),
            fountain.Element(TRANSITION, "Burn to White."),
            fountain.Element(CENTERED, "THE END"),
        ],
    )
    text = fountain.write(screenplay)
    assert text.splitlines() == [
        "!Note: this opens the script",
        "",
        ".SNIPER SCOPE POV",
        "",
        "!SCANNING THE AISLES...",
        "Where is that pit boss?",
        "!~not a lyric",
        "#not a section",
        "",
        "@McCLANE",
        "Yippie ki-yay.",
        "",
        "> Burn to White.",
        "",
        "> THE END <",
    ]
    assert fountain.parse(text).elements == screenplay.elements


def test_bad_input_message() -> None:
    with pytest.raises(fountain.FountainError, match="UTF-8"):
        fountain.parse(b"\xff\xfe INT. X", source="draft.fountain")
    with pytest.raises(ValueError, match="letter, a4"):
        fountain.paginate(fountain.parse("Hi."), paper="legal")


# ----------------------------------------------------------------------------------------------- pagination


def test_wrap_counts_like_a_typewriter() -> None:
    # 61-character action width: two 30-letter words fit on one line (30 + 1 + 30 = 61); a third wraps.
    word = "x" * 30
    assert fountain.wrap(f"{word} {word}", 61) == [f"{word} {word}"]
    assert fountain.wrap(f"{word} {word} {word}", 61) == [f"{word} {word}", word]
    assert fountain.wrap("y" * 70, 61) == ["y" * 61, "y" * 9]


def _scene(number: int, action_lines: int) -> str:
    return f"INT. ROOM {number} - DAY\n\n" + "\n".join(f"Line {i}." for i in range(action_lines))


def test_page_count_and_eighths_by_hand() -> None:
    # Scene 1: heading (1) + blank (1) + 20 action lines = 22 lines, then blank before scene 2 (1) -> 23
    # lines.
    # 23 / 55 * 8 = 3.35 -> 3/8. Scene 2: heading + blank + 4 lines = 6 -> 0.87 -> 1/8.
    screenplay = fountain.parse(_scene(1, 20) + "\n\n" + _scene(2, 4))
    pagination = fountain.paginate(screenplay)
    assert pagination.page_count == 1
    assert [(s.lines, s.eighths, s.label) for s in pagination.scenes] == [(23, 3, "3/8"), (6, 1, "1/8")]


def test_long_action_flows_onto_next_page() -> None:
    # heading + blank + 100 one-line action lines = 102 printed lines: 55 on page 1, 47 on page 2 (letter),
    # 57 + 45 on A4. One scene of 102 lines: 102/55*8 = 14.8 -> 15 eighths ("1 7/8"); A4 102/57*8 = 14.3 ->
    # 14.
    screenplay = fountain.parse(_scene(1, 100))
    letter = fountain.paginate(screenplay, "letter")
    a4 = fountain.paginate(screenplay, "a4")
    assert [len(page) for page in letter.pages] == [55, 47]
    assert [len(page) for page in a4.pages] == [57, 45]
    assert letter.scenes[0].label == "1 7/8"
    assert a4.scenes[0].eighths == 14


def test_heading_is_not_left_alone_at_a_page_foot() -> None:
    # 52 action lines fill page 1 to line 53 with the first heading and blank; the next scene's blank +
    # heading
    # would land on lines 54-55 with no room for its first action lines, so it starts page 2.
    screenplay = fountain.parse(_scene(1, 52) + "\n\n" + _scene(2, 3))
    pagination = fountain.paginate(screenplay)
    assert [s.page for s in pagination.scenes] == [1, 2]
    assert pagination.pages[1][0].kind == SCENE_HEADING


def test_speech_split_gets_more_and_contd() -> None:
    # Page 1: heading, blank, 48 action lines = 50 lines; blank (51), cue (52), two dialogue lines (53-54),
    # (MORE) (55). Page 2: "BOB (CONT'D)" then the remaining 2 dialogue lines.
    dialogue = "\n".join(f"Word {i}." for i in range(4))
    screenplay = fountain.parse(_scene(1, 48) + "\n\nBOB\n" + dialogue)
    pages = fountain.paginate(screenplay).pages
    assert [line.text for line in pages[0][-4:]] == ["BOB", "Word 0.", "Word 1.", "(MORE)"]
    assert [line.text for line in pages[1]] == ["BOB (CONT'D)", "Word 2.", "Word 3."]


def test_speech_moves_whole_when_two_lines_do_not_fit() -> None:
    # One action line more: only cue + one dialogue line + (MORE) would fit, so the speech starts page 2.
    dialogue = "\n".join(f"Word {i}." for i in range(4))
    pages = fountain.paginate(fountain.parse(_scene(1, 49) + "\n\nBOB\n" + dialogue)).pages
    assert len(pages[0]) == 51
    assert [line.text for line in pages[1]] == ["BOB", "Word 0.", "Word 1.", "Word 2.", "Word 3."]


def test_page_break_and_unprinted_elements() -> None:
    screenplay = fountain.parse("Hi.\n\n# Act\n\n= synopsis\n\n[[a note]]\n\n===\n\nThere.")
    pagination = fountain.paginate(screenplay)
    assert [[line.text for line in page] for page in pagination.pages] == [["Hi."], ["There."]]


def test_dialogue_width_wraps_at_36() -> None:
    text = "BOB\n" + " ".join(["abcde"] * 12)  # 12 words * 6 - 1 = 71 chars: 6 words (35) per 36-char line
    pages = fountain.paginate(fountain.parse(text)).pages
    assert [line.text for line in pages[0]] == ["BOB", " ".join(["abcde"] * 6), " ".join(["abcde"] * 6)]


def _greedy_wrap_by_hand(text: str, width: int) -> list[str]:
    """The typewriter rule spelled out word by word (an independent check of the regex and the line counter):
    collapse whitespace, add words while they fit, cut a word longer than the line."""
    lines: list[str] = []
    for source in text.split("\n"):
        if len(source) <= width:
            lines.append(source)
            continue
        current = ""
        for word in source.split():
            if current and len(current) + 1 + len(word) <= width:
                current += " " + word
                continue
            if current:
                lines.append(current)
            while len(word) > width:  # a word longer than the line is cut
                lines.append(word[:width])
                word = word[width:]
            current = word
        lines.append(current)
    return lines


def test_wrap_and_line_count_agree_with_the_rule_on_random_text() -> None:
    import random

    rng = random.Random(9)
    pieces = ["a", "bb", "word", "x" * 12, "y" * 40, " ", "  ", "\t", "\n", "\u00a0", "é", "-", "\x1f"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 40)))
        width = rng.choice([5, 12, 26, 36, 61])
        expected = _greedy_wrap_by_hand(text, width)
        assert fountain.wrap(text, width) == expected, (text, width)
        assert fountain.wrapped_line_count(text, width) == len(expected), (text, width)


def test_bulk_spacing_check_says_yes_only_for_single_spaced_lines() -> None:
    # Pagination checks the spacing of all actions and speeches at once; a yes must mean every line prints
    # as written (whitespace runs collapse to one space, none at the ends), and ordinary text must get one.
    import random

    assert pages._all_single_spaced(["A door opens.", "She waits.\nThen runs.", "x"])
    odd_spacing = ["two  spaces", " lead", "trail ", "a\n b", "a \nb", "a\n\nb", "\tx", "\u00a0x", "\x1fx"]
    for odd in odd_spacing:
        assert not pages._all_single_spaced(["fine text", odd]), odd
    rng = random.Random(5)
    pieces = ["word", "a", " ", " ", "  ", "\n", "\t", "\u00a0", "\x1f", "\x0b", "é", "-"]
    for _ in range(5000):
        texts = ["".join(rng.choices(pieces, k=rng.randint(0, 8))) for _ in range(rng.randint(1, 3))]
        if pages._all_single_spaced(texts):
            lines = [line for text in texts for line in text.split("\n")]
            assert all(" ".join(line.split()) == line for line in lines), texts


def test_pagination_counts_the_lines_wrapping_prints_on_random_scripts() -> None:
    # Every printed element's chunks add up to the lines its wrapped text makes, whatever its spacing.
    import random

    rng = random.Random(6)
    plain = ["word", "longer", "x" * 30, "*bold*", "[[note]]", "_u_", "\\*"]
    odd = ["  ", " ", "\t", "\u00a0", "é"]  # in half of the scripts: the spacing check must then say no
    for _ in range(150):
        words = plain + odd if rng.random() < 0.5 else plain
        paragraphs = ["INT. ROOM - DAY"]
        for _ in range(rng.randint(1, 8)):
            lines = [" ".join(rng.choices(words, k=rng.randint(1, 25))) for _ in range(rng.randint(1, 3))]
            cue = rng.choice(["", "MAYA\n", "LEO (V.O.)\n(quietly)\n"])
            paragraphs.append(cue + "\n".join(lines))
        screenplay = fountain.parse("\n\n".join(paragraphs))
        for paper in fountain.PAPERS.values():
            counted: dict[int, int] = {}
            for page in fountain.paginate(screenplay, paper.name).page_chunks:
                for kind, index, _, count in page:
                    if kind not in {"blank", "more", "contd"}:
                        counted[index] = counted.get(index, 0) + count
            for index, count in counted.items():
                element = screenplay.elements[index]
                printed = pages._printed_text(element)
                assert count == len(_greedy_wrap_by_hand(printed, paper.widths[element.kind])), element


def test_pages_are_built_on_demand_from_counted_chunks() -> None:
    # Two scenes of 40 one-line actions. Page 1: scene 1 (heading, blank, 40 lines = 42), blank, scene 2's
    # heading (44), blank, then 10 of its action lines fill the 55. The chunks only count lines; the printed
    # lines come from the elements when asked for.
    screenplay = fountain.parse(_scene(1, 40) + "\n\n" + _scene(2, 40))
    pagination = fountain.paginate(screenplay)
    counted = [sum(count for _, _, _, count in page) for page in pagination.page_chunks]
    assert counted == [len(page) for page in pagination.pages]
    assert pagination.line_count == sum(counted) == 2 * (1 + 1 + 40) + 1
    assert pagination.pages[0][-1].text == "Line 9."


def test_plain_text_of_a_line_of_spaces_and_notes() -> None:
    assert fountain.plain_text("   ") == ""
    assert fountain.plain_text(" [[note]] ") == ""  # the note goes first, then the line is only spaces
    assert fountain.plain_text("a\n [[note]]\nb") == "a\n\nb"
    assert fountain.notes_in("[[one\ntwo]] [[three]]x]]") == ["one\ntwo", "three"]


def _note_spans_by_hand(text: str) -> list[tuple[int, int]]:
    """fountain.io's rule read literally: a note runs from ``[[`` to the first ``]]`` after it, unless a truly
    empty line comes first (then that ``[[`` opens nothing). (start, end) of each, brackets included."""
    spans: list[tuple[int, int]] = []
    position = 0
    while (start := text.find("[[", position)) >= 0:
        end = text.find("]]", start + 2)
        if end < 0:
            break
        if "\n\n" in text[start + 2 : end]:
            position = start + 1
            continue
        spans.append((start, end + 2))
        position = end + 2
    return spans


def test_notes_in_random_text_follow_the_rule() -> None:
    # notes_in and plain_text find notes with their own (quicker) pattern; it must find what the rule says.
    import random

    rng = random.Random(21)
    pieces = ["[", "]", "[[", "]]", "\n", "\n\n", "a", "b"]  # no spaces, no emphasis: printing drops notes
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        spans = _note_spans_by_hand(text)
        assert fountain.notes_in(text) == [text[start + 2 : end - 2] for start, end in spans], text
        kept = [0, *(edge for span in spans for edge in span), len(text)]
        printed = "".join(text[kept[i] : kept[i + 1]] for i in range(0, len(kept), 2))
        assert fountain.plain_text(text) == printed, text


def test_plain_text_prints_the_emphasis_runs() -> None:
    # plain_text resolves emphasis its own (quicker) way; it must print the text of emphasis_runs' runs.
    import random

    rng = random.Random(5)
    pieces = ["*", "**", "***", "_", "\\*", "\\_", "\\", "a", "b", " ", "*a*", "_b_", "**c**"]
    for _ in range(20000):
        line = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        if line.strip():  # a line of spaces prints empty, which emphasis_runs leaves to the caller
            printed = "".join(run.text for run in fountain.emphasis_runs(line))
            assert fountain.plain_text(line) == printed, line


def test_heading_first_characters_cover_the_prefix_pattern() -> None:
    # is_heading tests the first character before the pattern; every first character the case-blind pattern
    # accepts (in the Basic Multilingual Plane) must pass that test.
    for code in range(0x10000):
        char = chr(code)
        for tail in ("nt. HOUSE", "xt. HOUSE", "/e HOUSE", "st. HOUSE"):
            if line_rules.HEADING_PREFIX.match(char + tail):
                assert line_rules.is_heading(char + tail), hex(code)
