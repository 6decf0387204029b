"""Validate a loaded spec: every issue at once, then the immutable model when there are no errors.

Three passes: (1) walk the user's data against the schema, normalising values and reporting types, units,
unknown and missing keys; (2) resolve presets (explicit keys win); (3) cross-checks the schema cannot express
(references, duplicates, wardrobe coverage, files, output paths, what the running Blender supports).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import model as m
from ..camera.optics import sensor_from_preset
from ..diagnostics import Issue, Severity, did_you_mean, sort_key
from ..model import Sensor
from ..values import (
    Duration,
    ValueProblem,
    parse_aspect,
    parse_color,
    parse_duration,
    parse_scene_range,
    parse_time,
)
from .loader import LoadedSpec, PathKey, SourceMap, format_path
from .presets import PresetLibrary, deep_merge
from .schema import (
    CAMERA_HEIGHTS,
    CONTAINERS,
    ENGINES,
    PRESET_TARGETS,
    PRODUCTION,
    Node,
)

MAX_SHOT_FRAMES_SECONDS = 600.0  # ten minutes: longer is almost certainly a unit mistake
MAX_STRING = 10_000


@dataclass(frozen=True)
class Capabilities:
    """What the running Blender can do; the pure default assumes everything the contract names."""

    engines: tuple[str, ...] = ENGINES
    containers: tuple[str, ...] = CONTAINERS
    blender_version: str = ""
    # Collection names inside a .blend; only Blender can read them, so pure validation skips that check.
    blend_collections: Callable[[Path], tuple[str, ...]] | None = None


@dataclass
class ValidationResult:
    issues: list[Issue]
    production: m.Production | None
    data: dict[str, Any] = field(default_factory=dict)  # normalised, presets resolved
    presets: PresetLibrary = field(
        default_factory=PresetLibrary
    )  # the library that resolved them, for the build

    @property
    def valid(self) -> bool:
        return not any(issue.is_error for issue in self.issues)

    def counts(self) -> dict[str, int]:
        counts = {"error": 0, "warning": 0, "info": 0}
        for issue in self.issues:
            counts[issue.severity] += 1
        return counts

    def to_json(self) -> dict[str, Any]:
        return {"valid": self.valid, "issues": [issue.to_dict() for issue in self.issues]}


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


class _Reporter:
    def __init__(self, sources: SourceMap, issues: list[Issue], file_override: str | None = None):
        self.sources = sources
        self.issues = issues
        self.file_override = file_override

    def __call__(
        self, path: PathKey, severity: Severity, message: str, suggestion: str = "", code: str = ""
    ) -> None:
        issue = self.sources.issue(path, severity, message, suggestion, code)
        if self.file_override is not None:
            issue = Issue(issue.path, severity, message, suggestion, self.file_override, None, None, code)
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


class _SchemaWalker:
    """Checks a value against a schema node and returns it normalised (or INVALID)."""

    def __init__(self, report: _Reporter, raw_text: dict[PathKey, str]):
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
                self.report(
                    (*path, key),
                    "warning",
                    f"unknown key '{key}' (ignored)",
                    did_you_mean(key, node.fields, "a known key"),
                    "unknown_key",
                )
                continue
            normalised = self.walk(item, sub, (*path, key))
            if normalised is not None:
                result[key] = normalised
        return result

    def check_required(self, value: dict[str, Any], node: Node, path: PathKey) -> None:
        for key, sub in node.fields.items():
            if sub.required and value.get(key) is None:
                where = format_path(path) or "production"
                # the path names the missing field; its position falls back to the enclosing item
                self.report(
                    (*path, key),
                    "error",
                    f"missing required field '{key}' in {where}",
                    f"add `{key}:` ({sub.description})",
                    "missing",
                )

    def _list(self, value: Any, node: Node, path: PathKey) -> Any:
        if not isinstance(value, list):
            example = f"[{value}]" if isinstance(value, str | int | float) else "- item"
            self.report(
                path, "error", f"expected a list, got {_kind_name(value)}", f"write a list: {example}", "type"
            )
            return INVALID
        assert node.item is not None
        return [self.walk(item, node.item, (*path, i)) for i, item in enumerate(value)]

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
        if integer and not float(value).is_integer():
            self.report(
                path, "error", f"expected a whole number, got {value}", f"write {round(value)}", "type"
            )
            return INVALID
        if value != value or value in (float("inf"), float("-inf")):
            self.report(path, "error", "expected a finite number", "write a number", "type")
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


# Where presets are named: (list field or None, path inside an item, preset kind).
_PRESET_SITES: tuple[tuple[str | None, tuple[str, ...], str], ...] = (
    (None, ("style", "preset"), "styles"),
    ("locations", ("preset",), "locations"),
    ("locations", ("lighting", "preset"), "lighting"),
    ("scenes", ("lighting", "preset"), "lighting"),
    ("shots", ("template",), "shots"),
    ("shots", ("lighting", "preset"), "lighting"),
    ("outputs", ("format",), "outputs"),
)
# Presets that are only named (their content is read by a department), checked for existence.
_NAMED_ONLY: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("outputs", ("retro", "palette"), "palettes"),
    ("outputs", ("retro", "console"), "consoles"),
)


def _get(data: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


class Validator:
    def __init__(self, loaded: LoadedSpec, presets: PresetLibrary, capabilities: Capabilities):
        self.loaded = loaded
        self.presets = presets
        self.capabilities = capabilities
        self.issues: list[Issue] = list(loaded.issues)
        self.sources = loaded.sources
        self.report = _Reporter(self.sources, self.issues)
        self.sensors: dict[str, Sensor] = {}  # sensor preset name -> gate, for the model

    # -- pass 1 and 2 ------------------------------------------------------------------------------
    def normalise(self) -> dict[str, Any]:
        walker = _SchemaWalker(self.report, self.sources.raw_text)
        data = walker.walk(self.loaded.data, PRODUCTION, ())
        if data is INVALID or data is None:
            return {}
        self._resolve_presets(data)
        self._check_required_everywhere(walker, data, PRODUCTION, ())
        return data

    def _resolve_presets(self, data: dict[str, Any]) -> None:
        for list_field, keys, kind in _PRESET_SITES:
            for item, item_path in self._items(data, list_field):
                holder = _get(item, keys[:-1]) if len(keys) > 1 else item
                if not isinstance(holder, dict):
                    continue
                name = holder.get(keys[-1])
                if not isinstance(name, str):
                    continue
                preset = self._preset(kind, name, (*item_path, *keys))
                if preset is None:
                    continue
                target = PRESET_TARGETS[kind]
                file_label = str(self.presets.path(kind, name))
                preset_walker = _SchemaWalker(_Reporter(SourceMap(), self.issues, file_label), {})
                normalised = preset_walker.walk(preset, target, (*item_path, *keys[:-1]))
                if isinstance(normalised, dict):
                    merged = deep_merge(normalised, holder)
                    holder.clear()
                    holder.update(merged)
        for list_field, keys, kind in _NAMED_ONLY:
            for item, item_path in self._items(data, list_field):
                name = _get(item, keys)
                if isinstance(name, str):
                    self._preset(kind, name, (*item_path, *keys))
        self._resolve_sensors(data)
        for list_field in ("locations", "scenes", "shots"):
            for item, item_path in self._items(data, list_field):
                gels = _get(item, ("lighting", "gels"))
                for role, gel in gels.items() if isinstance(gels, dict) else ():
                    if isinstance(gel, str):
                        self._preset("gels", gel, (*item_path, "lighting", "gels", role))

    def _resolve_sensors(self, data: dict[str, Any]) -> None:
        """Every camera's sensor preset (named, else the default) read once into `self.sensors`, so nothing
        after validation reads sensor files: the build and the render see the user's preset folders too."""
        broken: set[str] = set()
        for shot, shot_path in self._items(data, "shots"):
            extras = shot.get("cameras")
            cameras = [(shot.get("camera") or {}, (*shot_path, "camera"))] + [
                (camera, (*shot_path, "cameras", i))
                for i, camera in enumerate(extras if isinstance(extras, list) else [])
            ]
            for camera, camera_path in cameras:
                name = (camera.get("sensor") or m.DEFAULT_SENSOR) if isinstance(camera, dict) else None
                if not isinstance(name, str) or name in self.sensors or name in broken:
                    continue
                preset = self._preset("sensors", name, (*camera_path, "sensor"))
                if preset is None:
                    continue
                try:
                    self.sensors[name] = sensor_from_preset(name, preset)
                except ValueError as exc:
                    broken.add(name)
                    _Reporter(SourceMap(), self.issues, str(self.presets.path("sensors", name)))(
                        (*camera_path, "sensor"),
                        "error",
                        str(exc),
                        "a sensor preset holds width_mm and height_mm (the gate in millimetres), optional "
                        "squeeze (anamorphic, default 1) and coc_mm (circle of confusion)",
                        "preset.sensor",
                    )

    def _items(self, data: dict[str, Any], list_field: str | None) -> list[tuple[Any, PathKey]]:
        if list_field is None:
            return [(data, ())]
        items = data.get(list_field)
        if not isinstance(items, list):
            return []
        return [(item, (list_field, i)) for i, item in enumerate(items) if isinstance(item, dict)]

    def _preset(self, kind: str, name: str, path: PathKey) -> dict[str, Any] | None:
        preset = self.presets.get(kind, name)
        if preset is None and self.presets.path(kind, name) is None:
            self.report(
                path,
                "error",
                f"unknown {kind} preset '{name}'",
                did_you_mean(name, self.presets.names(kind), f"a preset in presets/{kind}"),
                "preset",
            )
        return preset

    def _check_required_everywhere(
        self, walker: _SchemaWalker, value: Any, node: Node, path: PathKey
    ) -> None:
        if node.kind == "object" and isinstance(value, dict):
            walker.check_required(value, node, path)
            for key, sub in node.fields.items():
                if key in value:
                    self._check_required_everywhere(walker, value[key], sub, (*path, key))
        elif node.kind in ("list", "map") and node.item is not None:
            entries: Iterable[tuple[str | int, Any]] = (
                enumerate(value)
                if isinstance(value, list)
                else (value.items() if isinstance(value, dict) else [])
            )
            for entry_key, item in entries:
                self._check_required_everywhere(walker, item, node.item, (*path, entry_key))

    # -- pass 3 ------------------------------------------------------------------------------------
    def cross_check(self, data: dict[str, Any]) -> None:
        characters = self._unique(data, "characters", "name", "character")
        locations = self._unique(data, "locations", "name", "location")
        scenes = self._unique(data, "scenes", "id", "scene")
        self._assign_shot_ids(data)
        self._unique(data, "shots", "id", "shot")
        self._unique(data, "outputs", "name", "output")
        costumes = set(data.get("costumes") or {}) if isinstance(data.get("costumes"), dict) else set()
        scene_order = list(scenes)
        self._check_files(data)
        self._check_scenes(data, locations, characters)
        self._check_wardrobe(data, costumes, scene_order)
        self._check_shots(data, scenes, characters)
        self._check_outputs(data)
        self._check_render(data.get("render"), ("render",))

    def _unique(self, data: dict[str, Any], list_field: str, key: str, noun: str) -> dict[str, int]:
        seen: dict[str, int] = {}
        items = data.get(list_field)
        if not isinstance(items, list):
            return seen
        for i, item in enumerate(items):
            if not isinstance(item, dict) or not isinstance(item.get(key), str):
                continue
            name = item[key]
            if name in seen:
                first = self.sources.find((list_field, seen[name]))
                here = self.sources.find((list_field, i))
                where = f" (first at line {first.line} of {first.file})" if first else ""
                if first and here and first.file != here.file:  # a production folder: name both files
                    where = f": defined in {first.file} (line {first.line}) and again in {here.file}"
                self.report(
                    (list_field, i, key),
                    "error",
                    f"duplicate {noun} {key} '{name}'{where}",
                    f"give every {noun} a unique {key}",
                    "duplicate",
                )
            else:
                seen[name] = i
        return seen

    def _assign_shot_ids(self, data: dict[str, Any]) -> None:
        """Shots without an id get <scene><letter> in spec order, skipping ids already taken."""
        shots = data.get("shots")
        if not isinstance(shots, list):
            return
        taken = {s["id"] for s in shots if isinstance(s, dict) and isinstance(s.get("id"), str)}
        counters: dict[str, int] = {}
        for shot in shots:
            if (
                not isinstance(shot, dict)
                or shot.get("id") is not None
                or not isinstance(shot.get("scene"), str)
            ):
                continue
            scene = shot["scene"]
            while True:
                n = counters.get(scene, 0)
                counters[scene] = n + 1
                candidate = f"{scene}{_letters(n)}"
                if candidate not in taken:
                    break
            shot["id"] = candidate
            taken.add(candidate)

    def _resolve_file(self, value: str) -> Path:
        return (self.loaded.base_dir / value).resolve()

    def _check_file(self, value: Any, path: PathKey, what: str) -> None:
        if not isinstance(value, str):
            return
        if not self._resolve_file(value).is_file():
            self.report(
                path,
                "error",
                f"{what} file not found: {value}",
                f"paths are relative to the spec's folder ({self.loaded.base_dir.name}/); "
                "check the spelling or remove the key",
                "file_missing",
            )

    def _check_files(self, data: dict[str, Any]) -> None:
        self._check_file(data.get("script"), ("script",), "script")
        for item, path in self._items(data, "characters"):
            self._check_file(item.get("model"), (*path, "model"), "model")
            self._check_blend_collection(item, path)
            if item.get("collection") is not None and item.get("model") is None:
                self.report(
                    (*path, "collection"),
                    "warning",
                    "`collection` has no effect without `model`",
                    "add `model: path/to/file.blend` or remove `collection`",
                    "unused",
                )
        for item, path in self._items(data, "locations"):
            self._check_file(item.get("hdri"), (*path, "hdri"), "HDRI")
            self._check_file(item.get("model"), (*path, "model"), "model")

    def _check_blend_collection(self, character: dict[str, Any], path: PathKey) -> None:
        """The collection a character links must exist in its .blend (checked when Blender can read it)."""
        model, reader = character.get("model"), self.capabilities.blend_collections
        if not isinstance(model, str) or reader is None or not self._resolve_file(model).is_file():
            return
        wanted = character.get("collection") or character.get("name")
        try:
            available = reader(self._resolve_file(model))
        except (OSError, RuntimeError) as exc:
            self.report(
                (*path, "model"), "error", f"cannot read {model}: {exc}", "re-save the .blend", "model"
            )
            return
        if isinstance(wanted, str) and wanted not in available:
            self.report(
                (*path, "collection" if character.get("collection") else "model"),
                "error",
                f"{model} has no collection '{wanted}' (it has: {', '.join(available) or 'none'})",
                did_you_mean(wanted, list(available), "one of the collections in the file"),
                "model",
            )

    def _check_scenes(
        self, data: dict[str, Any], locations: dict[str, int], characters: dict[str, int]
    ) -> None:
        for scene, path in self._items(data, "scenes"):
            location = scene.get("location")
            if isinstance(location, str) and location not in locations:
                self.report(
                    (*path, "location"),
                    "error",
                    f"scene uses unknown location '{location}'",
                    did_you_mean(location, locations, "a location defined in `locations`"),
                    "reference",
                )
            for i, name in enumerate(scene.get("characters") or []):
                if isinstance(name, str) and name not in characters:
                    self.report(
                        (*path, "characters", i),
                        "error",
                        f"scene names unknown character '{name}'",
                        did_you_mean(name, characters, "a character defined in `characters`"),
                        "reference",
                    )
            cast = {c for c in scene.get("characters") or [] if isinstance(c, str)}
            self._check_blocking(
                scene.get("blocking"), (*path, "blocking"), cast, self._marks_of(data, scene)
            )

    def _check_blocking(self, blocking: Any, path: PathKey, cast: set[str], marks: set[str]) -> None:
        """Scene and shot blocking: character -> a mark of the scene's location."""
        for name, mark in (blocking if isinstance(blocking, dict) else {}).items():
            if name not in cast:
                self.report(
                    (*path, name),
                    "error",
                    f"blocking places '{name}', who is not in this scene",
                    "add them to the scene's characters or remove the line",
                    "reference",
                )
            elif isinstance(mark, str) and marks and mark not in marks:
                self.report(
                    (*path, name),
                    "error",
                    f"blocking puts '{name}' on unknown mark '{mark}'",
                    did_you_mean(mark, sorted(marks), "a mark of the scene's location"),
                    "reference",
                )

    def _check_wardrobe(self, data: dict[str, Any], costumes: set[str], scene_order: list[str]) -> None:
        appearances: dict[str, set[str]] = {}
        for scene, _ in self._items(data, "scenes"):
            for name in scene.get("characters") or []:
                if isinstance(name, str) and isinstance(scene.get("id"), str):
                    appearances.setdefault(name, set()).add(scene["id"])
        for character, path in self._items(data, "characters"):
            entries = character.get("wardrobe")
            if not isinstance(entries, list) or not entries:
                continue
            covered: dict[str, int] = {}
            broken = False  # an unreadable entry is reported; coverage is judged once it is fixed
            for i, entry in enumerate(entries):
                if not isinstance(entry, dict):
                    continue
                entry_path = (*path, "wardrobe", i)
                costume = entry.get("costume")
                if isinstance(costume, str) and costume not in costumes:
                    self.report(
                        (*entry_path, "costume"),
                        "error",
                        f"unknown costume '{costume}'",
                        did_you_mean(costume, costumes, "a costume defined in `costumes`"),
                        "reference",
                    )
                try:
                    ids = parse_scene_range(entry.get("scenes"), scene_order)
                except ValueProblem as problem:
                    self.report(
                        (*entry_path, "scenes"), "error", problem.message, problem.suggestion, "scene_range"
                    )
                    broken = True
                    continue
                entry["scenes"] = list(ids)
                for scene_id in ids:
                    if scene_order and scene_id not in scene_order:
                        broken = True
                        self.report(
                            (*entry_path, "scenes"),
                            "error",
                            f"wardrobe names scene {scene_id}, which does not exist",
                            f"scenes are: {', '.join(scene_order)}",
                            "reference",
                        )
                    elif scene_id in covered:
                        self.report(
                            (*entry_path, "scenes"),
                            "error",
                            f"scene {scene_id} is already covered by wardrobe[{covered[scene_id]}]",
                            "wardrobe ranges must not overlap: one costume per scene",
                            "overlap",
                        )
                    else:
                        covered[scene_id] = i
            name = character.get("name")
            missing = sorted(appearances.get(name, set()) - set(covered), key=_natural)
            if isinstance(name, str) and missing and not broken:
                self.report(
                    (*path, "wardrobe"),
                    "warning",
                    f"{name} appears in scene(s) {', '.join(missing)} with no costume",
                    "extend a wardrobe range to cover them",
                    "uncovered",
                )

    def _check_shots(self, data: dict[str, Any], scenes: dict[str, int], characters: dict[str, int]) -> None:
        given_fps = data.get("fps")
        fps = given_fps if isinstance(given_fps, int | float) else 24
        scene_items: dict[Any, dict[str, Any]] = {}
        for item, _ in self._items(data, "scenes"):
            scene_items.setdefault(item.get("id"), item)  # a duplicate id is reported; the first one counts
        for shot, path in self._items(data, "shots"):
            scene_id = shot.get("scene")
            scene = scene_items.get(scene_id)
            if isinstance(scene_id, str) and scene is None:
                self.report(
                    (*path, "scene"),
                    "error",
                    f"shot belongs to unknown scene '{scene_id}'",
                    did_you_mean(scene_id, scenes, "a scene id"),
                    "reference",
                )
            cast = {c for c in (scene or {}).get("characters") or [] if isinstance(c, str)}
            # an unreadable cast list is reported on the scene; judging subjects by it would only add noise
            cast_known = scene is not None and scene.get("characters") is not INVALID
            marks = self._marks_of(data, scene)
            if cast_known:
                self._check_blocking(shot.get("blocking"), (*path, "blocking"), cast, marks)
            self._check_subject(shot.get("subject"), (*path, "subject"), cast, characters, marks, cast_known)
            for i, name in enumerate(shot.get("subjects") or []):
                self._check_subject(name, (*path, "subjects", i), cast, characters, marks, cast_known)
            focus = shot.get("focus")
            if isinstance(focus, dict):
                for i, name in enumerate(focus.get("pull") or []):
                    if isinstance(name, str) and cast_known and name not in cast and name not in marks:
                        self.report(
                            (*path, "focus", "pull", i),
                            "error",
                            f"focus pull names '{name}', who is not in scene {scene_id}",
                            did_you_mean(name, cast, "a character of this scene")
                            if cast
                            else "add the character to the scene",
                            "focus",
                        )
                pull, at = focus.get("pull") or [], focus.get("at") or []
                if at and len(at) != len(pull):
                    self.report(
                        (*path, "focus", "at"),
                        "error",
                        f"focus.at has {len(at)} values for {len(pull)} pull subjects",
                        "give one shot fraction (0..1) per pull subject",
                        "focus",
                    )
                elif any(
                    isinstance(a, int | float) and isinstance(b, int | float) and b < a
                    for a, b in itertools.pairwise(at)
                ):
                    self.report(
                        (*path, "focus", "at"),
                        "error",
                        "focus.at fractions must increase",
                        "e.g. at: [0.0, 0.8]",
                        "focus",
                    )
            self._check_duration(shot, path, fps)
            self._check_render(shot.get("render"), (*path, "render"))

    def _marks_of(self, data: dict[str, Any], scene: dict[str, Any] | None) -> set[str]:
        if scene is None:
            return set()
        for location, _ in self._items(data, "locations"):
            if location.get("name") == scene.get("location"):
                return set(location.get("marks") or {}) | set(location.get("features") or {})
        return set()

    def _check_subject(
        self,
        name: Any,
        path: PathKey,
        cast: set[str],
        characters: dict[str, int],
        marks: set[str],
        has_scene: bool,
    ) -> None:
        if not isinstance(name, str) or not has_scene or name in cast or name in marks:
            return
        if name in characters:
            self.report(
                path,
                "error",
                f"'{name}' is not in this shot's scene",
                "add them to the scene's characters, or frame someone who is there",
                "reference",
            )
        else:
            self.report(
                path,
                "error",
                f"unknown subject '{name}'",
                did_you_mean(name, sorted(cast | marks) or characters, "a character or mark"),
                "reference",
            )

    def _check_duration(self, shot: dict[str, Any], path: PathKey, fps: float) -> None:
        duration = shot.get("duration")
        if not isinstance(duration, Duration):
            return
        frames = duration.to_frames(fps)
        if frames <= 0:
            self.report(
                (*path, "duration"),
                "error",
                f"shot duration must be positive (got {duration})",
                'write e.g. "4s" or "96f"',
                "duration",
            )
        elif frames / fps > MAX_SHOT_FRAMES_SECONDS:
            self.report(
                (*path, "duration"),
                "error",
                f"shot duration {duration} is {frames / fps / 60:.1f} minutes (over 10)",
                'check the unit: "96f" is frames, "4s" is seconds',
                "duration",
            )

    def _check_render(self, render: Any, path: PathKey) -> None:
        if not isinstance(render, dict):
            return
        engine = render.get("engine")
        if isinstance(engine, str) and engine not in self.capabilities.engines:
            version = self.capabilities.blender_version or "this Blender"
            self.report(
                (*path, "engine"),
                "error",
                f"engine '{engine}' is not available in {version}",
                f"use one of: {', '.join(self.capabilities.engines)}",
                "engine",
            )

    def _check_outputs(self, data: dict[str, Any]) -> None:
        root = self.loaded.base_dir.resolve()
        for output, path in self._items(data, "outputs"):
            out_path = output.get("path")
            if isinstance(out_path, str):
                resolved = (root / out_path).resolve()
                if os.path.isabs(out_path) or not resolved.is_relative_to(root):
                    self.report(
                        (*path, "path"),
                        "error",
                        f"output path '{out_path}' leaves the production folder",
                        "use a folder inside the production, e.g. output/cinema/",
                        "path_escape",
                    )
            container = output.get("container")
            if isinstance(container, str) and container not in self.capabilities.containers:
                version = self.capabilities.blender_version or "this Blender"
                self.report(
                    (*path, "container"),
                    "error",
                    f"container '{container}' is not supported by {version}",
                    f"use one of: {', '.join(self.capabilities.containers)}",
                    "container",
                )
            self._derive_retro_resolution(output)
            resolution = output.get("resolution")
            if isinstance(resolution, list) and len(resolution) != 2:
                self.report(
                    (*path, "resolution"),
                    "error",
                    "resolution needs two numbers [width, height]",
                    "e.g. [1920, 1080]",
                    "type",
                )
            retro = output.get("retro")
            if isinstance(retro, dict):
                native = retro.get("resolution")
                if isinstance(native, list) and len(native) != 2:
                    self.report(
                        (*path, "retro", "resolution"),
                        "error",
                        "retro resolution needs two numbers [width, height]",
                        "e.g. [256, 224]",
                        "type",
                    )
                if (
                    retro.get("palette") is None
                    and retro.get("colors") is None
                    and retro.get("console") is None
                ):
                    self.report(
                        (*path, "retro"),
                        "error",
                        "a retro output needs a palette, a console or colors",
                        "add e.g. `palette: snes` or `colors: 16`",
                        "retro",
                    )

    def _derive_retro_resolution(self, output: dict[str, Any]) -> None:
        """A retro output is its native resolution (given, or its console's) times the pixel size."""
        retro = output.get("retro")
        if not isinstance(retro, dict) or output.get("resolution") is not None:
            return
        native = retro.get("resolution")
        if native is None and isinstance(retro.get("console"), str):
            console = self.presets.get("consoles", retro["console"]) or {}
            native = console.get("resolution")
            if native is not None:
                retro["resolution"] = list(native)
        if isinstance(native, list) and len(native) == 2 and all(isinstance(n, int) for n in native):
            scale = retro.get("pixel_size") or 1
            output["resolution"] = [native[0] * scale, native[1] * scale]


