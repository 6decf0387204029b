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
from ..production.diagnostics import ProductionError
from ..production.image import codecs
from ..production.model import Output
from ..production.render.checkpoint import blend_candidates, check_blend, check_image
from ..production.render.safe_files import movie_problem, writable, write_failed, writing
from ..runtime import compat


def written_problem(path: Path) -> str:
    """'' when a file Blender wrote is complete for its type, else why not: a master that must be rendered
    again, or a write that failed, as Blender reports no error when a full disk cuts a file short."""
    if not path.is_file():
        return "missing"
    suffix = path.suffix.lower()
    if suffix == ".tga":
        return codecs.tga_problem(path)
    if suffix == ".blend":
        return check_blend(path)
    if suffix in (".mp4", ".mov"):
        return movie_problem(path)
    return check_image(path)


def require_complete(path: Path, target: Path) -> None:
    """Before `path` takes its final name `target`: an incomplete file is removed and the write reported,
    so nothing half-written is ever adopted."""
    problem = written_problem(path)
    if problem:
        path.unlink(missing_ok=True)
        raise write_failed(target, f"Blender left the file incomplete ({problem})")


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
    require_complete(mask_file, mask_file)
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
        try:
            image.save()
        except RuntimeError as error:
            raise write_failed(path, f"Blender could not save it ({str(error).strip()})") from None
    finally:
        bpy.data.images.remove(image)
    require_complete(path, path)


def save_blend(path: Path) -> None:
    """Save the checkpoint .blend: Blender writes `path@`, then renames it over `path` (keeping the old file
    as `path1`), so a killed save keeps a complete file. The very first save goes to a hidden sibling renamed
    into place: killed, it leaves no lone `path@` that a resume would take for a damaged checkpoint. None of
    these names may be a link leaving the .blend's folder; a save a full disk cut short is an error."""
    folder = path.parent
    first = path.with_name(f".{path.name}.first")
    for name in (*blend_candidates(path), *blend_candidates(first)):
        writable(name, folder)
    with writing(path):
        folder.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        for stale in blend_candidates(first):  # what a killed first save left
            with writing(stale):
                stale.unlink(missing_ok=True)
        try:
            _save_mainfile(first, path, copy=True)
        except ProductionError:
            first.unlink(missing_ok=True)
            raise
        with writing(path):
            first.replace(path)
    _save_mainfile(path, path)


def _save_mainfile(path: Path, target: Path, copy: bool = False) -> None:
    """One save by Blender into `path` on the way to `target`, checked: Blender may report a failed write as
    a RuntimeError or not at all."""
    with stdout_to_stderr():  # Blender prints "Info: Saved ..." on stdout, which `--json` keeps for JSON
        try:
            if not copy and Path(bpy.data.filepath or "") == path:
                bpy.ops.wm.save_mainfile(filepath=str(path), check_existing=False)
            else:
                bpy.ops.wm.save_as_mainfile(filepath=str(path), check_existing=False, copy=copy)
        except RuntimeError as error:
            raise write_failed(target, f"Blender could not save it ({str(error).strip()})") from None
    problem = check_blend(path)
    if problem:
        raise write_failed(target, f"Blender saved it incomplete ({problem})")


@contextmanager
def _temporary_scene(name: str) -> Iterator[bpy.types.Scene]:
    scene = bpy.data.scenes.new(name)
    try:
        yield scene
    finally:
        bpy.data.scenes.remove(scene)


def encode_movie(sources: list[Path], target: Path, output: Output, fps: float) -> None:
    """H.264 MP4 or ProRes 4444 MOV from PNG frames, through a throwaway sequencer scene; renamed into place
    once complete (`target` is checked by its maker, request.movie_path)."""
    with writing(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        with (
            tempfile.TemporaryDirectory(dir=target.parent, prefix=".encode-") as folder,
            _temporary_scene("Backlot Encode") as scene,
        ):
            _encode(sources, Path(folder), target, output, fps, scene)


def _encode(
    sources: list[Path], folder: Path, target: Path, output: Output, fps: float, scene: bpy.types.Scene
) -> None:
    """The frames through the sequencer of a throwaway scene into `folder`; its one file, once complete,
    becomes `target`."""
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
    render.filepath = str(folder / "movie")
    render.use_file_extension = True
    try:
        bpy.ops.render.render(animation=True, scene=scene.name)
    except RuntimeError as error:
        raise write_failed(target, f"Blender could not encode it ({str(error).strip()})") from None
    written = sorted(folder.iterdir())
    if len(written) != 1:
        raise RuntimeError(f"movie encoding of {target.name} wrote {len(written)} files")
    require_complete(written[0], target)
    written[0].replace(target)
