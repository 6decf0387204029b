"""The checkpoint of one render kept true to the disk and to the spec: on start, files made from an older
version of the spec or no longer in the plan removed, recorded frames re-verified, complete files a killed run
left unrecorded adopted, and all of it committed before the first frame; then a frame recorded only once its
files are complete, a failed take skipped, and saves at boundaries. What a later frame depends on (a locked
palette) is committed to the sidecar before any frame made with it is written."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

from ..production.diagnostics import ProductionError
from ..production.render.checkpoint import check_image, cleanup_partials, frame_path
from ..production.render.derive import Written
from ..production.render.fingerprints import fingerprints
from ..production.render.outputs import sha256_file
from ..production.render.request import frame_extension, frames_root
from ..production.render.resume import share_of, undo_changes, write_sidecar
from ..production.render.safe_files import writing
from ..runtime.properties import scene_state
from .context import FrameTask, RenderContext
from .masters import MASTER_KINDS, master_folder

SAVE_INTERVAL = 5.0  # seconds: within a long shot the .blend is saved at most this often, and at its end


class CheckpointKeeper:
    """Records frames, failures and finished takes in the checkpoint and saves it onto the root scene, the
    sidecar beside the .blend (first: durable and fast) and the .blend. A parallel worker's sidecar is what
    its parent merges; a worker leaves the takes of other workers alone."""

    def __init__(
        self,
        context: RenderContext,
        blend_path: Path | None,
        save: Callable[[Path], None],
        sidecar: Path | None,
        is_worker: bool = False,
    ):
        self.context = context
        self.blend_path = blend_path
        self.save_blend = save
        self.sidecar = sidecar
        self.is_worker = is_worker  # its parent writes the manifest and removes what the plan no longer has
        self.total = 0  # work items (frames) this run
        self.completed = 0  # work items whose every lacking output is recorded
        self.failed: set[str] = set()  # takes with a failed frame: the rest of the take is skipped
        self._take_done = False  # a take finished since the last save to disk: save at the next boundary
        self._last_save = time.perf_counter()

    def reconcile(self) -> None:
        """Before rendering: files of changed or removed shots removed, partial files removed, recorded frames
        verified against the disk, complete files a killed run left unrecorded adopted; then all of it saved,
        so the first frame of this run is written after what it depends on."""
        context, cp = self.context, self.context.checkpoint
        context.result.warnings.extend(cp.warnings)
        for warning in cp.warnings:
            context.log.warning("checkpoint", message=warning)
        self._undo_spec_changes()
        roots = {o.name: frames_root(context.production, o) for o in context.outputs}
        masters = [master_folder(context.scratch, kind) for kind in MASTER_KINDS]
        for folder in (*roots.values(), *masters):
            with writing(folder):  # a file where the folder should be, a full disk: one message
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
        self.save()

    def _undo_spec_changes(self) -> None:
        """Frames made from an older version of the spec (another digest) are removed to be rendered again,
        frames the plan no longer has are removed; the run says so in one line."""
        context = self.context
        production = context.request.apply(context.production)
        outputs = [o.name for o in context.outputs]
        changes = undo_changes(
            context.checkpoint,
            production,
            context.plan,
            fingerprints(production, context.shot_plan),
            takes=(context.selected or tuple(context.takes)) if self.is_worker else None,
            outputs=outputs if self.is_worker else None,
            orphans=not self.is_worker,
        )
        for take_id in changes.stale_masters:
            self._remove_masters(take_id)
        message = changes.message([p.shot_id for p in context.plan.shots], context.selected, outputs)
        if message:
            context.result.warnings.append(message)
            context.log.warning(
                "spec_changed",
                message=message,
                changed=sorted(changes.changed),
                unrecorded=sorted(changes.unrecorded),
                orphans=changes.orphans,
            )

    def _remove_masters(self, take_id: str) -> None:
        """A changed take's masters would be used again instead of rendering its frames: they go."""
        for kind in MASTER_KINDS:
            try:
                shutil.rmtree(frame_path(master_folder(self.context.scratch, kind), take_id, 0, "tga").parent)
            except (ValueError, FileNotFoundError):
                pass  # no masters, or not a take id that names a folder
            except OSError as error:
                folder = master_folder(self.context.scratch, kind) / take_id
                raise ProductionError(
                    f"cannot remove {folder}, masters of shot {take_id} from an older version of the spec: "
                    f"{error.strerror or error}",
                    "delete that folder by hand, then run the render again with --resume",
                ) from None

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

    def commit(self) -> None:
        """The checkpoint onto the root scene and durably into the sidecar, which a resumed run reads (a
        worker's: its own takes, for its parent to merge)."""
        context = self.context
        text = context.checkpoint.to_json()
        scene_state(context.root).checkpoint = text
        if self.sidecar is None:
            return
        if self.is_worker:
            text = share_of(context.checkpoint, context.selected or tuple(context.takes)).to_json()
        with writing(self.sidecar):
            write_sidecar(self.sidecar, text)

    def palette_locked(self, output: str, take_id: str) -> None:
        """A take's palette was just locked: on disk before the frame that locked it, so a resumed take
        keeps its colours."""
        self.commit()
        self.context.log.info("palette_locked", output=output, shot=take_id)

    def save(self, to_disk: bool = True) -> None:
        """Progress onto `scene.backlot` every frame; at a boundary the checkpoint to the sidecar, then the
        .blend. Between saves nothing is at risk: finished frames are on disk and the next run adopts them,
        and what they depend on was committed before them."""
        started = time.perf_counter()
        state = scene_state(self.context.root)
        state.render_progress = int(100 * self.completed / self.total) if self.total else 100
        if not to_disk:
            return
        self._take_done = False
        self.commit()
        self._last_save = time.perf_counter()
        if self.blend_path is not None:
            self.save_blend(self.blend_path)
        self.context.timing.checkpoint_seconds.append(time.perf_counter() - started)
