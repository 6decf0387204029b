"""The coverage generator (production/coverage.py): which setups cover a scene, in story order, and their ids.

Expected lists are the rules as issue 17 and docs/spec-reference.md state them, written out by hand: a master,
the OTS pair (the framed one first, the near shoulder second) and the singles of the two on the line, then a
single for each of the rest, then an insert per prop.
"""

from __future__ import annotations

from backlot.production.coverage import Setup, free_shot_ids, line_of_action, setups


def framed(kind: str, cast: list[str], **keys: list[str]) -> list[tuple[str, tuple[str, ...]]]:
    return [(setup.template, setup.subjects) for setup in setups(kind, cast, **keys)]


def test_a_two_hander_gets_master_ots_pair_and_singles() -> None:
    assert framed("standard", ["Ada", "Ben"]) == [
        ("master", ("Ada", "Ben")),  # the wide size frames both (a master holds the exchange)
        ("over_the_shoulder", ("Ben", "Ada")),  # Ben framed over Ada's shoulder
        ("over_the_shoulder", ("Ada", "Ben")),
        ("medium_close_up", ("Ada",)),
        ("medium_close_up", ("Ben",)),
    ]


def test_a_three_hander_covers_the_line_then_gives_the_rest_a_single() -> None:
    assert framed("standard", ["Ada", "Ben", "Cat"], line=["Cat", "Ada"]) == [
        ("master", ("Cat", "Ada")),
        ("over_the_shoulder", ("Ada", "Cat")),
        ("over_the_shoulder", ("Cat", "Ada")),
        ("medium_close_up", ("Cat",)),
        ("medium_close_up", ("Ada",)),
        ("medium_close_up", ("Ben",)),
    ]


def test_one_character_gets_a_master_and_a_single_and_nobody_a_master() -> None:
    assert framed("standard", ["Ada"]) == [("master", ("Ada",)), ("medium_close_up", ("Ada",))]
    assert framed("standard", []) == [("master", ())]


def test_walk_and_talk_is_a_two_shot_on_its_template_then_the_singles() -> None:
    assert framed("walk_and_talk", ["Ada", "Ben", "Cat"]) == [
        ("walk_and_talk", ("Ada", "Ben")),
        ("medium_close_up", ("Ada",)),
        ("medium_close_up", ("Ben",)),
        ("medium_close_up", ("Cat",)),
    ]
    # nobody to walk with: covered like a one-hander
    assert framed("walk_and_talk", ["Ada"]) == [("master", ("Ada",)), ("medium_close_up", ("Ada",))]


def test_none_covers_nothing_and_props_get_inserts_last() -> None:
    assert setups("none", ["Ada", "Ben"], props=["KNIFE"]) == []
    inserts = [setup for setup in setups("standard", ["Ada"], props=["KNIFE", "MAP"]) if setup.prop]
    assert [setup.shot_keys() for setup in inserts] == [
        {"template": "insert", "description": "INSERT - KNIFE"},
        {"template": "insert", "description": "INSERT - MAP"},
    ]
    assert setups("standard", ["Ada"], props=["KNIFE"])[-1].prop == "KNIFE"


def test_the_line_is_the_given_pair_else_the_first_two_speakers_else_the_first_two_cast() -> None:
    cast = ["Ada", "Ben", "Cat"]
    assert line_of_action(cast, line=["Cat", "Ben"]) == ("Cat", "Ben")
    assert line_of_action(cast, speakers=["Cat", "Cat", "Ada"]) == ("Cat", "Ada")
    assert line_of_action(cast, speakers=["Ben"]) == ("Ben", "Ada")  # one speaker: the next of the cast
    assert line_of_action(cast, speakers=["Narrator", "Cat"]) == ("Cat", "Ada")  # not on the set
    assert line_of_action(cast) == ("Ada", "Ben")
    # a line that is not two of the cast (validation reports it) falls back instead of framing nobody
    assert line_of_action(cast, line=["Ada", "Ada"]) == ("Ada", "Ben")
    assert line_of_action(cast, line=["Ada", "Zed"]) == ("Ada", "Ben")
    assert line_of_action(["Ada"]) is None


def test_shot_keys_name_one_subject_or_the_pair() -> None:
    assert Setup("master", ("Ada",)).shot_keys() == {"template": "master", "subject": "Ada"}
    assert Setup("over_the_shoulder", ("Ben", "Ada")).shot_keys() == {
        "template": "over_the_shoulder",
        "subjects": ["Ben", "Ada"],
    }
    assert Setup("master").shot_keys() == {"template": "master"}


def test_ids_run_in_letter_order_skipping_taken_ones() -> None:
    taken = {"2B", "2D", "3A"}
    ids = free_shot_ids("2", taken)
    assert [next(ids) for _ in range(3)] == ["2A", "2C", "2E"]
    taken.add("2F")  # taken meanwhile (another shot drew it): skipped too
    assert next(ids) == "2G"
    many = free_shot_ids(7, ())
    assert [next(many) for _ in range(28)][-3:] == ["7Z", "7AA", "7AB"]
