"""`production.script`: what a spec leaves out comes from the Fountain screenplay it names.

Scenes, characters, locations and shots are derived from the screenplay (script_to_spec's rule-based
coverage); explicit spec entries win, matched by scene id, character name and location name. Shots come from
the script only when the spec gives none, so a hand-made shot list is never mixed with generated coverage.
"""

from __future__ import annotations

from ..diagnostics import Position
from ..files import MAX_SCREENPLAY_BYTES, FileProblem, read_text, resolve
from ..screenplay.fountain import FountainError, parse
from ..screenplay.script_to_spec import to_spec
from .loader import LoadedSpec

_MERGED = (("characters", "name"), ("locations", "name"), ("scenes", "id"))


def merge_script(loaded: LoadedSpec) -> None:
    """Fill `loaded.data` from its script in place; problems reading the script become issues."""
    data = loaded.data
    script = data.get("script")
    if not isinstance(script, str):
        return
    try:
        path = resolve(loaded.base_dir, script)
        if not path.exists():
            return  # the validator reports the missing file with its position
        screenplay = parse(read_text(path, script, MAX_SCREENPLAY_BYTES, "screenplays"), source=script)
    except FileProblem as problem:
        loaded.issues.append(
            loaded.sources.issue(("script",), "error", problem.message, problem.suggestion, problem.code)
        )
        return
    except FountainError as exc:
        loaded.issues.append(
            loaded.sources.issue(
                ("script",),
                "error",
                f"cannot read the screenplay: {exc}",
                "check that the file is UTF-8 Fountain text",
                "script",
            )
        )
        return
    given_fps = data.get("fps")
    fps = given_fps if isinstance(given_fps, int) else 24
    derived = to_spec(screenplay, script, fps=fps)["production"]
    for part, key in _MERGED:
        explicit = data.get(part)
        if explicit is not None and not isinstance(explicit, list):
            continue  # the validator reports the wrong type
        have = {str(item.get(key)) for item in explicit or [] if isinstance(item, dict)}
        additions = [item for item in derived.get(part, []) if str(item.get(key)) not in have]
        if additions:
            data[part] = [*(explicit or []), *additions]
            _point_at_script(loaded, part, len(explicit or []), len(additions), script)
    if not data.get("shots") and derived.get("shots"):
        data["shots"] = derived["shots"]
        _point_at_script(loaded, "shots", 0, len(derived["shots"]), script)


def _point_at_script(loaded: LoadedSpec, part: str, first: int, count: int, script: str) -> None:
    """Issues about derived entries point at the screenplay, not at a line of the spec."""
    for index in range(first, first + count):
        loaded.sources.positions[(part, index)] = Position(script, 1, 1)
