"""Shared by the Blender department tests: write a spec, validate it, build some departments (or run the Build
operator), so each test file states only its production and its checks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import bpy
import yaml
from backlot.departments import build_production
from backlot.departments.context import KEY, BuildReport
from backlot.production.model import Production
from backlot.production.spec.api import load_production
from backlot.production.spec.presets import PresetLibrary
from backlot.production.spec.validate import Capabilities
from backlot.runtime.properties import active_scene, scene_state

OPS: Any = bpy.ops  # `bpy.ops.backlot` is registered at run time: the stubs do not know it


class Valid(NamedTuple):
    production: Production
    presets: PresetLibrary  # the library that resolved the spec, for the build


class Built(NamedTuple):
    production: Production
    report: BuildReport


def write_spec_file(folder: Path, body: Mapping[str, Any]) -> Path:
    """Write `{"production": body}` as `folder/production.yaml` (replacing it) and return its path."""
    path = folder / "production.yaml"
    path.write_text(yaml.safe_dump({"production": dict(body)}, sort_keys=False), encoding="utf-8")
    return path


def validated(
    spec: Path, preset_folders: Sequence[Path] = (), capabilities: Capabilities | None = None
) -> Valid:
    """Load and validate; a spec that does not validate fails the test with every issue's message."""
    folders: list[str | Path] = [*preset_folders]
    result = load_production(spec, folders, capabilities)
    assert result.production is not None, [issue.message for issue in result.issues]
    return Valid(result.production, result.presets)


def build_departments(
    spec: Path,
    only: Sequence[str],
    preset_folders: Sequence[Path] = (),
    capabilities: Capabilities | None = None,
) -> Built:
    """Validate `spec` and build the departments in `only` into the current file, with the presets (built-in
    plus `preset_folders`) that validated it, as the Build operator does."""
    production, presets = validated(spec, preset_folders, capabilities)
    report = build_production(production, active_scene(bpy.context), list(only), presets=presets)
    return Built(production, report)


def keyed(kind: str, key: str) -> Any:
    """The datablock of `bpy.data.<kind>` the build made under `key`, or None."""
    return next((block for block in getattr(bpy.data, kind) if block.get(KEY) == key), None)


def build_with_operator(spec: Path, department: str = "ALL") -> set[str]:
    """Point the scene at `spec` and run Build Production (validation included) as the N-panel button does."""
    scene_state(active_scene(bpy.context)).spec_path = str(spec)
    result: set[str] = OPS.backlot.build_production(department=department)
    return result
