"""The one render of a frame, kept in the scratch folder as the masters its outputs are derived from.

A display-referred master feeds PNG outputs and movies, a scene-linear one feeds EXR outputs. Masters are
committed under their final names only when complete, so a master that survived a kill is used again instead
of rendering the frame twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import bpy

from ..production.model import Output
from ..production.render.checkpoint import commit_frame, frame_path, temp_path
from ..production.render.fingerprints import master_depth
from ..production.render.safe_files import join, writing
from ..runtime import compat
from .context import RenderContext
from .media import require_complete
from .settings import render_current_frame

MASTER = "master"
MASTER_KINDS = ("display", "linear")
# Master file per kind and bit depth. An 8-bit display master is an uncompressed TGA: Blender writes it
# faster than a PNG and the worker reads it with plain numpy; a 16-bit display master stays PNG.
MASTER_FORMAT = {("display", "8"): "TARGA_RAW", ("display", "16"): "PNG", ("linear", "16"): "OPEN_EXR"}
MASTER_EXT = {"TARGA_RAW": "tga", "PNG": "png", "OPEN_EXR": "exr"}


def master_folder(scratch: Path, kind: str) -> Path:
    """Where the masters of one kind are kept; never through a link leading out of the scratch folder."""
    return join(scratch, scratch, MASTER, kind, what="master folder")


class MasterRenderer:
    """Renders a frame once and saves it as each master the outputs need. `on_render_start` and
    `on_render_done` run around Blender's render: the worker derives the previous frame meanwhile."""

    def __init__(
        self,
        context: RenderContext,
        on_render_start: Callable[[], None],
        on_render_done: Callable[[], None],
    ):
        self.context = context
        self.on_render_start = on_render_start
        self.on_render_done = on_render_done

    def files(self, take_id: str, frame: int, wanted: list[Output]) -> tuple[dict[str, str], dict[str, Path]]:
        """(kind -> file format, kind -> path) of the masters the `wanted` outputs of this frame need."""
        kinds = {"linear" if o.container == "exr" else "display" for o in wanted}
        formats = {kind: MASTER_FORMAT[kind, self._depth(kind)] for kind in kinds}
        paths = {
            kind: frame_path(master_folder(self.context.scratch, kind), take_id, frame, MASTER_EXT[fmt])
            for kind, fmt in formats.items()
        }
        return formats, paths

    def render(self, take_id: str, frame: int, masters: dict[str, Path], formats: dict[str, str]) -> None:
        """The one render of this frame, saved as each master the outputs need (display TGA or PNG, linear
        EXR). The first master is written by the render itself (`write_still`), as `blender -a` writes its
        frames; any other is saved from the Render Result."""
        context = self.context
        scene = context.take_scene(take_id)
        scene.frame_set(frame)
        context.log.info("render", shot=take_id, frame=frame)
        self.on_render_start()
        render = scene.render
        settings = render.image_settings
        (first, first_path), *others = sorted(masters.items())
        self._apply_format(render, first, formats[first])
        with writing(first_path):
            first_path.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        written = render_current_frame(scene, still_path=temp_path(first_path))
        seconds = time.perf_counter() - started
        context.timing.render_seconds += seconds
        self.on_render_done()
        assert written is not None
        self._commit(written, first_path)
        result = bpy.data.images["Render Result"]
        for kind, path in others:
            with writing(path):
                path.parent.mkdir(parents=True, exist_ok=True)
            self._apply_format(render, kind, formats[kind])
            temp = temp_path(path)
            result.save_render(filepath=str(temp), scene=scene)
            self._commit(temp, path)
        compat.set_image_output(settings, "PNG")
        context.checkpoint.record_render(take_id, frame, seconds)
        context.log.info(
            "rendered",
            shot=take_id,
            frame=frame,
            seconds=round(seconds, 4),
            size=[render.resolution_x, render.resolution_y],
            pixel_aspect=render.pixel_aspect_x / render.pixel_aspect_y,
            camera=scene.camera.name if scene.camera else None,
        )

    @staticmethod
    def _commit(temp: Path, master: Path) -> None:
        """A master Blender wrote takes its name only when complete (a full disk cuts it short silently)."""
        require_complete(temp, master)
        with writing(master):
            commit_frame(temp, master, durable=False)

    def _apply_format(self, render: bpy.types.RenderSettings, kind: str, file_format: str) -> None:
        settings = render.image_settings
        compat.set_image_output(settings, file_format)
        settings.color_depth = self._depth(kind)
        # RGBA is written ~12 % faster (measured); with a transparent film its colours would come out
        # unpremultiplied, so that master stays RGB.
        settings.color_mode = "RGB" if render.film_transparent or kind == "linear" else "RGBA"

    def _depth(self, kind: str) -> Literal["8", "16"]:
        """16 bits where an output needs them (16-bit PNG, EXR), else 8: half the bytes to write and read.
        Judged on all the production's outputs, not this run's `--outputs`, so the same frame always derives
        from the same master (what the resume fingerprints assume)."""
        if kind == "linear" or master_depth(self.context.production.outputs) == "16":
            return "16"
        return "8"
