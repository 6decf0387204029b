"""Read a production spec (one YAML file or a production folder) into plain data plus source positions.

A folder's part files (characters/, locations/, costumes/, scenes/, shots/) are merged into one production,
each item keeping the positions of its own file, and each issue re-pathed to where the item lands in the spec.
The YAML itself is read by yaml_reader.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..diagnostics import Issue
from .yaml_reader import PathKey, SourceMap, read_yaml_file

FOLDER_PARTS = ("characters", "locations", "costumes", "scenes", "shots")
PRODUCTION_FILES = ("production.yaml", "production.yml")


@dataclass
class LoadedSpec:
    """The raw production mapping (contents of `production:`), where each value came from, and load issues."""

    data: dict[str, Any]
    sources: SourceMap
    base_dir: Path
    issues: list[Issue]
    files: list[Path]


def _relabel(path: Path, base_dir: Path) -> str:
    try:
        return str(path.relative_to(base_dir))
    except ValueError:
        return str(path)


def load(spec_path: str | Path) -> LoadedSpec:
    """Load a spec file or production folder. Never raises for bad input: problems become issues."""
    spec_path = Path(spec_path)
    issues: list[Issue] = []
    sources = SourceMap()
    if spec_path.is_dir():
        return _load_folder(spec_path, sources, issues)
    base_dir = spec_path.parent.resolve()
    if not spec_path.exists():
        issues.append(
            Issue(
                path="",
                severity="error",
                message=f"spec file not found: {spec_path}",
                suggestion="give the path of a production .yaml file or a production folder",
                code="file.missing",
            )
        )
        return LoadedSpec({}, sources, base_dir, issues, [])
    data = read_yaml_file(spec_path, spec_path.name, (), sources, issues)
    production = _unwrap_production(data, spec_path.name, sources, issues)
    return LoadedSpec(production, sources, base_dir, issues, [spec_path])


def _rebase(path: str, old: str, new: str) -> str | None:
    """'production.shots[1].x' -> 'shots[1].x' (old='production', new=''); None when not under `old`."""
    if path == old:
        return new
    if not path.startswith(old) or path[len(old) : len(old) + 1] not in (".", "["):
        return None
    rest = path[len(old) :]
    return (rest[1:] if rest.startswith(".") else rest) if not new else new + rest


def _rebase_issues(issues: list[Issue], start: int, rewrite: Callable[[str], str | None]) -> None:
    """Re-path the issues recorded since `start` (while parsing one file) so they use spec paths."""
    for index in range(start, len(issues)):
        new_path = rewrite(issues[index].path)
        if new_path is not None:
            issues[index] = replace(issues[index], path=new_path)


def _unwrap_production(data: Any, label: str, sources: SourceMap, issues: list[Issue]) -> dict[str, Any]:
    """The contract's root is `production:`; its contents are what every path is relative to."""
    if isinstance(data, dict) and "production" in data:
        # paths in issues are relative to `production:`, like every validator issue
        _rebase_issues(issues, 0, lambda p: _rebase(p, "production", ""))
    if data is None and any(i.is_error for i in issues):
        return {}
    if not isinstance(data, dict) or "production" not in data:
        issues.append(
            Issue(
                path="",
                severity="error",
                message=f"{label} has no top-level `production:` mapping",
                suggestion=(
                    "start the file with `production:` and indent the title, scenes, shots... under it"
                ),
                file=label,
                line=1,
                column=1,
                code="spec.no_production",
            )
        )
        return {}
    extra = [k for k in data if k != "production"]
    for key in extra:
        issues.append(
            sources.issue(
                (key,),
                "warning",
                f"top-level key '{key}' is ignored",
                "move it under `production:`",
                "spec.unknown_key",
            )
        )
    production = data["production"]
    if not isinstance(production, dict):
        issues.append(
            sources.issue(
                ("production",),
                "error",
                "`production:` must be a mapping of fields",
                "indent title, version, scenes... under `production:`",
                "spec.type",
            )
        )
        return {}
    sources.strip_prefix(("production",))
    return production


def _iter_part_files(folder: Path) -> Iterator[Path]:
    yield from sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def _load_folder(folder: Path, sources: SourceMap, issues: list[Issue]) -> LoadedSpec:
    folder = folder.resolve()
    main = next((folder / n for n in PRODUCTION_FILES if (folder / n).exists()), None)
    if main is None:
        issues.append(
            Issue(
                path="",
                severity="error",
                message=f"{folder.name}/ has no production.yaml",
                suggestion="a production folder needs production.yaml with title and version",
                file=str(folder),
                code="file.missing",
            )
        )
        return LoadedSpec({}, sources, folder, issues, [])
    data = read_yaml_file(main, main.name, (), sources, issues)
    production = _unwrap_production(data, main.name, sources, issues)
    files = [main]
    owners: dict[tuple[str, str], str] = {}
    for part in FOLDER_PARTS:
        _record_owners(production, part, main.name, owners)
        sub = folder / part
        if not sub.is_dir():
            continue
        for file in _iter_part_files(sub):
            files.append(file)
            _merge_part_file(production, part, file, _relabel(file, folder), sources, issues, owners)
    return LoadedSpec(production, sources, folder, issues, files)


