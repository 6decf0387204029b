"""Node-tree edits every department shares, written so a rebuild changes nothing that is already right.

Renaming a node, even to its own name, makes Blender fix animation paths across the whole file (slow in a
big production), and relinking a linked socket tags the tree for an update.
"""

from __future__ import annotations

import bpy

from ..runtime import compat
from .context import BuildContext


def named(node: bpy.types.Node, name: str) -> bpy.types.Node:
    if node.name != name:
        node.name = name
    return node


def shader_material(ctx: BuildContext, key: str, name: str) -> bpy.types.Material:
    """The material keyed `key`, made if missing, with its shader node tree (4.5 needs `use_nodes`)."""
    material: bpy.types.Material = ctx.ensure("materials", key, name, bpy.data.materials.new)
    compat.material_node_tree(material)
    return material


def link_once(tree: bpy.types.NodeTree, output: bpy.types.NodeSocket, target: bpy.types.NodeSocket) -> None:
    if not any(link.from_socket == output for link in target.links):
        tree.links.new(output, target)
