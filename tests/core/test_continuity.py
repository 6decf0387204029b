"""Continuity report and costume rules, checked against hand-worked tables for the example production."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from backlot.production.model import Production, WardrobeEntry
from backlot.production.spec.api import load_production
from backlot.production.spec.schema import CONDITIONS, MATERIALS
from backlot.production.staging.continuity import continuity_report, format_continuity
from backlot.production.staging.costume import fabric_shader, piece_slot, slot_rules

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "neon_alley" / "production.yaml"

# Worked by hand from the example: wide shots (EWS/WS) show everyone, POV and inserts no one, other shots the
# characters they name. Courier: 1A 3s, 1B 2s, 1C 48f, 2A 2s, 2B 2s, 2C 72f, 3A 3s, 3B 2s, 4A 3s, 4C 3s.
EXPECTED = {
    "Courier": {
        "scenes": ["1", "2", "3", "4"],
        "first": "1",
        "last": "4",
        "shots": ["1A", "1B", "1C", "2A", "2B", "2C", "3A", "3B", "4A", "4C"],
        "screen_seconds": 25.0,
        "costumes": {"1": "courier_rain", "2": "courier_rain", "3": "courier_torn", "4": "courier_torn"},
        "changes": [{"from_scene": "2", "to_scene": "3", "from": "courier_rain", "to": "courier_torn"}],
        "hair_color": "#2b1d14",
        "skin_tone": "#c68863",
        "makeup": "",
    },
    "Pursuer": {
        "scenes": ["2", "4"],
        "first": "2",
        "last": "4",
        "shots": ["2A", "2B", "2C", "4A", "4B"],
        "screen_seconds": 12.0,
        "costumes": {"2": "pursuer_suit", "4": "pursuer_suit"},
        "changes": [],
        "hair_color": "#111111",
        "skin_tone": "#8d5524",
        "makeup": "scar over left eyebrow",
    },
}


def example() -> Production:
    production = load_production(EXAMPLE).production
    assert production is not None
    return production


def test_example_matches_the_hand_checked_table() -> None:
    report = continuity_report(example())
    assert report["warnings"] == []
    for entry in report["characters"]:
        expected = EXPECTED[entry["name"]]
        assert {k: entry[k] for k in expected} == expected


def test_missing_costume_and_change_in_a_continuous_scene_are_warned() -> None:
    production = example()
    courier = production.character("Courier")
    # scene 2 is "EXT. ALLEY - CONTINUOUS": a change between 1 and 2 cannot happen on screen
    courier = dataclasses.replace(
        courier, wardrobe=(WardrobeEntry(("1",), "courier_rain"), WardrobeEntry(("2", "3"), "courier_torn"))
    )
    production = dataclasses.replace(production, characters=(courier, production.characters[1]))
    warnings = continuity_report(production)["warnings"]
    assert warnings == [
        "Courier is in scene 4 with no costume range",
        "Courier changes costume (courier_rain -> courier_torn) between scene 1 and scene 2, "
        "which is continuous",
    ]
    text = format_continuity(continuity_report(production))
    assert "scene    4: (no costume)" in text and "warning: Courier is in scene 4" in text


@pytest.mark.parametrize(
    ("piece", "slot"),
    [
        ("raincoat", "outerwear"),
        ("T-shirt", "top"),
        ("cap", "headwear"),
        ("work boots", "shoes"),
        ("jeans", "bottom"),
        ("pocket watch", "accessory"),
        ("lucky charm", "accessory"),
    ],
)
def test_piece_slots(piece: str, slot: str) -> None:
    assert piece_slot(piece, slot_rules()) == slot


@pytest.mark.parametrize("material", MATERIALS)
@pytest.mark.parametrize("condition", CONDITIONS)
def test_every_fabric_and_condition_has_a_preset(material: str, condition: str) -> None:
    shader = fabric_shader(material, condition)
    assert 0.0 <= shader.roughness <= 1.0 and 0.0 <= shader.saturation <= 1.0