def _identity(part: str, item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    key = "id" if part in ("scenes", "shots") else "name"
    value = item.get(key)
    return None if value is None else str(value)


def _record_owners(
    production: dict[str, Any], part: str, label: str, owners: dict[tuple[str, str], str]
) -> None:
    existing = production.get(part)
    names: list[str] = []
    if part == "costumes" and isinstance(existing, dict):
        names = [str(k) for k in existing]
    elif isinstance(existing, list):
        names = [n for n in (_identity(part, item) for item in existing) if n is not None]
    for name in names:
        owners.setdefault((part, name), label)


def _merge_part_file(
    production: dict[str, Any],
    part: str,
    file: Path,
    label: str,
    sources: SourceMap,
    issues: list[Issue],
    owners: dict[tuple[str, str], str],
) -> None:
    scratch = SourceMap()
    first_issue = len(issues)
    existing = production.get(part)
    start = len(existing) if isinstance(existing, list) else 0
    value = read_yaml_file(file, label, ("<file>",), scratch, issues)
    wrapped = isinstance(value, dict) and part in value and len(value) == 1
    as_list = isinstance(value[part] if wrapped else value, list)

    def spec_path(path: str) -> str | None:
        """'<file>[1].name' in characters/b.yaml -> 'characters[<start + 1>].name' in the merged spec."""
        if _rebase(path, "<file>", "<file>") is None:
            return None
        rest = path[len("<file>") :]  # '', '.name', '[1].name', '.characters[1].name'
        if wrapped and _rebase(rest[1:], part, "") is not None:
            rest = rest[1 + len(part) :]
        if part == "costumes" or value is None:
            return part + rest
        if as_list:
            match = re.match(r"^\[(\d+)\](.*)$", rest)
            return f"{part}[{start + int(match.group(1))}]{match.group(2)}" if match else part + rest
        return f"{part}[{start}]{rest}"

    _rebase_issues(issues, first_issue, spec_path)
    if value is None:
        return
    if wrapped:
        value = value[part]
        scratch.strip_prefix(("<file>", part))
        scratch.positions = {("<file>", *k): v for k, v in scratch.positions.items()}
        scratch.raw_text = {("<file>", *k): v for k, v in scratch.raw_text.items()}
    if part == "costumes":
        _merge_costumes(production, value, label, scratch, sources, issues, owners)
        return
    items = value if isinstance(value, list) else [value]
    target = production.setdefault(part, [])
    if not isinstance(target, list):
        issues.append(
            sources.issue(
                (part,),
                "error",
                f"`{part}` must be a list to merge {label} into it",
                f"write `{part}:` as a list (- items)",
                "spec.type",
            )
        )
        return
    groups = _group(scratch, 2 if isinstance(value, list) else 1)
    for local_index, item in enumerate(items):
        index = len(target)
        target.append(item)
        local_path = ("<file>", local_index) if isinstance(value, list) else ("<file>",)
        _copy_positions(scratch, local_path, sources, (part, index), groups)
        # a duplicate name in a list is reported once, by the validator, naming both files


def _merge_costumes(
    production: dict[str, Any],
    value: Any,
    label: str,
    scratch: SourceMap,
    sources: SourceMap,
    issues: list[Issue],
    owners: dict[tuple[str, str], str],
) -> None:
    if not isinstance(value, dict):
        issues.append(
            Issue(
                path="costumes",
                severity="error",
                message=f"{label} must map costume names to costumes",
                suggestion="write `courier_rain: {pieces: [...], colors: [...]}`",
                file=label,
                line=1,
                column=1,
                code="spec.type",
            )
        )
        return
    target = production.setdefault("costumes", {})
    if not isinstance(target, dict):
        return
    groups = _group(scratch, 2)
    for name, costume in value.items():
        previous = owners.get(("costumes", name))
        _copy_positions(scratch, ("<file>", name), sources, ("costumes", name), groups)
        if previous is not None:
            issues.append(
                sources.issue(
                    ("costumes", name),
                    "error",
                    f"costume '{name}' is defined twice: in {previous} and in {label}",
                    "rename one of them or delete the duplicate",
                    "spec.duplicate",
                )
            )
            continue
        owners[("costumes", name)] = label
        target[name] = costume


_Groups = tuple[dict[PathKey, list[PathKey]], dict[PathKey, list[PathKey]]]


def _group(scratch: SourceMap, depth: int) -> _Groups:
    """Positions and raw texts of a part file grouped by their first `depth` keys (one item each), so copying
    every item costs one pass over the file rather than one pass per item."""
    positions: dict[PathKey, list[PathKey]] = {}
    raw_text: dict[PathKey, list[PathKey]] = {}
    for key in scratch.positions:
        positions.setdefault(key[:depth], []).append(key)
    for key in scratch.raw_text:
        raw_text.setdefault(key[:depth], []).append(key)
    return positions, raw_text


def _copy_positions(
    scratch: SourceMap, local: PathKey, sources: SourceMap, target: PathKey, groups: _Groups | None = None
) -> None:
    n = len(local)
    groups = groups or _group(scratch, n)
    for key in groups[0].get(local, ()):
        sources.positions[(*target, *key[n:])] = scratch.positions[key]
    for key in groups[1].get(local, ()):
        sources.raw_text[(*target, *key[n:])] = scratch.raw_text[key]
