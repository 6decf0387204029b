"""Cross-checks against what lies outside the spec text: files on disk, where outputs are written, and what
the running Blender supports (engines, containers, collections inside a .blend)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..diagnostics import did_you_mean
from ..files import FileProblem, is_regular_file, resolve
from .loader import LoadedSpec
from .presets import PresetLibrary
from .schema import CONTAINERS, ENGINES
from .walker import Reporter, list_items
from .yaml_reader import PathKey


@dataclass(frozen=True)
class Capabilities:
    """What the running Blender can do; the pure default assumes everything the contract names."""

    engines: tuple[str, ...] = ENGINES
    containers: tuple[str, ...] = CONTAINERS
    blender_version: str = ""
    # Collection names inside a .blend; only Blender can read them, so pure validation skips that check.
    blend_collections: Callable[[Path], tuple[str, ...]] | None = None


class EnvironmentChecks:
    """Checks that look past the spec's text; CrossChecks calls each at its place in the issue order."""

    def __init__(
        self, loaded: LoadedSpec, presets: PresetLibrary, capabilities: Capabilities, report: Reporter
    ):
        self.loaded = loaded
        self.presets = presets
        self.capabilities = capabilities
        self.report = report

    def _resolve_file(self, value: str, path: PathKey) -> Path | None:
        """The named file, or None when its path cannot be followed (reported here)."""
        try:
            return resolve(self.loaded.base_dir, value)
        except FileProblem as problem:
            self.report(path, "error", problem.message, problem.suggestion, problem.code)
            return None

    def _check_file(self, value: Any, path: PathKey, what: str) -> None:
        if not isinstance(value, str):
            return
        resolved = self._resolve_file(value, path)
        if resolved is not None and not is_regular_file(resolved):
            self.report(
                path,
                "error",
                f"{what} file not found: {value}",
                f"paths are relative to the spec's folder ({self.loaded.base_dir.name}/); "
                "check the spelling or remove the key",
                "file_missing",
            )

    def check_files(self, data: dict[str, Any]) -> None:
        self._check_file(data.get("script"), ("script",), "script")
        for item, path in list_items(data, "characters"):
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
        for item, path in list_items(data, "locations"):
            self._check_file(item.get("hdri"), (*path, "hdri"), "HDRI")
            self._check_file(item.get("model"), (*path, "model"), "model")

    def _check_blend_collection(self, character: dict[str, Any], path: PathKey) -> None:
        """The collection a character links must exist in its .blend (checked when Blender can read it)."""
        model, reader = character.get("model"), self.capabilities.blend_collections
        if not isinstance(model, str) or reader is None:
            return
        blend = self._resolve_file(model, (*path, "model"))
        if blend is None or not is_regular_file(blend):
            return
        wanted = character.get("collection") or character.get("name")
        try:
            available = reader(blend)
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

    def check_render(self, render: Any, path: PathKey) -> None:
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

    def check_outputs(self, data: dict[str, Any]) -> None:
        if not data.get("outputs") and data.get("shots"):
            self.report(
                ("outputs",),
                "warning",
                "the production has no outputs: a render would write nothing",
                "add e.g. `outputs: [{name: preview, format: preview_540p, path: output/preview/}]`",
                "no_outputs",
            )
        root = self.loaded.base_dir.resolve()
        for output, path in list_items(data, "outputs"):
            out_path = output.get("path")
            if isinstance(out_path, str):
                resolved = self._resolve_file(out_path, (*path, "path"))
                escapes = resolved is not None and not resolved.is_relative_to(root)
                if resolved is not None and (os.path.isabs(out_path) or escapes):
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
