"""The render loop: one generator of steps, driven to the end headless, one step per TIMER event in the UI.

Per frame: render once (a display-referred master, committed to the scratch folder), derive every output that
lacks the frame from that master, commit each file (temporary name, then rename), record it in the checkpoint
and save the .blend. Deriving runs in a worker process (`production.derive`) while the next frame renders; a
frame is recorded only once the worker has committed its files. Nothing here is a flag that can
outlive a crash: on resume the checkpoint is re-verified against the disk, complete files a killed run left
unrecorded are adopted, and a frame whose master survived is derived again without rendering it again.

Each camera of a shot renders as its own take (`render_plan.Take`): the primary keeps the shot's id, an extra
camera B renders as `<shot id>_B`.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Generator, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, Literal, cast

import bpy
import numpy as np

from ..cli.console import stdout_to_stderr
from ..departments import camera
from ..production.camera import optics
from ..production.image import codecs
from ..production.model import CameraSpec, Output, Production
from ..production.plan import Plan, ShotPlan, camera_resolution, estimate, make_plan
from ..production.render import frames
from ..production.render.checkpoint import (
    DONE,
    FAILED,
    PENDING,
    RENDERING,
    Checkpoint,
    check_image,
    cleanup_partials,
    commit_frame,
    frame_path,
    temp_path,
)
from ..production.render.derive import DeriveWorker, FrameJob, OutputJob, Written, commit_png, output_pixels
from ..production.render.outputs import (
    MANIFEST_NAME,
    REPORT_NAME,
    ManifestEntry,
    ProductionLog,
    ProductionResult,
    sha256_file,
    write_manifest,
    write_report,
)
from ..production.render.request import (
    LOG_NAME,
    RenderRequest,
    Take,
    frame_extension,
    frames_root,
    is_movie,
    missing_work,
    movie_path,
    production_takes,
    scratch_root,
    take_ids,
    take_plan,
)
from ..production.retro.palettes import Palette, PaletteLock, preset_dirs
from ..production.retro.pipeline import RetroSettings, palette_preset_for, settings_from_spec
from ..runtime import compat
from ..runtime.built import built_scene
from ..runtime.properties import scene_state

PHASES = ("validate", "prepare", "build", "shots", "post_process", "export", "finalize")
MASTER = "master"
SAVE_INTERVAL = 5.0  # seconds: within a long shot the .blend is saved at most this often, and at its end
# Master file per kind and bit depth. An 8-bit display master is an uncompressed TGA: Blender writes it
# faster than a PNG and the worker reads it with plain numpy; a 16-bit display master stays PNG.
MASTER_FORMAT = {("display", "8"): "TARGA_RAW", ("display", "16"): "PNG", ("linear", "16"): "OPEN_EXR"}
MASTER_EXT = {"TARGA_RAW": "tga", "PNG": "png", "OPEN_EXR": "exr"}
MASTER_KINDS = ("display", "linear")


@dataclass
class Progress:
    """One step of the loop: what the panel, the status bar and the CLI show."""

    phase: str
    done: int = 0  # renders finished (this run and before)
    total: int = 0
    shot: str = ""
    frame: int = 0
    eta_seconds: float | None = None
    message: str = ""

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


@dataclass
class _Timing:
    started: float = field(default_factory=time.perf_counter)
    frame_seconds: list[float] = field(default_factory=list)  # wall time per rendered frame, this run
    render_seconds: float = 0.0  # inside render.render only
    shots_seconds: float = 0.0  # wall time of the whole shots phase (renders, saves, waits for the worker)
    worker_cpu_seconds: float = 0.0  # CPU time the worker process spent deriving, overlapped with renders
    checkpoint_seconds: list[float] = field(default_factory=list)


@dataclass
class _Pending:
    """A frame whose outputs are derived elsewhere: its `job` goes to the worker process as the next render
    starts, and the frame is recorded once the worker says its files are complete."""

    take_id: str
    frame: int
    lacking: list[str]
    last_of_take: bool
    job: FrameJob | None = None
    started: bool = False


class RenderLoop:
    """Renders `production` (already built into the story scenes of `root`) shot by shot, resumably."""

    def __init__(
        self,
        root: bpy.types.Scene,
        production: Production,
        request: RenderRequest,
        blend_path: Path | None,
        preset_folders: list[str] | None = None,
        save: Callable[[Path], None] | None = None,
        worker_sidecar: Path | None = None,
    ):
        self.root = root
        self.production = production
        self.request = request
        self.blend_path = blend_path
        self.shot_plan: Plan = make_plan(production)
        self.plan: Plan = take_plan(production, self.shot_plan)  # one entry per take
        self.takes: dict[str, Take] = production_takes(production, self.shot_plan)
        self.selected = take_ids(request.shots, self.takes)
        self.preset_dirs = preset_dirs(preset_folders or [])
        self.save = save or save_blend
        # A parallel worker mirrors its checkpoint to this file; the parent writes the manifest.
        self.worker_sidecar = worker_sidecar
        self.result = ProductionResult()
        self.cancelled = False
        self.timing = _Timing()
        self.checkpoint = Checkpoint.from_json(scene_state(root).checkpoint, production.spec_hash)
        self.outputs = [o for o in production.outputs if request.outputs is None or o.name in request.outputs]
        self.scratch = scratch_root(production)
        self.log = ProductionLog(production.base_dir / LOG_NAME, production.base_dir)
        self._palettes: dict[str, PaletteLock] = {}
        self._retro_settings: dict[tuple[str, str], RetroSettings] = {}
        self._pinned = _read_palettes(scene_state(root).retro_palettes)
        self._work: list[tuple[str, int, list[str]]] = []
        self._last_save = time.perf_counter()
        self._total = 0
        self._completed = 0  # work items (frames) whose every lacking output is recorded
        self._failed: set[str] = set()  # takes with a failed frame: the rest of the take is skipped
        self._take_done = False  # a take finished since the last save to disk: save at the next boundary
        self._worker = DeriveWorker()
        self._pending: _Pending | None = None  # at most one frame with the worker

    # -- the steps -------------------------------------------------------------------------------------------
    def steps(self) -> Generator[Progress, None, None]:
        try:
            yield from self._prepare()
            yield from self._shots()
            if not self.cancelled:
                yield from self._export()
            yield from self._finalize()
        finally:
            self._worker.close()  # files it completes unrecorded are adopted by the next run
            self.log.close()

    def run(self, on_progress: Callable[[Progress], None] | None = None) -> ProductionResult:
        """Headless: drive every step (timers and modal never run in background Blender)."""
        for progress in self.steps():
            if on_progress:
                on_progress(progress)
        return self.result

    def cancel(self) -> None:
        """Stop cleanly before the next frame; the checkpoint stays resumable."""
        self.cancelled = True

    # -- prepare ---------------------------------------------------------------------------------------------
    def _prepare(self) -> Iterator[Progress]:
        cp = self.checkpoint
        self.result.warnings.extend(cp.warnings)
        for warning in cp.warnings:
            self.log.warning("checkpoint", message=warning)
        roots = {o.name: frames_root(self.production, o) for o in self.outputs}
        masters = [self.scratch / MASTER / kind for kind in MASTER_KINDS]
        for folder in (*roots.values(), *masters):
            folder.mkdir(parents=True, exist_ok=True)
            # Only this run's takes: a parallel worker must not remove another's file in the making.
            for take_id in self.selected or self.takes:
                cleanup_partials(folder / take_id)
        for dropped in cp.verify(roots):
            message = (
                f"{dropped.output} {dropped.shot} frame {dropped.frame}: {dropped.reason}; rendering it again"
            )
            self.result.warnings.append(message)
            self.log.warning(
                "frame_dropped",
                output=dropped.output,
                shot=dropped.shot,
                frame=dropped.frame,
                reason=dropped.reason,
            )
        adopted = self._adopt_files(roots)
        if adopted:
            self.log.info("frames_adopted", count=adopted)
        cp.spec_hash = self.production.spec_hash
        work = missing_work(cp, self.production, self.shot_plan, self.request)
        self._work = [(take.take_id, frame, lacking) for take, frame, lacking in work]
        self._total = len(self._work)
        self.log.info(
            "render_start",
            title=self.production.title,
            renders=len(self._work),
            outputs=[o.name for o in self.outputs],
            blender=bpy.app.version_string,
        )
        yield Progress("prepare", 0, self._total, message=f"{self._total} frame(s) to render")

    def _adopt_files(self, roots: dict[str, Path]) -> int:
        """Complete files with final names that a killed run wrote but did not record are finished frames."""
        adopted = 0
        for output in self.outputs:
            ext = frame_extension(output)
            for shot_plan in self.plan.shots:
                if output.name not in shot_plan.outputs:
                    continue
                for frame in shot_plan.frame_numbers():
                    if self.checkpoint.is_done(output.name, shot_plan.shot_id, frame):
                        continue
                    path = frame_path(roots[output.name], shot_plan.shot_id, frame, ext)
                    if path.is_file() and not check_image(path):
                        self._record(output.name, shot_plan.shot_id, frame, path, roots[output.name])
                        adopted += 1
        return adopted

    # -- shots -----------------------------------------------------------------------------------------------
    def _shots(self) -> Iterator[Progress]:
        phase_started = time.perf_counter()
        current = ""
        restore: Callable[[], None] | None = None
        try:
            for index, (take_id, frame, lacking) in enumerate(self._work):
                if self.cancelled:
                    self.log.info("cancelled", shot=take_id, frame=frame)
                    break
                last_of_take = index + 1 == len(self._work) or self._work[index + 1][0] != take_id
                if take_id in self._failed:
                    if last_of_take:
                        self._finish_shot(take_id)
                    continue
                if take_id != current:
                    if restore:
                        restore()
                    current = take_id
                    restore = self._apply_take(take_id)
                    self.log.info("shot_start", shot=take_id)
                started = time.perf_counter()
                try:
                    self._frame(take_id, frame, lacking, last_of_take)
                except Exception as error:  # one bad frame must not lose the checkpoint
                    self._drain()
                    self._fail(take_id, frame, error, last_of_take)
                    continue
                self.timing.frame_seconds.append(time.perf_counter() - started)
                self._save_checkpoint(to_disk=False)
                yield Progress("shots", index + 1, self._total, take_id, frame, self._eta(index + 1))
        finally:
            self._drain()
            if restore:
                restore()
            self.timing.shots_seconds += time.perf_counter() - phase_started

    def _fail(self, take_id: str, frame: int, error: BaseException, last_of_take: bool) -> None:
        self.checkpoint.record_failure(take_id, str(error))
        self.log.error("frame_failed", shot=take_id, frame=frame, error=str(error))
        self.result.errors.append(f"shot {take_id} frame {frame}: {error}")
        self._failed.add(take_id)  # the rest of this take is skipped; the others go on
        if last_of_take:
            self._finish_shot(take_id)
        self._save_checkpoint()

    def _eta(self, done: int) -> float | None:
        recent = self.timing.frame_seconds[-20:]
        return sum(recent) / len(recent) * (self._total - done) if recent else None

    def _apply_take(self, take_id: str) -> Callable[[], None]:
        """The take's render settings and camera, applied for its frames; returns what restores them."""
        take = self.takes[take_id]
        scene = self._scene(self.production.shot(take.shot_id).scene)
        settings = shot_render_settings(self.production, take.shot_id, self.request, take.spec)
        restore_settings = apply_settings(scene, settings)
        if take.camera == camera.PRIMARY:
            return restore_settings
        restore_camera = bind_take_camera(scene, take)

        def restore() -> None:
            restore_camera()
            restore_settings()

        return restore

    def _scene(self, scene_id: str) -> bpy.types.Scene:
        scene = built_scene(scene_id)
        if scene is None:
            raise RuntimeError(f"scene {scene_id} has not been built; build the production before rendering")
        return scene

    def _frame(self, take_id: str, frame: int, lacking: list[str], last_of_take: bool) -> None:
        """Render the frame once unless its master survived, then derive its outputs: in the worker process
        while the next frame renders, or right here when an output needs Blender (EXR, burn-in), the master
        is not a TGA, or a retro output locks its palette on this frame."""
        if not lacking:
            return
        wanted = [o for o in self.outputs if o.name in lacking]
        formats = {kind: MASTER_FORMAT[kind, self._master_depth(kind)] for kind in self._master_kinds(wanted)}
        masters = {
            kind: frame_path(self.scratch / MASTER / kind, take_id, frame, MASTER_EXT[fmt])
            for kind, fmt in formats.items()
        }
        if any(master_problem(path) for path in masters.values()):
            self._render(take_id, frame, masters, formats)
        self._drain()
        if self._take_done or self._save_due():
            self._save_checkpoint()
        if self._derived_here(take_id, wanted, masters):
            written = self._derive_here(take_id, frame, wanted, masters)
            self._record_done(_Pending(take_id, frame, lacking, last_of_take), written)
            return
        jobs = tuple(self._output_job(o, take_id, frame) for o in wanted)
        job = FrameJob(masters["display"], self.production.aspect_ratio, self._squeeze(take_id), jobs)
        self._pending = _Pending(take_id, frame, lacking, last_of_take, job)  # sent as the next render starts

    def _master_kinds(self, wanted: list[Output]) -> set[str]:
        return {"linear" if o.container == "exr" else "display" for o in wanted}

    def _derived_here(self, take_id: str, wanted: list[Output], masters: dict[str, Path]) -> bool:
        """EXR writing, burn-in and reading a PNG master use Blender; a take's first retro frame locks its
        palette (state the checkpoint saves)."""
        if "display" not in masters or masters["display"].suffix != ".tga":
            return True
        return any(
            o.container == "exr"
            or o.burn_in
            or (o.retro is not None and (o.name, take_id) not in self._retro_settings)
            for o in wanted
        )

    def _derive_here(
        self, take_id: str, frame: int, wanted: list[Output], masters: dict[str, Path]
    ) -> list[Written]:
        """Every wanted output of one frame, derived on the main thread and committed."""
        images = {kind: load_master(path) for kind, path in masters.items()}
        aspect, squeeze = self.production.aspect_ratio, self._squeeze(take_id)
        written = []
        for output in wanted:
            if output.container == "exr":
                written.append(self._commit_exr(output, take_id, frame, images["linear"]))
                continue
            codes = images["display"]
            job = self._output_job(output, take_id, frame, codes)
            overlay = None
            if output.burn_in:
                overlay = partial(burn_in, text=self._burn_in_text(take_id, frame), scratch=self.scratch)
            written.append(commit_png(job, output_pixels(codes, job, aspect, squeeze, overlay)))
        return written

    def _output_job(
        self, output: Output, take_id: str, frame: int, codes: np.ndarray | None = None
    ) -> OutputJob:
        """Where a PNG output of this frame goes and how it is made (`codes` lock a retro palette)."""
        root = frames_root(self.production, output)
        depth = output.color_depth if output.color_depth in ("8", "16") and not is_movie(output) else "8"
        retro = self._retro_settings_for(output, take_id, codes) if output.retro is not None else None
        final = frame_path(root, take_id, frame, frame_extension(output))
        return OutputJob(output.name, root, final, output.resolution, output.letterbox, depth, retro)

    def _commit_exr(self, output: Output, take_id: str, frame: int, linear: np.ndarray) -> Written:
        root = frames_root(self.production, output)
        final = frame_path(root, take_id, frame, frame_extension(output))
        final.parent.mkdir(parents=True, exist_ok=True)
        temp = temp_path(final)
        fitted = frames.fit_frame(
            linear,
            output.resolution,
            self.production.aspect_ratio,
            output.letterbox,
            pixel_aspect=self._squeeze(take_id),
        )
        write_exr(temp, fitted, output.color_depth)
        size, digest = temp.stat().st_size, sha256_file(temp)
        commit_frame(temp, final)
        return output.name, final.relative_to(root).as_posix(), size, digest

    def _record_done(self, done: _Pending, written: list[Written]) -> None:
        """The frame's files are complete: record them. A take that failed meanwhile records nothing more
        this run (its complete files are adopted by the next). Its last frame finishes the take, and the
        next save goes to disk."""
        if done.take_id not in self._failed:
            for output, path, size, digest in written:
                self.checkpoint.record_frame(output, done.take_id, done.frame, path, size, digest)
            self._completed += 1
            self.log.info("frame_done", shot=done.take_id, frame=done.frame, outputs=done.lacking)
        if done.last_of_take:
            self._finish_shot(done.take_id)

    def _start_worker(self) -> None:
        """Hand the waiting frame to the worker process: called just before Blender renders the next one."""
        if self._pending is not None and not self._pending.started:
            assert self._pending.job is not None
            self._worker.submit(self._pending.job)
            self._pending.started = True

    def _drain(self) -> None:
        """Wait for the worker (it has normally finished during the render) and record its frame."""
        if self._pending is None:
            return
        self._start_worker()
        pending, self._pending = self._pending, None
        try:
            written, cpu_seconds = self._worker.result()
        except Exception as error:
            self._fail(pending.take_id, pending.frame, error, pending.last_of_take)
            return
        self.timing.worker_cpu_seconds += cpu_seconds
        self._record_done(pending, written)

    def _render(self, take_id: str, frame: int, masters: dict[str, Path], formats: dict[str, str]) -> None:
        """The one render of this frame, saved as each master the outputs need (display TGA or PNG, linear
        EXR). The first master is written by the render itself (`write_still`), as `blender -a` writes its
        frames; any other is saved from the Render Result."""
        scene = self._scene(self.production.shot(self.takes[take_id].shot_id).scene)
        scene.frame_set(frame)
        self.log.info("render", shot=take_id, frame=frame)
        self._start_worker()
        render = scene.render
        settings = render.image_settings
        (first, first_path), *others = sorted(masters.items())
        self._master_settings(render, first, formats[first])
        first_path.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        written = render_current_frame(scene, still_path=temp_path(first_path))
        seconds = time.perf_counter() - started
        self.timing.render_seconds += seconds
        self._drain()
        assert written is not None
        commit_frame(written, first_path, durable=False)
        result = bpy.data.images["Render Result"]
        for kind, path in others:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._master_settings(render, kind, formats[kind])
            temp = temp_path(path)
            result.save_render(filepath=str(temp), scene=scene)
            commit_frame(temp, path, durable=False)
        compat.set_image_output(settings, "PNG")
        self.checkpoint.record_render(take_id, frame, seconds)
        self.log.info(
            "rendered",
            shot=take_id,
            frame=frame,
            seconds=round(seconds, 4),
            size=[render.resolution_x, render.resolution_y],
            pixel_aspect=render.pixel_aspect_x / render.pixel_aspect_y,
            camera=scene.camera.name if scene.camera else None,
        )

    def _master_settings(self, render: bpy.types.RenderSettings, kind: str, file_format: str) -> None:
        settings = render.image_settings
        compat.set_image_output(settings, file_format)
        settings.color_depth = self._master_depth(kind)
        # RGBA is written ~12 % faster (measured); with a transparent film its colours would come out
        # unpremultiplied, so that master stays RGB.
        settings.color_mode = "RGB" if render.film_transparent or kind == "linear" else "RGBA"

    def _master_depth(self, kind: str) -> Literal["8", "16"]:
        """16 bits where an output needs them (16-bit PNG, EXR), else 8: half the bytes to write and read."""
        if kind == "linear" or any(
            o.color_depth != "8" and o.container == "png" and o.retro is None for o in self.outputs
        ):
            return "16"
        return "8"

    def _squeeze(self, take_id: str) -> float:
        """Width / height of a master pixel for this take: its sensor's anamorphic squeeze."""
        return self.takes[take_id].spec.sensor.squeeze

    def _burn_in_text(self, take_id: str, frame: int) -> str:
        fps = self.production.fps
        seconds, frames_in = divmod(frame - 1, round(fps))
        minutes, secs = divmod(seconds, 60)
        hours, minutes = divmod(minutes, 60)
        timecode = f"{hours:02d}:{minutes:02d}:{secs:02d}:{frames_in:02d}"
        return f"{take_id}  frame {frame}  {self.takes[take_id].spec.lens:g}mm  {timecode}"

    def _retro_settings_for(self, output: Output, take_id: str, codes: np.ndarray | None) -> RetroSettings:
        """The retro look of this output for this take: an adaptive palette is locked from the take's first
        frame (`codes`) and kept in the .blend, so a resumed take uses the same colours."""
        key = (output.name, take_id)
        if key not in self._retro_settings:
            assert codes is not None and output.retro is not None, "a take's first retro frame locks it"
            lock = self._palettes.get(output.name)
            if lock is None:
                preset = palette_preset_for(output.retro, self.preset_dirs)
                lock = PaletteLock(preset, self.production.render.seed, self._pinned.get(output.name, {}))
                self._palettes[output.name] = lock
            palette = lock.palette_for(take_id, [codecs.decode_display(codes)])
            self._retro_settings[key] = settings_from_spec(output.retro, palette, self.preset_dirs)
        return self._retro_settings[key]

    def _record(self, output: str, shot_id: str, frame: int, path: Path, root: Path) -> None:
        self.checkpoint.record_frame(
            output, shot_id, frame, path.relative_to(root).as_posix(), path.stat().st_size, sha256_file(path)
        )

    def _finish_shot(self, take_id: str) -> None:
        """A take whose every requested frame is on disk no longer needs its masters."""
        if not take_id:
            return
        status = self.checkpoint.shot_status(self.plan, take_id, [o.name for o in self.outputs])
        self.log.info("shot_done", shot=take_id, status=status)
        self._take_done = True
        if status == "done":
            for kind in MASTER_KINDS:
                shutil.rmtree(self.scratch / MASTER / kind / take_id, ignore_errors=True)

    def _save_due(self) -> bool:
        return time.perf_counter() - self._last_save >= SAVE_INTERVAL

    def _save_checkpoint(self, to_disk: bool = True) -> None:
        """Progress onto `scene.backlot` every frame; at a boundary the checkpoint and the .blend to disk.
        Between saves nothing is at risk: finished frames are on disk and the next run adopts them."""
        started = time.perf_counter()
        state = scene_state(self.root)
        state.render_progress = int(100 * self._completed / self._total) if self._total else 100
        if not to_disk:
            return
        self._take_done = False
        state.checkpoint = self.checkpoint.to_json()
        state.retro_palettes = json.dumps(
            {
                name: {str(s): p.to_hex() for s, p in lock.palettes.items()}
                for name, lock in self._palettes.items()
            }
        )
        self._last_save = time.perf_counter()
        if self.blend_path is not None:
            self.save(self.blend_path)
        if self.worker_sidecar is not None:
            temp = temp_path(self.worker_sidecar)
            temp.write_text(state.checkpoint)
            temp.replace(self.worker_sidecar)
        self.timing.checkpoint_seconds.append(time.perf_counter() - started)

    # -- export: movies --------------------------------------------------------------------------------------
    def _export(self) -> Iterator[Progress]:
        for output in (o for o in self.outputs if is_movie(o)):
            for shot_plan in self.plan.shots:
                if output.name not in shot_plan.outputs:
                    continue
                if self.selected is not None and shot_plan.shot_id not in self.selected:
                    continue
                if self.checkpoint.shot_status(self.plan, shot_plan.shot_id, [output.name]) != "done":
                    continue
                target = movie_path(output, shot_plan.shot_id)
                if (
                    target.is_file()
                    and target.stat().st_size > 0
                    and not self._movie_stale(output, shot_plan.shot_id, target)
                ):
                    continue
                root = frames_root(self.production, output)
                sources = [frame_path(root, shot_plan.shot_id, f, "png") for f in shot_plan.frame_numbers()]
                encode_movie(sources, target, output, self.production.fps)
                self.log.info("movie_written", output=output.name, shot=shot_plan.shot_id, path=str(target))
                yield Progress(
                    "export", self._total, self._total, shot_plan.shot_id, message=f"encoded {target.name}"
                )

    def _movie_stale(self, output: Output, shot_id: str, movie: Path) -> bool:
        root = frames_root(self.production, output) / shot_id
        return any(p.stat().st_mtime > movie.stat().st_mtime for p in root.glob("*.png"))

    # -- finalize --------------------------------------------------------------------------------------------
    def _finalize(self) -> Iterator[Progress]:
        base = self.production.base_dir
        if self.worker_sidecar is None:
            write_manifest(base, self.production.title, self._manifest_entries())
            write_report(base, self.production.title, self._report_rows(), self.result.warnings)
        names = [o.name for o in self.outputs]
        for shot_plan in self.plan.shots:
            if self.selected is not None and shot_plan.shot_id not in self.selected:
                continue
            if not any(o in names for o in shot_plan.outputs):
                continue
            status = self.checkpoint.shot_status(self.plan, shot_plan.shot_id, names)
            if status == "done":
                self.result.shots_completed.append(shot_plan.shot_id)
            elif status == "failed":
                self.result.shots_failed.append(shot_plan.shot_id)
        self.result.output_paths = [base / MANIFEST_NAME, base / REPORT_NAME, *(o.path for o in self.outputs)]
        self.result.total_seconds = round(time.perf_counter() - self.timing.started, 3)
        self._update_shot_list()
        scene_state(self.root).render_status = (
            "cancelled" if self.cancelled else ("done" if self.result.ok else "failed")
        )
        self.log.info(
            "render_end",
            cancelled=self.cancelled,
            completed=self.result.shots_completed,
            failed=self.result.shots_failed,
            seconds=self.result.total_seconds,
            render_seconds=round(self.timing.render_seconds, 3),
        )
        self._save_checkpoint()
        yield Progress("finalize", self._completed, self._total, message=scene_state(self.root).render_status)

    def _manifest_entries(self) -> Iterator[ManifestEntry]:
        for output in self.production.outputs:
            if is_movie(output):
                for shot_plan in self.plan.shots:
                    movie = movie_path(output, shot_plan.shot_id)
                    if movie.is_file():
                        yield ManifestEntry(output.name, shot_plan.shot_id, None, movie)
                continue
            for shot, per_frame in self.checkpoint.frames.get(output.name, {}).items():
                for frame, record in sorted(per_frame.items()):
                    yield ManifestEntry(
                        output.name, shot, frame, output.path / record.path, record.size, record.sha256
                    )

    def _report_rows(self) -> list[dict[str, Any]]:
        planned = estimate(self.request.apply(self.production), self.shot_plan).shots
        estimates = {s.shot_id: s.seconds_per_frame for s in planned}
        contact_output = next((o for o in self.production.outputs if not is_movie(o)), None)
        names = [o.name for o in self.production.outputs]
        rows = []
        for shot_plan in self.plan.shots:
            contact = None
            if contact_output is not None:
                record = self.checkpoint.frames.get(contact_output.name, {}).get(shot_plan.shot_id, {})
                if record:
                    contact = contact_output.path / record[min(record)].path
            rows.append(
                {
                    "shot": shot_plan.shot_id,
                    "scene": shot_plan.scene_id,
                    "frames": shot_plan.frames,
                    "seconds_per_frame": self.checkpoint.seconds_per_frame(shot_plan.shot_id),
                    "estimate": estimates[self.takes[shot_plan.shot_id].shot_id],
                    "status": self.checkpoint.shot_status(self.plan, shot_plan.shot_id, names),
                    "contact": contact,
                }
            )
        return rows

    def _update_shot_list(self) -> None:
        """A shot's status in the panel's list sums up its takes: done when all are, failed when one is."""
        names = [o.name for o in self.production.outputs]
        for item in scene_state(self.root).shots:
            statuses = {
                self.checkpoint.shot_status(self.plan, take_id, names)
                for take_id, take in self.takes.items()
                if take.shot_id == item.shot_id
            }
            if statuses:
                item.status = next(
                    (s for s in (FAILED, RENDERING) if s in statuses),
                    DONE if statuses == {DONE} else (RENDERING if DONE in statuses else PENDING),
                )


