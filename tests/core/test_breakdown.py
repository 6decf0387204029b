"""Breakdown sheets: categories from keyword/capitals rules and note tags, strip colours, CSV/HTML export."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

import pytest
from backlot.production.screenplay import breakdown as bd
from backlot.production.screenplay import fountain

SCRIPT = """Title: Rain Check

INT. WAREHOUSE - NIGHT

Rain hammers the roof. MAYA, soaked raincoat, drags a CRATE past a forklift. A DOG barks.
A GUARD sleeps on a chair. The phone RINGS.

MAYA
(whispering)
Come on, come on.

[[props: crowbar, flashlight]]

Leo enters, blood on his sleeve.

LEO
We have to go. Now.

MAYA
Not without the crate.[[vfx: muzzle flash]]

EXT. DOCKS - CONTINUOUS

A CROWD of dockworkers. Maya and Leo run to a waiting VAN.
[[Check tide times with the harbour master.]]

INT. CAFE - DAY

Maya sits alone at a table.

MAYA
Coffee. Black.
"""


@pytest.fixture(scope="module")
def sheets() -> list[bd.SceneBreakdown]:
    return bd.breakdown(fountain.parse(SCRIPT))


def test_headings_are_read(sheets: list[bd.SceneBreakdown]) -> None:
    # CONTINUOUS inherits NIGHT from the scene before it.
    summary = [(s.number, s.setting, s.location, s.time, s.day_night) for s in sheets]
    assert summary == [
        ("1", "INT", "WAREHOUSE", "night", "NIGHT"),
        ("2", "EXT", "DOCKS", "night", "NIGHT"),
        ("3", "INT", "CAFE", "day", "DAY"),
    ]


@pytest.mark.parametrize(
    ("heading", "expected"),
    [
        ("INT. HOUSE - DAY", ("INT", "HOUSE", "DAY", "day")),
        ("ext. olympia circus - night", ("EXT", "olympia circus", "night", "night")),
        ("INT./EXT. CAR (MOVING) - CONTINUOUS", ("INT/EXT", "CAR (MOVING)", "CONTINUOUS", None)),
        ("I/E TRUCK - DAWN", ("INT/EXT", "TRUCK", "DAWN", "dawn")),
        ("EST. CITY -- DUSK", ("EXT", "CITY", "DUSK", "dusk")),
        ("EXT. BEACH - SUNSET", ("EXT", "BEACH", "SUNSET", "golden_hour")),
        (
            "INT. JOHN'S APARTMENT - LIVING ROOM - MORNING",
            ("INT", "JOHN'S APARTMENT - LIVING ROOM", "MORNING", "day"),
        ),
        ("INT. HOUSE - DAY (FLASHBACK)", ("INT", "HOUSE", "DAY (FLASHBACK)", "day")),
        ("SNIPER SCOPE POV", ("", "SNIPER SCOPE POV", "", None)),
        ("EXT. ROOFTOP", ("EXT", "ROOFTOP", "", None)),
    ],
)
def test_read_heading(heading: str, expected: tuple[str, str, str, str | None]) -> None:
    read = bd.read_heading(heading)
    assert (read.setting, read.location, read.time_word, read.time) == expected


def test_categories_scene_one(sheets: list[bd.SceneBreakdown]) -> None:
    items = sheets[0].categories
    assert items["cast"] == ["Maya", "Leo"]
    assert items["props"] == ["CRATE", "crowbar", "flashlight"]
    assert items["animals"] == ["dog"]  # keyword matches come first and are lower case; duplicates fold
    assert items["background"] == ["GUARD"]
    assert items["sound"] == ["RINGS"]
    assert items["sfx"] == ["rain"]
    assert items["wardrobe"] == ["raincoat"]
    assert items["makeup_hair"] == ["blood"]
    assert items["set_dressing"] == ["chair"]
    assert items["vfx"] == ["muzzle flash"]
    assert items["stunts"] == [] and items["vehicles"] == [] and items["notes"] == []


def test_categories_later_scenes(sheets: list[bd.SceneBreakdown]) -> None:
    docks = sheets[1].categories
    assert docks["cast"] == ["Maya", "Leo"]  # named in action only: known characters from other scenes
    assert docks["background"] == ["crowd"]
    assert docks["vehicles"] == ["van"]
    assert docks["notes"] == ["Check tide times with the harbour master."]
    assert sheets[2].categories["cast"] == ["Maya"]
    assert sheets[2].categories["set_dressing"] == ["table"]


@pytest.mark.parametrize(
    ("tag", "category"),
    [
        ("props", "props"),
        ("Makeup/Hair", "makeup_hair"),
        ("set dressing", "set_dressing"),
        ("extras", "background"),
        ("SFX", "sfx"),
        ("special effects", "sfx"),
        ("colour", None),
    ],
)
def test_tag_categories(tag: str, category: str | None) -> None:
    assert bd.category_of(tag) == category


def test_keywords_are_whole_words_in_any_text() -> None:
    # Words are runs of ASCII letters joined by single hyphens; the byte-table shortcut for plain ASCII must
    # find the same ones as the general pattern, whatever the punctuation, digits or other scripts around.
    assert bd.keyword_items("The CAR's door; a dog-cart, a 4x4 bus.") == [
        ("vehicles", "car"),
        ("vehicles", "bus"),
    ]
    assert bd.keyword_items("A police car, then a police-car, then a car.") == [
        ("vehicles", "police car"),
        ("vehicles", "car"),
    ]
    assert bd.keyword_items("police\ncar") == [("vehicles", "police car")]
    # Each keyword once, in order of first mention.
    assert bd.keyword_items("Rain. A car, more RAIN, a dog, the car.") == [
        ("sfx", "rain"),
        ("vehicles", "car"),
        ("animals", "dog"),
    ]
    import random

    rng = random.Random(4)
    pieces = ["car", "Rain", "dog", "-", "--", " ", ".", "'", "9", "é", "\u212a", "\n", "passers", "by", "Ü"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        assert bd._words_of(text) == [word.lower() for word in bd._WORD.findall(text)], text


def test_keyword_items_follow_the_rule_on_random_text() -> None:
    # The rule, word by word: a two-word keyword where the next word completes one, else a one-word keyword;
    # each (category, keyword) kept at its first mention.
    import random

    keywords = {word: category for category, words in bd._KEYWORDS.items() for word in words}
    rng = random.Random(8)
    pieces = ["car", "Car", "police", "jumps", "from", "falls", "rain", "dog", "the", "force", "field",
              "crowd", " ", "\n", ".", "-", "'", "x", "é", "TABLE", "green", "screen"]  # fmt: skip
    for _ in range(3000):
        text = "".join(rng.choice(pieces) + rng.choice(["", " "]) for _ in range(rng.randint(0, 14)))
        words = [word.lower() for word in bd._WORD.findall(text)]
        expected: list[tuple[str, str]] = []
        index = 0
        while index < len(words):
            pair = " ".join(words[index : index + 2])
            if index + 1 < len(words) and pair in keywords:
                expected.append((keywords[pair], pair))
                index += 2
                continue
            if words[index] in keywords:
                expected.append((keywords[words[index]], words[index]))
            index += 1
        assert bd.keyword_items(text) == list(dict.fromkeys(expected)), text


def test_scene_items_keep_action_order() -> None:
    # A scene's actions are read joined; items must come out as if read one action at a time: each action's
    # keywords, then its capitals, and no keyword pair or run of capitals across two actions.
    script = fountain.parse(
        "INT. ROOM - DAY\n\nThe PHONE RINGS. MAYA looks up at the police\n\n"
        "MAYA\nHello?\n\nCar alarms. A radio plays. The GUN\n\nLEO\nHi.\n\nTABLE lamp."
    )
    (sheet,) = bd.breakdown(script)
    assert sheet.categories["sound"] == ["PHONE RINGS", "radio"]  # capitals of action 1, keyword of action 2
    assert sheet.categories["vehicles"] == ["car"]  # "police" + "car" in two actions is no police car
    assert sheet.categories["props"] == ["GUN", "TABLE"]  # "GUN" and "TABLE" end and start two actions
    assert sheet.categories["cast"] == ["Maya", "Leo"]


def test_scene_items_match_reading_action_by_action() -> None:
    # Reference: the rules applied to each action on its own, then concatenated in script order.
    import random

    rng = random.Random(11)
    names = ["Maya", "Leo Ray"]
    mentions = bd._mention_pattern(names)
    pieces = ["MAYA", "Leo Ray", "LEO RAY", "car", "CAR", "police", "police car", "RINGS", "radio", "dog",
              "DOG", "GUN", "the", ".", " ", "\n", "|", "-", "MAN", "crowd"]  # fmt: skip
    for _ in range(2000):
        actions = [
            "".join(rng.choice(pieces) + rng.choice(["", " "]) for _ in range(rng.randint(0, 8)))
            for _ in range(rng.randint(1, 4))
        ]
        expected_names: list[str] = []
        expected_items: list[tuple[str, str]] = []
        for action in actions:
            expected_items += bd.keyword_items(action)
            split = mentions.split(action)
            expected_names += split[1::2]
            expected_items += bd.capitalised_things("|".join(split[::2]))
        named, items = bd._action_items(actions, mentions)
        assert named == expected_names, actions
        assert bd._categories([], items) == bd._categories([], expected_items), actions  # order per category


def test_mentions_prefer_the_longest_name() -> None:
    # Names sharing their first letters: at each place the longest that fits whole words wins.
    mentions = bd._mention_pattern(["Mo", "Mona", "Mona Lisa"])
    assert mentions is not None
    text = "MONA LISA met Mona and Mo. Monastery, MoMo, Mona Lisas."
    assert mentions.split(text)[1::2] == ["MONA LISA", "Mona", "Mo", "Mona"]


def test_strip_colours_follow_convention() -> None:
    # INT DAY white, EXT DAY yellow, INT NIGHT blue, EXT NIGHT green; INT/EXT strips as exterior.
    script = "\n\n".join(
        ["INT. A - DAY", "EXT. B - DAY", "INT. C - NIGHT", "EXT. D - NIGHT", "I/E E - NIGHT"]
    )
    colours = [sheet.strip[0] for sheet in bd.breakdown(fountain.parse(script))]
    assert colours == ["white", "yellow", "blue", "green", "green"]


def test_display_names() -> None:
    assert bd.display_name("MRS.  SMITH") == "Mrs. Smith"
    assert bd.display_name("MARY-JANE") == "Mary-Jane"
    assert bd.display_name("C3PO") == "C3PO"
    assert bd.display_name("DJ") == "DJ"
    assert bd.display_name("McCLANE") == "McCLANE"


def test_csv_export(sheets: list[bd.SceneBreakdown]) -> None:
    rows = list(csv.reader(io.StringIO(bd.to_csv(sheets))))
    assert rows[0][:8] == ["scene", "heading", "int_ext", "day_night", "location", "pages", "page", "strip"]
    assert len(rows) == 4
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["strip"] == "blue"
    assert first["props"] == "CRATE; crowbar; flashlight"
    assert first["cast"] == "Maya; Leo"


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.strips: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.strips += [value or "" for key, value in attrs if key == "data-strip"]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_export_escapes_and_colours() -> None:
    script = "INT. <LAB> & CO - DAY\n\n[[props: <script>alert(1)</script>]]\n\nBOB\nHi."
    page = bd.to_html(bd.breakdown(fountain.parse(script)), title="Test & <Title>")
    assert "<script>" not in page
    cells = _Cells()
    cells.feed(page)
    assert cells.strips == ["white"]
    assert "<script>alert(1)</script>" in "".join(cells.text)
    assert "Scene 1: INT. <LAB> & CO - DAY" in "".join(cells.text)
