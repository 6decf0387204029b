"""The broken-spec corpus: one defect per case, each with the exact issue path and severity the contract
implies.

Every case starts from the kit's clean base spec (as a dict dumped with yaml.safe_dump) or, for syntax and
hostile input, from a small hand-written text whose line numbers are counted below. The expected (path,
severity) set is *exact* over errors and warnings: a defect must be reported where it is, and must not drag
unrelated noise along. No case may raise, and none may take longer than a second (a generous bound; speed
goals live in benchmarks/).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import test_spec_common as kit
from backlot.production.spec.api import load_production
from backlot.production.spec.validate import Capabilities

NO_EEVEE_NO_FFMPEG = Capabilities(
    engines=("workbench", "cycles"), containers=("png", "exr"), blender_version="Blender (test build)"
)

# A minimal valid spec written by hand; line numbers used by the syntax cases are counted on it:
#  1 production:            6 scenes:             11       scene: 1
#  2   title: Mini          7   - id: 1           12       duration: 2s
#  3   version: "1.0"       8     location: Street 13   outputs:
#  4   locations:           9   shots:            14     - name: preview
#  5     - name: Street    10     - id: 1A        15       path: output/preview/
MINI = """production:
  title: Mini
  version: "1.0"
  locations:
    - name: Street
  scenes:
    - id: 1
      location: Street
  shots:
    - id: 1A
      scene: 1
      duration: 2s
  outputs:
    - name: preview
      path: output/preview/
