"""Retro department: a compositor node group per retro output, the console look live and tweakable.

Each `outputs[].retro` gets one node group (pixelate to the native size, ordered Bayer dither onto the
palette, scanlines, a switchable CRT chain, an optional outline) whose inputs an artist tweaks on the group
node. In each story scene the groups hang off the Render Layers and the first feeds a Viewer: the master
render (Composite / Group Output) stays clean, because the exact retro outputs are derived from it afterwards
(`production.retro.pipeline.process_frame`), never rendered again. The maths of the look is in
`production/retro/look.py`; here it only becomes nodes.
"""

from __future__ import annotations

from typing import Any, Literal

import bpy

from ..production.diagnostics import ProductionError
from ..production.model import Output, Production
from ..production.retro.look import LiveLook, live_look
from ..production.retro.palettes import PresetError
from ..runtime import compat
from .context import KEY, BuildContext
from .stage import story_scene

NAME = "retro"
VIEWER_KEY = "retro/viewer"
Value = Any  # a node socket or a constant

# Group inputs the artist tweaks: (name, LiveLook field, minimum, maximum, what it does).
TWEAKS: tuple[tuple[str, str, float, float, str], ...] = (
    ("Dither", "dither", 0.0, 2.0, "Ordered dither strength (1 = the palette's own step, 0 = off)"),
    ("Scanlines", "scanlines", 0.0, 1.0, "Odd rows keep 1 - this of their light"),
    ("Outline", "outline", 0.0, 1.0, "1 = dark outline on edges (palette's darkest colour)"),
    ("CRT", "crt", 0.0, 1.0, "1 = curvature, chromatic aberration, bloom and vignette on"),
    ("Curvature", "curvature", -0.5, 0.5, "Barrel distortion of the tube"),
    ("Aberration", "aberration", 0.0, 0.2, "Chromatic aberration (lens dispersion)"),
    ("Bloom", "bloom", 0.0, 2.0, "Glow around bright pixels"),
    ("Vignette", "vignette", 0.0, 1.0, "Darkening towards the corners"),
)


def group_key(output: Output) -> str:
    return f"output:{output.name}/retro"


class _Graph:
    """Small builder over a compositor node tree: constants or sockets in, output sockets out."""

    def __init__(self, tree: bpy.types.NodeTree):
        self.tree = tree

    def feed(self, value: Value, socket: Any) -> None:
        if isinstance(value, bpy.types.NodeSocket):
            self.tree.links.new(value, socket)
        else:
            socket.default_value = value

    def math(self, operation: str, *operands: Value, clamp: bool = False) -> Any:
        node: Any = self.tree.nodes.new(compat.math_node_type())  # a math node; the stub returns Node
        node.operation = operation
        node.use_clamp = clamp
        for operand, socket in zip(operands, node.inputs, strict=False):
            self.feed(operand, socket)
        return node.outputs[0]

    def mix(self, factor: Value, a: Value, b: Value) -> Any:
        _, factor_in, a_in, b_in, result = compat.new_mix_color(self.tree)
        for value, socket in ((factor, factor_in), (a, a_in), (b, b_in)):
            self.feed(value, socket)
        return result

    def image_node(self, node_type: str, image: Value, **options: str) -> Any:
        """A node with an `Image` input; `options` are 4.5 property = identifier (5.x: menu inputs)."""
        node = self.tree.nodes.new(node_type)
        self.feed(image, node.inputs[0])
        for prop, identifier in options.items():
            socket = {"space": "Type", "frame_method": "Frame Type", "interpolation": "Interpolation"}.get(
                prop, "Type"
            )
            compat.set_node_option(node, prop, socket, identifier)
        return node

    def pixel_xy(self, image: Value, size: tuple[Value, Value] | None = None) -> tuple[Any, Any]:
        """Integer pixel coordinates (x, y) of `image`, y up from the bottom row.

        With `size` (pixels across, down), from the 0..1 "Normalized" coordinates instead: a Scale node's
        result keeps its source's pixel grid in "Pixel", so the native grid must be computed.
        """
        coordinates = self.image_node("CompositorNodeImageCoordinates", image)
        split = self.tree.nodes.new(compat.compositor_node_type("separate_xyz"))
        if size is None:
            self.feed(coordinates.outputs["Pixel"], split.inputs[0])
            return self.math("FLOOR", split.outputs[0]), self.math("FLOOR", split.outputs[1])
        self.feed(coordinates.outputs["Normalized"], split.inputs[0])
        return (
            self.math("FLOOR", self.math("MULTIPLY", split.outputs[0], size[0])),
            self.math("FLOOR", self.math("MULTIPLY", split.outputs[1], size[1])),
        )


