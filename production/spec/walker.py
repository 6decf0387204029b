"""Pass 1 of validation: walk the user's data against the schema, normalising values and reporting wrong
types, units, unknown keys and missing fields; plus the small readers the later passes share."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..diagnostics import Issue, Severity, did_you_mean, one_edit_away
from ..values import ValueProblem, parse_aspect, parse_color, parse_duration, parse_time
from .schema import CAMERA_HEIGHTS, Node
from .yaml_reader import PathKey, SourceMap, format_path

MAX_STRING = 10_000
MAX_MAGNITUDE = 1_000_000
"""No quantity in a production (metres, seconds, millimetres, pixels, samples) needs more."""


class _Invalid:
    """A value already reported as wrong. Falsy and empty, so cross-checks that read `x or []` skip it quietly
    instead of tripping over it (one defect, one issue)."""

    def __repr__(self) -> str:
        return "<invalid>"

    def __bool__(self) -> bool:
        return False

    def __iter__(self) -> Iterator[Any]:
        return iter(())


INVALID: Any = _Invalid()


class Reporter:
    """Records an issue at a spec path, placed by the source map; `file_override` names a preset file instead,
    whose values have no positions in the spec."""

    def __init__(self, sources: SourceMap, issues: list[Issue], file_override: str | None = None):
        self.sources = sources
        self.issues = issues
        self.file_override = file_override

    def __call__(
        self, path: PathKey, severity: Severity, message: str, suggestion: str = "", code: str = ""
    ) -> None:
        issue = self.sources.issue(path, severity, message, suggestion, code)
        if self.file_override is not None:
            issue = Issue(
                path=issue.path,
                severity=severity,
                message=message,
                suggestion=suggestion,
                file=self.file_override,
                code=code,
            )
        self.issues.append(issue)


def _kind_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "nothing"


class SchemaWalker:
    """Checks a value against a schema node and returns it normalised (or INVALID)."""

    def __init__(self, report: Reporter, raw_text: dict[PathKey, str]):
        self.report = report
        self.raw_text = raw_text

    def walk(self, value: Any, node: Node, path: PathKey) -> Any:
        if value is None:
            return None
        handler: Callable[[Any, Node, PathKey], Any] = getattr(self, "_" + node.kind)
        return handler(value, node, path)

    def _object(self, value: Any, node: Node, path: PathKey) -> Any:
        if not isinstance(value, dict):
            self.report(
                path,
                "error",
                f"expected a mapping of fields, got {_kind_name(value)}",
                f"write it as `key: value` lines; known keys: {', '.join(node.fields)}",
                "type",
            )
            return INVALID
        result: dict[str, Any] = {}
        for key, item in value.items():
            sub = node.fields.get(key)
            if sub is None:
                if node.extra_keys:
                    result[key] = item
                    continue
                self._unknown_key(key, node, (*path, key))
                continue
            normalised = self.walk(item, sub, (*path, key))
            if normalised is not None:
                result[key] = normalised
        return result

    def _unknown_key(self, key: str, node: Node, path: PathKey) -> None:
        """Ignored with a warning, except one edit away from a known key: then its value would be lost
        silently (`lense: 85` renders at the default lens), so it is an error."""
        near = [field for field in node.fields if one_edit_away(str(key), field)]
        if near:
            self.report(
                path,
                "error",
                f"unknown key '{key}': a misspelling of '{near[0]}'? Its value would be ignored",
                f"rename it to '{near[0]}'",
                "misspelt_key",
            )
            return
        self.report(
            path,
            "warning",
            f"unknown key '{key}' (ignored)",
            did_you_mean(key, node.fields, "a known key"),
            "unknown_key",
        )

    def _list(self, value: Any, node: Node, path: PathKey) -> Any:
        if not isinstance(value, list):
            example = f"[{value}]" if isinstance(value, str | int | float) else "- item"
            self.report(
                path, "error", f"expected a list, got {_kind_name(value)}", f"write a list: {example}", "type"
            )
            return INVALID
        assert node.item is not None
        for i, item in enumerate(value):
            self._refuse_empty(item, (*path, i))
        return [self.walk(item, node.item, (*path, i)) for i, item in enumerate(value)]

    def _refuse_empty(self, item: Any, path: PathKey) -> None:
        """A list entry or a named entry with no value: later steps would read it as data. One the YAML reader
        already refused (a forbidden tag) is not reported twice."""
        if item is None and not any(issue.path == format_path(path) for issue in self.report.issues):
            self.report(
                path,
                "error",
                "empty entry (nothing after `-` or `name:`, or null)",
                "fill it in or delete it",
                "empty",
            )

    def _map(self, value: Any, node: Node, path: PathKey) -> Any:
        if not isinstance(value, dict):
            self.report(
                path,
                "error",
                f"expected a mapping of names to values, got {_kind_name(value)}",
                "write `name: value` lines",
                "type",
            )
            return INVALID
        assert node.item is not None
        for key, item in value.items():
            self._refuse_empty(item, (*path, str(key)))
        return {str(k): self.walk(v, node.item, (*path, str(k))) for k, v in value.items()}

    def _string(self, value: Any, node: Node, path: PathKey) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = self.raw_text.get(path, str(value))
        if not isinstance(value, str):
            self.report(
                path,
                "error",
                f"expected text, got {_kind_name(value)}",
                node.description or "write a plain value",
                "type",
            )
            return INVALID
        limit = node.max_length or MAX_STRING
        if len(value) > limit:
            self.report(
                path,
                "error",
                f"text is too long ({len(value):,} characters; at most {limit:,})",
                "shorten it",
                "too_long",
            )
            return INVALID
        if node.choices:
            exact = {c.lower(): c for c in node.choices}
            if value.lower() in exact:
                return exact[value.lower()]
            self.report(
                path,
                "error",
                f"'{value}' is not allowed here",
                did_you_mean(value, node.choices, "one of"),
                "choice",
            )
            return INVALID
        return value

    def _number(self, value: Any, node: Node, path: PathKey, integer: bool = False) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            hint = ""
            if isinstance(value, str):
                digits = "".join(ch for ch in value if ch.isdigit() or ch in ".-")
                hint = f"write {digits} (the unit is implied)" if digits and digits != value.strip() else ""
            self.report(
                path,
                "error",
                f"expected a number, got {_kind_name(value)} {value!r}",
                hint or node.description or "write a number",
                "type",
            )
            return INVALID
        if isinstance(value, float) and not math.isfinite(value):
            self.report(path, "error", "expected a finite number", "write a number", "type")
            return INVALID
        if integer and isinstance(value, float) and not value.is_integer():
            self.report(
                path, "error", f"expected a whole number, got {value}", f"write {round(value)}", "type"
            )
            return INVALID
        if _beyond_any_use(value, node):
            self.report(
                path,
                "error",
                f"{_shown(value)} is too large for a production (at most {MAX_MAGNITUDE:,} either way)",
                "check the number: units are metres, seconds, millimetres or pixels",
                "range",
            )
            return INVALID
        too_low = node.minimum is not None and value < node.minimum
        if too_low or (node.maximum is not None and value > node.maximum):
            if node.minimum is not None and node.maximum is not None:
                bounds = f"between {node.minimum:g} and {node.maximum:g}"
            else:
                bounds = (
                    f"at least {node.minimum:g}" if node.minimum is not None else f"at most {node.maximum:g}"
                )
            self.report(
                path,
                "error",
                f"{value} is out of range ({node.minimum:g}..{node.maximum:g})"
                if node.minimum is not None and node.maximum is not None
                else f"{value} is outside the allowed range ({bounds})",
                f"give a value {bounds}" + (f" ({node.description})" if node.description else ""),
                "range",
            )
            return INVALID
        return int(value) if integer else value

    def _integer(self, value: Any, node: Node, path: PathKey) -> Any:
        return self._number(value, node, path, integer=True)

    def _boolean(self, value: Any, node: Node, path: PathKey) -> Any:
        if not isinstance(value, bool):
            self.report(
                path, "error", f"expected true or false, got {value!r}", "write true or false", "type"
            )
            return INVALID
        return value

    def _path(self, value: Any, node: Node, path: PathKey) -> Any:
        if not isinstance(value, str) or not value.strip():
            self.report(
                path,
                "error",
                f"expected a file path, got {_kind_name(value)}",
                "write a path relative to the spec file",
                "type",
            )
            return INVALID
        if len(value) > 4096 or "\x00" in value:
            self.report(
                path, "error", "this path is not a usable file path", "write a short relative path", "type"
            )
            return INVALID
        return value

    def _parsed(self, parser: Callable[[Any], Any], value: Any, path: PathKey, code: str) -> Any:
        try:
            return parser(value)
        except ValueProblem as problem:
            self.report(path, "error", problem.message, problem.suggestion, code)
            return INVALID

    def _color(self, value: Any, node: Node, path: PathKey) -> Any:
        return self._parsed(parse_color, value, path, "color")

    def _duration(self, value: Any, node: Node, path: PathKey) -> Any:
        return self._parsed(parse_duration, value, path, "duration")

    def _time(self, value: Any, node: Node, path: PathKey) -> Any:
        return self._parsed(parse_time, value, path, "time")

    def _aspect(self, value: Any, node: Node, path: PathKey) -> Any:
        return self._parsed(parse_aspect, value, path, "aspect")

    def _scene_range(self, value: Any, node: Node, path: PathKey) -> Any:
        return value  # expanded in the cross-checks, once the scene order is known

    def _id(self, value: Any, node: Node, path: PathKey) -> Any:
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.report(
                path,
                "error",
                f"an id must be a number or a word, got {_kind_name(value)}",
                "write e.g. 1 or 1A",
                "type",
            )
            return INVALID
        text = self.raw_text.get(path, str(value)) if isinstance(value, int) else value.strip()
        if not text or any(ch.isspace() for ch in text) or len(text) > 64:
            self.report(
                path,
                "error",
                f"id {value!r} must be a short word without spaces",
                "write e.g. 1 or 1A",
                "type",
            )
            return INVALID
        return text

    def _version(self, value: Any, node: Node, path: PathKey) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            written = self.raw_text.get(path, str(value))
            self.report(
                path,
                "warning",
                f"version {written} is a number; versions are text",
                f'quote it: version: "{written}"',
                "type",
            )
            return written
        if not isinstance(value, str) or not value.strip():
            self.report(path, "error", 'version must be text such as "1.0"', 'write version: "1.0"', "type")
            return INVALID
        return value

    def _height(self, value: Any, node: Node, path: PathKey) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            if not 0 <= value <= 1000:
                self.report(
                    path,
                    "error",
                    f"camera height {value} m is out of range (0..1000)",
                    "give metres above the ground",
                    "range",
                )
                return INVALID
            return float(value)
        if isinstance(value, str) and value.lower() in CAMERA_HEIGHTS:
            return value.lower()
        self.report(
            path,
            "error",
            f"cannot read camera height {value!r}",
            did_you_mean(str(value), CAMERA_HEIGHTS, "one of") + " (or metres as a number)",
            "choice",
        )
        return INVALID


def check_required(report: Reporter, value: Any, node: Node, path: PathKey) -> None:
    """Missing required fields anywhere in the normalised data; run after presets, which may supply them."""
    if node.kind == "object" and isinstance(value, dict):
        for key, sub in node.fields.items():
            if sub.required and value.get(key) is None:
                where = format_path(path) or "production"
                # the path names the missing field; its position falls back to the enclosing item
                report(
                    (*path, key),
                    "error",
                    f"missing required field '{key}' in {where}",
                    f"add `{key}:` ({sub.description})",
                    "missing",
                )
        for key, sub in node.fields.items():
            if key in value:
                check_required(report, value[key], sub, (*path, key))
    elif node.kind in ("list", "map") and node.item is not None:
        entries: Iterable[tuple[str | int, Any]] = (
            enumerate(value)
            if isinstance(value, list)
            else (value.items() if isinstance(value, dict) else [])
        )
        for entry_key, item in entries:
            check_required(report, item, node.item, (*path, entry_key))


def dig(data: Any, keys: tuple[str, ...]) -> Any:
    """`data[k1][k2]...`, or None where a level is missing or not a mapping."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def list_items(data: dict[str, Any], list_field: str | None) -> list[tuple[Any, PathKey]]:
    """The mappings of a top-level list with their paths; None stands for the production itself."""
    if list_field is None:
        return [(data, ())]
    items = data.get(list_field)
    if not isinstance(items, list):
        return []
    return [(item, (list_field, i)) for i, item in enumerate(items) if isinstance(item, dict)]


def _beyond_any_use(value: float, node: Node) -> bool:
    """Outside +-MAX_MAGNITUDE where the schema sets no bound of its own: such numbers only overflow later
    arithmetic (a mark at 1e308 m, an integer too large for a float)."""
    return (node.maximum is None and value > MAX_MAGNITUDE) or (
        node.minimum is None and value < -MAX_MAGNITUDE
    )


def _shown(value: float) -> str:
    """A number as a message can show it: a huge integer by its length, not its 400 digits."""
    if isinstance(value, float) or abs(value) < 10**15:
        return f"{value:.6g}"
    return f"a {len(str(abs(value)))}-digit number"
