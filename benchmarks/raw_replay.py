"""The build benchmark's baseline: what a Backlot build made, read back and made again with raw calls.

`read_recipe()` records every datablock Backlot keyed (kinds, names, light, curve and tree types, mesh
geometry, curve splines), each scene's collections, world, camera and markers, objects' links, parents,
material slots and constraints, actions with their keyframes, node trees (nodes, settings, input values,
links, group interfaces) and every property value Backlot recorded as written. `strip_defaults()` drops the
values a new datablock, node, socket or constraint already holds, so `replay()` is the least raw `bpy.data`
work that makes the same scene: no keys, no written-value records, no spec maths, no report. Settings are
read by RNA, so what Backlot set is in the replay whichever way it set it. `content_counts()` checks that
both made the same amount of everything.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce
from typing import TYPE_CHECKING, Any, Literal, cast

import bpy
from backlot.departments.context import KEY, WRITTEN
from backlot.runtime import compat

if TYPE_CHECKING:
    from bpy.stub_internal.rna_enums import ConstraintTypeItems

NodeTreeType = Literal["GeometryNodeTree", "CompositorNodeTree", "ShaderNodeTree", "TextureNodeTree"]

# Creation order: data before the objects, node groups before the trees that use them.
KINDS = (
    "scenes",
    "collections",
    "worlds",
    "materials",
    "meshes",
    "curves",
    "cameras",
    "lights",
    "objects",
    "node_groups",
    "actions",
)
CREATE: dict[str, Callable[[str, dict[str, Any]], Any]] = {
    "scenes": lambda name, _: bpy.data.scenes.new(name),
    "collections": lambda name, _: bpy.data.collections.new(name),
    "worlds": lambda name, _: bpy.data.worlds.new(name),
    "materials": lambda name, _: bpy.data.materials.new(name),
    "meshes": lambda name, _: bpy.data.meshes.new(name),
    "curves": lambda name, extra: bpy.data.curves.new(name, extra["type"]),
    "cameras": lambda name, _: bpy.data.cameras.new(name),
    "lights": lambda name, extra: bpy.data.lights.new(name, extra["type"]),
    "objects": lambda name, extra: bpy.data.objects.new(name, extra.get("data")),
    "node_groups": lambda name, extra: bpy.data.node_groups.new(name, extra["type"]),
    "actions": lambda name, _: bpy.data.actions.new(name),
}
DATA_KINDS = {"MESH": "meshes", "CAMERA": "cameras", "LIGHT": "lights", "CURVE": "curves"}
ID_KINDS = {
    bpy.types.Object: "objects",
    bpy.types.NodeTree: "node_groups",
    bpy.types.Material: "materials",
    bpy.types.Scene: "scenes",
    bpy.types.Image: "images",
    bpy.types.Collection: "collections",
    bpy.types.Curve: "curves",
    bpy.types.Action: "actions",
}
# Set by the creation call (name, socket kind, direction), derived (a node's absolute location) or no part
# of the result (selection).
UNWRITTEN = {"rna_type", "name", "select", "in_out", "socket_type", "item_type", "location_absolute"}
SIMPLE = {"BOOLEAN", "INT", "FLOAT", "STRING", "ENUM"}
TreeOwner = tuple[str, str]  # ("materials" | "worlds" | "node_groups" | "compositor", name)


@dataclass
class Block:
    kind: str
    name: str
    extra: dict[str, Any]  # creation arguments: light/curve/tree type; an object's data as (kind, name)
    writes: list[tuple[str, Any]]  # (attribute path, value) Backlot recorded as written


@dataclass
class Node:
    idname: str
    name: str
    settings: dict[str, Any]  # RNA values (ID pointers as (kind, name))
    inputs: dict[int, Any]  # input socket index -> default value
    outputs: dict[int, Any]  # output socket index -> default value (an RGB or Value node's own value)


@dataclass
class Tree:
    owner: TreeOwner
    nodes: list[Node]
    links: list[tuple[str, int, str, int]]  # from node, output index, to node, input index
    interface: list[tuple[str, str, str, dict[str, Any]]]  # name, in/out, socket type, settings


@dataclass
class Constraint:
    owner: str
    type: ConstraintTypeItems
    settings: dict[str, Any]


@dataclass
class Animation:
    action: str
    owner: tuple[str, str]  # (kind, name), or ("tree", owner of the tree)
    curves: list[tuple[str, int, list[float], list[int]]]  # data path, index, keyframe co, interpolation


@dataclass
class Recipe:
    blocks: list[Block] = field(default_factory=list)
    geometry: dict[str, tuple[list[tuple[float, ...]], list[tuple[int, ...]]]] = field(default_factory=dict)
    splines: dict[str, list[tuple[str, list[float]]]] = field(default_factory=dict)  # curve: (type, xyzw...)
    collection_parents: list[tuple[str, str, bool]] = field(default_factory=list)  # child, parent, is scene
    object_links: list[tuple[str, str]] = field(default_factory=list)  # object, collection
    parents: list[tuple[str, str]] = field(default_factory=list)  # child, parent
    slots: list[tuple[str, str, str | None]] = field(default_factory=list)  # object, link, material
    scene_links: list[tuple[str, str | None, str | None]] = field(default_factory=list)  # world, camera
    markers: list[tuple[str, str, int, str | None]] = field(default_factory=list)  # name, frame, camera
    trees: list[Tree] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)
    animations: list[Animation] = field(default_factory=list)

    def counts(self) -> Counter[str]:
        return Counter(block.kind for block in self.blocks)

    def sizes(self) -> dict[str, int]:
        return {
            "nodes": sum(len(tree.nodes) for tree in self.trees),
            "links": sum(len(tree.links) for tree in self.trees),
            "constraints": len(self.constraints),
            "keyframes": sum(len(co) // 2 for anim in self.animations for _, _, co, _ in anim.curves),
            "spline points": sum(len(co) // 4 for splines in self.splines.values() for _, co in splines),
            "writes": sum(len(block.writes) for block in self.blocks)
            + sum(len(n.settings) + len(n.inputs) + len(n.outputs) for tree in self.trees for n in tree.nodes)
            + sum(len(constraint.settings) for constraint in self.constraints),
        }


# ---------------------------------------------------------------- reading


def keyed(kind: str) -> list[Any]:
    return [block for block in getattr(bpy.data, kind) if isinstance(block.get(KEY), str)]


def id_ref(value: Any) -> tuple[str, str] | None:
    kind = next((kind for cls, kind in ID_KINDS.items() if isinstance(value, cls)), None)
    return None if kind is None else (kind, value.name)


def plain(value: Any) -> Any:
    if isinstance(value, str | bool | int | float) or value is None:
        return value
    if isinstance(value, bpy.types.ID):
        return id_ref(value)
    if isinstance(value, set):
        return sorted(value)
    return [plain(item) for item in value]


def rna_settings(struct: Any) -> dict[str, Any]:
    """Every writable plain value and ID pointer of `struct`, by RNA identifier."""
    values = {}
    for prop in struct.bl_rna.properties:
        name = prop.identifier
        if prop.is_readonly or name.startswith("bl_") or name in UNWRITTEN:
            continue
        if prop.type in SIMPLE or (prop.type == "POINTER" and isinstance(prop.fixed_type, bpy.types.ID)):
            values[name] = plain(getattr(struct, name))
    return values


def creation_type(kind: str, block: Any) -> dict[str, Any]:
    """The type argument of `lights.new` / `curves.new` / `node_groups.new`."""
    if kind == "lights":
        return {"type": str(block.type)}
    if kind == "node_groups":
        return {"type": block.bl_idname}
    if kind == "curves":
        return {"type": {"TextCurve": "FONT", "SurfaceCurve": "SURFACE"}.get(type(block).__name__, "CURVE")}
    return {}


def socket_values(sockets: Any) -> dict[int, Any]:
    return {
        i: plain(socket.default_value) for i, socket in enumerate(sockets) if hasattr(socket, "default_value")
    }


def read_tree(owner: TreeOwner, tree: Any) -> Tree:
    nodes = [
        Node(
            node.bl_idname,
            node.name,
            rna_settings(node),
            socket_values(node.inputs),
            socket_values(node.outputs),
        )
        for node in tree.nodes
    ]
    links = [
        (
            link.from_node.name,
            list(link.from_node.outputs).index(link.from_socket),
            link.to_node.name,
            list(link.to_node.inputs).index(link.to_socket),
        )
        for link in tree.links
    ]
    interface = [
        (item.name, item.in_out, item.socket_type, rna_settings(item))
        for item in getattr(getattr(tree, "interface", None), "items_tree", ())
        if item.item_type == "SOCKET"
    ]
    return Tree(owner, nodes, links, interface)


def compositor_trees() -> dict[str, Any]:
    """Each Backlot scene's compositor tree (a node group on 5.x, owned by its scene)."""
    trees = {scene.name: compat.compositor_tree(scene, create=False) for scene in keyed("scenes")}
    return {name: tree for name, tree in trees.items() if tree is not None}


