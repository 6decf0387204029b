"""Safe YAML with positions: one file's text -> plain values, plus where each value came from (SourceMap).

YAML is composed into nodes and built here by hand rather than by a constructor, so that every value keeps its
file, line and column, unknown tags are reported instead of constructed, duplicate keys are caught, and alias
bombs ("billion laughs") or absurd nesting stop with a message instead of eating the machine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..diagnostics import Issue, Position
from ..files import FileProblem, read_text

try:  # the C composer is 10-50x faster; PyYAML wheels ship it
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - pure-Python fallback
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

PathKey = tuple[str | int, ...]

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_VALUES = 200_000
MAX_DEPTH = 64
MAX_PARSE_DEPTH = 200  # refused before composing, for stack safety (MAX_DEPTH is the spec's own limit)

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
            Issue(
                path=format_path(path),
                severity="error",
                message=message,
                suggestion=suggestion,
                file=pos.file,
                line=pos.line,
                column=pos.column,
                code=code,
            )
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
        except (yaml.YAMLError, ValueError, KeyError, OverflowError) as exc:
            reason = f": {exc}" if not isinstance(exc, KeyError) else ""
            self.report(
                node,
                path,
                f"cannot read {node.value!r} as {_TAG_NAMES.get(kind, kind)}{reason}",
                _TAG_FIXES.get(kind, "check the value"),
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


_TAG_NAMES = {"bool": "true/false", "int": "a whole number", "float": "a number"}
_TAG_FIXES = {
    "bool": "write true or false (without a !!bool tag)",
    "int": "write a whole number of at most a few digits",
    "float": "write a plain number such as 2.5",
}


def read_yaml_file(
    path: Path, label: str, base_path: PathKey, sources: SourceMap, issues: list[Issue]
) -> Any:
    """Parse one file; returns its value, or None when it cannot be used (the reason is in `issues`)."""
    try:
        text = read_text(path, label, MAX_FILE_BYTES, "specs")
    except FileProblem as problem:
        issues.append(
            Issue(
                path=format_path(base_path),
                severity="error",
                message=problem.message,
                suggestion=problem.suggestion,
                file=label,
                code=problem.code,
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
                    path=format_path(base_path),
                    severity="error",
                    message=f"nesting is deeper than {MAX_PARSE_DEPTH} levels; the file is not read",
                    suggestion="flatten the structure; a production spec is never this deep",
                    file=label,
                    line=deep.line + 1,
                    column=deep.column + 1,
                    code="yaml.depth",
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
                path=format_path(base_path),
                severity="error",
                message=f"YAML syntax error: {problem}{context}",
                suggestion="check indentation, colons and quotes on this line and the one above",
                file=label,
                line=line,
                column=column,
                code="yaml.syntax",
            )
        )
        return None
    except yaml.YAMLError as exc:
        issues.append(
            Issue(
                path=format_path(base_path),
                severity="error",
                message=f"YAML error: {exc}",
                suggestion="check the file's syntax",
                file=label,
                code="yaml.syntax",
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
                path=format_path(base_path),
                severity="error",
                message=f"the document expands to more than {MAX_VALUES:,} values (an alias bomb?)",
                suggestion="remove the repeated aliases (*name); a spec never needs this many values",
                file=pos.file,
                line=pos.line,
                column=pos.column,
                code="yaml.too_many_values",
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
