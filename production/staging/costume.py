"""Costumes on a figure: which piece dresses which material slot, and a fabric's shader values in a condition.

Pure, so the rules live in one tested place; the wardrobe department turns these numbers into shader nodes.
The piece keywords, fabric families and condition variants are presets (`presets/wardrobe/`), not code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import RGB, Costume
from ..spec.presets import PresetLibrary

COSTUME_SLOTS = ("top", "bottom", "shoes", "outerwear", "headwear", "accessory")
BODY_SLOTS = ("skin", "hair")
FIGURE_SLOTS = (*BODY_SLOTS, *COSTUME_SLOTS)  # the stand-in's material slots, in this order
STANDIN = "standin"  # a slot no piece dresses shows the character's stand-in colour
UNKNOWN_PIECE_SLOT = "accessory"
NEUTRAL: RGB = (0.5, 0.5, 0.5)  # a costume with no colours
WET_ROUGHNESS = 0.08  # a water film is nearly smooth whatever the fabric beneath


@dataclass(frozen=True)
class SlotRules:
    keywords: dict[str, tuple[str, ...]]  # costume slot -> words naming a piece for it
    shows: dict[str, tuple[str, ...]]  # figure slot -> slots whose piece it wears, first filled wins


@dataclass(frozen=True)
class FabricShader:
    """Principled BSDF values of a fabric family in a condition, plus the condition's colour changes."""

    roughness: float
    metallic: float
    specular: float
    sheen: float
    sheen_roughness: float
    coat: float
    coat_roughness: float
    anisotropic: float
    saturation: float  # multiplies the dye's HSV saturation
    darkening_gamma: float  # base colour ** gamma in linear: 1 + wetness (wet fabric is darker)
    grime: float  # strength of the grime mask mixed over the dye


def slot_rules(presets: PresetLibrary | None = None) -> SlotRules:
    data = (presets or PresetLibrary()).get("wardrobe", "slots") or {}
    return SlotRules(
        {slot: tuple(str(w).lower() for w in words) for slot, words in (data.get("slots") or {}).items()},
        {slot: tuple(sources) for slot, sources in (data.get("shows") or {}).items()},
    )


def piece_slot(piece: str, rules: SlotRules) -> str:
    """The costume slot a piece dresses: a keyword equal to or ending one of its words; else accessory."""
    words = re.findall(r"[a-z]+", piece.lower())
    for slot in COSTUME_SLOTS:
        if any(word.endswith(keyword) for word in words for keyword in rules.keywords.get(slot, ())):
            return slot
    return UNKNOWN_PIECE_SLOT


def dressed_pieces(costume: Costume, rules: SlotRules) -> dict[str, tuple[str, RGB]]:
    """Costume slot -> (piece, sRGB colour); colours follow the pieces in order, the last one repeating.
    A second piece for a slot already dressed is layered under the first and not shown."""
    dressed: dict[str, tuple[str, RGB]] = {}
    for i, piece in enumerate(costume.pieces):
        colour = costume.colors[min(i, len(costume.colors) - 1)] if costume.colors else NEUTRAL
        dressed.setdefault(piece_slot(piece, rules), (piece, colour))
    return dressed


def slot_sources(costume: Costume, rules: SlotRules) -> dict[str, str]:
    """Figure costume slot -> what it shows: a dressed costume slot, "hair", or STANDIN."""
    dressed = dressed_pieces(costume, rules)
    sources = {}
    for slot in COSTUME_SLOTS:
        shows = rules.shows.get(slot, (slot,))
        sources[slot] = next((s for s in shows if s in dressed or s in BODY_SLOTS), STANDIN)
    return sources


def fabric_shader(material: str, condition: str, presets: PresetLibrary | None = None) -> FabricShader:
    """Fabric family preset changed by the condition preset (formulas in docs/characters.md)."""
    library = presets or PresetLibrary()
    family = library.get("wardrobe/materials", material)
    state = library.get("wardrobe/conditions", condition)
    if family is None or state is None:
        problems = "; ".join(issue.message for issue in library.issues) or "no such preset"
        raise ValueError(f"wardrobe preset for {material}/{condition} is unusable: {problems}")
    wetness = float(state.get("wetness", 0.0))
    dry_roughness = min(
        1.0, max(0.0, float(family.get("roughness", 0.5)) + float(state.get("roughness_add", 0)))
    )
    return FabricShader(
        roughness=dry_roughness + (WET_ROUGHNESS - dry_roughness) * wetness,
        metallic=float(family.get("metallic", 0.0)),
        specular=float(family.get("specular", 0.5)),
        sheen=float(family.get("sheen", 0.0)) * (1 - wetness),
        sheen_roughness=float(family.get("sheen_roughness", 0.5)),
        coat=max(float(family.get("coat", 0.0)), wetness),
        coat_roughness=float(family.get("coat_roughness", 0.03)) * (1 - wetness) + 0.03 * wetness,
        anisotropic=float(family.get("anisotropic", 0.0)),
        saturation=float(state.get("saturation", 1.0)),
        darkening_gamma=1 + wetness,
        grime=float(state.get("grime", 0.0)),
    )
