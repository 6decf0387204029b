"""Every difference between Blender 4.5 LTS and 5.x, in one place.

Nothing else in Backlot checks `bpy.app.version`: call these instead, so a new Blender release means
editing one file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import bpy

from ..production.spec.schema import CONTAINERS, ENGINES
from ..production.spec.validate import Capabilities

VERSION: tuple[int, int, int] = tuple(bpy.app.version)  # type: ignore[assignment]
IS_5X = VERSION >= (5, 0, 0)

ENGINE_IDS = {
    "workbench": "BLENDER_WORKBENCH",
    "eevee": "BLENDER_EEVEE" if IS_5X else "BLENDER_EEVEE_NEXT",
    "cycles": "CYCLES",
}


def engine_id(engine: str) -> str:
    """Spec engine name -> this Blender's render engine id."""
    return ENGINE_IDS[engine]


def capabilities() -> Capabilities:
    """What the running Blender supports, for the validator (movies need FFmpeg in the build)."""
    containers = (
        CONTAINERS
        if bpy.app.build_options.codec_ffmpeg
        else tuple(c for c in CONTAINERS if c not in ("mp4", "mov"))
    )
    return Capabilities(
        engines=ENGINES,
        containers=containers,
        blender_version=f"Blender {bpy.app.version_string}",
        blend_collections=blend_collections,
    )


def sky_types() -> dict[str, str]:
    """Physical sky model names: 4.5 calls the scattering model NISHITA, 5.x splits it in two."""
    if IS_5X:
        return {"physical": "MULTIPLE_SCATTERING", "fast": "SINGLE_SCATTERING", "analytic": "HOSEK_WILKIE"}
    return {"physical": "NISHITA", "fast": "NISHITA", "analytic": "HOSEK_WILKIE"}


def compositor_tree(scene: bpy.types.Scene, create: bool = True) -> bpy.types.NodeTree | None:
    """The scene's compositor node tree: `scene.node_tree` on 4.5, a node group on 5.x."""
    if IS_5X:
        tree = scene.compositing_node_group  # type: ignore[attr-defined]  # 5.x only; the stubs are 4.5's
        if tree is None and create:
            tree = bpy.data.node_groups.new(f"{scene.name} Compositor", "CompositorNodeTree")
            scene.compositing_node_group = tree  # type: ignore[attr-defined]
        return tree
    if create and not scene.use_nodes:
        scene.use_nodes = True
    return scene.node_tree


def compositor_output_node(tree: bpy.types.NodeTree) -> Any:
    """The node whose input is the final composite: Composite on 4.5, Group Output on 5.x."""
    if IS_5X:
        output = next((n for n in tree.nodes if n.bl_idname == "NodeGroupOutput"), None)
        if output is None:
            if not any(
                item.in_out == "OUTPUT" and item.socket_type == "NodeSocketColor"
                for item in tree.interface.items_tree
            ):
                tree.interface.new_socket("Image", in_out="OUTPUT", socket_type="NodeSocketColor")
            output = tree.nodes.new("NodeGroupOutput")
        return output
    output = next((n for n in tree.nodes if n.bl_idname == "CompositorNodeComposite"), None)
    return output or tree.nodes.new("CompositorNodeComposite")


def math_node_type() -> str:
    """Scalar math in the compositor: 5.x uses the shared Shader math node."""
    return "ShaderNodeMath" if IS_5X else "CompositorNodeMath"


def set_movie_output(image_settings: Any, container: str) -> None:
    """H.264 MP4 or ProRes 4444 MOV; 5.x needs `media_type = 'VIDEO'` before FFMPEG can be chosen."""
    if IS_5X:
        image_settings.media_type = "VIDEO"
    else:
        image_settings.file_format = "FFMPEG"


def set_image_output(image_settings: Any, file_format: str) -> None:
    if IS_5X and image_settings.media_type != "IMAGE":
        image_settings.media_type = "IMAGE"
    image_settings.file_format = file_format


def strips(sequence_editor: Any) -> Any:
    """VSE strips: `sequences` was removed in 5.x, `strips` exists on both."""
    return sequence_editor.strips if hasattr(sequence_editor, "strips") else sequence_editor.sequences


def compositor_node_type(kind: str) -> str:
    """Compositor node ids for "mix_color" and "separate_xyz": 5.x uses the shared Shader nodes."""
    if IS_5X:
        return {"mix_color": "ShaderNodeMix", "separate_xyz": "ShaderNodeSeparateXYZ"}[kind]
    return {"mix_color": "CompositorNodeMixRGB", "separate_xyz": "CompositorNodeSeparateXYZ"}[kind]


def new_mix_color(tree: bpy.types.NodeTree) -> tuple[Any, Any, Any, Any, Any]:
    """A colour mix node and its (factor, a, b, result) sockets; 5.x's Mix has sockets per data type."""
    node = tree.nodes.new(compositor_node_type("mix_color"))
    if IS_5X:
        cast(bpy.types.ShaderNodeMix, node).data_type = "RGBA"
        inputs = {socket.identifier: socket for socket in node.inputs}
        result = next(socket for socket in node.outputs if socket.identifier == "Result_Color")
        return node, inputs["Factor_Float"], inputs["A_Color"], inputs["B_Color"], result
    return node, node.inputs[0], node.inputs[1], node.inputs[2], node.outputs[0]


def set_node_option(node: Any, prop: str, socket: str, identifier: str) -> None:
    """Set a compositor node option: a property on 4.5 (`ABSOLUTE`), a menu input on 5.x (`Absolute`)."""
    if IS_5X:
        node.inputs[socket].default_value = identifier.replace("_", " ").title()
    else:
        setattr(node, prop, identifier)


def blend_collections(path: Path) -> tuple[str, ...]:
    """Collection names inside a .blend, read without linking anything (so the validator can name them)."""
    # the stub declares load() as returning None, not its context manager
    with bpy.data.libraries.load(str(path)) as (source, _):  # type: ignore[func-returns-value,attr-defined]
        return tuple(source.collections)


def material_node_tree(material: bpy.types.Material) -> bpy.types.NodeTree:
    """The material's shader tree: 4.5 needs `use_nodes`, 5.x always has nodes (and deprecates the flag)."""
    if not IS_5X and not material.use_nodes:
        material.use_nodes = True
    tree = material.node_tree
    assert tree is not None, "a material with nodes has a node tree"
    return tree


def fcurves(idblock: Any) -> Any:
    """The F-curves animating `idblock` in its assigned action slot (layered actions on 4.4+ and 5.x)."""
    from bpy_extras import anim_utils

    anim = idblock.animation_data
    if anim is None or anim.action is None or anim.action_slot is None:
        return ()
    # the stub declares it as returning None, not the channelbag
    channelbag = anim_utils.action_get_channelbag_for_slot(  # type: ignore[func-returns-value]
        anim.action, anim.action_slot
    )
    return () if channelbag is None else channelbag.fcurves


def sky_haze_property() -> str:
    """The physical sky's aerosol amount: `dust_density` on 4.5, `aerosol_density` on 5.x."""
    return "aerosol_density" if IS_5X else "dust_density"
