"""The render loop: one generator of steps, driven to the end headless, one step per TIMER event in the UI.

Per frame: render once (a display-referred 16-bit master, committed to the scratch folder), derive every
output that lacks the frame from that master, commit each file (temporary name, then rename), record it in the
checkpoint and save the .blend. Nothing here is a flag that can outlive a crash: on resume the checkpoint is
re-verified against the disk, complete files a killed run left unrecorded are adopted, and a frame whose
master survived is derived again without rendering it again.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bpy
import numpy as np

from . import compat
from .departments import stage
from .production import frames
from .production.checkpoint import (
    Checkpoint,
    check_image,
    cleanup_partials,
    commit_frame,
    frame_path,
    temp_path,
)
from .production.cli import stdout_to_stderr
from .production.model import Output, Production
from .production.outputs import (
    MANIFEST_NAME,
    REPORT_NAME,
    ManifestEntry,
    ProductionLog,
    ProductionResult,
    sha256_file,
    write_manifest,
    write_report,
)
from .production.plan import Plan, ShotPlan, estimate, make_plan, master_resolution
from .production.render_plan import (
    LOG_NAME,
    RenderRequest,
    frame_extension,
    frames_root,
    is_movie,
    movie_path,
    scratch_root,
)
from .production.retro.palettes import Palette, PaletteLock, preset_dirs
from .production.retro.pipeline import RetroSettings, palette_preset_for, process_frame, settings_from_spec

PHASES = ("validate", "prepare", "build", "shots", "post_process", "export", "finalize")
MASTER = "master"
SAVE_INTERVAL = 5.0  # seconds: within a long shot the .blend is saved at most this often, and at its end
MASTER_FORMAT = {"display": "PNG", "linear": "OPEN_EXR"}
MASTER_EXT = {"display": "png", "linear": "exr"}


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
    checkpoint_seconds: list[float] = field(default_factory=list)


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
        self.plan: Plan = make_plan(production)
        self.preset_dirs = preset_dirs(preset_folders or [])
        self.save = save or save_blend
        # A parallel worker mirrors its checkpoint to this file; the parent writes the manifest.
        self.worker_sidecar = worker_sidecar
        self.result = ProductionResult()
        self.cancelled = False
        self.timing = _Timing()
        self.checkpoint = Checkpoint.from_json(root.backlot.checkpoint, production.spec_hash)
        self.outputs = [o for o in production.outputs if request.outputs is None or o.name in request.outputs]
        self.scratch = scratch_root(production)
        self.log = ProductionLog(production.base_dir / LOG_NAME, production.base_dir)
        self._palettes: dict[str, PaletteLock] = {}
        self._retro_settings: dict[tuple[str, str], RetroSettings] = {}
        self._pinned = _read_palettes(root.backlot.retro_palettes)
        self._work: list[tuple[str, int, list[str]]] = []
        self._last_save = time.perf_counter()
        self._total = 0

    # -- the steps -------------------------------------------------------------------------------------------
    def steps(self) -> Iterator[Progress]:
        try:
            yield from self._prepare()
            yield from self._shots()
            if not self.cancelled:
                yield from self._export()
            yield from self._finalize()
        finally:
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
        for folder in (*roots.values(), self.scratch):
            folder.mkdir(parents=True, exist_ok=True)
            cleanup_partials(folder)
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
        self._work = cp.missing_frames(self.plan, self.request.outputs, self.request.shots)
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
        current_shot = ""
        failed: set[str] = set()
        restore: Callable[[], None] | None = None
        try:
            for index, (shot_id, frame, lacking) in enumerate(self._work):
                if self.cancelled:
                    self.log.info("cancelled", shot=shot_id, frame=frame)
                    break
                if shot_id in failed:
                    continue
                if shot_id != current_shot:
                    if restore:
                        restore()
                    self._finish_shot(current_shot)
                    current_shot = shot_id
                    restore = self._apply_shot(shot_id)
                    self.log.info("shot_start", shot=shot_id)
                started = time.perf_counter()
                try:
                    self._frame(shot_id, frame, lacking)
                except Exception as error:  # one bad frame must not lose the checkpoint
                    self.checkpoint.record_failure(shot_id, str(error))
                    self.log.error("frame_failed", shot=shot_id, frame=frame, error=str(error))
                    self.result.errors.append(f"shot {shot_id} frame {frame}: {error}")
                    self._save_checkpoint()
                    failed.add(shot_id)  # the rest of this shot is skipped; the others go on
                    continue
                self.timing.frame_seconds.append(time.perf_counter() - started)
                last_of_shot = index + 1 == len(self._work) or self._work[index + 1][0] != shot_id
                self._save_checkpoint(to_disk=last_of_shot or self._save_due())
                yield Progress("shots", index + 1, self._total, shot_id, frame, self._eta(index + 1))
        finally:
            if restore:
                restore()
        if not self.cancelled:
            self._finish_shot(current_shot)

    def _eta(self, done: int) -> float | None:
        recent = self.timing.frame_seconds[-20:]
        return sum(recent) / len(recent) * (self._total - done) if recent else None

    def _apply_shot(self, shot_id: str) -> Callable[[], None]:
        shot = self.production.shot(shot_id)
        scene = self._scene(shot.scene)
        settings = shot_render_settings(self.production, shot_id, self.request)
        return apply_settings(scene, settings)

    def _scene(self, scene_id: str) -> bpy.types.Scene:
        scene = stage.built_scene(scene_id)
        if scene is None:
            raise RuntimeError(f"scene {scene_id} has not been built; build the production before rendering")
        return scene

    def _frame(self, shot_id: str, frame: int, lacking: list[str]) -> None:
        if not lacking:
            return
        wanted = [o for o in self.outputs if o.name in lacking]
        kinds = {"linear" if o.container == "exr" else "display" for o in wanted}
        masters = {
            kind: frame_path(self.scratch / MASTER / kind, shot_id, frame, MASTER_EXT[kind]) for kind in kinds
        }
        if any(not path.is_file() or check_image(path) for path in masters.values()):
            self._render(shot_id, frame, masters)
        images = {kind: load_pixels(path) for kind, path in masters.items()}
        for output in wanted:
            root = frames_root(self.production, output)
            final = frame_path(root, shot_id, frame, frame_extension(output))
            final.parent.mkdir(parents=True, exist_ok=True)
            temp = temp_path(final)
            size, digest = self._write_output(output, shot_id, frame, images, temp)
            commit_frame(temp, final)
            self.checkpoint.record_frame(
                output.name, shot_id, frame, final.relative_to(root).as_posix(), size, digest
            )
        self.log.info("frame_done", shot=shot_id, frame=frame, outputs=lacking)

    def _render(self, shot_id: str, frame: int, masters: dict[str, Path]) -> None:
        """The one render of this frame, saved as each master the outputs need (display PNG, linear EXR)."""
        scene = self._scene(self.production.shot(shot_id).scene)
        scene.frame_set(frame)
        self.log.info("render", shot=shot_id, frame=frame)
        started = time.perf_counter()
        bpy.ops.render.render(write_still=False, scene=scene.name)
        seconds = time.perf_counter() - started
        self.timing.render_seconds += seconds
        result = bpy.data.images["Render Result"]
        settings = scene.render.image_settings
        for kind, path in sorted(masters.items()):
            path.parent.mkdir(parents=True, exist_ok=True)
            compat.set_image_output(settings, MASTER_FORMAT[kind])
            settings.color_depth = self._master_depth(kind)
            temp = temp_path(path)
            result.save_render(filepath=str(temp), scene=scene)
            commit_frame(temp, path, durable=False)
        compat.set_image_output(settings, "PNG")
        self.checkpoint.record_render(shot_id, frame, seconds)
        self.log.info("rendered", shot=shot_id, frame=frame, seconds=round(seconds, 4))

    def _master_depth(self, kind: str) -> str:
        """16 bits where an output needs them (16-bit PNG, EXR), else 8: half the bytes to write and read."""
        if kind == "linear" or any(
            o.color_depth != "8" and o.container == "png" and o.retro is None for o in self.outputs
        ):
            return "16"
        return "8"

    def _write_output(
        self, output: Output, shot_id: str, frame: int, images: dict[str, np.ndarray], target: Path
    ) -> tuple[int, str]:
        aspect = self.production.aspect_ratio
        if output.container == "exr":
            linear = frames.fit_frame(images["linear"], output.resolution, aspect, output.letterbox)
            write_exr(target, linear, output.color_depth)
            return target.stat().st_size, sha256_file(target)
        codes = images["display"]
        if output.retro is not None:
            return frames.write_png(target, self._retro(output, shot_id, codes))
        fitted = frames.fit_frame(
            codes, output.resolution, aspect, output.letterbox, frames.decode_display, frames.encode_display
        )
        if output.burn_in:
            fitted = burn_in(fitted, self._burn_in_text(shot_id, frame), self.scratch)
        depth = output.color_depth if output.color_depth in ("8", "16") and not is_movie(output) else "8"
        return frames.write_png(target, frames.to_depth(fitted, depth))

    def _burn_in_text(self, shot_id: str, frame: int) -> str:
        shot = self.production.shot(shot_id)
        fps = self.production.fps
        seconds, frames_in = divmod(frame - 1, round(fps))
        minutes, secs = divmod(seconds, 60)
        hours, minutes = divmod(minutes, 60)
        timecode = f"{hours:02d}:{minutes:02d}:{secs:02d}:{frames_in:02d}"
        return f"{shot_id}  frame {frame}  {shot.camera.lens:g}mm  {timecode}"

    def _retro(self, output: Output, shot_id: str, codes: np.ndarray) -> np.ndarray:
        """Palette-exact frame; an adaptive palette is locked per shot from its first frame and kept in the
        .blend, so a resumed shot uses the same colours."""
        linear = frames.decode_display(codes)
        key = (output.name, shot_id)
        if key not in self._retro_settings:
            lock = self._palettes.get(output.name)
            if lock is None:
                preset = palette_preset_for(output.retro, self.preset_dirs)
                lock = PaletteLock(preset, self.production.render.seed, self._pinned.get(output.name, {}))
                self._palettes[output.name] = lock
            palette = lock.palette_for(shot_id, [linear])
            self._retro_settings[key] = settings_from_spec(output.retro, palette, self.preset_dirs)
        return process_frame(linear, self._retro_settings[key])

    def _record(self, output: str, shot_id: str, frame: int, path: Path, root: Path) -> None:
        self.checkpoint.record_frame(
            output, shot_id, frame, path.relative_to(root).as_posix(), path.stat().st_size, sha256_file(path)
        )

    def _finish_shot(self, shot_id: str) -> None:
        """A shot whose every requested frame is on disk no longer needs its masters."""
        if not shot_id:
            return
        status = self.checkpoint.shot_status(self.plan, shot_id, [o.name for o in self.outputs])
        self.log.info("shot_done", shot=shot_id, status=status)
        if status == "done":
            shutil.rmtree(self.scratch / MASTER / shot_id, ignore_errors=True)

    def _save_due(self) -> bool:
        return time.perf_counter() - self._last_save >= SAVE_INTERVAL

    def _save_checkpoint(self, to_disk: bool = True) -> None:
        """The checkpoint onto `scene.backlot` (the panel reads it) and, at a boundary, the .blend to disk.
        Between saves nothing is at risk: finished frames are on disk and the next run adopts them."""
        started = time.perf_counter()
        state = self.root.backlot
        state.checkpoint = self.checkpoint.to_json()
        state.retro_palettes = json.dumps(
            {
                name: {str(s): p.to_hex() for s, p in lock.palettes.items()}
                for name, lock in self._palettes.items()
            }
        )
        state.render_progress = int(100 * self._finished() / self._total) if self._total else 100
        if not to_disk:
            return
        self._last_save = time.perf_counter()
        if self.blend_path is not None:
            self.save(self.blend_path)
        if self.worker_sidecar is not None:
            temp = temp_path(self.worker_sidecar)
            temp.write_text(state.checkpoint)
            temp.replace(self.worker_sidecar)
        self.timing.checkpoint_seconds.append(time.perf_counter() - started)

    def _finished(self) -> int:
        """Work items (frames) of this run whose every output is now on disk."""
        return sum(
            1
            for shot_id, frame, lacking in self._work
            if all(self.checkpoint.is_done(o, shot_id, frame) for o in lacking)
        )

    # -- export: movies --------------------------------------------------------------------------------------
    def _export(self) -> Iterator[Progress]:
        for output in (o for o in self.outputs if is_movie(o)):
            for shot_plan in self.plan.shots:
                if output.name not in shot_plan.outputs:
                    continue
                if self.request.shots is not None and shot_plan.shot_id not in self.request.shots:
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
            if self.request.shots is not None and shot_plan.shot_id not in self.request.shots:
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
        self.root.backlot.render_status = (
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
        yield Progress("finalize", self._finished(), self._total, message=self.root.backlot.render_status)

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
        estimates = {s.shot_id: s.seconds_per_frame for s in estimate(self.production, self.plan).shots}
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
                    "estimate": estimates[shot_plan.shot_id],
                    "status": self.checkpoint.shot_status(self.plan, shot_plan.shot_id, names),
                    "contact": contact,
                }
            )
        return rows

    def _update_shot_list(self) -> None:
        names = [o.name for o in self.production.outputs]
        for item in self.root.backlot.shots:
            if any(s.shot_id == item.shot_id for s in self.plan.shots):
                item.status = self.checkpoint.shot_status(self.plan, item.shot_id, names)


# -- per-shot render settings --------------------------------------------------------------------------------
def shot_render_settings(production: Production, shot_id: str, request: RenderRequest) -> dict[str, Any]:
    """RNA path -> value for one shot: engine, samples, resolution, motion blur, the master's format."""
    shot = production.shot(shot_id)
    render = shot.render
    engine = request.engine or render.engine
    samples = request.samples or render.samples
    width, height = master_resolution(production)
    settings: dict[str, Any] = {
        "render.engine": compat.engine_id(engine),
        "render.resolution_x": width,
        "render.resolution_y": height,
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


def measure_shots(production: Production, percentage: int) -> dict[str, float]:
    """Seconds per frame at full size for each shot, from one render of its middle frame at `percentage`
    size: render time grows with the pixel count, so the measure is scaled by (100 / percentage)^2."""
    request = RenderRequest(resolution_percentage=percentage)

    def render_once(shot_plan: ShotPlan) -> float:
        scene = stage.built_scene(shot_plan.scene_id)
        assert scene is not None, f"scene {shot_plan.scene_id} is built before measuring"
        restore = apply_settings(scene, shot_render_settings(production, shot_plan.shot_id, request))
        try:
            scene.frame_set((shot_plan.frame_start + shot_plan.frame_end) // 2)
            started = time.perf_counter()
            bpy.ops.render.render(write_still=False, scene=scene.name)
            return time.perf_counter() - started
        finally:
            restore()

    shots = make_plan(production).shots
    render_once(shots[0])  # warm-up, not timed: the first render pays for the GL context and shaders
    return {p.shot_id: render_once(p) * (100 / percentage) ** 2 for p in shots}


def workbench_antialiasing(samples: int) -> str:
    """Workbench has no sample count, but anti-aliasing levels: FXAA for 1 sample, else the nearest level
    at or above the samples asked for (5, 8, 11, 16, 32)."""
    if samples <= 1:
        return "FXAA"
    return next((str(level) for level in (5, 8, 11, 16) if level >= samples), "32")


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
def load_pixels(path: Path) -> np.ndarray:
    """A master, top row first, as stored (no colour conversion): the PNG's 16-bit display codes (uint16),
    the EXR's scene-linear light (float32)."""
    image = bpy.data.images.load(str(path), check_existing=False)
    try:
        image.colorspace_settings.name = "Non-Color"
        width, height = image.size
        pixels = np.empty(width * height * 4, np.float32)
        image.pixels.foreach_get(pixels)
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
    with blf.bind_imbuf(0, canvas):
        blf.size(0, size)
        blf.color(0, 1.0, 1.0, 1.0, 1.0)
        blf.position(0, size // 2, size // 2, 0)
        blf.draw_buffer(0, text)
    mask_file = scratch / ".burn_in.png"
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
        image.pixels.foreach_set(rgba.ravel())
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


def _read_palettes(text: str) -> dict[str, dict[str, Palette]]:
    """Locked palettes saved with the checkpoint (output -> shot -> colours); unreadable ones are dropped."""
    try:
        data = json.loads(text)
        return {o: {s: Palette.from_hex(p) for s, p in per.items()} for o, per in data.items()}
    except (ValueError, AttributeError, TypeError, IndexError):
        return {}
