"""Shared kit for the spec tests: a small valid base spec, stub presets, and a one-call loader.

Other `test_spec_*.py` files load this module by path (see `load_kit`), so it holds no fixtures, only plain
helpers, plus the tests that prove the base spec itself is clean (every broken case mutates it, so a dirty
base would make every expected-issue assertion meaningless).
"""

from __future__ import annotations

import copy
import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from backlot.production.diagnostics import Issue
from backlot.production.spec.api import load_production
from backlot.production.spec.presets import BUILTIN_DIR
from backlot.production.spec.validate import Capabilities, ValidationResult

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "neon_alley" / "production.yaml"
TEMPLATES = ROOT / "examples" / "templates"
TEMPLATE_NAMES = ("short_film", "commercial", "game_assets")

# Presets another part of the project ships (palettes, consoles). Until they exist the stub folder stands in
# for them; once the real files exist the stub is not written, so the built-in data is what the tests
# exercise.
STUB_PRESETS: dict[str, str] = {
    "consoles/snes": "resolution: [256, 224]\n",
    "consoles/nes": "resolution: [256, 240]\n",
    "consoles/gameboy": "resolution: [160, 144]\n",
    "palettes/snes": 'colors: ["#000000", "#ffffff"]\n',
    "palettes/nes": 'colors: ["#000000", "#ffffff"]\n',
    "palettes/gameboy": 'colors: ["#0f380f", "#306230", "#8bac0f", "#9bbc0f"]\n',
    "palettes/1bit": 'colors: ["#000000", "#ffffff"]\n',
}


