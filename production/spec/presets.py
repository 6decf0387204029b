"""Preset libraries: `presets/<kind>/<name>.yaml`, the project's own first, then user folders.

A user folder shadows a built-in preset of the same name, so a studio can restyle `low_key_noir` without
forking the add-on. Presets are data; explicit keys in the spec win over preset keys (deep merge).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..diagnostics import Issue
from ..files import FileProblem, read_text
from .yaml_reader import MAX_FILE_BYTES, SourceMap, parse_yaml_text

BUILTIN_DIR = Path(__file__).resolve().parents[2] / "presets"
META_KEYS = ("description", "source")


@dataclass
class PresetLibrary:
    """Finds presets by kind and name across folders; parses each file once."""

    folders: list[Path] = field(default_factory=lambda: [BUILTIN_DIR])
    _index: dict[str, dict[str, Path]] = field(default_factory=dict)
    _cache: dict[Path, tuple[dict[str, Any], dict[str, Any]] | None] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    @classmethod
    def with_user_folders(cls, user_folders: list[str | Path] | None = None) -> PresetLibrary:
        return cls([BUILTIN_DIR, *(Path(f) for f in user_folders or [])])

    def _kind_index(self, kind: str) -> dict[str, Path]:
        if kind not in self._index:
            found: dict[str, Path] = {}
            for folder in self.folders:
                kind_dir = folder / kind
                if kind_dir.is_dir():
                    for file in sorted(kind_dir.glob("*.y*ml")):
                        found[file.stem] = file  # later folders (user presets) shadow earlier ones
            self._index[kind] = found
        return self._index[kind]

    def names(self, kind: str) -> list[str]:
        return sorted(self._kind_index(kind))

    def path(self, kind: str, name: str) -> Path | None:
        return self._kind_index(kind).get(name)

    def _entry(self, kind: str, name: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        file = self.path(kind, name)
        if file is None:
            return None
        if file not in self._cache:
            self._cache[file] = self._read(file, kind)
        return self._cache[file]

    def get(self, kind: str, name: str) -> dict[str, Any] | None:
        """The preset's keys (without description/source), or None when unknown or unreadable."""
        entry = self._entry(kind, name)
        return None if entry is None else copy.deepcopy(entry[0])

    def describe(self, kind: str, name: str) -> str:
        entry = self._entry(kind, name)
        return "" if entry is None else str(entry[1].get("description") or "")

    def _read(self, file: Path, kind: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        label = f"presets/{kind}/{file.name}"
        try:
            source = read_text(file, f"preset {label}", MAX_FILE_BYTES, "presets")
        except FileProblem as problem:
            self.issues.append(
                Issue(
                    path="",
                    severity="error",
                    message=problem.message,
                    suggestion=f"{problem.suggestion}, or remove the file",
                    file=str(file),
                    code="preset.unreadable",
                )
            )
            return None
        issues_before = len(self.issues)
        value = parse_yaml_text(source, str(file), (), SourceMap(), self.issues)
        if value is None and len(self.issues) > issues_before:
            return None  # the parse issue already says why
        if not isinstance(value, dict):
            self.issues.append(
                Issue(
                    path="",
                    severity="error",
                    message=f"preset {label} must be a mapping of keys",
                    suggestion="write the preset as `key: value` lines",
                    file=str(file),
                    line=1,
                    column=1,
                    code="preset.type",
                )
            )
            return None
        meta = {k: value.get(k) for k in META_KEYS}
        return {k: v for k, v in value.items() if k not in META_KEYS}, meta


def deep_merge(preset: dict[str, Any], explicit: dict[str, Any]) -> dict[str, Any]:
    """Explicit keys win; nested mappings merge key by key so a spec can override one lens setting."""
    merged = copy.deepcopy(preset)
    for key, value in explicit.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
