"""Wardrobe on real Blender: every shot shows the costume per slot, colours exact, conditions measurable."""

from __future__ import annotations

from pathlib import Path

import bpy
import pytest
from backlot.production.plan import make_plan
from build_kit import build_departments
from test_characters import evaluate_in_context, keyed, write_spec

SLOTS = ("skin", "hair", "top", "bottom", "shoes", "outerwear", "headwear", "accessory")
CAST_IN_COSTUME = ("characters", "wardrobe")
# Hand-checked from examples/neon_alley and presets/wardrobe/slots.yaml: a raincoat is outerwear and covers
# the top; no trousers -> the stand-in grey (#808080); no hat -> the hair; no belt -> the trousers.
COURIER = {
    "skin": ("character:Courier/skin", "#c68863"),
    "hair": ("character:Courier/hair", "#2b1d14"),
    "bottom": ("character:Courier/standin", "#808080"),
    "accessory": ("character:Courier/standin", "#808080"),
}
RAIN = {
    "top": ("costume:courier_rain/outerwear", "#1b2a3a"),
    "outerwear": ("costume:courier_rain/outerwear", "#1b2a3a"),
    "shoes": ("costume:courier_rain/shoes", "#222222"),
    "headwear": ("costume:courier_rain/headwear", "#c8102e"),
}
TORN = {slot: (key.replace("courier_rain", "courier_torn"), colour) for slot, (key, colour) in RAIN.items()}
PURSUER = {
    "skin": ("character:Pursuer/skin", "#8d5524"),
    "hair": ("character:Pursuer/hair", "#111111"),
    "headwear": ("character:Pursuer/hair", "#111111"),
    "top": ("costume:pursuer_suit/outerwear", "#3a3a3a"),
    "outerwear": ("costume:pursuer_suit/outerwear", "#3a3a3a"),
    "bottom": ("costume:pursuer_suit/bottom", "#2a2a2a"),
    "accessory": ("costume:pursuer_suit/bottom", "#2a2a2a"),
    "shoes": ("costume:pursuer_suit/shoes", "#0d0d0d"),
}
EXPECTED = {
    ("1", "Courier"): COURIER | RAIN,
    ("2", "Courier"): COURIER | RAIN,
    ("3", "Courier"): COURIER | TORN,
    ("4", "Courier"): COURIER | TORN,
    ("2", "Pursuer"): PURSUER,
    ("4", "Pursuer"): PURSUER,
}


def linear_to_srgb(c: float) -> float:
    return c * 12.92 if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055


def dye_srgb(material: bpy.types.Material) -> tuple[float, ...]:
    return tuple(linear_to_srgb(c) for c in material.node_tree.nodes["Dye"].outputs[0].default_value[:3])


def test_every_shot_wears_the_scene_costume(clean_blender: None, example_copy: Path) -> None:
    production = build_departments(example_copy, CAST_IN_COSTUME).production
    checked = 0
    for shot_plan in make_plan(production).shots:
        for name in production.scene(shot_plan.scene_id).characters:
            root = keyed(f"scene:{shot_plan.scene_id}/character:{name}")
            evaluated = root.evaluated_get(evaluate_in_context(root, frame=shot_plan.frame_start))
            for slot, material_slot in zip(SLOTS, evaluated.material_slots, strict=True):
                key, colour = EXPECTED[(shot_plan.scene_id, name)][slot]
                material = material_slot.material
                assert material.get("backlot_key") == key, (shot_plan.shot_id, name, slot)
                spec = tuple(int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
                assert dye_srgb(material) == pytest.approx(spec, abs=1 / 255), (shot_plan.shot_id, slot)
                checked += 1
    assert checked == 8 * 20  # scenes 1-4: 3x1 + 4x2 + 3x1 + 3x2 = 20 appearances in shots, 8 slots each


# docs/characters.md, condition table applied to the cotton preset (roughness 0.85, sheen 0.3).
CONDITIONS = {  # condition: (saturation, gamma, grime, roughness, coat)
    "pristine": (1.0, 1.0, 0.0, 0.85, 0.0),
    "worn": (0.8, 1.0, 0.1, 0.93, 0.0),
    "dirty": (0.85, 1.0, 0.45, 1.0, 0.0),
    "damaged": (0.7, 1.0, 0.3, 1.0, 0.0),
    "wet": (1.0, 2.0, 0.0, 0.08, 1.0),
}


@pytest.mark.parametrize("condition", sorted(CONDITIONS))
def test_condition_changes_the_documented_shader_inputs(
    clean_blender: None, tmp_path: Path, condition: str
) -> None:
    spec = write_spec(
        tmp_path,
        [{"name": "Ann", "wardrobe": [{"scenes": "1", "costume": "shirt"}]}],
        costumes={
            "shirt": {
                "pieces": ["shirt"],
                "colors": ["#4080c0"],
                "material": "cotton",
                "condition": condition,
            }
        },
    )
    build_departments(spec, CAST_IN_COSTUME)
    material = next(m for m in bpy.data.materials if m.get("backlot_key") == "costume:shirt/top")
    nodes = material.node_tree.nodes
    saturation, gamma, grime, roughness, coat = CONDITIONS[condition]
    bsdf = next(n for n in nodes if n.bl_idname == "ShaderNodeBsdfPrincipled")
    assert nodes["Condition Saturation"].inputs["Saturation"].default_value == pytest.approx(saturation)
    assert nodes["Wet Darkening"].inputs["Gamma"].default_value == pytest.approx(gamma)
    assert nodes["Grime Amount"].inputs[1].default_value == pytest.approx(grime)
    assert bsdf.inputs["Roughness"].default_value == pytest.approx(roughness)
    assert bsdf.inputs["Coat Weight"].default_value == pytest.approx(coat)
    assert [link.from_node for link in bsdf.inputs["Base Color"].links] == [nodes["Grime"]]