def _letters(n: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: shot letters after the scene number."""
    text = ""
    n += 1
    while n:
        n, rem = divmod(n - 1, 26)
        text = chr(65 + rem) + text
    return text


def _natural(text: str) -> tuple[int, str]:
    return (int(text), "") if text.isdigit() else (1 << 30, text)


def validate(
    loaded: LoadedSpec, presets: PresetLibrary | None = None, capabilities: Capabilities | None = None
) -> ValidationResult:
    """All issues at once; the model only when there are no errors."""
    presets = presets or PresetLibrary()
    validator = Validator(loaded, presets, capabilities or Capabilities())
    data = validator.normalise() if loaded.data else {}
    if data:
        validator.cross_check(data)
    issues = validator.issues + presets.issues
    unique = list(dict.fromkeys(issues))
    unique.sort(key=sort_key)
    result = ValidationResult(unique, None, data, presets)
    if result.valid and data:
        from .build_model import build_model

        result.production = build_model(data, loaded.base_dir, _spec_hash(loaded), validator.sensors)
    return result


def _spec_hash(loaded: LoadedSpec) -> str:
    digest = hashlib.sha256()
    for file in loaded.files:
        try:
            digest.update(file.read_bytes())
        except OSError:
            continue
    digest.update(json.dumps(str(loaded.base_dir)).encode())
    return digest.hexdigest()[:16]
