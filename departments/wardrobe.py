"""Wardrobe department: each character wears the costume the spec gives for each scene.

A material per costume piece (the piece's dye colour through the fabric family and condition shader, see
production/staging/costume.py and docs/characters.md), plus skin, hair and a stand-in colour per character.
Every scene's figure gets its slots linked at object level, so the mesh is shared while each scene shows its
own costume in every one of its shots.
"""

from __future__ import annotations

from typing import cast

import bpy

from ..production.model import RGB, Character, Production
from ..production.staging.costume import (
    BODY_SLOTS,
    COSTUME_SLOTS,
    FIGURE_SLOTS,
    STANDIN,
    FabricShader,
    dressed_pieces,
    fabric_shader,
    slot_rules,
    slot_sources,
)
from ..runtime import compat
from .context import BuildContext
from .nodes import link_once

NAME = "wardrobe"
DIRT: RGB = (0.231, 0.184, 0.133)  # sRGB #3b2f22, the grime mixed in by dirty/worn/damaged conditions
DEFAULT_SKIN: RGB = (0.776, 0.525, 0.388)
DEFAULT_HAIR: RGB = (0.169, 0.114, 0.078)
DEFAULT_STANDIN: RGB = (0.5, 0.5, 0.5)
SKIN = FabricShader(0.5, 0.0, 0.5, 0.0, 0.5, 0.0, 0.03, 0.0, 1.0, 1.0, 0.0)
HAIR = FabricShader(0.6, 0.0, 0.5, 0.4, 0.3, 0.0, 0.03, 0.0, 1.0, 1.0, 0.0)
GRIME_SCALE = 6.0  # noise features per metre of the grime mask
PRINCIPLED_VALUES = {
    "Roughness": "roughness",
    "Metallic": "metallic",
    "Specular IOR Level": "specular",
    "Sheen Weight": "sheen",
    "Sheen Roughness": "sheen_roughness",
    "Coat Weight": "coat",
    "Coat Roughness": "coat_roughness",
    "Anisotropic": "anisotropic",
}


def srgb_to_linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _node(tree: bpy.types.NodeTree, name: str, node_type: str, x: float) -> bpy.types.Node:
    node = tree.nodes.get(name)
    if node is None:
        node = tree.nodes.new(node_type)
        node.name = node.label = name
        node.location = (x, 0.0)
    return node


def _socket_index(sockets: bpy.types.bpy_prop_collection, identifier: str) -> int:
    return next(i for i, socket in enumerate(sockets) if socket.identifier == identifier)


class _FabricTemplate:
    """One material with the fabric node graph that new fabric materials are copied from.

    A copy keeps the nodes' names and links; making each graph node by node costs a rename per node, and on
    4.5 every rename walks all animation data in the file (a third of this department's time in a big
    production). Made when the first material is missing and removed when the department is done.
    """

    def __init__(self) -> None:
        self._material: bpy.types.Material | None = None

    def copy_as(self, name: str) -> bpy.types.Material:
        if self._material is None:
            self._material = bpy.data.materials.new("Backlot Fabric Template")
            _fabric_graph(compat.material_node_tree(self._material))
        material = self._material.copy()
        material.name = name
        return material

    def remove(self) -> None:
        if self._material is not None:
            bpy.data.materials.remove(self._material)
            self._material = None


def _fabric_graph(tree: bpy.types.NodeTree) -> tuple[bpy.types.Node, int]:
    """Dye colour -> saturation (condition) -> wet darkening (gamma) -> grime mix -> Principled BSDF, made
    where missing; returns the BSDF and the grime mix's dirt input."""
    bsdf = next(n for n in tree.nodes if n.bl_idname == "ShaderNodeBsdfPrincipled")
    dye = _node(tree, "Dye", "ShaderNodeRGB", -1000)
    fade = _node(tree, "Condition Saturation", "ShaderNodeHueSaturation", -800)
    wet = _node(tree, "Wet Darkening", "ShaderNodeGamma", -600)
    noise = _node(tree, "Grime Mask", "ShaderNodeTexNoise", -800)
    grime = _node(tree, "Grime", "ShaderNodeMix", -400)
    cast(bpy.types.ShaderNodeMix, grime).data_type = "RGBA"
    factor = _socket_index(grime.inputs, "Factor_Float")
    dye_in, dirt_in = _socket_index(grime.inputs, "A_Color"), _socket_index(grime.inputs, "B_Color")
    amount = _node(tree, "Grime Amount", "ShaderNodeMath", -600)
    cast(bpy.types.ShaderNodeMath, amount).operation = "MULTIPLY"
    link_once(tree, dye.outputs[0], fade.inputs["Color"])
    link_once(tree, fade.outputs[0], wet.inputs["Color"])
    link_once(tree, wet.outputs[0], grime.inputs[dye_in])
    link_once(tree, noise.outputs["Fac"], amount.inputs[0])
    link_once(tree, amount.outputs[0], grime.inputs[factor])
    link_once(tree, grime.outputs[_socket_index(grime.outputs, "Result_Color")], bsdf.inputs["Base Color"])
    return bsdf, dirt_in


