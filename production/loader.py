"""Read a production spec (one YAML file or a production folder) into plain data plus source positions.

YAML is composed into nodes and built here by hand rather than by a constructor, so that every value keeps its
file, line and column, unknown tags are reported instead of constructed, duplicate keys are caught, and alias
bombs ("billion laughs") or absurd nesting stop with a message instead of eating the machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import Issue, Position

try:  # the C composer is 10-50x faster; PyYAML wheels ship it
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - pure-Python fallback
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

PathKey = tuple[str | int, ...]

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_VALUES = 200_000
MAX_DEPTH = 64
FOLDER_PARTS = ("characters", "locations", "costumes", "scenes", "shots")
PRODUCTION_FILES = ("production.yaml", "production.yml")

_STANDARD_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {"str", "int", "float", "bool", "null", "timestamp"}
_MERGE_TAG = _STANDARD_TAG + "merge"


def format_path(path: PathKey) -> str:
    """('shots', 3, 'subject') -> 'shots[3].subject', the form every issue uses."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


@dataclass
class SourceMap:
    """Positions of values by path, plus the file each top-level list item came from."""

    positions: dict[PathKey, Position] = field(default_factory=dict)
    raw_text: dict[PathKey, str] = field(default_factory=dict)

    def strip_prefix(self, prefix: PathKey) -> None:
        """Re-key everything recorded under `prefix` relative to it (used to drop `production:`)."""
        n = len(prefix)
        for table in (self.positions, self.raw_text):
            for key in [k for k in table if k[:n] == prefix]:
                table[key[n:]] = table[key]  # type: ignore[index]

    def find(self, path: PathKey) -> Position | None:
        """Position of `path`, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            pos = self.positions.get(path[:end])
            if pos is not None:
                return pos
        return None

    def key_position(self, path: PathKey) -> Position | None:
        return self.positions.get((*path, "<key>")) or self.find(path)

    def issue(self, path: PathKey, severity: Any, message: str, suggestion: str = "", code: str = "") -> Issue:
        pos = self.find(path)
        return Issue(
            path=format_path(path),
            severity=severity,
            message=message,
            suggestion=suggestion,
            file=pos.file if pos else None,
            line=pos.line if pos else None,
            column=pos.column if pos else None,
            code=code,
        )


@dataclass
class LoadedSpec:
    """The raw production mapping (contents of `production:`), where each value came from, and load issues."""

    data: dict[str, Any]
    sources: SourceMap
    base_dir: Path
    issues: list[Issue]
    files: list[Path]


class _Budget:
    def __init__(self) -> None:
        self.values = 0


class _TooBig(Exception):
    pass


class _DocumentBuilder:
    """Turns composed YAML nodes into plain values, recording positions and problems."""

    def __init__(self, file_label: str, sources: SourceMap, issues: list[Issue]):
        self.file_label = file_label
        self.sources = sources
        self.issues = issues
        self.budget = _Budget()
        self._scalars = yaml.constructor.SafeConstructor()

    def position(self, node: yaml.Node) -> Position:
        mark = node.start_mark
        return Position(self.file_label, mark.line + 1, mark.column + 1)

    def report(self, node: yaml.Node, path: PathKey, message: str, suggestion: str, code: str) -> None:
        pos = self.position(node)
        self.issues.append(
            Issue(format_path(path), "error", message, suggestion, pos.file, pos.line, pos.column, code)
        )

    def build(self, node: yaml.Node, path: PathKey, depth: int = 0) -> Any:
        self.budget.values += 1
        if self.budget.values > MAX_VALUES:
            raise _TooBig(format_path(path))
        if depth > MAX_DEPTH:
            self.report(
                node, path, f"nesting is deeper than {MAX_DEPTH} levels (a recursive YAML alias?)",
                "flatten the structure; a production spec is never this deep", "yaml.depth",
            )
            return None
        self.sources.positions.setdefault(path, self.position(node))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, yaml.SequenceNode):
            if not node.tag.startswith(_STANDARD_TAG):
                self._unsupported_tag(node, path)
                return None
            return [self.build(child, (*path, i), depth + 1) for i, child in enumerate(node.value)]
        return self._scalar(node, path)

    def _mapping(self, node: yaml.MappingNode, path: PathKey, depth: int) -> dict[str, Any] | None:
        if not node.tag.startswith(_STANDARD_TAG):
            self._unsupported_tag(node, path)
            return None
        result: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        first_seen: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                merged.update(self._merge_sources(value_node, path, depth))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.report(key_node, path, "a mapping key must be a plain name, not a list or mapping",
                            "write the key as a word, e.g. `title:`", "yaml.key")
                continue
            key = str(key_node.value)
            if key in first_seen:
                earlier = self.position(first_seen[key])
                self.report(key_node, (*path, key), f"duplicate key '{key}' (first given at line {earlier.line})",
                            "keep one of them; YAML would silently use the last", "yaml.duplicate_key")
            first_seen[key] = key_node
            self.sources.positions[(*path, key, "<key>")] = self.position(key_node)
            result[key] = self.build(value_node, (*path, key), depth + 1)
        for key, value in merged.items():
            result.setdefault(key, value)
        return result

    def _merge_sources(self, node: yaml.Node, path: PathKey, depth: int) -> dict[str, Any]:
        """YAML merge keys (`<<: *defaults`) let specs share blocks; explicit keys still win."""
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        merged: dict[str, Any] = {}
        for source in reversed(sources):
            value = self.build(source, path, depth + 1)
            if isinstance(value, dict):
                merged.update(value)
            else:
                self.report(source, path, "`<<` must merge a mapping", "point `<<:` at a mapping anchor",
                            "yaml.merge")
        return merged

    def _scalar(self, node: yaml.ScalarNode, path: PathKey) -> Any:
        tag = node.tag
        if not tag.startswith(_STANDARD_TAG) or tag[len(_STANDARD_TAG):] not in _SCALAR_TAGS:
            self._unsupported_tag(node, path)
            return None
        kind = tag[len(_STANDARD_TAG):]
        if kind in ("str", "timestamp"):
            # a timestamp stays the text the user wrote; the validator parses dates itself
            return str(node.value)
        try:
            value = self._scalars.construct_object(node)
        except (yaml.YAMLError, ValueError) as exc:
            self.report(node, path, f"cannot read {kind} value {node.value!r}: {exc}", "check the value",
                        "yaml.scalar")
            return None
        # keep what was written so `version: 1.10` or `id: 01` can be read back as text
        self.sources.raw_text[path] = str(node.value)
        return value

    def _unsupported_tag(self, node: yaml.Node, path: PathKey) -> None:
        self.report(
            node, path, f"YAML tag '{node.tag}' is not allowed: Backlot reads plain YAML data only",
            "remove the tag and write the value as plain text, a number, a list or a mapping", "yaml.tag",
        )


def _read_yaml_file(path: Path, label: str, base_path: PathKey, sources: SourceMap, issues: list[Issue]) -> Any:
    """Parse one file; returns its value, or None when it cannot be used (the reason is in `issues`)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        issues.append(Issue(format_path(base_path), "error", f"cannot read {label}: {exc.strerror}",
                            "check the path and permissions", label, None, None, "file.unreadable"))
        return None
    if size > MAX_FILE_BYTES:
        issues.append(Issue(format_path(base_path), "error",
                            f"{label} is {size / 1e6:.0f} MB; specs are limited to {MAX_FILE_BYTES // 2**20} MiB",
                            "split the spec into a production folder or remove embedded data", label, None, None,
                            "file.too_big"))
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        issues.append(Issue(format_path(base_path), "error", f"{label} is not UTF-8 text (byte {exc.start})",
                            "save the file as UTF-8", label, None, None, "file.encoding"))
        return None
    return parse_yaml_text(text, label, base_path, sources, issues)


