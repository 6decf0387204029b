"""JSON Schema (draft 2020-12) of the spec, generated from the validator's own declaration (schema.py).

Editors (VS Code YAML, JetBrains) use it for completion and inline errors. Preset names are listed as
suggestions (`examples`) rather than an enum, since user preset folders may add more.
"""

from __future__ import annotations

import copy
from typing import Any

from ..values import NAMED_TIMES
from .presets import PresetLibrary
from .schema import CAMERA_HEIGHTS, PRESET_TARGETS, PRODUCTION, Node

_DURATION_PATTERN = r"^\s*\d+(\.\d+)?\s*(s|sec|secs|seconds?|f|frames?)?\s*$|^\s*(\d+:)?\d{1,2}:\d{2}\s*$"
_ASPECT_PATTERN = r"^\s*\d+(\.\d+)?\s*[:x/]\s*\d+(\.\d+)?\s*$|^\s*\d+(\.\d+)?\s*$"
_COLOR_PATTERN = r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$"
_IDENTITY = frozenset({"name", "id", "scene"})  # required keys no preset can supply


# Kinds whose schema depends on nothing but the kind (copied per use: callers may edit what they get).
_FIXED_SCHEMAS: dict[str, dict[str, Any]] = {
    "boolean": {"type": "boolean"},
    "color": {
        "anyOf": [
            {"type": "string", "pattern": _COLOR_PATTERN},
            {
                "type": "array",
                "items": {"type": "number", "minimum": 0, "maximum": 1},
                "minItems": 3,
                "maxItems": 3,
            },
        ]
    },
    "duration": {
        "anyOf": [
            {"type": "integer", "exclusiveMinimum": 0},
            {"type": "number", "exclusiveMinimum": 0},
            {"type": "string", "pattern": _DURATION_PATTERN},
        ]
    },
    "scene_range": {
        "anyOf": [
            {"type": "integer"},
            {"type": "string"},
            {"type": "array", "items": {"type": ["integer", "string"]}},
        ]
    },
    "id": {"type": ["integer", "string"]},
    "version": {"type": ["string", "number"]},
    "time": {"type": "string", "examples": [*NAMED_TIMES, "2026-03-14T23:30"]},
    "aspect": {
        "anyOf": [
            {"type": "number", "minimum": 0.2, "maximum": 10},
            {"type": "string", "pattern": _ASPECT_PATTERN},
        ]
    },
    "height": {
        "anyOf": [
            {"type": "number", "minimum": 0, "maximum": 1000},
            {"type": "string", "enum": list(CAMERA_HEIGHTS)},
        ]
    },
}


def _convert(node: Node, presets: PresetLibrary | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if node.description:
        out["description"] = node.description
    kind = node.kind
    if kind == "object":
        out.update(_object_schema(node, presets))
    elif kind == "list":
        assert node.item is not None
        out["type"] = "array"
        out["items"] = _convert(node.item, presets)
    elif kind == "map":
        assert node.item is not None
        out["type"] = "object"
        out["additionalProperties"] = _convert(node.item, presets)
    elif kind in ("string", "path"):
        out.update(_string_schema(node, presets))
    elif kind in ("number", "integer"):
        out["type"] = kind
        if node.minimum is not None:
            out["minimum"] = node.minimum
        if node.maximum is not None:
            out["maximum"] = node.maximum
    elif kind in _FIXED_SCHEMAS:
        out.update(copy.deepcopy(_FIXED_SCHEMAS[kind]))
    else:  # pragma: no cover - a new kind must be added here
        raise ValueError(f"no JSON Schema mapping for node kind {kind!r}")
    return out


def _object_schema(node: Node, presets: PresetLibrary | None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object"}
    out["properties"] = {k: _convert(v, presets) for k, v in node.fields.items()}
    required = [k for k, v in node.fields.items() if v.required]
    own_preset = next(
        (k for k, v in node.fields.items() if v.preset and PRESET_TARGETS.get(v.preset) is node), None
    )
    if own_preset is not None and set(required) - _IDENTITY:
        # a shot's template (an output's format...) may supply required keys such as `duration`: the
        # validator checks them after presets are resolved, so the schema asks for them or for the preset
        always = [k for k in required if k in _IDENTITY]
        if always:
            out["required"] = always
        rest = [k for k in required if k not in _IDENTITY]
        out["anyOf"] = [{"required": rest}, {"required": [own_preset]}]
    elif required:
        out["required"] = required
    return out


def _string_schema(node: Node, presets: PresetLibrary | None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "string"}
    if node.choices:
        # canonical spelling only: the validator also accepts other letter cases
        out["enum"] = list(node.choices)
    if node.max_length:
        out["maxLength"] = node.max_length
    if node.preset and presets is not None:
        out["examples"] = presets.names(node.preset)
    return out


def spec_json_schema(presets: PresetLibrary | None = None) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://backlot.invalid/schema/production-spec-v1.json",
        "title": "Backlot production spec v1",
        "type": "object",
        "required": ["production"],
        "properties": {"production": _convert(PRODUCTION, presets)},
    }
