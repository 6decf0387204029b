"""Script breakdown sheets: what each scene needs, in Movie Magic's categories, from the screenplay's text.

The rules are keyword and capitals heuristics (documented in docs/fountain.md) plus explicit
``[[category: item]]`` note tags. Export as CSV or HTML with the industry's strip colours.
"""

from __future__ import annotations

import csv
import functools
import html
import io
import operator
import re
from dataclasses import dataclass, field

from .breakdown_words import PEOPLE_WORDS, SOUND_WORDS, STOP_WORDS
from .elements import ACTION, CHARACTER, NOTE, SYNOPSIS, Scene, Screenplay
from .markup import notes_in, plain_text
from .pages import Pagination, paginate

CATEGORIES = (
    "cast", "background", "stunts", "vehicles", "props", "wardrobe", "makeup_hair", "sfx", "vfx", "sound",
    "animals", "set_dressing", "notes",
)  # fmt: skip

CATEGORY_ALIASES = {
    "actors": "cast",
    "extras": "background",
    "bg": "background",
    "stunt": "stunts",
    "vehicle": "vehicles",
    "picture vehicles": "vehicles",
    "prop": "props",
    "costume": "wardrobe",
    "costumes": "wardrobe",
    "makeup": "makeup_hair",
    "hair": "makeup_hair",
    "makeup/hair": "makeup_hair",
    "makeup & hair": "makeup_hair",
    "special effects": "sfx",
    "visual effects": "vfx",
    "animal": "animals",
    "set dressing": "set_dressing",
    "set": "set_dressing",
    "note": "notes",
    "music": "sound",
}


def _words(text: str) -> tuple[str, ...]:
    return tuple(word.strip() for word in text.split(","))


# Keywords per category, comma-separated (two-word keywords allowed).
_KEYWORDS: dict[str, tuple[str, ...]] = {
    "background": _words(
        "crowd, crowds, extras, passers-by, passersby, pedestrians, patrons, customers, bystanders, "
        "onlookers, commuters, diners, shoppers, tourists, dancers, spectators, audience"
    ),
    "stunts": _words(
        "fight, fights, brawl, punch, punches, kicks, tackles, leaps, dives, chase, chases, stunt, "
        "somersaults, collides, thrown, falls from, jumps from"
    ),
    "vehicles": _words(
        "car, cars, truck, van, bus, taxi, cab, motorcycle, motorbike, bicycle, bike, helicopter, boat, "
        "train, plane, jet, limo, limousine, porsche, ambulance, police car, jeep, tractor, scooter"
    ),
    "wardrobe": _words(
        "coat, raincoat, jacket, dress, suit, uniform, hat, cap, helmet, boots, gloves, mask, tie, scarf, "
        "hoodie, costume, shirtless, apron, robe, veil"
    ),
    "makeup_hair": _words(
        "blood, bloody, bleeding, bruise, bruised, scar, wound, sweat, sweating, tears, makeup, wig, "
        "beard, moustache, mustache, tattoo, prosthetic"
    ),
    "sfx": _words(
        "rain, snow, fog, smoke, fire, flames, explosion, explodes, sparks, wind, storm, lightning, "
        "steam, gunfire, gunshot"
    ),
    "vfx": _words(
        "hologram, holographic, portal, laser, teleports, invisible, force field, spaceship, monster, "
        "glowing, morphs, cgi, green screen"
    ),
    "sound": _words("music, song, radio, siren, sirens, alarm, thunder, static, ringtone"),
    "animals": _words(
        "dog, dogs, cat, cats, horse, horses, bird, birds, monkey, rat, rats, crow, crows, cow, snake, "
        "pigeon, pigeons, wolf, chicken"
    ),
    "set_dressing": _words(
        "table, tables, chair, chairs, sofa, couch, bed, desk, lamp, shelves, bookshelf, curtains, "
        "posters, painting, rug, counter, cabinet, fridge, mirror"
    ),
}


