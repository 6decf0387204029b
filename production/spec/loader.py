"""Read a production spec (one YAML file or a production folder) into plain data plus source positions.

YAML is composed into nodes and built here by hand rather than by a constructor, so that every value keeps its
file, line and column, unknown tags are reported instead of constructed, duplicate keys are caught, and alias
bombs ("billion laughs") or absurd nesting stop with a message instead of eating the machine.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from ..diagnostics import Issue, Position

try:  # the C composer is 10-50x faster; PyYAML wheels ship it
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - pure-Python fallback
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

PathKey = tuple[str | int, ...]

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_VALUES = 200_000
MAX_DEPTH = 64
MAX_PARSE_DEPTH = 200  # refused before composing, for stack safety (MAX_DEPTH is the spec's own limit)
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
        tables: tuple[dict[PathKey, Any], ...] = (self.positions, self.raw_text)
        for table in tables:
            for key in [k for k in table if k[:n] == prefix]:
                table[key[n:]] = table[key]

    def find(self, path: PathKey) -> Position | None:
        """Position of `path`, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            pos = self.positions.get(path[:end])
            if pos is not None:
                return pos
        return None

    def key_position(self, path: PathKey) -> Position | None:
        return self.positions.get((*path, "<key>")) or self.find(path)

    def issue(
        self, path: PathKey, severity: Any, message: str, suggestion: str = "", code: str = ""
    ) -> Issue:
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
    """The document expands past MAX_VALUES: it is dropped whole, so its issue is about the whole document."""


class _DocumentBuilder:
    """Turns composed YAML nodes into plain values, recording positions and problems."""

    def __init__(self, file_label: str, sources: SourceMap, issues: list[Issue]):
        self.file_label = file_label
        self.sources = sources
        self.issues = issues
        self.budget = _Budget()
        self._scalars = yaml.constructor.SafeConstructor()
        self._open: set[int] = set()  # collection nodes being built: meeting one again is a recursive alias

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
                node,
                path,
                f"nesting is deeper than {MAX_DEPTH} levels (a recursive YAML alias?)",
                "flatten the structure; a production spec is never this deep",
                "yaml.depth",
            )
            return None
        self.sources.positions.setdefault(path, self.position(node))
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        if id(node) in self._open:
            self.report(
                node,
                path,
                "recursive YAML alias: this value contains itself",
                "replace the alias (*name) with the value it should hold",
                "yaml.recursive_alias",
            )
            return None
        self._open.add(id(node))
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path, depth)
            if node.tag != _STANDARD_TAG + "seq":  # `!!python/object/apply:...` is a tagged sequence
                self._unsupported_tag(node, path)
                return None
            return [self.build(child, (*path, i), depth + 1) for i, child in enumerate(node.value)]
        finally:
            self._open.discard(id(node))

    def _mapping(self, node: yaml.MappingNode, path: PathKey, depth: int) -> dict[str, Any] | None:
        if node.tag != _STANDARD_TAG + "map":  # `!!python/object/new:...` is a tagged mapping
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
                self.report(
                    key_node,
                    path,
                    "a mapping key must be a plain name, not a list or mapping",
                    "write the key as a word, e.g. `title:`",
                    "yaml.key",
                )
                continue
            key = str(key_node.value)
            if key in first_seen:
                earlier = self.position(first_seen[key])
                self.report(
                    key_node,
                    (*path, key),
                    f"duplicate key '{key}' (first given at line {earlier.line})",
                    "keep one of them; YAML would silently use the last",
                    "yaml.duplicate_key",
                )
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
                self.report(
                    source, path, "`<<` must merge a mapping", "point `<<:` at a mapping anchor", "yaml.merge"
                )
        return merged

    def _scalar(self, node: yaml.ScalarNode, path: PathKey) -> Any:
        tag = node.tag
        if not tag.startswith(_STANDARD_TAG) or tag[len(_STANDARD_TAG) :] not in _SCALAR_TAGS:
            self._unsupported_tag(node, path)
            return None
        kind = tag[len(_STANDARD_TAG) :]
        if kind in ("str", "timestamp"):
            # a timestamp stays the text the user wrote; the validator parses dates itself
            return str(node.value)
        try:
            value = self._scalars.construct_object(node)
        except (yaml.YAMLError, ValueError) as exc:
            self.report(
                node,
                path,
                f"cannot read {kind} value {node.value!r}: {exc}",
                "check the value",
                "yaml.scalar",
            )
            return None
        # keep what was written so `version: 1.10` or `id: 01` can be read back as text
        self.sources.raw_text[path] = str(node.value)
        return value

    def _unsupported_tag(self, node: yaml.Node, path: PathKey) -> None:
        self.report(
            node,
            path,
            f"YAML tag '{node.tag}' is not allowed: Backlot reads plain YAML data only",
            "remove the tag and write the value as plain text, a number, a list or a mapping",
            "yaml.tag",
        )


