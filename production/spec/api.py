"""The functions the CLI, the operators and the tests call: load + resolve + validate in one step."""

from __future__ import annotations

from pathlib import Path

from .loader import load
from .presets import PresetLibrary
from .script_source import merge_script
from .validate import Capabilities, ValidationResult, validate


def load_production(
    spec_path: str | Path,
    preset_folders: list[str | Path] | None = None,
    capabilities: Capabilities | None = None,
) -> ValidationResult:
    """Read, resolve and validate a spec file or production folder. Never raises for bad input."""
    loaded = load(spec_path)
    merge_script(loaded)
    presets = PresetLibrary.with_user_folders(preset_folders)
    return validate(loaded, presets, capabilities)
