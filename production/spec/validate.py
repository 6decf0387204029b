"""Validate a loaded spec: every issue at once, then the immutable model when there are no errors.

Three passes: (1) walk the user's data against the schema, normalising values and reporting types, units,
unknown and missing keys (walker); (2) add the shots scenes' `coverage` generates (scene_coverage) and resolve
presets (explicit keys win), here; (3) cross-checks the schema cannot express (references, duplicates,
wardrobe coverage, files, output paths, what the running Blender supports, the line of action: cross_checks,
environment_checks and line_checks), after which the shots stand in story order.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from .. import model as m
from ..camera.optics import sensor_from_preset
from ..diagnostics import Issue, did_you_mean, sort_key
from ..model import Sensor
from .cross_checks import CrossChecks
from .environment_checks import Capabilities, EnvironmentChecks
from .line_checks import check_line_of_action
from .loader import LoadedSpec
from .presets import PresetLibrary, deep_merge
from .scene_coverage import add_coverage, story_order
from .schema import PRESET_TARGETS, PRODUCTION
from .walker import INVALID, Reporter, SchemaWalker, check_required, dig, list_items
from .yaml_reader import PathKey, SourceMap


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


class Validator:
    """Passes 1 and 2 over one loaded spec, collecting issues; pass 3 is handed to the cross-checks."""

    def __init__(self, loaded: LoadedSpec, presets: PresetLibrary, capabilities: Capabilities):
        self.loaded = loaded
        self.presets = presets
        self.capabilities = capabilities
        self.issues: list[Issue] = list(loaded.issues)
        self.sources = loaded.sources
        self.report = Reporter(self.sources, self.issues)
        self.sensors: dict[str, Sensor] = {}  # sensor preset name -> gate, for the model
        self.explicit_shots = 0  # shots the spec lists; generated coverage follows them until put in order

    # -- pass 1 and 2 ------------------------------------------------------------------------------
    def normalise(self) -> dict[str, Any]:
        walker = SchemaWalker(self.report, self.sources.raw_text)
        data = walker.walk(self.loaded.data, PRODUCTION, ())
        if data is INVALID or data is None:
            return {}
        self.explicit_shots = add_coverage(data, self.presets, self.sources, self.report)
        self._resolve_presets(data)
        check_required(self.report, data, PRODUCTION, ())
        return data

    def _resolve_presets(self, data: dict[str, Any]) -> None:
        for list_field, keys, kind in _PRESET_SITES:
            for item, item_path in list_items(data, list_field):
                holder = dig(item, keys[:-1]) if len(keys) > 1 else item
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
                preset_walker = SchemaWalker(Reporter(SourceMap(), self.issues, file_label), {})
                normalised = preset_walker.walk(preset, target, (*item_path, *keys[:-1]))
                if isinstance(normalised, dict):
                    merged = deep_merge(normalised, holder)
                    holder.clear()
                    holder.update(merged)
        for list_field, keys, kind in _NAMED_ONLY:
            for item, item_path in list_items(data, list_field):
                name = dig(item, keys)
                if isinstance(name, str):
                    self._preset(kind, name, (*item_path, *keys))
        self._resolve_sensors(data)
        for list_field in ("locations", "scenes", "shots"):
            for item, item_path in list_items(data, list_field):
                gels = dig(item, ("lighting", "gels"))
                for role, gel in gels.items() if isinstance(gels, dict) else ():
                    if isinstance(gel, str):
                        self._preset("gels", gel, (*item_path, "lighting", "gels", role))

    def _resolve_sensors(self, data: dict[str, Any]) -> None:
        """Every camera's sensor preset (named, else the default) read once into `self.sensors`, so nothing
        after validation reads sensor files: the build and the render see the user's preset folders too."""
        broken: set[str] = set()
        for shot, shot_path in list_items(data, "shots"):
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
                    Reporter(SourceMap(), self.issues, str(self.presets.path("sensors", name)))(
                        (*camera_path, "sensor"),
                        "error",
                        str(exc),
                        "a sensor preset holds width_mm and height_mm (the gate in millimetres), optional "
                        "squeeze (anamorphic, default 1) and coc_mm (circle of confusion)",
                        "preset.sensor",
                    )

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

    # -- pass 3 ------------------------------------------------------------------------------------
    def cross_check(self, data: dict[str, Any]) -> None:
        environment = EnvironmentChecks(self.loaded, self.presets, self.capabilities, self.report)
        CrossChecks(self.sources, self.report, environment).run(data)
        order = story_order(data, self.explicit_shots)
        check_line_of_action(self.report, data, order, self.presets)
        if order:  # from here on the shots stand in story order: generated coverage first in its scene
            data["shots"] = [data["shots"][index] for index in order]


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