def _word_pattern(words: list[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE)


_KEYWORD_ITEM = {word: (category, word) for category, words in _KEYWORDS.items() for word in words}
"""Each keyword's (category, keyword) item, made once."""
_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
_PAIR_STARTS = frozenset(word.split()[0] for word in _KEYWORD_ITEM if " " in word)
_PAIR_ITEMS = frozenset(item for word, item in _KEYWORD_ITEM.items() if " " in word)
_LOOKED_UP = frozenset(_KEYWORD_ITEM) | _PAIR_STARTS
"""Words :func:`keyword_items` needs to see: keywords and the first words of two-word keywords."""
_CATEGORY = operator.itemgetter(0)


# Byte table: ASCII letters in lower case, hyphens kept, anything else a space (what separates _WORD's words).
_LOWER_WORD_BYTES = bytes(
    ord(char.lower()) if (char.isascii() and char.isalpha()) or char == "-" else ord(" ")
    for char in map(chr, range(256))
)


def _words_of(action: str) -> list[str]:
    """The text's words (``_WORD``) in lower case. ASCII without hyphens, the usual action, needs only C
    methods: a byte table is far quicker than ``str.translate`` or a pattern."""
    if "-" not in action and action.isascii():
        return action.encode("ascii").translate(_LOWER_WORD_BYTES).decode("ascii").split()
    return " ".join(_WORD.findall(action)).lower().split()


def keyword_items(action: str) -> list[tuple[str, str]]:
    """(category, keyword) for each keyword in the text, once, in order of first mention (all a sheet keeps);
    two-word keywords are tried before single words."""
    words = _words_of(action)
    present = _LOOKED_UP.intersection(words)  # in C: a handful of words, not a lookup per word in Python
    if _PAIR_STARTS.isdisjoint(present):  # the usual case: no pairs to try
        return [_KEYWORD_ITEM[word] for word in sorted(present, key=words.index)]
    found: list[tuple[str, str]] = []
    skip = False
    for index, word in enumerate(words):
        if skip:
            skip = False
            continue
        pair = f"{word} {words[index + 1]}" if index + 1 < len(words) else ""
        if pair in _KEYWORD_ITEM:
            found.append(_KEYWORD_ITEM[pair])
            skip = True
        elif word in _KEYWORD_ITEM:
            found.append(_KEYWORD_ITEM[word])
    return list(dict.fromkeys(found))


_VEHICLE_WORDS = _word_pattern(list(_KEYWORDS["vehicles"]))
_ANIMAL_WORDS = _word_pattern(list(_KEYWORDS["animals"]))

STRIP_COLOURS = {
    ("INT", "DAY"): ("white", "#FFFFFF"),
    ("EXT", "DAY"): ("yellow", "#FFF59D"),
    ("INT", "NIGHT"): ("blue", "#90CAF9"),
    ("EXT", "NIGHT"): ("green", "#A5D6A7"),
}
"""Industry strip-board convention: INT day white, EXT day yellow, INT night blue, EXT night green."""

# Heading time words -> the production contract's time values; None = continuity (inherit the previous scene).
TIME_WORDS: dict[str, str | None] = {
    "DAY": "day", "MORNING": "day", "AFTERNOON": "day", "NOON": "day", "MIDDAY": "day",
    "LATE AFTERNOON": "day",
    "NIGHT": "night", "MIDNIGHT": "night", "LATE NIGHT": "night",
    "DAWN": "dawn", "SUNRISE": "dawn", "DAYBREAK": "dawn", "FIRST LIGHT": "dawn", "EARLY MORNING": "dawn",
    "DUSK": "dusk", "EVENING": "dusk", "TWILIGHT": "dusk", "SUNDOWN": "dusk",
    "SUNSET": "golden_hour", "GOLDEN HOUR": "golden_hour", "MAGIC HOUR": "golden_hour",
    "CONTINUOUS": None, "LATER": None, "MOMENTS LATER": None, "SAME": None, "SAME TIME": None,
    "CONTINUED": None,
}  # fmt: skip
_NIGHT_TIMES = frozenset({"night", "dusk"})

_PREFIX = re.compile(r"\s*(int\.?\s*/\s*ext|ext\.?\s*/\s*int|i\s*/\s*e|int|ext|est)\b\.?\s*", re.IGNORECASE)
_SEGMENT_SPLIT = re.compile(r"\s+(?:-{1,2}|–|—)\s+|\s+(?:-{1,2}|–|—)$")
_PARENTHESES = re.compile(r"\([^)]*\)")
# Patterns here open with the character to find and only then look behind it ("[A-Z](?<!x[A-Z])", not
# "(?<!x)[A-Z]"): the regex engine then skips ahead to candidate characters instead of trying every position.
_CAPS_PHRASE = re.compile(
    r"[A-Z](?<![\w'’][A-Z])[A-Z0-9'’.\-]*[A-Z0-9](?:\s+[A-Z][A-Z0-9'’.\-]*[A-Z0-9])*(?![\w'’])"
)
_TAG = re.compile(r"\s*([A-Za-z][A-Za-z /&_\-]*?)\s*:\s*(.+)", re.DOTALL)


@dataclass(frozen=True)
class Heading:
    """A scene heading read as INT/EXT, location and time of day."""

    setting: str  # "INT", "EXT", "INT/EXT" or "" (a forced heading without one)
    location: str  # as written, e.g. "BRICK'S POOL"
    time_word: str  # as written, e.g. "NIGHT", "CONTINUOUS", ""
    time: str | None  # contract value (day|night|dawn|dusk|golden_hour) or None when the heading has none

    @property
    def exterior(self) -> bool:
        return self.setting in {"EXT", "INT/EXT"}


def read_heading(text: str) -> Heading:
    prefix = _PREFIX.match(text)
    setting = ""
    rest = text
    if prefix is not None:
        word = prefix.group(1).upper().replace(" ", "").replace(".", "")
        setting = {"INT": "INT", "EXT": "EXT", "EST": "EXT"}.get(word, "INT/EXT")
        rest = text[prefix.end() :]
    segments = [part.strip() for part in _SEGMENT_SPLIT.split(rest) if part and part.strip()]
    time_word = ""
    time: str | None = None
    if len(segments) > 1 or (segments and prefix is None):
        candidate = " ".join(_PARENTHESES.sub("", segments[-1]).upper().replace(".", "").split())
        if candidate in TIME_WORDS:
            time_word = segments.pop()
            time = TIME_WORDS[candidate]
    return Heading(setting, " - ".join(segments), time_word, time)


@functools.lru_cache(maxsize=4096)
def display_name(name: str) -> str:
    """A cue name for people: capitals become title case ("MRS. SMITH" -> "Mrs. Smith"); mixed case stays."""
    name = " ".join(name.split())
    if name != name.upper():
        return name
    words = []
    for word in name.split(" "):
        if any(char.isdigit() for char in word) or (word.isalpha() and not set(word.lower()) & set("aeiouy")):
            words.append(word)  # C3PO, DJ, TV stay as written
        else:
            words.append("-".join(part[:1].upper() + part[1:].lower() for part in word.split("-")))
    return " ".join(words)


@dataclass(frozen=True)
class SceneBreakdown:
    index: int
    number: str
    heading: str
    setting: str
    location: str
    time: str  # contract value; inherited from the previous scene for CONTINUOUS/LATER, "day" at the start
    day_night: str  # "DAY" or "NIGHT" for the strip board
    line: int
    page: int
    eighths: int
    pages_label: str
    synopsis: str
    categories: dict[str, list[str]] = field(default_factory=dict)

    @property
    def strip(self) -> tuple[str, str]:
        """(colour name, hex) of this scene's strip."""
        return STRIP_COLOURS[("INT" if self.setting == "INT" else "EXT", self.day_night)]


def _sheet(**fields: object) -> SceneBreakdown:
    """``SceneBreakdown(**fields)``, given every field, without the frozen dataclass's ``__init__``: that sets
    each of the 13 fields through ``object.__setattr__``, which costs more than working out their values.
    Filling the instance dict gives an equal object (the class has no ``__post_init__``)."""
    sheet = object.__new__(SceneBreakdown)
    sheet.__dict__.update(fields)
    return sheet


def speakers(scene: Scene) -> list[str]:
    """Display names of everyone with a cue in the scene, in order of first line."""
    return list(dict.fromkeys([display_name(e.text) for e in scene.elements if e.kind == CHARACTER]))


def all_characters(screenplay: Screenplay) -> list[str]:
    """Display names of every speaking character, in order of first line."""
    return _characters([speakers(scene) for scene in screenplay.scenes])


def _characters(speakers_per_scene: list[list[str]]) -> list[str]:
    return list(dict.fromkeys([name for names in speakers_per_scene for name in names]))


def _mention_pattern(names: list[str]) -> re.Pattern[str] | None:
    """Matches a known character in action, in capitals (as introduced) or as their display name.

    The one group captures the name, so ``split`` gives the text between mentions and the mentions at once.
    """
    forms = {form for name in names for form in (name, name.upper()) if form}
    if not forms:
        return None
    rests_by_first: dict[str, list[str]] = {}  # longest first, as the alternation must try them
    for form in sorted(forms, key=len, reverse=True):
        rests_by_first.setdefault(form[0], []).append(re.escape(form[1:]))
    # One look behind per first character (see _CAPS_PHRASE), not per form: a shorter pattern compiles faster.
    alternatives = "|".join(
        re.escape(first) + rf"(?<![\w'’]{re.escape(first)})(?:{'|'.join(rests)})"
        for first, rests in rests_by_first.items()
    )
    return re.compile(rf"((?:{alternatives}))(?![\w])")


def capitalised_things(action: str) -> list[tuple[str, str]]:
    """(category, item) for runs of capitals in action that are not characters (sounds, people, things).

    Characters' names must already be gone from ``action`` (:func:`breakdown` puts ``|`` in their place).
    """
    return list(filter(None, map(_capitals_item, _CAPS_PHRASE.findall(action))))  # None: only stop words


@functools.lru_cache(maxsize=4096)
def _capitals_item(capitals: str) -> tuple[str, str] | None:
    """One run of capitals as (category, item), stop words trimmed; None when only stop words. Cached: a
    script names the same props and sounds again and again."""
    words = capitals.split()
    while words and words[0] in STOP_WORDS:
        words.pop(0)
    while words and words[-1] in STOP_WORDS:
        words.pop()
    if not words:
        return None
    phrase = " ".join(words)
    if SOUND_WORDS.intersection(words):
        return ("sound", phrase)
    if PEOPLE_WORDS.intersection(words):
        return ("background", phrase)
    if _VEHICLE_WORDS.search(phrase):
        return ("vehicles", phrase)
    if _ANIMAL_WORDS.search(phrase):
        return ("animals", phrase)
    return ("props", phrase)


def category_of(tag: str) -> str | None:
    key = " ".join(tag.lower().replace("_", " ").split())
    key = CATEGORY_ALIASES.get(key, key).replace(" ", "_")
    return key if key in CATEGORIES else None


def note_tags(texts: list[str]) -> list[tuple[str, str]]:
    """``[[category: item, item]]`` tags; any other note goes to the notes category whole."""
    found: list[tuple[str, str]] = []
    for text in texts:
        tag = _TAG.fullmatch(text)
        category = category_of(tag.group(1)) if tag else None
        if tag is None or category is None:
            found.append(("notes", " ".join(plain_text(text).split())))
            continue
        found += [(category, item.strip()) for item in tag.group(2).split(",") if item.strip()]
    return found


def breakdown(
    screenplay: Screenplay, paper: str = "letter", pagination: Pagination | None = None
) -> list[SceneBreakdown]:
    """One sheet per scene, in script order (pass ``pagination`` of this screenplay when you already have it:
    its scenes and the elements' printed text are reused, not worked out again)."""
    if pagination is None:
        pagination = paginate(screenplay, paper)
    speakers_per_scene = [speakers(length.scene) for length in pagination.scenes]
    known = _characters(speakers_per_scene)
    mentions = _mention_pattern(known)
    by_upper = {name.upper(): name for name in known}
    sheets: list[SceneBreakdown] = []
    headings: dict[str, Heading] = {}
    note_items: dict[str, list[tuple[str, str]]] = {}  # a script repeats its notes (tags) too
    time = "day"
    for length, cast in zip(pagination.scenes, speakers_per_scene, strict=True):
        scene = length.scene
        if scene.heading.text not in headings:  # a script keeps going back to its sets
            headings[scene.heading.text] = read_heading(scene.heading.text)
        heading = headings[scene.heading.text]
        time = heading.time or time
        actions: list[str] = []
        notes: list[str] = []
        synopsis: list[str] = []
        for element in scene.elements:
            kind = element.kind
            if kind == NOTE:
                notes.append(element.text)
            elif "[" in element.text:  # quicker to find than "[["
                notes += notes_in(element.text)
            if kind == SYNOPSIS:
                synopsis.append(element.text)
            elif kind == ACTION:
                actions.append(plain_text(element.text))
        named, found = _action_items(actions, mentions)
        cast += [by_upper[name.upper()] for name in named]
        for note in notes:
            if note not in note_items:
                note_items[note] = note_tags([note])
            found += note_items[note]
        sheets.append(
            _sheet(
                index=scene.index,
                number=scene.number,
                heading=scene.heading.text,
                setting=heading.setting or "INT",
                location=heading.location,
                time=time,
                day_night="NIGHT" if time in _NIGHT_TIMES else "DAY",
                line=scene.line,
                page=length.page,
                eighths=length.eighths,
                pages_label=length.label,
                synopsis=" ".join(synopsis),
                categories=_categories(cast, found),
            )
        )
    return sheets


_ACTIONS_APART = "\n|\n"
"""Between a scene's actions read as one text: no rule matches across it (a cue name is one line, a run of
capitals cannot go on past ``|``, a keyword is letters)."""


def _action_items(
    actions: list[str], mentions: re.Pattern[str] | None
) -> tuple[list[str], list[tuple[str, str]]]:
    """Characters named in the actions, in script order, and (category, item) for what they mention, in
    script order within each category (each action's keywords before its capitals): all a sheet keeps.

    The rules run once over all the actions joined, not once per action. That gives the same names, and the
    same items in the same order per category, unless a category gets both keywords and capitals (their order
    then depends on which action each came from) or a match might span two actions (see
    :func:`_joining_may_differ`): then the actions are read one by one.
    """
    text = _ACTIONS_APART.join(actions)
    keywords = keyword_items(text)
    named: list[str] = []
    if mentions is not None:  # cast named in the action, and the action without their names
        pieces = mentions.split(text)
        if len(pieces) > 1:
            named = pieces[1::2]
            text = "|".join(pieces[::2])
    capitals = capitalised_things(text)
    if len(actions) > 1 and _joining_may_differ(named, keywords, capitals):
        named, found = [], []
        for action in actions:
            action_named, action_found = _action_items([action], mentions)
            named += action_named
            found += action_found
        return named, found
    return named, keywords + capitals


def _joining_may_differ(
    named: list[str], keywords: list[tuple[str, str]], capitals: list[tuple[str, str]]
) -> bool:
    """Whether reading the actions one by one could give other items or another order than reading them
    joined: a category with keywords and capitals, a two-word keyword, or a name with ``|`` (which could have
    matched part of :data:`_ACTIONS_APART`)."""
    if not {category for category, _ in capitals}.isdisjoint(map(_CATEGORY, keywords)):
        return True
    return not _PAIR_ITEMS.isdisjoint(keywords) or "|" in "".join(named)


def _categories(cast: list[str], found: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Every category's items, each once (case-insensitively; the first form is kept)."""
    sheet: dict[str, list[str]] = {category: [] for category in CATEGORIES}
    sheet["cast"] += dict.fromkeys(cast)
    for category, item in dict.fromkeys(found):  # exact repeats go first, at C speed
        sheet[category].append(item)
    for category, items in sheet.items():
        if len(items) > 1 and len(set(map(str.casefold, items))) < len(items):  # rare: repeats in other case
            unique: dict[str, str] = {}
            for item in items:
                unique.setdefault(item.casefold(), item)
            sheet[category] = list(unique.values())
    return sheet


_COLUMNS = ("scene", "heading", "int_ext", "day_night", "location", "pages", "page", "strip", *CATEGORIES)


def _row(sheet: SceneBreakdown) -> list[str]:
    fixed = [sheet.number, sheet.heading, sheet.setting, sheet.day_night, sheet.location, sheet.pages_label,
             str(sheet.page), sheet.strip[0]]  # fmt: skip
    return fixed + ["; ".join(sheet.categories[category]) for category in CATEGORIES]


def to_csv(sheets: list[SceneBreakdown]) -> str:
    """One row per scene; items within a category are separated by '; '."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(_COLUMNS)
    writer.writerows(_row(sheet) for sheet in sheets)
    return buffer.getvalue()


def to_html(sheets: list[SceneBreakdown], title: str = "Breakdown") -> str:
    """A printable page of breakdown sheets, each headed by its strip colour. All text is escaped."""
    parts = [
        "<!DOCTYPE html>",
        f"<html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif}table{border-collapse:collapse;margin:1em 0;width:100%}"
        "td,th{border:1px solid #999;padding:4px;text-align:left;vertical-align:top}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    for sheet in sheets:
        colour_name, colour = sheet.strip
        parts.append(f"<table class='sheet' data-strip='{colour_name}'>")
        parts.append(
            f"<tr style='background:{colour}'><th colspan='2'>Scene {html.escape(sheet.number)}: "
            f"{html.escape(sheet.heading)} ({html.escape(sheet.pages_label)} pp, page {sheet.page})</th></tr>"
        )
        if sheet.synopsis:
            parts.append(f"<tr><th>synopsis</th><td>{html.escape(sheet.synopsis)}</td></tr>")
        for category in CATEGORIES:
            values = sheet.categories[category]
            if values:
                cell = "<br>".join(html.escape(value) for value in values)
                parts.append(f"<tr><th>{category}</th><td>{cell}</td></tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
