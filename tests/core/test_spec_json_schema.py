"""The generated JSON Schema, checked with an independent validator (the `jsonschema` package, draft 2020-12):
it is a valid schema, it accepts the example and the three templates, and it rejects exactly the broken-
corpus cases whose defect is a type, unit, range, enum or required-field error. Cross-references,
duplicates, files, wardrobe coverage, Blender capabilities and preset names are the validator's job, not
the schema's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import test_spec_broken as corpus
import test_spec_common as kit
import yaml
from backlot.production.spec.json_schema import spec_json_schema
from backlot.production.spec.presets import PresetLibrary
from jsonschema import Draft202012Validator

# Broken-corpus cases (those built as data) that the schema must reject: wrong types and units, values outside
# a range or an enum, text patterns, and missing required fields that no preset could supply.
SCHEMA_REJECTS = {
    "lens_with_unit",
    "height_with_unit",
    "fps_word",
    "samples_fraction",
    "interior_yes_text",
    "resolution_as_text",
    "duration_unknown_unit",
    "duration_boolean",
    "colour_short_hex",
    "aspect_word",
    "version_list",
    "size_not_allowed",
    "engine_typo",
    "condition_not_allowed",
    "scene_characters_not_list",
    "wardrobe_not_list",
    "height_out_of_range",
    "focus_at_out_of_range",
    "container_unknown",
    "retro_pixel_size_zero",
    "retro_scanlines_above_one",
    "retro_one_colour",
    "retro_unknown_dither",
    "duration_zero",
    "duration_negative",
    "missing_title",
    "missing_version",
    "missing_shot_duration",
    "missing_shot_scene",
    "missing_scene_location",
    "missing_output_name",
    "missing_character_name",
    "missing_location_name",
    "missing_wardrobe_costume",
}
# `missing_output_path` is accepted on purpose: that output names a format preset, which may supply the path.

DATA_CASES = [case for case in corpus.CASES if isinstance(case.spec(), dict)]


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = spec_json_schema(PresetLibrary())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def test_schema_is_valid_draft_2020_12(validator: Draft202012Validator) -> None:
    assert validator.schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    production = validator.schema["properties"]["production"]
    assert set(production["required"]) == {"title", "version"}
    # preset names are offered to editors as suggestions
    assert (
        "establishing_wide"
        in production["properties"]["shots"]["items"]["properties"]["template"]["examples"]
    )


@pytest.mark.parametrize(
    "spec_file",
    [kit.EXAMPLE, *(kit.TEMPLATES / t / "production.yaml" for t in kit.TEMPLATE_NAMES)],
    ids=["neon_alley", *kit.TEMPLATE_NAMES],
)
def test_example_and_templates_pass(spec_file: Path, validator: Draft202012Validator) -> None:
    document = yaml.safe_load(spec_file.read_text(encoding="utf-8"))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
    assert errors == []


def test_base_spec_passes(validator: Draft202012Validator) -> None:
    assert list(validator.iter_errors(kit.base_spec())) == []


def test_every_named_case_exists() -> None:
    assert {case.name for case in DATA_CASES} >= SCHEMA_REJECTS


@pytest.mark.parametrize("case", DATA_CASES, ids=[c.name for c in DATA_CASES])
def test_schema_verdict_on_the_broken_corpus(case: Any, validator: Draft202012Validator) -> None:
    rejected = not validator.is_valid(case.spec())
    assert rejected == (case.name in SCHEMA_REJECTS)