# -- per-shot render settings --------------------------------------------------------------------------------
def shot_render_settings(
    production: Production, shot_id: str, request: RenderRequest, camera_spec: CameraSpec | None = None
) -> dict[str, Any]:
    """RNA path -> value for one shot (through `camera_spec`, default the shot's primary camera): engine,
    samples, resolution, motion blur, the master's format. An anamorphic sensor renders the master squeezed
    (fewer columns, wide pixels), as a camera negative is; the outputs desqueeze it."""
    shot = production.shot(shot_id)
    render = shot.render
    engine = request.engine or render.engine
    samples = request.samples or render.samples
    spec = camera_spec or shot.camera
    width, height = camera_resolution(production, spec)
    pixel_aspect_x, pixel_aspect_y = optics.render_pixel_aspect(spec.sensor)
    settings: dict[str, Any] = {
        "render.engine": compat.engine_id(engine),
        "render.resolution_x": width,
        "render.resolution_y": height,
        "render.pixel_aspect_x": pixel_aspect_x,
        "render.pixel_aspect_y": pixel_aspect_y,
        "render.resolution_percentage": request.resolution_percentage or render.resolution_percentage,
        "render.use_motion_blur": render.motion_blur,
        "render.motion_blur_shutter": render.shutter,
        "render.film_transparent": render.film_transparent,
        "render.dither_intensity": 0.0,  # exact, repeatable frames: the outputs dither themselves if asked
        "render.use_stamp": False,
        "render.image_settings.color_mode": "RGB",
        "render.image_settings.color_depth": "16",
        "render.image_settings.compression": 0,  # the master is scratch: fast to write beats small
    }
    if engine == "cycles":
        settings.update(
            {
                "cycles.samples": samples,
                "cycles.seed": render.seed,
                "cycles.use_denoising": render.denoise,
                "cycles.device": "CPU",
            }
        )
    elif engine == "eevee":
        settings["eevee.taa_render_samples"] = samples
    else:
        settings["display.render_aa"] = workbench_antialiasing(samples)
    return settings


