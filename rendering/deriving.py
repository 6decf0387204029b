"""A frame's outputs from its masters: the job the worker process derives while the next frame renders, or
the outputs derived right here when they need Blender or lock state the checkpoint saves."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np

from ..production.model import Output
from ..production.render import frames
from ..production.render.checkpoint import commit_frame, frame_path, temp_path
from ..production.render.derive import FrameJob, OutputJob, Written, commit_png, output_pixels
from ..production.render.outputs import sha256_file
from ..production.render.request import frame_extension, frames_root, is_movie
from ..production.render.safe_files import writing
from .context import RenderContext
from .media import burn_in, load_master, write_exr
from .palettes import PaletteLocker


class OutputDeriver:
    """Makes and commits the wanted outputs of one frame, each from the master of its kind."""

    def __init__(self, context: RenderContext, palettes: PaletteLocker):
        self.context = context
        self.palettes = palettes

    def derives_here(self, take_id: str, wanted: list[Output], masters: dict[str, Path]) -> bool:
        """EXR writing, burn-in and reading a PNG master use Blender; a take's first retro frame locks its
        palette (state the checkpoint saves)."""
        if "display" not in masters or masters["display"].suffix != ".tga":
            return True
        return any(
            o.container == "exr"
            or o.burn_in
            or (o.retro is not None and not self.palettes.is_locked(o.name, take_id))
            for o in wanted
        )

    def frame_job(self, take_id: str, frame: int, wanted: list[Output], masters: dict[str, Path]) -> FrameJob:
        """The worker process's job: every wanted PNG output of the frame from its TGA master."""
        jobs = tuple(self._output_job(o, take_id, frame) for o in wanted)
        return FrameJob(
            masters["display"], self.context.production.aspect_ratio, self._squeeze(take_id), jobs
        )

    def derive_here(
        self, take_id: str, frame: int, wanted: list[Output], masters: dict[str, Path]
    ) -> list[Written]:
        """Every wanted output of one frame, derived on the main thread and committed."""
        images = {kind: load_master(path) for kind, path in masters.items()}
        aspect, squeeze = self.context.production.aspect_ratio, self._squeeze(take_id)
        written = []
        for output in wanted:
            if output.container == "exr":
                written.append(self._commit_exr(output, take_id, frame, images["linear"]))
                continue
            codes = images["display"]
            job = self._output_job(output, take_id, frame, codes)
            overlay = None
            if output.burn_in:
                text = self._burn_in_text(take_id, frame)
                overlay = partial(burn_in, text=text, scratch=self.context.scratch)
            pixels = output_pixels(codes, job, aspect, squeeze, overlay)
            with writing(job.final):
                written.append(commit_png(job, pixels))
        return written

    def _output_job(
        self, output: Output, take_id: str, frame: int, codes: np.ndarray | None = None
    ) -> OutputJob:
        """Where a PNG output of this frame goes and how it is made (`codes` lock a retro palette)."""
        root = frames_root(self.context.production, output)
        depth = output.color_depth if output.color_depth in ("8", "16") and not is_movie(output) else "8"
        retro = self.palettes.settings_for(output, take_id, codes) if output.retro is not None else None
        final = frame_path(root, take_id, frame, frame_extension(output))
        return OutputJob(output.name, root, final, output.resolution, output.letterbox, depth, retro)

    def _commit_exr(self, output: Output, take_id: str, frame: int, linear: np.ndarray) -> Written:
        root = frames_root(self.context.production, output)
        final = frame_path(root, take_id, frame, frame_extension(output))
        temp = temp_path(final)
        fitted = frames.fit_frame(
            linear,
            output.resolution,
            self.context.production.aspect_ratio,
            output.letterbox,
            pixel_aspect=self._squeeze(take_id),
        )
        with writing(final):
            final.parent.mkdir(parents=True, exist_ok=True)
            write_exr(temp, fitted, output.color_depth)  # checks that Blender wrote it complete
            size, digest = temp.stat().st_size, sha256_file(temp)
            commit_frame(temp, final)
        return output.name, final.relative_to(root).as_posix(), size, digest

    def _squeeze(self, take_id: str) -> float:
        """Width / height of a master pixel for this take: its sensor's anamorphic squeeze."""
        return self.context.takes[take_id].spec.sensor.squeeze

    def _burn_in_text(self, take_id: str, frame: int) -> str:
        fps = self.context.production.fps
        seconds, frames_in = divmod(frame - 1, round(fps))
        minutes, secs = divmod(seconds, 60)
        hours, minutes = divmod(minutes, 60)
        timecode = f"{hours:02d}:{minutes:02d}:{secs:02d}:{frames_in:02d}"
        return f"{take_id}  frame {frame}  {self.context.takes[take_id].spec.lens:g}mm  {timecode}"