def parse_yaml_text(text: str, label: str, base_path: PathKey, sources: SourceMap, issues: list[Issue]) -> Any:
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        issues.append(Issue(format_path(base_path), "error", f"YAML syntax error: {problem}{context}",
                            "check indentation, colons and quotes on this line and the one above",
                            label, line, column, "yaml.syntax"))
        return None
    except yaml.YAMLError as exc:
        issues.append(Issue(format_path(base_path), "error", f"YAML error: {exc}", "check the file's syntax",
                            label, None, None, "yaml.syntax"))
        return None
    if node is None:
        return None
    builder = _DocumentBuilder(label, sources, issues)
    try:
        return builder.build(node, base_path)
    except _TooBig as exc:
        pos = builder.position(node)
        issues.append(Issue(str(exc), "error",
                            f"the document expands to more than {MAX_VALUES:,} values (an alias bomb?)",
                            "remove the repeated aliases (*name); a spec never needs this many values",
                            pos.file, pos.line, pos.column, "yaml.too_many_values"))
        return None


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
        issues.append(Issue("", "error", f"spec file not found: {spec_path}",
                            "give the path of a production .yaml file or a production folder",
                            None, None, None, "file.missing"))
        return LoadedSpec({}, sources, base_dir, issues, [])
    data = _read_yaml_file(spec_path, spec_path.name, (), sources, issues)
    production = _unwrap_production(data, spec_path.name, sources, issues)
    return LoadedSpec(production, sources, base_dir, issues, [spec_path])


