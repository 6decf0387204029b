"""Mutants of real specs for the validation fuzz tests: a seeded generator, so a failure names its seed.

Each mutant starts from a spec that validates clean (the example and the templates) and changes one to three
things the way people and tools break specs: a value of the wrong type or range (huge integers, inf, NaN,
negative, NUL, path escapes), a key deleted or misspelt, a list emptied or duplicated, a YAML tag or a
truncated file. The result is YAML text, so issues can point at lines.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    ROOT / "examples" / "neon_alley" / "production.yaml",
    *sorted((ROOT / "examples" / "templates").glob("*/production.yaml")),
]

NASTY_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    -(10**6),
    10**400,
    -(10**400),
    1e308,
    -1e308,
    float("inf"),
    float("-inf"),
    float("nan"),
    1e-320,
    "",
    " ",
    "a\x00b",
    "../../etc/passwd",
    "/abs/path",
    "..",
    "a/b",
    "a\\b",
    "💥",
    "x" * 5000,
    "1-",
    "3-1",
    "99:1",
    "0:1",
    "#zzzzzz",
    "2026-02-30T25:61",
    "dusk",
    "12s",
    "-3s",
    "1e999s",
    [],
    [1],
    [1, 2, 3, 4],
    ["a", None],
    {},
    {"unknown": 1},
    {"preset": "nope"},
]
RAW_EDITS = [
    ("fps: 24", "fps: !!bool maybe"),
    ("fps: 24", "fps: .inf"),
    ("fps: 24", "fps: 1" + "0" * 400),
    ("fps: 24", "fps: [24"),
    ("title:", "title: !!python/object:os.system"),
    ("title:", "title: &a [*a]"),
    ("version:", "version: !!binary AAAA\n  bogus:"),
    ("\n", "\n\t"),
]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in the document: dict keys and list indexes, depth first."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


def _parent(document: Any, path: tuple[Any, ...]) -> Any:
    for step in path[:-1]:
        document = document[step]
    return document


def _misspell(key: str, rng: random.Random) -> str:
    """One edit away: a dropped, doubled, swapped or changed letter (`lens` -> `lense`)."""
    if len(key) < 2:
        return key + "x"
    i = rng.randrange(len(key) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return key[:i] + key[i + 1 :]
    if kind == 1:
        return key[: i + 1] + key[i] + key[i + 1 :]
    if kind == 2:
        return key[:i] + key[i + 1] + key[i] + key[i + 2 :]
    return key[:i] + rng.choice("aeiouxyz") + key[i + 1 :]


def _mutate(document: Any, rng: random.Random) -> None:
    paths = [p for p in _paths(document) if p]
    if not paths:
        return
    path = rng.choice(paths)
    parent = _parent(document, path)
    step = path[-1]
    action = rng.randrange(6)
    if action <= 2:
        parent[step] = copy.deepcopy(rng.choice(NASTY_VALUES))
    elif action == 3:
        del parent[step]
    elif action == 4 and isinstance(step, str):
        parent[_misspell(step, rng)] = parent.pop(step)
    elif isinstance(parent, list):
        parent.insert(step, copy.deepcopy(parent[step]))
    else:
        parent[step] = []


def _to_text(document: Any, rng: random.Random) -> str:
    try:
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=200)
    except (ValueError, yaml.YAMLError):
        text = "production: {}\n"
    roll = rng.random()
    if roll < 0.1:
        old, new = rng.choice(RAW_EDITS)
        text = text.replace(old, new, 1)
    elif roll < 0.13:
        text = text[: rng.randrange(len(text))]
    return text


def mutants(seed: int, count: int) -> Iterator[tuple[str, Path, str]]:
    """(name, source spec, YAML text) for `count` mutants from one seed."""
    rng = random.Random(seed)
    documents = [(source, yaml.safe_load(source.read_text(encoding="utf-8"))) for source in SOURCES]
    for number in range(count):
        source, original = rng.choice(documents)
        document = copy.deepcopy(original)
        for _ in range(rng.randint(1, 3)):
            _mutate(document, rng)
        yield f"seed {seed} mutant {number} of {source.relative_to(ROOT)}", source, _to_text(document, rng)
