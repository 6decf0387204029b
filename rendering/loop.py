"""The render loop: one generator of steps, driven to the end headless, one step per TIMER event in the UI.

Before the first frame: the checkpoint is read back (its sidecar first), files made from an older version of
the spec or no longer in the plan are removed, and that is saved. Per frame: render once (a display-referred
master, committed to the scratch folder), derive every output that lacks the frame from that master, commit
each file (temporary name, then rename), record it in the checkpoint and save the .blend. Deriving runs in a
worker process (`production.derive`) while the next frame renders; a frame is recorded only once the worker
has committed its files. Nothing here is a flag that can outlive a crash: on resume the checkpoint is
re-verified against the disk, complete files a killed run left unrecorded are adopted, and a frame whose
master survived is derived again without rendering it again.

Each camera of a shot renders as its own take (`render_plan.Take`): the primary keeps the shot's id, an extra
camera B renders as `<shot id>_B`.

The loop only sequences the steps; its parts each do one job: `masters` renders, `deriving` makes the
outputs, `worker` overlaps deriving with the next render, `checkpointing` records and saves, `palettes` locks
retro colours, `finish` writes movies, manifest and report.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import bpy

from ..production.diagnostics import ProductionError
from ..production.model import Production
from ..production.plan import Plan
from ..production.render.outputs import ProductionResult
from ..production.render.request import RenderRequest, missing_work
from ..production.render.resume import read_back, sidecar_path
from ..production.retro.palettes import preset_dirs
from ..runtime.properties import scene_state
from .checkpointing import CheckpointKeeper
from .context import FrameTask, Progress, RenderContext
from .deriving import OutputDeriver
from .finish import Finisher
from .masters import MasterRenderer
from .media import save_blend, written_problem
from .palettes import PaletteLocker
from .settings import apply_take
from .worker import WorkerPipeline


class RenderLoop:
    """Renders `production` (already built into the story scenes of `root`) shot by shot, resumably."""

    def __init__(
        self,
        root: bpy.types.Scene,
        production: Production,
        plan: Plan,
        request: RenderRequest,
        blend_path: Path | None,
        preset_folders: list[str] | None = None,
        save: Callable[[Path], None] | None = None,
        worker_sidecar: Path | None = None,
    ):
        # A parallel worker keeps its sidecar where its parent merges it; any other render beside its .blend.
        sidecar = worker_sidecar or (sidecar_path(blend_path) if blend_path is not None else None)
        if sidecar is not None:
            state = scene_state(root)
            state.checkpoint = read_back(state.checkpoint, sidecar)
        self.context = RenderContext.create(root, production, plan, request)
        self.result: ProductionResult = self.context.result
        self.timing = self.context.timing
        self.cancelled = False
        self.keeper = CheckpointKeeper(
            self.context, blend_path, save or save_blend, sidecar, is_worker=worker_sidecar is not None
        )
        palettes = PaletteLocker(
            preset_dirs(preset_folders or []),
            production.render.seed,
            self.context.checkpoint,
            self.keeper.palette_locked,
        )
        self.worker = WorkerPipeline(self.keeper, self.timing)
        self.renderer = MasterRenderer(self.context, self.worker.start, self.worker.drain)
        self.deriver = OutputDeriver(self.context, palettes)
        self.finisher = Finisher(self.context)
        self._work: list[tuple[str, int, list[str]]] = []

    # -- the steps -------------------------------------------------------------------------------------------
    def steps(self) -> Generator[Progress, None, None]:
        try:
            yield from self._prepare()
            yield from self._shots()
            if not self.cancelled:
                yield from self._export()
            yield from self._finalize()
        finally:
            self.worker.close()  # files it completes unrecorded are adopted by the next run
            self.context.log.close()

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
        context = self.context
        self.keeper.reconcile()
        work = missing_work(context.checkpoint, context.production, context.shot_plan, context.request)
        self._work = [(take.take_id, frame, lacking) for take, frame, lacking in work]
        total = self.keeper.total = len(self._work)
        context.log.info(
            "render_start",
            title=context.production.title,
            renders=len(self._work),
            outputs=[o.name for o in context.outputs],
            blender=bpy.app.version_string,
        )
        yield Progress("prepare", 0, total, message=f"{total} frame(s) to render")

    # -- shots -----------------------------------------------------------------------------------------------
    def _shots(self) -> Iterator[Progress]:
        context, keeper = self.context, self.keeper
        phase_started = time.perf_counter()
        current = ""
        restore: Callable[[], None] | None = None
        try:
            for index, (take_id, frame, lacking) in enumerate(self._work):
                if self.cancelled:
                    context.log.info("cancelled", shot=take_id, frame=frame)
                    break
                last_of_take = index + 1 == len(self._work) or self._work[index + 1][0] != take_id
                if take_id in keeper.failed:
                    if last_of_take:
                        keeper.finish_take(take_id)
                    continue
                if take_id != current:
                    if restore:
                        restore()
                    current = take_id
                    take = context.takes[take_id]
                    restore = apply_take(
                        context.take_scene(take_id), context.production, take, context.request
                    )
                    context.log.info("shot_start", shot=take_id)
                started = time.perf_counter()
                try:
                    self._frame(FrameTask(take_id, frame, lacking, last_of_take))
                except ProductionError:  # a full disk, a link out of the folder: no frame can go on
                    raise
                except Exception as error:  # one bad frame must not lose the checkpoint
                    self.worker.drain()
                    keeper.fail(take_id, frame, error, last_of_take)
                    continue
                self.timing.frame_seconds.append(time.perf_counter() - started)
                keeper.save(to_disk=False)
                yield Progress("shots", index + 1, keeper.total, take_id, frame, self._eta(index + 1))
        finally:
            self.worker.drain()
            if restore:
                restore()
            self.timing.shots_seconds += time.perf_counter() - phase_started

    def _eta(self, done: int) -> float | None:
        recent = self.timing.frame_seconds[-20:]
        return sum(recent) / len(recent) * (self.keeper.total - done) if recent else None

    def _frame(self, task: FrameTask) -> None:
        """Render the frame once unless its master survived, then derive its outputs: in the worker process
        while the next frame renders, or right here when an output needs Blender (EXR, burn-in), the master
        is not a TGA, or a retro output locks its palette on this frame."""
        if not task.lacking:
            return
        wanted = [o for o in self.context.outputs if o.name in task.lacking]
        formats, masters = self.renderer.files(task.take_id, task.frame, wanted)
        if any(written_problem(path) for path in masters.values()):
            self.renderer.render(task.take_id, task.frame, masters, formats)
        self.worker.drain()
        if self.keeper.save_due():
            self.keeper.save()
        if self.deriver.derives_here(task.take_id, wanted, masters):
            written = self.deriver.derive_here(task.take_id, task.frame, wanted, masters)
            self.keeper.record_done(task, written)
            return
        task.job = self.deriver.frame_job(task.take_id, task.frame, wanted, masters)
        self.worker.hand_over(task)  # sent as the next render starts

    # -- export: movies --------------------------------------------------------------------------------------
    def _export(self) -> Iterator[Progress]:
        total = self.keeper.total
        for shot_id, name in self.finisher.export_movies():
            yield Progress("export", total, total, shot_id, message=f"encoded {name}")

    # -- finalize --------------------------------------------------------------------------------------------
    def _finalize(self) -> Iterator[Progress]:
        self.context.log.info("finalize", cancelled=self.cancelled, manifest=not self.keeper.is_worker)
        status = self.finisher.finalize(self.cancelled, writes_manifest=not self.keeper.is_worker)
        self.keeper.save()
        yield Progress("finalize", self.keeper.completed, self.keeper.total, message=status)