def _unwrap_production(data: Any, label: str, sources: SourceMap, issues: list[Issue]) -> dict[str, Any]:
    """The contract's root is `production:`; its contents are what every path is relative to."""
    if data is None and any(i.is_error for i in issues):
        return {}
    if not isinstance(data, dict) or "production" not in data:
        issues.append(Issue("", "error", f"{label} has no top-level `production:` mapping",
                            "start the file with `production:` and indent the title, scenes, shots... under it",
                            label, 1, 1, "spec.no_production"))
        return {}
    extra = [k for k in data if k != "production"]
    for key in extra:
        issues.append(sources.issue((key,), "warning", f"top-level key '{key}' is ignored",
                                    "move it under `production:`", "spec.unknown_key"))
    production = data["production"]
    if not isinstance(production, dict):
        issues.append(sources.issue(("production",), "error", "`production:` must be a mapping of fields",
                                    "indent title, version, scenes... under `production:`", "spec.type"))
        return {}
    sources.strip_prefix(("production",))
    return production



def _iter_part_files(folder: Path) -> Iterator[Path]:
    yield from sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def _load_folder(folder: Path, sources: SourceMap, issues: list[Issue]) -> LoadedSpec:
    folder = folder.resolve()
    main = next((folder / n for n in PRODUCTION_FILES if (folder / n).exists()), None)
    if main is None:
        issues.append(Issue("", "error", f"{folder.name}/ has no production.yaml",
                            "a production folder needs production.yaml with title and version", str(folder),
                            None, None, "file.missing"))
        return LoadedSpec({}, sources, folder, issues, [])
    data = _read_yaml_file(main, main.name, (), sources, issues)
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


def _record_owners(production: dict[str, Any], part: str, label: str, owners: dict[tuple[str, str], str]) -> None:
    existing = production.get(part)
    names: list[str] = []
    if part == "costumes" and isinstance(existing, dict):
        names = [str(k) for k in existing]
    elif isinstance(existing, list):
        names = [n for n in (_identity(part, item) for item in existing) if n is not None]
    for name in names:
        owners.setdefault((part, name), label)


def _merge_part_file(
    production: dict[str, Any], part: str, file: Path, label: str, sources: SourceMap, issues: list[Issue],
    owners: dict[tuple[str, str], str],
) -> None:
    scratch = SourceMap()
    value = _read_yaml_file(file, label, ("<file>",), scratch, issues)
    if value is None:
        return
    if isinstance(value, dict) and part in value and len(value) == 1:
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
        issues.append(sources.issue((part,), "error", f"`{part}` must be a list to merge {label} into it",
                                    f"write `{part}:` as a list (- items)", "spec.type"))
        return
    for local_index, item in enumerate(items):
        index = len(target)
        target.append(item)
        local_path = ("<file>", local_index) if isinstance(value, list) else ("<file>",)
        _copy_positions(scratch, local_path, sources, (part, index))
        name = _identity(part, item)
        if name is None:
            continue
        previous = owners.get((part, name))
        if previous is not None:
            issues.append(sources.issue((part, index), "error",
                                        f"{part[:-1]} '{name}' is defined twice: in {previous} and in {label}",
                                        "rename one of them or delete the duplicate", "spec.duplicate"))
        else:
            owners[(part, name)] = label


def _merge_costumes(
    production: dict[str, Any], value: Any, label: str, scratch: SourceMap, sources: SourceMap,
    issues: list[Issue], owners: dict[tuple[str, str], str],
) -> None:
    if not isinstance(value, dict):
        issues.append(Issue("costumes", "error", f"{label} must map costume names to costumes",
                            "write `courier_rain: {pieces: [...], colors: [...]}`", label, 1, 1, "spec.type"))
        return
    target = production.setdefault("costumes", {})
    if not isinstance(target, dict):
        return
    for name, costume in value.items():
        previous = owners.get(("costumes", name))
        _copy_positions(scratch, ("<file>", name), sources, ("costumes", name))
        if previous is not None:
            issues.append(sources.issue(("costumes", name), "error",
                                        f"costume '{name}' is defined twice: in {previous} and in {label}",
                                        "rename one of them or delete the duplicate", "spec.duplicate"))
            continue
        owners[("costumes", name)] = label
        target[name] = costume


def _copy_positions(scratch: SourceMap, local: PathKey, sources: SourceMap, target: PathKey) -> None:
    n = len(local)
    for key, pos in scratch.positions.items():
        if key[:n] == local:
            sources.positions[(*target, *key[n:])] = pos
    for key, text in scratch.raw_text.items():
        if key[:n] == local:
            sources.raw_text[(*target, *key[n:])] = text