def read_animation(kind: str, block: Any) -> Animation | None:
    anim = block.animation_data
    if anim is None or anim.action is None:
        return None
    curves = []
    for curve in compat.fcurves(block):
        count = len(curve.keyframe_points)
        co, interpolation = [0.0] * (2 * count), [0] * count
        curve.keyframe_points.foreach_get("co", co)
        curve.keyframe_points.foreach_get("interpolation", interpolation)
        curves.append((curve.data_path, curve.array_index, co, interpolation))
    return Animation(anim.action.name, (kind, block.name), curves)


def read_recipe() -> Recipe:
    recipe = Recipe()
    compositors = compositor_trees()
    compositor_names = {tree.name for tree in compositors.values()}
    for kind in KINDS:
        for block in keyed(kind):
            if kind == "node_groups" and block.name in compositor_names:
                continue
            extra = creation_type(kind, block)
            if kind == "objects" and block.data is not None:
                extra["data"] = (DATA_KINDS[block.type], block.data.name)
            writes = [(p, v) for p, v in json.loads(block.get(WRITTEN, "{}")).items() if "[" not in p]
            recipe.blocks.append(Block(kind, block.name, extra, writes))  # node values: in `trees`
    for mesh in keyed("meshes"):
        vertices = [tuple(vertex.co) for vertex in mesh.vertices]
        recipe.geometry[mesh.name] = (vertices, [tuple(polygon.vertices) for polygon in mesh.polygons])
    for curve in keyed("curves"):
        recipe.splines[curve.name] = [(spline.type, spline_points(spline)) for spline in curve.splines]
    for scene in keyed("scenes"):
        recipe.collection_parents += [(child.name, scene.name, True) for child in scene.collection.children]
        recipe.scene_links.append(
            (scene.name, getattr(scene.world, "name", None), getattr(scene.camera, "name", None))
        )
        recipe.markers += [
            (scene.name, marker.name, marker.frame, getattr(marker.camera, "name", None))
            for marker in scene.timeline_markers
        ]
    for collection in keyed("collections"):
        recipe.collection_parents += [(child.name, collection.name, False) for child in collection.children]
        recipe.object_links += [(obj.name, collection.name) for obj in collection.objects]
    for obj in keyed("objects"):
        if obj.parent is not None:
            recipe.parents.append((obj.name, obj.parent.name))
        recipe.slots += [
            (obj.name, slot.link, getattr(slot.material, "name", None)) for slot in obj.material_slots
        ]
        recipe.constraints += [Constraint(obj.name, c.type, rna_settings(c)) for c in obj.constraints]
    for kind in ("node_groups", "materials", "worlds"):
        recipe.trees += [
            read_tree((kind, block.name), block if kind == "node_groups" else block.node_tree)
            for block in keyed(kind)
            if kind == "node_groups" or block.node_tree is not None
            if block.name not in compositor_names
        ]
    recipe.trees += [read_tree(("compositor", name), tree) for name, tree in compositors.items()]
    for kind in ("objects", "lights", "cameras", "worlds"):
        recipe.animations += filter(None, (read_animation(kind, block) for block in keyed(kind)))
    return recipe