def _shaded_material(
    ctx: BuildContext, key: str, name: str, colour: RGB, shader: FabricShader, template: _FabricTemplate
) -> bpy.types.Material:
    """A fabric material (see `_fabric_graph`) with the dye and shader values written tweak-aware."""
    material: bpy.types.Material = ctx.ensure("materials", key, name, template.copy_as)
    bsdf, dirt_in = _fabric_graph(compat.material_node_tree(material))
    linear = (*(srgb_to_linear(c) for c in colour), 1.0)
    ctx.assign_all(
        material,
        {
            "diffuse_color": linear,  # the viewport and Workbench show the dye
            "roughness": shader.roughness,
            "metallic": shader.metallic,
            'node_tree.nodes["Dye"].outputs[0].default_value': linear,
            'node_tree.nodes["Condition Saturation"].inputs["Saturation"].default_value': shader.saturation,
            'node_tree.nodes["Wet Darkening"].inputs["Gamma"].default_value': shader.darkening_gamma,
            'node_tree.nodes["Grime Mask"].inputs["Scale"].default_value': GRIME_SCALE,
            'node_tree.nodes["Grime Amount"].inputs[1].default_value': shader.grime,
            f'node_tree.nodes["Grime"].inputs[{dirt_in}].default_value': (
                *(srgb_to_linear(c) for c in DIRT),
                1.0,
            ),
            **{
                f'node_tree.nodes["{bsdf.name}"].inputs["{socket}"].default_value': getattr(shader, field)
                for socket, field in PRINCIPLED_VALUES.items()
            },
        },
    )
    return material


def _character_materials(
    ctx: BuildContext, character: Character, template: _FabricTemplate
) -> dict[str, bpy.types.Material]:
    """Skin, hair and the stand-in colour (for slots no costume piece dresses)."""
    looks = {
        "skin": (character.skin_tone or DEFAULT_SKIN, SKIN),
        "hair": (character.hair_color or DEFAULT_HAIR, HAIR),
        STANDIN: (character.color or DEFAULT_STANDIN, _fabric(ctx, "cotton", "pristine")),
    }
    return {
        part: _shaded_material(
            ctx, f"character:{character.name}/{part}", f"{character.name} {part}", colour, shader, template
        )
        for part, (colour, shader) in looks.items()
    }


def _fabric(ctx: BuildContext, material: str, condition: str) -> FabricShader:
    """The fabric preset changed by the condition preset; a user's file that cannot be read stops the build
    with its name rather than a traceback."""
    try:
        return fabric_shader(material, condition, ctx.presets)
    except (ValueError, TypeError) as exc:
        problem = f"fabric {material} in condition {condition}: {exc}"
        raise ctx.broken_preset("wardrobe/materials", material, problem) from None


def build(production: Production, ctx: BuildContext) -> None:
    try:
        rules = slot_rules(ctx.presets)
    except (AttributeError, TypeError) as exc:
        raise ctx.broken_preset(
            "wardrobe", "slots", f"write `slots:` and `shows:` as mappings ({exc})"
        ) from None
    pieces: dict[str, dict[str, bpy.types.Material]] = {}
    template = _FabricTemplate()
    try:
        for costume in production.costumes:
            shader = _fabric(ctx, costume.material, costume.condition)
            pieces[costume.name] = {
                slot: _shaded_material(
                    ctx, f"costume:{costume.name}/{slot}", f"{costume.name} {piece}", colour, shader, template
                )
                for slot, (piece, colour) in dressed_pieces(costume, rules).items()
            }
        looks = {c.name: _character_materials(ctx, c, template) for c in production.characters}
    finally:
        template.remove()
    for character in production.characters:
        own = looks[character.name]
        for scene in production.scenes:
            if character.name not in scene.characters:
                continue
            root = ctx.find("objects", f"scene:{scene.id}/character:{character.name}")
            if root is None or root.type != "MESH" or len(root.material_slots) != len(FIGURE_SLOTS):
                continue  # a linked asset wears its own materials
            costume_name = character.costume_for(scene.id)
            sources = (
                slot_sources(production.costume(costume_name), rules)
                if costume_name
                else dict.fromkeys(COSTUME_SLOTS, STANDIN)
            )
            wearing = {slot: own[slot] for slot in BODY_SLOTS}
            for slot, source in sources.items():
                wearing[slot] = own[source] if source in own else pieces[costume_name or ""][source]
            for index, slot in enumerate(FIGURE_SLOTS):
                ctx.assign_all(
                    root,
                    {
                        f"material_slots[{index}].link": "OBJECT",  # the mesh is shared across scenes
                        f"material_slots[{index}].material": wearing[slot],
                    },
                )
