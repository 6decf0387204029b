"""Coverage: which camera setups cover a scene, decided once for the spec and the screenplay.

A spec scene's `coverage: standard` (production/spec/scene_coverage.py) and the screenplay's draft shot list
(production/screenplay/script_to_spec.py) both ask here, so a two-hander is covered the same way whichever
door it came in by: a master, the over-the-shoulder pair and the singles of the two on the line of action, a
single for everyone else, an insert per prop handled. Each caller times the setups its own way (a spec by the
templates, a draft by speech and page time). Plain data, no model: both callers hold scenes as their own
dicts. The rules are written for users in docs/fountain.md ("Coverage rules") and docs/spec-reference.md.
"""

from __future__ import annotations

import itertools
from collections.abc import Container, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .values import shot_letter

COVERAGE_KINDS = ("none", "standard", "walk_and_talk")
"""`scenes[].coverage`: none (only the shots the spec lists), standard, walk_and_talk."""

# The shot templates (presets/shots) each kind of setup is shot on.
MASTER = "master"
OVER_THE_SHOULDER = "over_the_shoulder"
SINGLE = "medium_close_up"
WALK_AND_TALK = "walk_and_talk"
INSERT = "insert"


@dataclass(frozen=True)
class Setup:
    """One camera setup: its shot template, whom it frames (the framed one first; an OTS's second name is the
    near shoulder) and, for an insert, the prop."""

    template: str
    subjects: tuple[str, ...] = ()
    prop: str = ""

    def shot_keys(self) -> dict[str, Any]:
        """The setup as spec shot keys, without id, scene or duration (each caller adds its own)."""
        keys: dict[str, Any] = {"template": self.template}
        if len(self.subjects) == 1:
            keys["subject"] = self.subjects[0]
        elif self.subjects:
            keys["subjects"] = list(self.subjects)
        if self.prop:
            keys["description"] = f"INSERT - {self.prop}"
        return keys


def line_of_action(
    cast: Sequence[str], line: Sequence[str] = (), speakers: Sequence[str] = ()
) -> tuple[str, str] | None:
    """The two the line runs between: `line` when it names two of the cast, else the first two speakers, else
    the first two of the cast (a speaker outside the cast is not on the set). None with fewer than two."""
    if len(line) == 2 and line[0] != line[1] and all(name in cast for name in line):
        return line[0], line[1]
    candidates = list(dict.fromkeys([*(name for name in speakers if name in cast), *cast]))
    return (candidates[0], candidates[1]) if len(candidates) >= 2 else None


def setups(
    kind: str,
    cast: Sequence[str],
    line: Sequence[str] = (),
    speakers: Sequence[str] = (),
    props: Sequence[str] = (),
) -> list[Setup]:
    """The setups covering a scene, in story order.

    standard, two or more people (A and B on the line): master of A and B, OTS of B over A, OTS of A over B,
    single of A, single of B. walk_and_talk: a walk-and-talk two-shot of A and B, then their singles. One
    person (or a walk-and-talk with fewer than two): a master and a single; nobody: a master. Then a single
    for each of the rest of the cast, then an insert per prop. `none` covers nothing.
    """
    if kind == "none":
        return []
    pair = line_of_action(cast, line, speakers)
    result: list[Setup]
    if pair is None:
        lead = tuple(cast[:1])
        result = [Setup(MASTER, lead), *(Setup(SINGLE, (name,)) for name in lead)]
        covered: tuple[str, ...] = lead
    else:
        a, b = pair
        if kind == "walk_and_talk":
            result = [Setup(WALK_AND_TALK, (a, b))]
        else:
            result = [
                Setup(MASTER, (a, b)),
                Setup(OVER_THE_SHOULDER, (b, a)),
                Setup(OVER_THE_SHOULDER, (a, b)),
            ]
        result += [Setup(SINGLE, (a,)), Setup(SINGLE, (b,))]
        covered = pair
    result += [Setup(SINGLE, (name,)) for name in dict.fromkeys(cast) if name not in covered]
    result += [Setup(INSERT, prop=prop) for prop in props]
    return result


def free_shot_ids(scene_id: str | int, taken: Container[str]) -> Iterator[str]:
    """`<scene><letter>` ids in letter order (A..Z, AA, ...), skipping those in `taken`; `taken` is read as
    each id is drawn, so ids added to it meanwhile are skipped too."""
    for position in itertools.count():
        candidate = f"{scene_id}{shot_letter(position)}"
        if candidate not in taken:
            yield candidate