def _bayer_threshold(graph: _Graph, image: Value, native: tuple[Any, Any], size: int) -> Any:
    """(M + 0.5) / n² - 0.5 per native pixel, M from the bits of x and y (look.bayer_from_coordinates)."""
    x, y = graph.pixel_xy(image, native)
    bits = size.bit_length() - 1
    rank: Value = 0.0
    for k in range(bits):
        x_bit = graph.math("MODULO", graph.math("FLOOR", graph.math("DIVIDE", x, float(2**k))), 2.0)
        y_bit = graph.math("MODULO", graph.math("FLOOR", graph.math("DIVIDE", y, float(2**k))), 2.0)
        differ = graph.math("ABSOLUTE", graph.math("SUBTRACT", x_bit, y_bit))  # xor of two bits
        rank = graph.math(
            "MULTIPLY_ADD", graph.math("MULTIPLY_ADD", differ, 2.0, y_bit), float(4 ** (bits - 1 - k)), rank
        )
    cells = float(size * size)
    return graph.math("MULTIPLY_ADD", rank, 1.0 / cells, 0.5 / cells - 0.5)


def _nearest_colour(graph: _Graph, channels: list[Any], colours: tuple[tuple[float, ...], ...]) -> Value:
    """Nearest palette colour in linear light: argmin |c|² - 2 p·c, kept by a running minimum and mixes."""
    best_distance: Value = None
    chosen: Value = (*colours[0], 1.0)
    for colour in colours:
        distance: Value = sum(c * c for c in colour)
        for channel, component in zip(channels, colour, strict=True):
            distance = graph.math("MULTIPLY_ADD", channel, -2.0 * component, distance)
        if best_distance is None:
            best_distance = distance
            continue
        closer = graph.math("LESS_THAN", distance, best_distance)
        best_distance = graph.math("MINIMUM", distance, best_distance)
        chosen = graph.mix(closer, chosen, (*colour, 1.0))
    return chosen


def _srgb_encode(graph: _Graph, linear: Value) -> Any:
    """IEC 61966-2-1 encode: 12.92 x below 0.0031308, else 1.055 x^(1/2.4) - 0.055."""
    curve = graph.math("MULTIPLY_ADD", graph.math("POWER", linear, 1.0 / 2.4), 1.055, -0.055)
    low = graph.math("LESS_THAN", linear, 0.0031308)
    return graph.math(
        "MULTIPLY_ADD", low, graph.math("SUBTRACT", graph.math("MULTIPLY", linear, 12.92), curve), curve
    )


def _srgb_decode(graph: _Graph, encoded: Value) -> Any:
    curve = graph.math("POWER", graph.math("MULTIPLY_ADD", encoded, 1.0 / 1.055, 0.055 / 1.055), 2.4)
    low = graph.math("LESS_THAN", encoded, 0.04045)
    return graph.math(
        "MULTIPLY_ADD", low, graph.math("SUBTRACT", graph.math("DIVIDE", encoded, 12.92), curve), curve
    )


def _grid_colour(graph: _Graph, channels: list[Any], threshold: Any, levels: int) -> Any:
    """Adaptive palettes preview on their RGB grid (e.g. 15-bit): dithered rounding in sRGB code space."""
    combine = graph.tree.nodes.new("CompositorNodeCombineColor")
    for channel, socket in zip(channels, combine.inputs, strict=False):
        steps = graph.math("MULTIPLY_ADD", _srgb_encode(graph, channel), float(levels), 0.5)
        code = graph.math("FLOOR", graph.math("ADD", steps, threshold))
        graph.feed(_srgb_decode(graph, graph.math("DIVIDE", code, float(levels), clamp=True)), socket)
    return combine.outputs[0]