def load_kit() -> ModuleType:
    """This module, importable from any test file under pytest's importlib mode."""
    name = "backlot_test_spec_kit"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def write_stub_presets(folder: Path) -> Path:
    """A user preset folder holding only the stubs whose real preset is absent from presets/."""
    for key, body in STUB_PRESETS.items():
        kind, name = key.split("/")
        if not any((BUILTIN_DIR / kind / f"{name}{ext}").exists() for ext in (".yaml", ".yml")):
            (folder / kind).mkdir(parents=True, exist_ok=True)
            (folder / kind / f"{name}.yaml").write_text(body, encoding="utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def base_spec() -> dict[str, Any]:
    """A small production that is valid against the contract: 3 characters (one unused), 3 locations (one
    unused), 4 scenes, 5 shots, 2 outputs (one retro). Indices below are what the broken cases mutate."""
    return copy.deepcopy(
        {
            "production": {
                "title": "Test Short",
                "version": "1.0",
                "author": "Kit",
                "fps": 24,
                "aspect_ratio": "16:9",
                "render": {"engine": "eevee", "samples": 16},
                "characters": [
                    {
                        "name": "Ada",
                        "height": 1.7,
                        "build": "slim",
                        "wardrobe": [
                            {"scenes": "1-2", "costume": "coat"},
                            {"scenes": "3", "costume": "gown"},
                        ],
                    },
                    {"name": "Ben", "height": 1.8, "wardrobe": [{"scenes": "1-3", "costume": "suit"}]},
                    {"name": "Cat", "height": 1.6},
                ],
                "costumes": {
                    "coat": {"pieces": ["coat", "hat"], "colors": ["#1b2a3a", "#c8102e"], "condition": "wet"},
                    "gown": {"pieces": ["gown"], "colors": ["#aa2233"], "material": "silk"},
                    "suit": {
                        "pieces": ["jacket", "trousers"],
                        "colors": ["#333333", "#222222"],
                        "material": "wool",
                    },
                },
                "locations": [
                    {"name": "Street", "preset": "street", "weather": "rain"},
                    {"name": "Office", "preset": "office", "interior": True},
                    {"name": "Roof", "interior": False},
                ],
                "scenes": [
                    {
                        "id": 1,
                        "heading": "EXT. STREET - NIGHT",
                        "location": "Street",
                        "time": "night",
                        "characters": ["Ada", "Ben"],
                        "lighting": {"preset": "low_key_noir", "gels": {"key": "full_ctb"}},
                    },
                    {
                        "id": 2,
                        "heading": "INT. OFFICE - DAY",
                        "location": "Office",
                        "time": "2026-03-15T10:00",
                        "characters": ["Ada"],
                    },
                    {
                        "id": 3,
                        "heading": "INT. OFFICE - DUSK",
                        "location": "Office",
                        "time": "dusk",
                        "characters": ["Ada", "Ben"],
                    },
                    {
                        "id": 4,
                        "heading": "EXT. STREET - DAWN",
                        "location": "Street",
                        "time": "dawn",
                        "characters": [],
                    },
                ],
                "shots": [
                    {"id": "1A", "scene": 1, "template": "establishing_wide", "duration": "3s"},
                    {
                        "id": "1B",
                        "scene": 1,
                        "size": "CU",
                        "subject": "Ada",
                        "camera": {"lens": 85, "sensor": "super35", "rig": "dolly", "move": "push_in"},
                        "duration": "48f",
                    },
                    {"id": "2A", "scene": 2, "size": "MS", "subject": "Ada", "duration": "2s"},
                    {
                        "id": "3A",
                        "scene": 3,
                        "size": "TWO",
                        "subjects": ["Ada", "Ben"],
                        "focus": {"pull": ["Ada", "Ben"], "at": [0.0, 0.8]},
                        "duration": 72,
                    },
                    {"id": "4A", "scene": 4, "size": "WS", "subject": "corner", "duration": "2s"},
                ],
                "outputs": [
                    {
                        "name": "preview",
                        "format": "preview_540p",
                        "path": "output/preview/",
                        "container": "png",
                    },
                    {
                        "name": "retro",
                        "path": "output/retro/",
                        "retro": {
                            "colors": 16,
                            "dither": "bayer4",
                            "pixel_size": 4,
                            "scanlines": 0.3,
                            "resolution": [256, 224],
                        },
                    },
                ],
            }
        }
    )


def write_spec(folder: Path, spec: dict[str, Any] | str | bytes, name: str = "production.yaml") -> Path:
    """Write a spec (a dict is dumped with yaml.safe_dump, text and bytes are written verbatim)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if isinstance(spec, bytes):
        path.write_bytes(spec)
    elif isinstance(spec, str):
        path.write_text(spec, encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def validate_spec(
    folder: Path, spec: dict[str, Any] | str | bytes, stubs: Path, capabilities: Capabilities | None = None
) -> ValidationResult:
    return load_production(write_spec(folder, spec), [stubs], capabilities)


def paths(issues: list[Issue], *severities: str) -> set[tuple[str, str]]:
    """(path, severity) of every issue, or of those with the given severities."""
    return {(i.path, i.severity) for i in issues if not severities or i.severity in severities}


def describe(issues: list[Issue]) -> str:
    return "\n".join(i.format() for i in issues) or "(no issues)"


# -- tests of the kit itself ---------------------------------------------------------------------------------


def test_base_spec_is_clean(tmp_path: Path) -> None:
    stubs = write_stub_presets(tmp_path / "stubs")
    result = validate_spec(tmp_path / "prod", base_spec(), stubs)
    assert result.issues == [], describe(result.issues)
    assert result.valid and result.production is not None


def test_base_spec_model_reads_back(tmp_path: Path) -> None:
    """Hand-computed figures for the base spec: 3s at 24 fps = 72 frames, 48f = 48, 2s = 48, 72 = 72."""
    stubs = write_stub_presets(tmp_path / "stubs")
    production = validate_spec(tmp_path / "prod", base_spec(), stubs).production
    assert production is not None
    assert [s.id for s in production.shots] == ["1A", "1B", "2A", "3A", "4A"]
    assert [s.duration for s in production.shots] == [72, 48, 48, 72, 48]
    assert [s.id for s in production.scenes] == ["1", "2", "3", "4"]
    assert production.character("Ada").costume_for("2") == "coat"
    assert production.character("Ada").costume_for("3") == "gown"
    # retro output: native 256x224 at pixel size 4
    assert production.outputs[1].resolution == (1024, 896)
    assert production.outputs[0].resolution == (960, 540)