"""
MINI_LINES = MINI.splitlines(keepends=True)


def mini_with(line: int, new_text: str | None = None, insert: str | None = None) -> str:
    """MINI with 1-based `line` replaced by `new_text`, or with `insert` placed before it."""
    lines = list(MINI_LINES)
    if insert is not None:
        lines.insert(line - 1, insert)
    if new_text is not None:
        lines[line - 1] = new_text
    return "".join(lines)


_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _steps(path: str) -> list[str | int]:
    return [int(index) if index else name for name, index in _STEP.findall(path)]


def edit(path: str, value: Any) -> Callable[[], dict[str, Any]]:
    """A base spec with the value at `path` (relative to `production:`) set."""

    def build() -> dict[str, Any]:
        spec = kit.base_spec()
        holder: Any = spec["production"]
        *parents, last = _steps(path)
        for step in parents:
            holder = holder[step]
        holder[last] = value
        return spec

    return build


def drop(path: str) -> Callable[[], dict[str, Any]]:
    def build() -> dict[str, Any]:
        spec = kit.base_spec()
        holder: Any = spec["production"]
        *parents, last = _steps(path)
        for step in parents:
            holder = holder[step]
        del holder[last]
        return spec

    return build


def edits(*changes: tuple[str, Any]) -> Callable[[], dict[str, Any]]:
    def build() -> dict[str, Any]:
        spec = kit.base_spec()
        for path, value in changes:
            holder: Any = spec["production"]
            *parents, last = _steps(path)
            for step in parents:
                holder = holder[step]
            holder[last] = value
        return spec

    return build


def text(value: str | bytes) -> Callable[[], str | bytes]:
    return lambda: value


@dataclass
class Case:
    name: str
    spec: Callable[[], Any]
    expected: set[tuple[str, str]]  # exact (path, severity) over errors and warnings
    suggestion: str | None = None  # a substring the issue at the first expected path must suggest
    message: str | None = None  # a substring of that issue's message
    line: int | None = None  # the line that issue must point at (in production.yaml)
    column: int | None = None
    capabilities: Capabilities | None = None
    files: dict[str, str] = field(default_factory=dict)  # extra files to create next to the spec


def billion_laughs() -> str:
    levels = ["  lol0: &l0 [" + ", ".join(['"lol"'] * 10) + "]\n"]
    for n in range(1, 9):
        levels.append(f"  lol{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 10) + "]\n")
    return mini_with(4, insert="".join(levels))


TEN_MB = "x" * (10 * 1024 * 1024)

CASES: list[Case] = [
    # --- YAML syntax, with line and column ------------------------------------------------------------------
    Case(
        "syntax_bad_indent",
        text(mini_with(3, '   version: "1.0"\n')),
        {("", "error")},
        line=3,
        column=11,
        message="syntax",
    ),
    Case(
        "syntax_tab_indent",
        text(mini_with(8, "\tlocation: Street\n")),
        {("", "error")},
        line=8,
        column=1,
        message="syntax",
    ),
    Case(
        "syntax_unclosed_quote",
        text(mini_with(15, '      path: "output/preview/\n')),
        {("", "error")},
        line=15,
        message="syntax",
    ),
    Case(
        "syntax_duplicate_key",
        text(mini_with(4, insert="  title: Other\n")),
        {("title", "error")},
        line=4,
        message="duplicate",
    ),
    Case("syntax_list_as_key", text(mini_with(4, insert="  [a, b]: 1\n")), {("", "error")}, line=4),
    # --- unknown keys: one edit from a known key is an error (its value would be lost), others warn -----
    Case("unknown_key_top", edit("autor", "A. Writer"), {("autor", "error")}, suggestion="'author'"),
    Case(
        "unknown_key_shot",
        edit("shots[1].camra", {"lens": 50}),
        {("shots[1].camra", "error")},
        suggestion="'camera'",
    ),
    Case(
        "unknown_key_camera",
        edit("shots[1].camera.lense", 50),
        {("shots[1].camera.lense", "error")},
        suggestion="'lens'",
    ),
    Case(
        "unknown_key_character",
        edit("characters[0].heigth", 1.8),
        {("characters[0].heigth", "error")},
        suggestion="'height'",
    ),
    Case(
        "unknown_key_output_retro",
        edit("outputs[1].retro.pixelsize", 2),
        {("outputs[1].retro.pixelsize", "error")},
        suggestion="'pixel_size'",
    ),
    Case("unknown_key_outside_production", text(MINI + "extra: 1\n"), {("extra", "warning")}, line=16),
    # --- wrong types and units ------------------------------------------------------------------------------
    Case(
        "lens_with_unit",
        edit("shots[1].camera.lens", "85mm"),
        {("shots[1].camera.lens", "error")},
        suggestion="85",
    ),
    Case(
        "height_with_unit",
        edit("characters[0].height", "1.8m"),
        {("characters[0].height", "error")},
        suggestion="1.8",
    ),
    Case("fps_word", edit("fps", "fast"), {("fps", "error")}),
    Case("fps_nan", text(mini_with(4, insert="  fps: .nan\n")), {("fps", "error")}, line=4),
    Case("samples_fraction", edit("render.samples", 16.5), {("render.samples", "error")}),
    Case("interior_yes_text", edit("locations[1].interior", "yes"), {("locations[1].interior", "error")}),
    Case(
        "resolution_as_text", edit("outputs[0].resolution", "1920x1080"), {("outputs[0].resolution", "error")}
    ),
    Case("duration_unknown_unit", edit("shots[2].duration", "4 minutes"), {("shots[2].duration", "error")}),
    Case("duration_boolean", edit("shots[2].duration", True), {("shots[2].duration", "error")}),
    Case("time_unreadable", edit("scenes[0].time", "midnightish"), {("scenes[0].time", "error")}),
    Case(
        "colour_short_hex", edit("costumes.coat.colors[0]", "#12345"), {("costumes.coat.colors[0]", "error")}
    ),
    Case("aspect_word", edit("aspect_ratio", "wide"), {("aspect_ratio", "error")}),
    Case("version_list", edit("version", [1, 0]), {("version", "error")}),
    Case(
        "version_number",
        text(mini_with(3, "  version: 1.10\n")),
        {("version", "warning")},
        line=3,
        message="1.10",
    ),
    Case("size_not_allowed", edit("shots[2].size", "XL"), {("shots[2].size", "error")}, suggestion="CU"),
    Case("engine_typo", edit("render.engine", "evee"), {("render.engine", "error")}, suggestion="'eevee'"),
    Case(
        "condition_not_allowed",
        edit("costumes.coat.condition", "soaked"),
        {("costumes.coat.condition", "error")},
    ),
    Case(
        "scene_characters_not_list", edit("scenes[1].characters", "Ada"), {("scenes[1].characters", "error")}
    ),
    Case("wardrobe_not_list", edit("characters[1].wardrobe", "suit"), {("characters[1].wardrobe", "error")}),
    Case("height_out_of_range", edit("characters[0].height", 17.5), {("characters[0].height", "error")}),
    Case("focus_at_out_of_range", edit("shots[3].focus.at", [0.0, 1.5]), {("shots[3].focus.at[1]", "error")}),
    # --- missing required fields ----------------------------------------------------------------------------
    Case("missing_title", drop("title"), {("title", "error")}),
    Case("missing_version", drop("version"), {("version", "error")}),
    Case("missing_shot_duration", drop("shots[2].duration"), {("shots[2].duration", "error")}),
    Case("missing_shot_scene", drop("shots[1].scene"), {("shots[1].scene", "error")}),
    Case("missing_scene_location", drop("scenes[1].location"), {("scenes[1].location", "error")}),
    Case("missing_output_path", drop("outputs[0].path"), {("outputs[0].path", "error")}),
    Case("missing_output_name", drop("outputs[0].name"), {("outputs[0].name", "error")}),
    Case("missing_character_name", drop("characters[2].name"), {("characters[2].name", "error")}),
    Case("missing_location_name", drop("locations[2].name"), {("locations[2].name", "error")}),
    Case(
        "missing_wardrobe_costume",
        drop("characters[0].wardrobe[1].costume"),
        {("characters[0].wardrobe[1].costume", "error")},
    ),
    # --- duplicate ids and names ----------------------------------------------------------------------------
    Case("duplicate_character", edit("characters[2].name", "Ada"), {("characters[2].name", "error")}),
    Case("duplicate_location", edit("locations[2].name", "Office"), {("locations[2].name", "error")}),
    # the shot of the renamed scene 4 is left pointing at a scene that no longer exists: a second, true issue
    Case(
        "duplicate_scene", edit("scenes[3].id", 3), {("scenes[3].id", "error"), ("shots[4].scene", "error")}
    ),
    Case("duplicate_shot", edit("shots[2].id", "1B"), {("shots[2].id", "error")}),
    Case("duplicate_output", edit("outputs[1].name", "preview"), {("outputs[1].name", "error")}),
    Case(
        "duplicate_costume_key",
        text(mini_with(4, insert="  costumes:\n    a: {}\n    a: {}\n")),
        {("costumes.a", "error")},
        line=6,
    ),
    # --- dangling references --------------------------------------------------------------------------------
    Case("shot_unknown_scene", edit("shots[1].scene", 9), {("shots[1].scene", "error")}),
    Case(
        "shot_unknown_subject",
        edit("shots[1].subject", "Adda"),
        {("shots[1].subject", "error")},
        suggestion="'Ada'",
    ),
    Case("shot_subject_not_in_scene", edit("shots[2].subject", "Ben"), {("shots[2].subject", "error")}),
    Case(
        "shot_unknown_subjects_item",
        edit("shots[3].subjects[1]", "Bne"),
        {("shots[3].subjects[1]", "error")},
        suggestion="'Ben'",
    ),
    Case(
        "scene_unknown_location",
        edit("scenes[0].location", "Stret"),
        {("scenes[0].location", "error")},
        suggestion="'Street'",
    ),
    Case(
        "scene_unknown_character",
        edit("scenes[1].characters", ["Ada", "Zed"]),
        {("scenes[1].characters[1]", "error")},
    ),
    Case(
        "wardrobe_unknown_costume",
        edit("characters[0].wardrobe[1].costume", "gwn"),
        {("characters[0].wardrobe[1].costume", "error")},
        suggestion="'gown'",
    ),
    Case(
        "wardrobe_unknown_scene",
        edit("characters[1].wardrobe[0].scenes", "1,3,7"),
        {("characters[1].wardrobe[0].scenes", "error")},
    ),
    Case(
        "wardrobe_unreadable_range",
        edit("characters[1].wardrobe[0].scenes", "1..3"),
        {("characters[1].wardrobe[0].scenes", "error")},
    ),
    # --- files that do not exist ----------------------------------------------------------------------------
    Case("missing_script", edit("script", "scripts/nowhere.fountain"), {("script", "error")}),
    Case(
        "missing_character_model",
        edit("characters[0].model", "assets/ada.blend"),
        {("characters[0].model", "error")},
    ),
    Case("missing_hdri", edit("locations[0].hdri", "hdri/night.exr"), {("locations[0].hdri", "error")}),
    # --- wardrobe ranges ------------------------------------------------------------------------------------
    Case(
        "wardrobe_overlap",
        edit("characters[0].wardrobe[1].scenes", "2-3"),
        {("characters[0].wardrobe[1].scenes", "error")},
    ),
    Case(
        "wardrobe_uncovered",
        edit("characters[0].wardrobe[0].scenes", "1"),
        {("characters[0].wardrobe", "warning")},
        message="2",
    ),
    # --- shot durations -------------------------------------------------------------------------------------
    Case("duration_zero", edit("shots[1].duration", 0), {("shots[1].duration", "error")}),
    Case("duration_negative", edit("shots[1].duration", -24), {("shots[1].duration", "error")}),
    Case("duration_zero_seconds", edit("shots[1].duration", "0s"), {("shots[1].duration", "error")}),
    Case("duration_over_ten_minutes", edit("shots[1].duration", "601s"), {("shots[1].duration", "error")}),
    Case(
        "duration_frames_over_ten_minutes",
        edit("shots[1].duration", "14401f"),
        {("shots[1].duration", "error")},
    ),
    # --- focus pulls ----------------------------------------------------------------------------------------
    Case(
        "focus_pull_absent_character",
        edit("shots[3].focus.pull", ["Ada", "Cat"]),
        {("shots[3].focus.pull[1]", "error")},
    ),
    Case(
        "focus_pull_unknown_name",
        edit("shots[3].focus.pull", ["Ada", "Bne"]),
        {("shots[3].focus.pull[1]", "error")},
        suggestion="'Ben'",
    ),
    # --- output paths escaping the production folder --------------------------------------------------------
    Case("output_path_parent", edit("outputs[0].path", "../../etc"), {("outputs[0].path", "error")}),
    Case("output_path_absolute", edit("outputs[0].path", "/tmp/backlot-out"), {("outputs[0].path", "error")}),
    Case("output_path_sneaky", edit("outputs[0].path", "output/../../x"), {("outputs[0].path", "error")}),
    # --- what the running Blender supports ------------------------------------------------------------------
    Case(
        "engine_unavailable",
        edit("render.engine", "eevee"),
        {("render.engine", "error")},
        capabilities=NO_EEVEE_NO_FFMPEG,
        suggestion="cycles",
    ),
    Case(
        "shot_engine_unavailable",
        edits(("render.engine", "cycles"), ("shots[1].render", {"engine": "eevee"})),
        {("shots[1].render.engine", "error")},
        capabilities=NO_EEVEE_NO_FFMPEG,
    ),
    Case(
        "container_unavailable",
        edits(("render.engine", "cycles"), ("outputs[0].container", "mp4")),
        {("outputs[0].container", "error")},
        capabilities=NO_EEVEE_NO_FFMPEG,
    ),
    Case("container_unknown", edit("outputs[0].container", "avi"), {("outputs[0].container", "error")}),
    # --- retro settings out of range ------------------------------------------------------------------------
    Case(
        "retro_pixel_size_zero",
        edit("outputs[1].retro.pixel_size", 0),
        {("outputs[1].retro.pixel_size", "error")},
    ),
    Case(
        "retro_scanlines_above_one",
        edit("outputs[1].retro.scanlines", 1.5),
        {("outputs[1].retro.scanlines", "error")},
    ),
    Case("retro_one_colour", edit("outputs[1].retro.colors", 1), {("outputs[1].retro.colors", "error")}),
    Case(
        "retro_unknown_dither",
        edit("outputs[1].retro.dither", "floyd"),
        {("outputs[1].retro.dither", "error")},
    ),
    Case(
        "retro_nothing_to_quantise",
        edit("outputs[1].retro", {"dither": "bayer4", "resolution": [256, 224]}),
        {("outputs[1].retro", "error")},
    ),
    # --- unknown preset names, with the closest names -------------------------------------------------------
    Case(
        "unknown_location_preset",
        edit("locations[1].preset", "offfice"),
        {("locations[1].preset", "error")},
        suggestion="'office'",
    ),
    Case(
        "unknown_shot_template",
        edit("shots[0].template", "establishing"),
        {("shots[0].template", "error")},
        suggestion="'establishing_wide'",
    ),
    Case(
        "unknown_output_format",
        edit("outputs[0].format", "cinema4k"),
        {("outputs[0].format", "error")},
        suggestion="'cinema_4k'",
    ),
    Case(
        "unknown_palette",
        edit("outputs[1].retro.palette", "snez"),
        {("outputs[1].retro.palette", "error")},
        suggestion="'snes'",
    ),
    Case(
        "unknown_lighting_preset",
        edit("scenes[0].lighting.preset", "low_key_nior"),
        {("scenes[0].lighting.preset", "error")},
        suggestion="'low_key_noir'",
    ),
    Case(
        "unknown_style_preset",
        edit("style", {"preset": "film_nior"}),
        {("style.preset", "error")},
        suggestion="'film_noir'",
    ),
    Case(
        "unknown_sensor",
        edit("shots[1].camera.sensor", "super_35"),
        {("shots[1].camera.sensor", "error")},
        suggestion="'super35'",
    ),
    Case(
        "unknown_gel",
        edit("scenes[0].lighting.gels", {"key": "full_ctbb"}),
        {("scenes[0].lighting.gels.key", "error")},
        suggestion="'full_ctb'",
    ),
    # --- hostile input --------------------------------------------------------------------------------------
    Case(
        "tag_python_object",
        text(mini_with(2, "  title: !!python/object:os.system ls\n")),
        {("title", "error")},
        line=2,
        message="python/object",
    ),
    Case(
        "tag_python_object_apply",
        text(mini_with(4, insert="  description: !!python/object/apply:os.system [ls]\n")),
        {("description", "error")},
        line=4,
        message="python/object/apply",
    ),
    Case(
        "tag_python_object_new",
        text(mini_with(4, insert="  description: !!python/object/new:os.system {a: 1}\n")),
        {("description", "error")},
        line=4,
        message="python/object/new",
    ),
    Case(
        "tag_python_name",
        text(mini_with(4, insert="  description: !!python/name:os.system ''\n")),
        {("description", "error")},
        line=4,
        message="python/name",
    ),
    Case(
        "tag_binary",
        text(mini_with(4, insert="  description: !!binary aGVsbG8=\n")),
        {("description", "error")},
        line=4,
        message="binary",
    ),
    Case(
        "tag_local",
        text(mini_with(4, insert="  description: !shell rm -rf /\n")),
        {("description", "error")},
        line=4,
        message="!shell",
    ),
    Case("billion_laughs", text(billion_laughs()), {("", "error")}, message="alias"),
    Case(
        "recursive_alias_list",
        text(mini_with(4, insert="  characters: &a [*a]\n")),
        {("characters[0]", "error")},
        line=4,
        message="recursive",
    ),
    Case(
        "recursive_alias_mapping",
        text(mini_with(4, insert="  style: &s {era: *s}\n")),
        {("style.era", "error")},
        line=4,
        message="recursive",
    ),
    Case(
        "deep_flow_nesting",
        text(mini_with(4, insert="  description: " + "[" * 100_000 + "]" * 100_000 + "\n")),
        {("", "error")},
        line=4,
        message="nesting",
    ),
    Case(
        "deep_block_nesting",
        text(mini_with(4, insert="  description:\n    " + "- " * 300 + "x\n")),
        {("", "error")},
        line=5,
        message="nesting",
    ),
    Case(
        "ten_megabyte_string",
        text(mini_with(4, insert=f'  description: "{TEN_MB}"\n')),
        {("description", "error")},
        line=4,
        message="too long",
    ),
    Case(
        "ten_megabyte_title",
        text(mini_with(2, f"  title: {TEN_MB}\n")),
        {("title", "error")},
        line=2,
        message="too long",
    ),
    Case(
        "not_utf8",
        text(b"production:\n  title: caf\xe9\n  version: '1.0'\n"),
        {("", "error")},
        message="UTF-8",
    ),
    Case("empty_file", text(""), {("", "error")}, message="production"),
    Case("only_comments", text("# nothing here\n"), {("", "error")}),
    Case("root_is_list", text("- production: {title: X}\n"), {("", "error")}),
    Case("root_is_scalar", text("just some words\n"), {("", "error")}),
    Case("production_is_scalar", text("production: hello\n"), {("production", "error")}),
    Case("nul_in_path", edit("outputs[0].path", "output/\x00evil"), {("outputs[0].path", "error")}),
]


def test_corpus_is_large_and_distinct() -> None:
    names = [case.name for case in CASES]
    assert len(names) == len(set(names))
    assert len(CASES) >= 60


@pytest.fixture(scope="module")
def stubs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return kit.write_stub_presets(tmp_path_factory.mktemp("stub_presets"))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_broken_spec(case: Case, tmp_path: Path, stubs: Path) -> None:
    folder = tmp_path / "prod"
    spec_file = kit.write_spec(folder, case.spec())
    for rel, body in case.files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(body, encoding="utf-8")
    started = time.perf_counter()
    result = load_production(spec_file, [stubs], case.capabilities)  # must not raise
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"{case.name} took {elapsed:.2f} s"
    found = kit.paths(result.issues, "error", "warning")
    assert found == case.expected, kit.describe(result.issues)
    if any(severity == "error" for _, severity in case.expected):
        assert not result.valid and result.production is None
    first_path = next(iter(sorted(case.expected)))[0]
    issue = next(i for i in result.issues if i.path == first_path and i.severity in ("error", "warning"))
    assert issue.message and issue.suggestion, f"every issue says what and how to fix: {issue}"
    if case.suggestion is not None:
        matching = [i for i in result.issues if i.path == first_path and case.suggestion in i.suggestion]
        assert matching, kit.describe(result.issues)
    if case.message is not None:
        matching = [i for i in result.issues if i.path == first_path and case.message in i.message]
        assert matching, kit.describe(result.issues)
    if case.line is not None:
        assert (issue.file, issue.line) == ("production.yaml", case.line), issue
    if case.column is not None:
        assert issue.column == case.column, issue
    for other in result.issues:
        if other.path:  # every issue about a value points into the spec file
            assert other.file == "production.yaml" and isinstance(other.line, int), other
    assert result.to_json()["valid"] is result.valid


def test_json_output_of_a_broken_spec_is_plain_data(tmp_path: Path, stubs: Path) -> None:
    import json

    result = kit.validate_spec(tmp_path, edit("shots[1].camera.lens", "85mm")(), stubs)
    payload = json.loads(json.dumps(result.to_json()))
    assert payload["valid"] is False
    (issue,) = payload["issues"]
    assert issue["path"] == "shots[1].camera.lens" and issue["severity"] == "error"
    assert set(issue) >= {"path", "severity", "message", "suggestion", "file", "line"}


def test_boundaries_that_are_fine(tmp_path: Path, stubs: Path) -> None:
    """The edges of the ranges above are valid: exactly 10 minutes, 1 frame, scanlines 1, 2 colours, paths
    that wander but stay inside the production folder."""
    spec = edits(
        ("shots[1].duration", "600s"),
        ("shots[2].duration", 1),
        ("outputs[1].retro.scanlines", 1),
        ("outputs[1].retro.colors", 2),
        ("outputs[0].path", "output/../renders/preview"),
    )()
    result = kit.validate_spec(tmp_path / "prod", spec, stubs)
    assert result.issues == [], kit.describe(result.issues)


def test_existing_files_are_accepted(tmp_path: Path, stubs: Path) -> None:
    folder = tmp_path / "prod"
    for rel in ("scripts/film.fountain", "hdri/night.exr", "assets/ada.blend"):
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(b"x")
    spec = edits(
        ("script", "scripts/film.fountain"),
        ("locations[0].hdri", "hdri/night.exr"),
        ("characters[0].model", "assets/ada.blend"),
        ("characters[0].collection", "Ada"),
    )()
    result = kit.validate_spec(folder, spec, stubs)
    assert result.issues == [], kit.describe(result.issues)


def test_a_misspelt_list_key_is_the_first_error_and_its_cascade_says_why(tmp_path: Path, stubs: Path) -> None:
    """`charcters:` leaves every scene's cast unknown: the misspelling comes first (by line), and each unknown
    character says that none is defined and to check the key's spelling."""
    spec = kit.base_spec()
    spec["production"] = {("charcters" if k == "characters" else k): v for k, v in spec["production"].items()}
    result = kit.validate_spec(tmp_path, spec, stubs)
    errors = [i for i in result.issues if i.is_error]
    assert errors[0].path == "charcters" and "'characters'" in errors[0].message, kit.describe(result.issues)
    cascade = [i for i in errors if "unknown character" in i.message]
    assert cascade and all("check the spelling" in i.suggestion for i in cascade), kit.describe(cascade)


def test_a_key_far_from_any_known_one_stays_a_warning(tmp_path: Path, stubs: Path) -> None:
    spec = kit.base_spec()
    spec["production"]["shots"][0]["notes_for_editor"] = "keep"
    result = kit.validate_spec(tmp_path, spec, stubs)
    assert ("shots[0].notes_for_editor", "warning") in kit.paths(result.issues), kit.describe(result.issues)
    assert result.valid


def test_shots_without_outputs_warn_that_a_render_writes_nothing(tmp_path: Path, stubs: Path) -> None:
    spec = kit.base_spec()
    del spec["production"]["outputs"]
    result = kit.validate_spec(tmp_path, spec, stubs)
    warnings = [i for i in result.issues if i.severity == "warning" and i.path == "outputs"]
    assert warnings and "would write nothing" in warnings[0].message, kit.describe(result.issues)
    assert warnings[0].line is not None  # points at the production in the file