# ---------------------------------------------------------------- defaults


def _changed(values: dict[str, Any], default: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if default.get(name) != value}


def strip_defaults(recipe: Recipe) -> None:
    """Keep only values that differ from a new datablock's, node's, socket's or constraint's own."""
    bpy.ops.wm.read_factory_settings(use_empty=True)
    fresh: dict[tuple[str, str], Any] = {}
    for block in recipe.blocks:
        extra = {"type": block.extra["type"]} if "type" in block.extra else {}  # objects: an empty will do
        signature = (block.kind, json.dumps(extra))
        if signature not in fresh:
            fresh[signature] = CREATE[block.kind](f"defaults {len(fresh)}", extra)
        default = fresh[signature]
        block.writes = [(path, value) for path, value in block.writes if plain(read(default, path)) != value]
    scratch_trees: dict[str, Any] = {}
    fresh_nodes: dict[tuple[str, str], Any] = {}
    for tree in recipe.trees:
        tree_type = _tree_type(recipe, tree.owner)
        if tree_type not in scratch_trees:
            scratch_trees[tree_type] = _scratch_tree(tree_type)
        host = scratch_trees[tree_type]
        for node in tree.nodes:
            default = fresh_nodes.get((tree_type, node.idname))
            if default is None:
                default = fresh_nodes[(tree_type, node.idname)] = host.nodes.new(node.idname)
            node.settings = _changed(node.settings, rna_settings(default))
            node.inputs = _changed_sockets(node.inputs, default.inputs)
            node.outputs = _changed_sockets(node.outputs, default.outputs)
    for tree in recipe.trees:
        host = scratch_trees.get(_tree_type(recipe, tree.owner))
        tree.interface = [
            (name, in_out, kind, _changed(settings, rna_settings(_fresh_socket(host, in_out, kind))))
            for name, in_out, kind, settings in tree.interface
        ]
    scratch = bpy.data.objects.new("defaults", None)
    for constraint in recipe.constraints:
        default = scratch.constraints.new(constraint.type)
        constraint.settings = _changed(constraint.settings, rna_settings(default))


