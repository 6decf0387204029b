"""The retro department on real Blender: the live compositor group is built per output, wired without touching
the master render, keeps the artist's tweaks, and renders palette-exact pixels through Workbench."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import bpy
import numpy as np
import pytest
from backlot.departments.retro import _ensure_interface, _fill_group
from backlot.production.retro import bayer_matrix, load_palette
from backlot.production.retro.dither import palette_spread
from backlot.production.retro.look import LiveLook, live_look
from backlot.production.retro.palettes import Palette
from backlot.runtime import compat
from build_kit import build_with_operator, keyed

BLOCK = 4  # render pixels per native pixel in the render tests
NATIVE = (16, 12)


def build(spec: Path) -> None:
    """Stage + retro only: the department must stand on its own (the others are tested elsewhere)."""
    assert build_with_operator(spec, department="retro") == {"FINISHED"}


def group_node(scene: bpy.types.Scene, output: str) -> Any:
    tree = compat.compositor_tree(scene, create=False)
    assert tree is not None, f"{scene.name} has no compositor"
    return next(n for n in tree.nodes if n.get("backlot_key") == f"output:{output}/retro")


def upstream(socket: Any) -> Any:
    """The node feeding `socket`, looking through reroutes (4.5's default compositor has one)."""
    node = socket.links[0].from_node
    while node.bl_idname == "NodeReroute":
        node = node.inputs[0].links[0].from_node
    return node


def story_scenes() -> list[bpy.types.Scene]:
    return [s for s in bpy.data.scenes if str(s.get("backlot_key", "")).startswith("scene:")]


def test_build_wires_one_group_per_retro_output_and_keeps_the_master_clean(
    clean_blender: None, example_copy: Path
) -> None:
    build(example_copy)
    group = keyed("node_groups", "output:snes/retro")
    assert group is not None and group.bl_idname == "CompositorNodeTree"
    types = {n.bl_idname for n in group.nodes}
    for expected in ("CompositorNodeScale", "CompositorNodeImageCoordinates", "CompositorNodeLensdist"):
        assert expected in types
    assert {"CompositorNodeGlare", "CompositorNodeFilter", compat.math_node_type()} <= types
    assert sum(n.bl_idname == compat.compositor_node_type("mix_color") for n in group.nodes) >= 3
    scenes = story_scenes()
    assert scenes
    for scene in scenes:
        tree = compat.compositor_tree(scene, create=False)
        assert tree is not None
        node = group_node(scene, "snes")
        assert node.node_tree == group
        source = upstream(node.inputs["Image"])
        assert source.bl_idname == "CompositorNodeRLayers"
        output = compat.compositor_output_node(tree)
        assert upstream(output.inputs[0]) == source, "the master render must not go through the look"
        viewer = next(n for n in tree.nodes if n.get("backlot_key") == "retro/viewer")
        assert viewer.bl_idname == "CompositorNodeViewer" and tree.nodes.active == viewer
        assert upstream(viewer.inputs[0]) == node
        assert node.inputs["Native Width"].default_value == 256  # SNES 256x224 (console preset)
        assert node.inputs["Native Height"].default_value == 224
        assert node.inputs["Scanlines"].default_value == pytest.approx(0.3)  # the example's snes output
        assert scene.render.dither_intensity == 0.0


def test_rebuild_is_idempotent_and_keeps_a_tweaked_input(clean_blender: None, example_copy: Path) -> None:
    build(example_copy)
    scene = story_scenes()[0]
    tree = compat.compositor_tree(scene, create=False)
    node_count, group_count = len(tree.nodes), len(bpy.data.node_groups)
    group_node(scene, "snes").inputs["Scanlines"].default_value = 0.8
    build(example_copy)
    assert len(tree.nodes) == node_count and len(bpy.data.node_groups) == group_count
    assert group_node(scene, "snes").inputs["Scanlines"].default_value == pytest.approx(0.8)
    assert "Scanlines" in str(bpy.context.scene.backlot.build_report)


def test_removing_the_retro_output_removes_its_group_and_nodes(
    clean_blender: None, example_copy: Path
) -> None:
    build(example_copy)
    text = example_copy.read_text()
    start = text.index("    - name: snes")
    example_copy.write_text(text[:start] + "\n".join(text[start:].splitlines()[4:]) + "\n")
    build(example_copy)
    assert keyed("node_groups", "output:snes/retro") is None
    for scene in story_scenes():
        tree = compat.compositor_tree(scene, create=False)
        assert not any(n.get("backlot_key") for n in tree.nodes)


# ---------------------------------------------------------------------------------------- rendering the group


def native_test_image(rng: np.random.Generator) -> np.ndarray:
    """Linear RGB at the native size: a grey ramp row, saturated corners and random colours."""
    height, width = NATIVE[1], NATIVE[0]
    image = rng.uniform(0.0, 1.0, (height, width, 3)) ** 2
    image[0] = np.linspace(0.0, 1.0, width)[:, None]
    return image


def render_through_group(look: LiveLook, native_linear: np.ndarray, folder: Path) -> np.ndarray:
    """Workbench render of a scene whose compositor sends a block-upscaled image through the look's group.

    Returns the written PNG as uint8 codes (rows bottom-up, as Blender stores them).
    """
    height, width = native_linear.shape[0] * BLOCK, native_linear.shape[1] * BLOCK
    scene = bpy.data.scenes.new("retro render")
    scene.render.engine = "BLENDER_WORKBENCH"  # type: ignore[assignment]  # the 4.5 stub lists EEVEE only
    scene.render.resolution_x, scene.render.resolution_y = width, height
    scene.render.resolution_percentage = 100
    scene.render.dither_intensity = 0.0
    scene.view_settings.view_transform = "Standard"
    scene.view_settings.look = "None"
    compat.set_image_output(scene.render.image_settings, "PNG")
    scene.render.image_settings.color_mode = "RGB"
    scene.render.image_settings.color_depth = "8"
    scene.render.filepath = str(folder / "retro.png")
    camera = bpy.data.objects.new("camera", bpy.data.cameras.new("camera"))
    scene.collection.objects.link(camera)
    scene.camera = camera
    source = bpy.data.images.new("source", width, height, float_buffer=True, alpha=True)
    big = np.repeat(np.repeat(native_linear, BLOCK, axis=0), BLOCK, axis=1)
    rgba = np.concatenate([big, np.ones((height, width, 1))], -1).astype(np.float32)
    cast("bpy.types.bpy_prop_array[float]", source.pixels).foreach_set(rgba.ravel())  # the stub: one float
    group = bpy.data.node_groups.new("look", "CompositorNodeTree")
    _ensure_interface(group, look)
    _fill_group(group, look)
    tree = compat.compositor_tree(scene)
    assert tree is not None
    tree.nodes.clear()
    image_node: Any = tree.nodes.new("CompositorNodeImage")
    image_node.image = source
    node: Any = tree.nodes.new("CompositorNodeGroup")
    node.node_tree = group
    for name in ("Native Width", "Native Height"):
        node.inputs[name].default_value = look.native[name == "Native Height"]
    for name, value in (("Dither", look.dither), ("Scanlines", 0.0), ("CRT", 0.0), ("Outline", 0.0)):
        node.inputs[name].default_value = value
    tree.links.new(image_node.outputs["Image"], node.inputs["Image"])
    tree.links.new(node.outputs["Image"], compat.compositor_output_node(tree).inputs[0])
    assert bpy.ops.render.render(write_still=True, scene=scene.name) == {"FINISHED"}
    written = bpy.data.images.load(str(folder / "retro.png"))
    pixels = np.empty(width * height * 4, dtype=np.float32)
    cast("bpy.types.bpy_prop_array[float]", written.pixels).foreach_get(pixels)
    return np.round(pixels.reshape(height, width, 4)[..., :3] * 255).astype(np.uint8)


def fixed_look(palette: Palette, size: int) -> LiveLook:
    base = live_look({"palette": palette.name, "dither": f"bayer{size}", "resolution": list(NATIVE)})
    return base


@pytest.mark.parametrize(("palette_name", "size"), [("1bit", 4), ("gameboy", 8), ("pico8", 2), ("nes", 4)])
def test_group_renders_only_palette_colours_in_native_blocks(
    clean_blender: None, tmp_path: Path, palette_name: str, size: int
) -> None:
    palette = load_palette(palette_name).colors
    assert palette is not None
    look = fixed_look(palette, size)
    native = native_test_image(np.random.default_rng(3))
    codes = render_through_group(look, native, tmp_path)
    colours = {tuple(c) for c in codes.reshape(-1, 3).tolist()}
    assert colours <= {tuple(c) for c in palette.srgb8.tolist()}, "non-palette colours in the render"
    blocks = codes.reshape(NATIVE[1], BLOCK, NATIVE[0], BLOCK, 3)
    assert (blocks == blocks[:, :1, :, :1]).all(), "each native pixel must be one flat block"
    # The nodes do ordered_dither(method="bayer")'s maths in float32: Bayer offset scaled by the palette
    # step, clamp, exact nearest colour in linear light. Recomputed by brute force: only near-ties may differ.
    ranks = bayer_matrix(size)[np.arange(NATIVE[1])[:, None] % size, np.arange(NATIVE[0])[None, :] % size]
    offset = palette_spread(palette) * ((ranks + 0.5) / size**2 - 0.5)
    dithered = np.clip(native + offset[..., None], 0.0, 1.0)
    distances = ((dithered[:, :, None, :] - palette.linear[None, None]) ** 2).sum(-1)
    expected = palette.srgb8[distances.argmin(-1)]
    two_best = np.sort(distances, axis=-1)[..., :2]
    differ = ~(blocks[:, 0, :, 0] == expected).all(-1)
    assert (two_best[differ, 1] - two_best[differ, 0] < 1e-5).all(), "a clear nearest colour was missed"


def test_flat_grey_on_one_bit_gives_the_bayer_fraction(clean_blender: None, tmp_path: Path) -> None:
    """Linear grey 0.25 through 4x4 Bayer onto black/white: exactly 4 of every 16 native pixels are white."""
    palette = load_palette("1bit").colors
    assert palette is not None
    native = np.full((NATIVE[1], NATIVE[0], 3), 0.25)
    codes = render_through_group(fixed_look(palette, 4), native, tmp_path)
    white = (codes[::BLOCK, ::BLOCK] == 255).all(-1)
    assert white.mean() == pytest.approx(0.25)
    for y in range(0, NATIVE[1], 4):
        for x in range(0, NATIVE[0], 4):
            assert white[y : y + 4, x : x + 4].sum() == 4


def test_adaptive_palette_previews_on_its_15_bit_grid(clean_blender: None, tmp_path: Path) -> None:
    look = live_look({"palette": "snes", "dither": "bayer4", "resolution": list(NATIVE)})
    assert look.adaptive and look.levels == 31
    codes = render_through_group(look, native_test_image(np.random.default_rng(5)), tmp_path)
    on_grid = np.floor(np.round(codes.astype(float) * 31 / 255) * 255 / 31 + 0.5)
    assert (codes == on_grid).all(), "every channel must be one of the 32 five-bit levels"
    assert len({tuple(c) for c in codes.reshape(-1, 3).tolist()}) > 20