def _read_yaml_file(
    path: Path, label: str, base_path: PathKey, sources: SourceMap, issues: list[Issue]
) -> Any:
    """Parse one file; returns its value, or None when it cannot be used (the reason is in `issues`)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        issues.append(
            Issue(
                format_path(base_path),
                "error",
                f"cannot read {label}: {exc.strerror}",
                "check the path and permissions",
                label,
                None,
                None,
                "file.unreadable",
            )
        )
        return None
    if size > MAX_FILE_BYTES:
        issues.append(
            Issue(
                format_path(base_path),
                "error",
                f"{label} is {size / 1e6:.0f} MB; specs are limited to {MAX_FILE_BYTES // 2**20} MiB",
                "split the spec into a production folder or remove embedded data",
                label,
                None,
                None,
                "file.too_big",
            )
        )
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        issues.append(
            Issue(
                format_path(base_path),
                "error",
                f"{label} is not UTF-8 text (byte {exc.start})",
                "save the file as UTF-8",
                label,
                None,
                None,
                "file.encoding",
            )
        )
        return None
    return parse_yaml_text(text, label, base_path, sources, issues)


_BLOCK_LEAD = re.compile(r"^[ ?:-]*", re.MULTILINE)


def _may_be_deep(text: str) -> bool:
    """A cheap upper bound on nesting: every flow level needs a bracket, every block level needs indentation
    or a `- `/`? ` indicator at the start of its line. Only a text that might pass MAX_PARSE_DEPTH is
    scanned."""
    flow = text.count("[") + text.count("{")
    if flow > MAX_PARSE_DEPTH:
        return True
    block = max((len(lead) for lead in _BLOCK_LEAD.findall(text)), default=0)
    return flow + 2 * block + 2 > MAX_PARSE_DEPTH


def _too_deep(text: str) -> Any:
    """Where nesting first passes MAX_PARSE_DEPTH, from the (iterative) event stream: the composer recurses in
    C, so `[[[[...` a hundred thousand deep would overflow the stack before any check of ours could run."""
    depth = 0  # returns the yaml Mark (pure or C) where it happened, or None
    for event in yaml.parse(text, Loader=_Loader):
        kind = type(event)
        if kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            depth += 1
            if depth > MAX_PARSE_DEPTH:
                return event.start_mark
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            depth -= 1
    return None


def parse_yaml_text(
    text: str, label: str, base_path: PathKey, sources: SourceMap, issues: list[Issue]
) -> Any:
    try:
        deep = _too_deep(text) if _may_be_deep(text) else None
        if deep is not None:
            issues.append(
                Issue(
                    format_path(base_path),
                    "error",
                    f"nesting is deeper than {MAX_PARSE_DEPTH} levels; the file is not read",
                    "flatten the structure; a production spec is never this deep",
                    label,
                    deep.line + 1,
                    deep.column + 1,
                    "yaml.depth",
                )
            )
            return None
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark is not None and "end of stream" in (exc.problem or ""):
            mark = exc.context_mark  # an unclosed quote or bracket: point where it was opened, not at the end
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        issues.append(
            Issue(
                format_path(base_path),
                "error",
                f"YAML syntax error: {problem}{context}",
                "check indentation, colons and quotes on this line and the one above",
                label,
                line,
                column,
                "yaml.syntax",
            )
        )
        return None
    except yaml.YAMLError as exc:
        issues.append(
            Issue(
                format_path(base_path),
                "error",
                f"YAML error: {exc}",
                "check the file's syntax",
                label,
                None,
                None,
                "yaml.syntax",
            )
        )
        return None
    if node is None:
        return None
    builder = _DocumentBuilder(label, sources, issues)
    try:
        if _expanded_size(node, {}) > MAX_VALUES:  # an alias bomb: refuse before expanding a single alias
            raise _TooBig()
        return builder.build(node, base_path)
    except _TooBig:
        pos = builder.position(node)
        issues.append(
            Issue(
                format_path(base_path),
                "error",
                f"the document expands to more than {MAX_VALUES:,} values (an alias bomb?)",
                "remove the repeated aliases (*name); a spec never needs this many values",
                pos.file,
                pos.line,
                pos.column,
                "yaml.too_many_values",
            )
        )
        return None


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    """How many values `node` expands to once aliases are copied out; each distinct node is counted once, so
    this costs as much as the text, not as much as the expansion. A node inside itself counts as one."""
    key = id(node)
    if key in memo:
        return memo[key]
    if isinstance(node, yaml.ScalarNode):
        return 1
    memo[key] = 1  # in progress: a recursive alias is reported by the builder
    children: list[yaml.Node] = []
    for entry in node.value:
        children.extend(entry if isinstance(entry, tuple) else (entry,))
    total = 1
    for child in children:
        total += _expanded_size(child, memo)
        if total > MAX_VALUES:
            break
    memo[key] = total
    return total


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
                "",
                "error",
                f"spec file not found: {spec_path}",
                "give the path of a production .yaml file or a production folder",
                None,
                None,
                None,
                "file.missing",
            )
        )
        return LoadedSpec({}, sources, base_dir, issues, [])
    data = _read_yaml_file(spec_path, spec_path.name, (), sources, issues)
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
                "",
                "error",
                f"{label} has no top-level `production:` mapping",
                "start the file with `production:` and indent the title, scenes, shots... under it",
                label,
                1,
                1,
                "spec.no_production",
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
                "",
                "error",
                f"{folder.name}/ has no production.yaml",
                "a production folder needs production.yaml with title and version",
                str(folder),
                None,
                None,
                "file.missing",
            )
        )
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
    value = _read_yaml_file(file, label, ("<file>",), scratch, issues)
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
                "costumes",
                "error",
                f"{label} must map costume names to costumes",
                "write `courier_rain: {pieces: [...], colors: [...]}`",
                label,
                1,
                1,
                "spec.type",
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
