"""The checkpoint of one render kept true to the disk: re-verified and completed with adopted files on start,
a frame recorded only once its files are complete, a failed take skipped, and saves to the .blend at
boundaries. Nothing else is state that could outlive a crash: finished frames are on disk between saves."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

from ..production.render.checkpoint import check_image, cleanup_partials, frame_path, temp_path
from ..production.render.derive import Written
from ..production.render.outputs import sha256_file
from ..production.render.request import frame_extension, frames_root
from ..runtime.properties import scene_state
from .context import FrameTask, RenderContext
from .masters import MASTER_KINDS, master_folder
from .palettes import PaletteLocker

SAVE_INTERVAL = 5.0  # seconds: within a long shot the .blend is saved at most this often, and at its end


class CheckpointKeeper:
    """Records frames, failures and finished takes in the checkpoint and saves it (with the locked palettes)
    onto the root scene, the .blend and, for a parallel worker, the sidecar file its parent merges."""

    def __init__(
        self,
        context: RenderContext,
        palettes: PaletteLocker,
        blend_path: Path | None,
        save: Callable[[Path], None],
        worker_sidecar: Path | None,
    ):
        self.context = context
        self.palettes = palettes
        self.blend_path = blend_path
        self.save_blend = save
        # A parallel worker mirrors its checkpoint to this file; the parent writes the manifest.
        self.worker_sidecar = worker_sidecar
        self.total = 0  # work items (frames) this run
        self.completed = 0  # work items whose every lacking output is recorded
        self.failed: set[str] = set()  # takes with a failed frame: the rest of the take is skipped
        self._take_done = False  # a take finished since the last save to disk: save at the next boundary
        self._last_save = time.perf_counter()

    def reconcile(self) -> None:
        """Before rendering: partial files removed, recorded frames verified against the disk, complete files
        a killed run left unrecorded adopted."""
        context, cp = self.context, self.context.checkpoint
        context.result.warnings.extend(cp.warnings)
        for warning in cp.warnings:
            context.log.warning("checkpoint", message=warning)
        roots = {o.name: frames_root(context.production, o) for o in context.outputs}
        masters = [master_folder(context.scratch, kind) for kind in MASTER_KINDS]
        for folder in (*roots.values(), *masters):
            folder.mkdir(parents=True, exist_ok=True)
            # Only this run's takes: a parallel worker must not remove another's file in the making.
            for take_id in context.selected or context.takes:
                cleanup_partials(folder / take_id)
        for dropped in cp.verify(roots):
            message = (
                f"{dropped.output} {dropped.shot} frame {dropped.frame}: {dropped.reason}; rendering it again"
            )
            context.result.warnings.append(message)
            context.log.warning(
                "frame_dropped",
                output=dropped.output,
                shot=dropped.shot,
                frame=dropped.frame,
                reason=dropped.reason,
            )
        adopted = self._adopt_files(roots)
        if adopted:
            context.log.info("frames_adopted", count=adopted)
        cp.spec_hash = context.production.spec_hash

    def _adopt_files(self, roots: dict[str, Path]) -> int:
        """Complete files with final names that a killed run wrote but did not record are finished frames."""
        adopted = 0
        for output in self.context.outputs:
            ext = frame_extension(output)
            for shot_plan in self.context.plan.shots:
                if output.name not in shot_plan.outputs:
                    continue
                for frame in shot_plan.frame_numbers():
                    if self.context.checkpoint.is_done(output.name, shot_plan.shot_id, frame):
                        continue
                    path = frame_path(roots[output.name], shot_plan.shot_id, frame, ext)
                    if path.is_file() and not check_image(path):
                        self._record(output.name, shot_plan.shot_id, frame, path, roots[output.name])
                        adopted += 1
        return adopted

    def _record(self, output: str, shot_id: str, frame: int, path: Path, root: Path) -> None:
        self.context.checkpoint.record_frame(
            output, shot_id, frame, path.relative_to(root).as_posix(), path.stat().st_size, sha256_file(path)
        )

    def record_done(self, done: FrameTask, written: list[Written]) -> None:
        """The frame's files are complete: record them. A take that failed meanwhile records nothing more
        this run (its complete files are adopted by the next). Its last frame finishes the take, and the
        next save goes to disk."""
        if done.take_id not in self.failed:
            for output, path, size, digest in written:
                self.context.checkpoint.record_frame(output, done.take_id, done.frame, path, size, digest)
            self.completed += 1
            self.context.log.info("frame_done", shot=done.take_id, frame=done.frame, outputs=done.lacking)
        if done.last_of_take:
            self.finish_take(done.take_id)

    def fail(self, take_id: str, frame: int, error: BaseException, last_of_take: bool) -> None:
        self.context.checkpoint.record_failure(take_id, str(error))
        self.context.log.error("frame_failed", shot=take_id, frame=frame, error=str(error))
        self.context.result.errors.append(f"shot {take_id} frame {frame}: {error}")
        self.failed.add(take_id)  # the rest of this take is skipped; the others go on
        if last_of_take:
            self.finish_take(take_id)
        self.save()

    def finish_take(self, take_id: str) -> None:
        """A take whose every requested frame is on disk no longer needs its masters."""
        if not take_id:
            return
        context = self.context
        status = context.checkpoint.shot_status(context.plan, take_id, [o.name for o in context.outputs])
        context.log.info("shot_done", shot=take_id, status=status)
        self._take_done = True
        if status == "done":
            for kind in MASTER_KINDS:
                shutil.rmtree(master_folder(context.scratch, kind) / take_id, ignore_errors=True)

    def save_due(self) -> bool:
        """A take finished since the last save, or the interval passed."""
        return self._take_done or time.perf_counter() - self._last_save >= SAVE_INTERVAL

    def save(self, to_disk: bool = True) -> None:
        """Progress onto `scene.backlot` every frame; at a boundary the checkpoint and the .blend to disk.
        Between saves nothing is at risk: finished frames are on disk and the next run adopts them."""
        started = time.perf_counter()
        state = scene_state(self.context.root)
        state.render_progress = int(100 * self.completed / self.total) if self.total else 100
        if not to_disk:
            return
        self._take_done = False
        state.checkpoint = self.context.checkpoint.to_json()
        state.retro_palettes = self.palettes.to_json()
        self._last_save = time.perf_counter()
        if self.blend_path is not None:
            self.save_blend(self.blend_path)
        if self.worker_sidecar is not None:
            temp = temp_path(self.worker_sidecar)
            temp.write_text(state.checkpoint)
            temp.replace(self.worker_sidecar)
        self.context.timing.checkpoint_seconds.append(time.perf_counter() - started)