def _fill_group(tree: bpy.types.NodeTree, look: LiveLook) -> None:
    """(Re)create the group's nodes from `look`; the interface (and the artist's values) is kept."""
    tree.nodes.clear()
    graph = _Graph(tree)
    inputs = tree.nodes.new("NodeGroupInput").outputs
    native = graph.image_node(
        "CompositorNodeScale", inputs["Image"], space="ABSOLUTE", interpolation="BILINEAR"
    )
    graph.feed(inputs["Native Width"], native.inputs["X"])
    graph.feed(inputs["Native Height"], native.inputs["Y"])
    small = native.outputs[0]
    native_size = (inputs["Native Width"], inputs["Native Height"])
    threshold = graph.math(
        "MULTIPLY", _bayer_threshold(graph, small, native_size, look.matrix_size), inputs["Dither"]
    )
    split = graph.image_node("CompositorNodeSeparateColor", small).outputs
    if look.adaptive:
        colour = _grid_colour(graph, [split[i] for i in range(3)], threshold, look.levels)
        darkest: tuple[float, ...] = (0.0, 0.0, 0.0, 1.0)
    else:
        offset = graph.math("MULTIPLY", threshold, look.spread)
        channels = [graph.math("ADD", split[i], offset, clamp=True) for i in range(3)]
        colour = _nearest_colour(graph, channels, look.colours)
        darkest = (*min(look.colours, key=lambda c: 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]), 1.0)
    edges = graph.image_node("CompositorNodeFilter", small, filter_type="SOBEL")
    edge_mask = graph.math(
        "GREATER_THAN", graph.image_node("CompositorNodeRGBToBW", edges.outputs[0]).outputs[0], 0.5
    )
    colour = graph.mix(graph.math("MULTIPLY", edge_mask, inputs["Outline"]), colour, darkest)
    big = graph.image_node(
        "CompositorNodeScale", colour, space="RENDER_SIZE", frame_method="STRETCH", interpolation="NEAREST"
    ).outputs[0]
    _, row = graph.pixel_xy(big)
    odd_row = graph.math("MODULO", row, 2.0)
    clean = graph.mix(graph.math("MULTIPLY", odd_row, inputs["Scanlines"]), big, (0.0, 0.0, 0.0, 1.0))
    graph.feed(_crt(graph, clean, inputs), tree.nodes.new("NodeGroupOutput").inputs["Image"])


def _crt(graph: _Graph, clean: Any, inputs: Any) -> Any:
    """Tube curvature + aberration, bloom and vignette, mixed in by the CRT switch (0 keeps `clean` exact)."""
    tube = graph.image_node("CompositorNodeLensdist", clean)
    graph.feed(inputs["Curvature"], tube.inputs["Distortion"])
    graph.feed(inputs["Aberration"], tube.inputs["Dispersion"])
    glow = graph.image_node("CompositorNodeGlare", tube.outputs[0], glare_type="BLOOM")
    graph.feed(0.5, glow.inputs["Threshold"])  # palette colours top out at 1: glow from the brighter half
    graph.feed(inputs["Bloom"], glow.inputs["Strength"])
    split = graph.tree.nodes.new(compat.compositor_node_type("separate_xyz"))
    graph.feed(
        graph.image_node("CompositorNodeImageCoordinates", clean).outputs["Normalized"], split.inputs[0]
    )
    radius_squared = graph.math(
        "MULTIPLY_ADD",
        split.outputs[0],
        split.outputs[0],
        graph.math("MULTIPLY", split.outputs[1], split.outputs[1]),
    )
    shade = graph.math("MULTIPLY", radius_squared, inputs["Vignette"], clamp=True)
    crt = graph.mix(shade, glow.outputs["Image"], (0.0, 0.0, 0.0, 1.0))
    return graph.mix(inputs["CRT"], clean, crt)


def _ensure_interface(tree: bpy.types.NodeTree, look: LiveLook) -> None:
    existing = {(item.in_out, item.name) for item in tree.interface.items_tree if item.item_type == "SOCKET"}
    wanted: list[tuple[Literal["INPUT", "OUTPUT"], str, str, float, float, float, str]] = [
        ("INPUT", "Image", "NodeSocketColor", 0.0, 0.0, 0.0, "The render"),
        ("INPUT", "Native Width", "NodeSocketFloat", look.native[0], 1.0, 8192.0, "Console pixels across"),
        ("INPUT", "Native Height", "NodeSocketFloat", look.native[1], 1.0, 8192.0, "Console pixels down"),
        *(
            ("INPUT", name, "NodeSocketFloat", getattr(look, field), low, high, tip)
            for name, field, low, high, tip in TWEAKS
        ),
        ("OUTPUT", "Image", "NodeSocketColor", 0.0, 0.0, 0.0, "The retro look"),
    ]
    for in_out, name, socket_type, default, low, high, tip in wanted:
        if (in_out, name) in existing:
            continue
        item = tree.interface.new_socket(name, in_out=in_out, socket_type=socket_type, description=tip)
        if socket_type == "NodeSocketFloat":
            item.min_value, item.max_value, item.default_value = low, high, default