def _scratch_tree(tree_type: NodeTreeType) -> Any:
    """A tree to make default nodes in: 4.5 makes some compositor nodes only in a scene's compositor."""
    if tree_type == "CompositorNodeTree":
        return compat.compositor_tree(bpy.data.scenes.new("defaults"))
    return bpy.data.node_groups.new("defaults", tree_type)


def _changed_sockets(values: dict[int, Any], fresh: Any) -> dict[int, Any]:
    """Socket values that differ from a fresh node's; a group node has no sockets until its group is set."""
    return {
        index: value
        for index, value in values.items()
        if index >= len(fresh)
        or not hasattr(fresh[index], "default_value")
        or plain(fresh[index].default_value) != value
    }


def _fresh_socket(host: Any, in_out: str, socket_type: str) -> Any:
    return host.interface.new_socket("default", in_out=in_out, socket_type=socket_type)


def _tree_type(recipe: Recipe, owner: TreeOwner) -> NodeTreeType:
    kind, name = owner
    if kind == "node_groups":
        return next(b.extra["type"] for b in recipe.blocks if b.kind == kind and b.name == name)
    return "CompositorNodeTree" if kind == "compositor" else "ShaderNodeTree"


def spline_points(spline: Any) -> list[float]:
    """A poly or NURBS spline's points (x, y, z, w each); Backlot makes no Bézier splines."""
    assert spline.type != "BEZIER", "the replay reads poly and NURBS splines only"
    co = [0.0] * (4 * len(spline.points))
    spline.points.foreach_get("co", co)
    return co


def read(block: Any, path: str) -> Any:
    *parents, leaf = path.split(".")
    return getattr(reduce(getattr, parents, block), leaf)


# ---------------------------------------------------------------- replay


