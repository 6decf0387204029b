"""The JSON-schema subset that checks a model's structured answers, and the parsing that comes before it.

Model output is data: it is parsed with ``json.loads`` only and checked against a small schema subset (type,
properties, required, items, enum, additionalProperties). A schema using anything else is refused up front,
so nothing is silently left unchecked.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

SCHEMA_KEYWORDS = frozenset({"type", "properties", "required", "items", "enum", "additionalProperties"})
SCHEMA_ANNOTATIONS = frozenset({"title", "description", "default", "examples", "$schema"})
JSON_TYPES = frozenset({"object", "array", "string", "integer", "number", "boolean", "null"})


def check_schema(schema: Mapping[str, Any], where: str = "$") -> None:
    """Reject schema keywords the built-in validator does not understand, so nothing is silently unchecked."""
    if not isinstance(schema, Mapping):
        raise ValueError(f"schema at {where} must be an object, got {type(schema).__name__}")
    unknown = set(schema) - SCHEMA_KEYWORDS - SCHEMA_ANNOTATIONS
    if unknown:
        raise ValueError(
            f"schema at {where} uses {', '.join(sorted(unknown))}, "
            "which the built-in validator does not support; "
            f"use only {', '.join(sorted(SCHEMA_KEYWORDS))}"
        )
    declared = schema.get("type")
    for name in [declared] if isinstance(declared, str) else declared or []:
        if name not in JSON_TYPES:
            raise ValueError(
                f"schema at {where} has unknown type {name!r}; use one of {', '.join(sorted(JSON_TYPES))}"
            )
    for key, child in (schema.get("properties") or {}).items():
        check_schema(child, f"{where}.{key}")
    if "items" in schema:
        check_schema(schema["items"], f"{where}[]")


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _matches_type(value: Any, name: str) -> bool:
    kind = _json_kind(value)
    if name == "number":
        return kind in ("integer", "number")
    if name == "integer":
        return kind == "integer" or (kind == "number" and float(value).is_integer())
    return kind == name


def _json_equal(left: Any, right: Any) -> bool:
    """Equality as JSON sees it: ``true`` is not ``1``, although Python says so."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(_json_equal(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_json_equal(left[k], right[k]) for k in left)
    return bool(left == right)


def validate_json(value: Any, schema: Mapping[str, Any], where: str = "$") -> list[str]:
    """Every way ``value`` breaks ``schema`` (type, properties, required, items, enum, additionalProperties).

    Returning all problems, not the first, lets a corrective retry tell the model everything at once.
    """
    declared = schema.get("type")
    if declared is not None:
        names = [declared] if isinstance(declared, str) else list(declared)
        if not any(_matches_type(value, name) for name in names):
            return [f"{where}: expected {' or '.join(names)}, got {_json_kind(value)}"]
    problems: list[str] = []
    if "enum" in schema and not any(_json_equal(value, option) for option in schema["enum"]):
        allowed = ", ".join(json.dumps(option) for option in schema["enum"])
        problems.append(f"{where}: {json.dumps(value)} is not one of {allowed}")
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        problems += [
            f"{where}: missing required key {key!r}" for key in schema.get("required", ()) if key not in value
        ]
        for key, child in properties.items():
            if key in value:
                problems += validate_json(value[key], child, f"{where}.{key}")
        if schema.get("additionalProperties") is False:
            problems += [f"{where}: unexpected key {key!r}" for key in value if key not in properties]
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            problems += validate_json(item, schema["items"], f"{where}[{index}]")
    return problems


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_json_answer(text: str, schema: Mapping[str, Any]) -> tuple[Any, list[str]]:
    """Parse a model's answer as JSON only (a surrounding Markdown code fence is tolerated), then validate."""
    body = text.strip()
    if body.startswith("```") and body.endswith("```") and len(body) >= 6:
        body = body[3:-3]
        first_line, _, rest = body.partition("\n")
        body = rest if first_line.strip().lower() in ("", "json") else body
    try:
        value = json.loads(body, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        return None, [f"the answer is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"]
    except (ValueError, RecursionError) as exc:
        return None, [f"the answer is not valid JSON: {exc}"]
    return value, validate_json(value, schema)