class _NodeInputs:
    """A group node seen by `BuildContext.assign`: attribute `Dither` is `inputs["Dither"].default_value`.

    Node sockets cannot hold custom properties on 5.x, the node can: the written-values record lives there.
    """

    def __init__(self, node: Any):
        object.__setattr__(self, "_node", node)

    @property
    def name(self) -> str:
        return f"{self._node.id_data.name}/{self._node.name}"

    def get(self, key: str, default: Any = None) -> Any:
        return self._node.get(key, default)

    def __setitem__(self, key: str, value: Any) -> None:
        self._node[key] = value

    def as_pointer(self) -> int:
        return int(self._node.as_pointer())

    def __getattr__(self, name: str) -> Any:
        return self._node.inputs[name].default_value

    def __setattr__(self, name: str, value: Any) -> None:
        self._node.inputs[name].default_value = value


def _group(ctx: BuildContext, output: Output) -> tuple[bpy.types.NodeTree, LiveLook]:
    assert output.retro is not None
    try:
        look = live_look(output.retro, ctx.presets.folders)  # the user's preset folders, as validated
    except PresetError as exc:  # its message names the file and the key
        fix = "fix the preset file, or name another preset"
        raise ProductionError(str(exc), fix, stage="spec", code="preset") from None
    tree = ctx.ensure(
        "node_groups",
        group_key(output),
        f"Backlot Retro {output.name}",
        lambda name: bpy.data.node_groups.new(name, "CompositorNodeTree"),
    )
    _ensure_interface(tree, look)
    _fill_group(tree, look)
    return tree, look


def _keyed_node(ctx: BuildContext, tree: bpy.types.NodeTree, key: str, node_type: str, name: str) -> Any:
    node = next((n for n in tree.nodes if n.get(KEY) == key), None)
    if node is None:
        node = tree.nodes.new(node_type)
        node.name = node.label = name
        node[KEY] = key
        ctx.report.created.append(f"node: {tree.name}/{node.name}")
    return node


def _wire_scene(
    ctx: BuildContext, scene: bpy.types.Scene, groups: list[tuple[Output, Any, LiveLook]]
) -> None:
    """Render Layers -> each retro group (the first -> Viewer); the composite keeps the clean render."""
    tree = compat.compositor_tree(scene, create=bool(groups))
    if tree is None:
        return
    wanted = {group_key(output) for output, _, _ in groups} | ({VIEWER_KEY} if groups else set())
    for node in [n for n in tree.nodes if isinstance(n.get(KEY), str) and n.get(KEY) not in wanted]:
        ctx.report.removed.append(f"node: {tree.name}/{node.name}")
        tree.nodes.remove(node)
    if not groups:
        return
    render_layers: Any = next((n for n in tree.nodes if n.bl_idname == "CompositorNodeRLayers"), None)
    if render_layers is None:
        render_layers = tree.nodes.new("CompositorNodeRLayers")
    if render_layers.scene != scene:  # 4.5's default tree reads the scene that was active when it was made
        render_layers.scene = scene
    composite = compat.compositor_output_node(tree)
    if not composite.inputs[0].is_linked:
        tree.links.new(render_layers.outputs["Image"], composite.inputs[0])
    for index, (output, group, look) in enumerate(groups):
        node = _keyed_node(
            ctx, tree, group_key(output), "CompositorNodeGroup", f"Backlot Retro {output.name}"
        )
        node.node_tree = group
        node.location = (300.0, -220.0 * index)
        if not node.inputs["Image"].is_linked:
            tree.links.new(render_layers.outputs["Image"], node.inputs["Image"])
        ctx.assign_all(
            _NodeInputs(node),
            {
                "Native Width": float(look.native[0]),
                "Native Height": float(look.native[1]),
                **{name: getattr(look, field) for name, field, *_ in TWEAKS},
            },
        )
        if index == 0:
            viewer = _keyed_node(ctx, tree, VIEWER_KEY, "CompositorNodeViewer", "Backlot Retro Viewer")
            viewer.location = (600.0, 0.0)
            if not viewer.inputs[0].is_linked:
                tree.links.new(node.outputs["Image"], viewer.inputs[0])
                tree.nodes.active = viewer  # the active Viewer is the one the backdrop shows


def build(production: Production, ctx: BuildContext) -> None:
    groups = [(o, *_group(ctx, o)) for o in production.outputs if o.retro is not None]
    for scene in production.scenes:
        blender_scene = story_scene(ctx, scene.id)
        if groups:  # exact palette colours need undithered 8-bit output
            ctx.assign(blender_scene, "render.dither_intensity", 0.0)
        _wire_scene(ctx, blender_scene, groups)