def replay(recipe: Recipe) -> None:
    """The raw bpy.data calls that make what the build made."""
    made: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}
    for block in recipe.blocks:
        extra = block.extra
        if "data" in extra:
            data_kind, data_name = extra["data"]
            extra = {"data": made[data_kind][data_name]}
        made[block.kind][block.name] = CREATE[block.kind](block.name, extra)
    for name, (vertices, polygons) in recipe.geometry.items():
        mesh = made["meshes"][name]
        mesh.from_pydata(vertices, [], polygons)
        mesh.update()
    for name, splines in recipe.splines.items():
        for spline_type, co in splines:
            spline = made["curves"][name].splines.new(spline_type)
            spline.points.add(len(co) // 4 - 1)  # a new spline has one point
            spline.points.foreach_set("co", co)
    for child, parent, is_scene in recipe.collection_parents:
        owner = made["scenes"][parent].collection if is_scene else made["collections"][parent]
        owner.children.link(made["collections"][child])
    for obj, collection in recipe.object_links:
        made["collections"][collection].objects.link(made["objects"][obj])
    for child, parent in recipe.parents:
        made["objects"][child].parent = made["objects"][parent]
    for block in recipe.blocks:
        target = made[block.kind][block.name]
        for path, value in block.writes:
            *parents, leaf = path.split(".")
            setattr(reduce(getattr, parents, target), leaf, resolve(made, value))
    for obj_name, link, material in recipe.slots:
        obj = made["objects"][obj_name]
        if not obj.material_slots:
            obj.data.materials.append(None)
        slot = obj.material_slots[0]
        slot.link = link
        slot.material = _named(made["materials"], material)
    for scene, world, camera in recipe.scene_links:
        made["scenes"][scene].world = _named(made["worlds"], world)
        made["scenes"][scene].camera = _named(made["objects"], camera)
    for scene, name, frame, camera in recipe.markers:
        marker = made["scenes"][scene].timeline_markers.new(name, frame=frame)
        marker.camera = _named(made["objects"], camera)
    for constraint in recipe.constraints:
        made_constraint = made["objects"][constraint.owner].constraints.new(constraint.type)
        write_all(made_constraint, constraint.settings, made)
    for tree in recipe.trees:
        replay_tree(tree, tree_of(made, tree.owner), made)
    for animation in recipe.animations:
        replay_animation(animation, made)


def _named(made_of_kind: dict[str, Any], name: str | None) -> Any:
    """The block made under `name`; None where the recipe has no name (no world, no camera, no material)."""
    return None if name is None else made_of_kind.get(name)


def resolve(made: dict[str, dict[str, Any]], value: Any) -> Any:
    """An ID reference `(kind, name)` from the recipe as the datablock the replay made (or found)."""
    if isinstance(value, tuple) and len(value) == 2 and value[0] in made.keys() | {"images"}:
        kind, name = value
        return made.get(kind, {}).get(name) or getattr(bpy.data, kind)[name]
    return value


def write_all(struct: Any, settings: dict[str, Any], made: dict[str, dict[str, Any]]) -> None:
    for name, value in settings.items():
        setattr(struct, name, set(value) if isinstance(getattr(struct, name), set) else resolve(made, value))


def tree_of(made: dict[str, dict[str, Any]], owner: TreeOwner) -> Any:
    kind, name = owner
    if kind == "node_groups":
        return made[kind][name]
    if kind == "compositor":
        return compat.compositor_tree(made["scenes"][name])
    block = made[kind][name]
    if block.node_tree is None:
        block.use_nodes = True
    return block.node_tree


def replay_tree(tree: Tree, target: Any, made: dict[str, dict[str, Any]]) -> None:
    for name, in_out, socket_type, settings in tree.interface:
        write_all(target.interface.new_socket(name, in_out=in_out, socket_type=socket_type), settings, made)
    wanted = {node.name for node in tree.nodes}
    for node in [node for node in target.nodes if node.name not in wanted]:
        target.nodes.remove(node)
    for node in tree.nodes:
        made_node = target.nodes.get(node.name)
        if made_node is None or made_node.bl_idname != node.idname:
            made_node = target.nodes.new(node.idname)
            made_node.name = node.name
        write_all(made_node, node.settings, made)
        for index, value in node.inputs.items():
            made_node.inputs[index].default_value = value
        for index, value in node.outputs.items():
            made_node.outputs[index].default_value = value
    nodes = target.nodes
    for from_node, output, to_node, input_index in tree.links:
        target.links.new(nodes[from_node].outputs[output], nodes[to_node].inputs[input_index])


def replay_animation(animation: Animation, made: dict[str, dict[str, Any]]) -> None:
    kind, name = animation.owner
    owner = made[kind][name]
    action = made["actions"][animation.action]
    owner.animation_data_create().action = action
    for data_path, index, co, interpolation in animation.curves:
        curve = action.fcurve_ensure_for_datablock(owner, data_path, index=index)
        points = curve.keyframe_points
        points.add(len(interpolation))
        points.foreach_set("co", co)
        points.foreach_set("interpolation", interpolation)
        curve.update()


def content_counts() -> Counter[str]:
    """Datablocks per kind plus nodes, links, constraints and keyframes in the whole file."""
    counts = Counter({kind: len(getattr(bpy.data, kind)) for kind in KINDS})
    trees = [*bpy.data.node_groups]
    trees += [block.node_tree for block in [*bpy.data.materials, *bpy.data.worlds] if block.node_tree]
    trees += [tree for scene in bpy.data.scenes if (tree := compat.compositor_tree(scene, create=False))]
    unique = {tree.as_pointer(): tree for tree in trees}.values()
    counts["nodes"] = sum(len(tree.nodes) for tree in unique)
    counts["links"] = sum(len(tree.links) for tree in unique)
    counts["constraints"] = sum(len(obj.constraints) for obj in bpy.data.objects)
    counts["spline points"] = sum(len(spline.points) for curve in bpy.data.curves for spline in curve.splines)
    counts["keyframes"] = sum(
        len(curve.keyframe_points)
        for action in bpy.data.actions
        for layer in action.layers
        for strip in layer.strips
        for bag in cast(bpy.types.ActionKeyframeStrip, strip).channelbags  # the only kind of strip there is
        for curve in bag.fcurves
    )
    return counts


def summary(recipe: Recipe) -> str:
    """What the replay makes, for the benchmark's printout."""
    contents = [f"{len(recipe.object_links)} object links", f"{len(recipe.markers)} markers"]
    contents += [f"{count} {what}" for what, count in recipe.sizes().items()]
    return f"{len(recipe.blocks)} datablocks {dict(recipe.counts())}\n  " + ", ".join(contents)