def measure_shots(
    production: Production, percentage: int, request: RenderRequest | None = None
) -> dict[str, float]:
    """Seconds per frame for each shot at the size it renders at (the request's or the shot's resolution
    percentage), from one render of its middle frame at `percentage` size with the request's engine and
    samples: render time grows with the pixel count, so the measure is scaled by (size / percentage)^2."""
    request = request or RenderRequest()
    production = request.apply(production)
    sample = replace(request, resolution_percentage=percentage)

    def render_once(shot_plan: ShotPlan) -> float:
        scene = built_scene(shot_plan.scene_id)
        assert scene is not None, f"scene {shot_plan.scene_id} is built before measuring"
        restore = apply_settings(scene, shot_render_settings(production, shot_plan.shot_id, sample))
        try:
            scene.frame_set((shot_plan.frame_start + shot_plan.frame_end) // 2)
            started = time.perf_counter()
            render_current_frame(scene)
            return time.perf_counter() - started
        finally:
            restore()

    shots = make_plan(production).shots
    render_once(shots[0])  # warm-up, not timed: the first render pays for the GL context and shaders
    return {
        p.shot_id: render_once(p)
        * (production.shot(p.shot_id).render.resolution_percentage / percentage) ** 2
        for p in shots
    }


def workbench_antialiasing(samples: int) -> str:
    """Workbench has no sample count, but anti-aliasing levels: FXAA for 1 sample, else the nearest level
    at or above the samples asked for (5, 8, 11, 16, 32)."""
    if samples <= 1:
        return "FXAA"
    return next((str(level) for level in (5, 8, 11, 16) if level >= samples), "32")


def render_current_frame(scene: bpy.types.Scene, still_path: Path | None = None) -> Path | None:
    """Render `scene` at its current frame, through the camera its markers bind there; with `still_path`,
    the render also writes the frame (scene's image settings) next to it and returns the file it wrote.

    The operator's `scene=` argument is not enough: it renders at the frame of the context's scene (measured
    on 4.5 and 5.2: every frame came out as the root scene's frame, through that frame's camera)."""
    render = scene.render
    saved = render.filepath, render.use_file_extension
    if still_path is not None:  # a still gets the extension added, no frame number
        render.filepath, render.use_file_extension = str(still_path), True
    try:
        with bpy.context.temp_override(scene=scene):
            bpy.ops.render.render(write_still=still_path is not None)
        return None if still_path is None else Path(f"{still_path}{render.file_extension}")
    finally:
        render.filepath, render.use_file_extension = saved


def bind_take_camera(scene: bpy.types.Scene, take: Take) -> Callable[[], None]:
    """Make an extra camera the one the shot renders through (the shot's marker and the scene camera, which
    frame_set takes from the markers); return the function that binds the primary again."""
    cameras = dict(camera.shot_cameras(scene, take.shot_id))
    if take.camera not in cameras:
        raise RuntimeError(
            f"shot {take.shot_id} has no camera {take.camera} in scene {scene.name}; rebuild the production"
        )
    marker = next((m for m in scene.timeline_markers if m.name == take.shot_id), None)
    previous = (marker.camera if marker else None, scene.camera)
    if marker:
        marker.camera = cameras[take.camera]
    scene.camera = cameras[take.camera]

    def restore() -> None:
        if marker:
            marker.camera = previous[0]
        scene.camera = previous[1]

    return restore


def apply_settings(scene: bpy.types.Scene, settings: dict[str, Any]) -> Callable[[], None]:
    """Set RNA paths on the scene; return the function that puts every previous value back."""
    previous: list[tuple[Any, str, Any]] = []
    compat.set_image_output(scene.render.image_settings, "PNG")
    for path, value in settings.items():
        *parents, leaf = path.split(".")
        owner: Any = scene
        for name in parents:
            owner = getattr(owner, name)
        previous.append((owner, leaf, getattr(owner, leaf)))
        setattr(owner, leaf, value)

    def restore() -> None:
        for owner, leaf, value in reversed(previous):
            setattr(owner, leaf, value)

    return restore


# -- files -----------------------------------------------------------------------------------------------
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


def _read_palettes(text: str) -> dict[str, dict[Hashable, Palette]]:
    """Locked palettes saved with the checkpoint (output -> shot -> colours, shots keyed as `PaletteLock` keys
    them); unreadable ones are dropped."""
    try:
        data = json.loads(text)
        return {o: {s: Palette.from_hex(p) for s, p in per.items()} for o, per in data.items()}
    except (ValueError, AttributeError, TypeError, IndexError):
        return {}
