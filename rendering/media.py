"""Files Blender reads and writes for the render loop: master frames in, EXR frames and burn-ins out, the
checkpoint .blend, and movies encoded from finished PNG frames.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

import bpy
import numpy as np

from ..cli.console import stdout_to_stderr
from ..production.image import codecs
from ..production.model import Output
from ..production.render.checkpoint import check_image
from ..runtime import compat


def master_problem(path: Path) -> str:
    """'' when a master can be used (complete, decodable), else why it must be rendered again."""
    if not path.is_file():
        return "missing"
    return codecs.tga_problem(path) if path.suffix == ".tga" else check_image(path)


def load_master(path: Path) -> np.ndarray:
    """A master's pixels: a TGA by plain numpy, PNG and EXR through Blender."""
    return codecs.read_tga(path) if path.suffix == ".tga" else load_pixels(path)


def load_pixels(path: Path) -> np.ndarray:
    """A master, top row first, as stored (no colour conversion): the PNG's 16-bit display codes (uint16),
    the EXR's scene-linear light (float32)."""
    image = bpy.data.images.load(str(path), check_existing=False)
    try:
        image.colorspace_settings.name = "Non-Color"
        width, height = image.size
        pixels = np.empty(width * height * 4, np.float32)
        cast("bpy.types.bpy_prop_array[float]", image.pixels).foreach_get(pixels)  # the stub: one float
    finally:
        bpy.data.images.remove(image)
    rgb = pixels.reshape(height, width, 4)[::-1, :, :3]
    return rgb if path.suffix == ".exr" else np.rint(rgb * 65535.0).astype(np.uint16)


def burn_in(codes: np.ndarray, text: str, scratch: Path) -> np.ndarray:
    """Shot, frame, lens and timecode drawn on a dark band at the bottom of a frame of 16-bit codes, with
    Blender's own font drawing (blf into an ImBuf works headless); the text comes back through a PNG."""
    import blf
    import imbuf

    height, width = codes.shape[:2]
    size = max(8, height // 30)
    band = size * 2
    canvas = imbuf.new((width, band))
    with blf.bind_imbuf(0, canvas):  # type: ignore[func-returns-value, attr-defined]  # a context manager
        blf.size(0, size)
        blf.color(0, 1.0, 1.0, 1.0, 1.0)
        blf.position(0, size // 2, size // 2, 0)
        blf.draw_buffer(0, text)
    mask_file = scratch / f".burn_in.{os.getpid()}.png"  # parallel workers share the scratch folder
    imbuf.write(canvas, filepath=str(mask_file))
    mask = load_pixels(mask_file)[..., 0].astype(np.float32) / 65535.0
    out = codes.copy()
    bottom = out[height - band :].astype(np.float32) * 0.35  # darken the band so the text reads on any image
    bottom = bottom * (1 - mask[..., None]) + 65535.0 * mask[..., None]
    out[height - band :] = np.rint(bottom).astype(codes.dtype)
    return out


def write_exr(path: Path, linear: np.ndarray, depth: str) -> None:
    """Scene-linear RGB as OpenEXR (half float for depth 16, full float for 32), through a Blender image."""
    height, width = linear.shape[:2]
    image = bpy.data.images.new("Backlot EXR", width, height, alpha=True, float_buffer=True)
    try:
        image.colorspace_settings.name = "Non-Color"
        rgba = np.ones((height, width, 4), np.float32)
        rgba[..., :3] = linear[::-1]
        cast("bpy.types.bpy_prop_array[float]", image.pixels).foreach_set(rgba.ravel())  # the stub: one float
        image.filepath_raw = str(path)
        image.file_format = "OPEN_EXR"
        image.use_half_precision = depth != "32"
        image.save()
    finally:
        bpy.data.images.remove(image)


def save_blend(path: Path) -> None:
    """Save the checkpoint .blend (Blender writes `path@`, then renames: a killed save keeps the old file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with stdout_to_stderr():  # Blender prints "Info: Saved ..." on stdout, which `--json` keeps for JSON
        if Path(bpy.data.filepath or "") == path:
            bpy.ops.wm.save_mainfile(filepath=str(path), check_existing=False)
        else:
            bpy.ops.wm.save_as_mainfile(filepath=str(path), check_existing=False)


@contextmanager
def _temporary_scene(name: str) -> Iterator[bpy.types.Scene]:
    scene = bpy.data.scenes.new(name)
    try:
        yield scene
    finally:
        bpy.data.scenes.remove(scene)


def encode_movie(sources: list[Path], target: Path, output: Output, fps: float) -> None:
    """H.264 MP4 or ProRes 4444 MOV from PNG frames, through a throwaway sequencer scene; atomic rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(dir=target.parent, prefix=".encode-") as folder,
        _temporary_scene("Backlot Encode") as scene,
    ):
        editor = scene.sequence_editor_create()
        strip = compat.strips(editor).new_image("frames", str(sources[0]), 1, 1)
        for source in sources[1:]:
            strip.elements.append(source.name)
        render = scene.render
        render.resolution_x, render.resolution_y = output.resolution
        render.resolution_percentage = 100
        render.fps = round(fps)
        render.fps_base = round(fps) / fps
        scene.frame_start, scene.frame_end = 1, len(sources)
        compat.set_movie_output(render.image_settings, output.container)
        render.image_settings.file_format = "FFMPEG"
        if output.container == "mp4":
            render.ffmpeg.format, render.ffmpeg.codec = "MPEG4", "H264"
            render.ffmpeg.constant_rate_factor = "HIGH"
        else:
            render.ffmpeg.format, render.ffmpeg.codec = "QUICKTIME", "PRORES"
            render.ffmpeg.ffmpeg_prores_profile = "4444"
            render.image_settings.color_mode = "RGBA"
        render.filepath = str(Path(folder) / "movie")
        render.use_file_extension = True
        bpy.ops.render.render(animation=True, scene=scene.name)
        written = sorted(Path(folder).iterdir())
        if len(written) != 1:
            raise RuntimeError(f"movie encoding of {target.name} wrote {len(written)} files")
        written[0].replace(target)
