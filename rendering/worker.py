"""Deriving overlapped with rendering: at most one frame is with the worker process (`production.derive`) at a
time. It is handed over just before Blender renders the next frame and recorded once the worker says its files
are complete; a killed run leaves those files to be adopted by the next."""

from __future__ import annotations

from ..production.render.derive import DeriveWorker
from .checkpointing import CheckpointKeeper
from .context import FrameTask, Timing


class WorkerPipeline:
    """The frame waiting for, or with, the worker process, and what its answer is recorded into."""

    def __init__(self, keeper: CheckpointKeeper, timing: Timing):
        self.keeper = keeper
        self.timing = timing
        self._worker = DeriveWorker()
        self._pending: FrameTask | None = None

    def hand_over(self, pending: FrameTask) -> None:
        """Queue a frame for the worker; it is sent as the next render starts."""
        self._pending = pending

    def start(self) -> None:
        """Hand the waiting frame to the worker process: called just before Blender renders the next one."""
        if self._pending is not None and not self._pending.started:
            assert self._pending.job is not None
            self._worker.submit(self._pending.job)
            self._pending.started = True

    def drain(self) -> None:
        """Wait for the worker (it has normally finished during the render) and record its frame."""
        if self._pending is None:
            return
        self.start()
        pending, self._pending = self._pending, None
        try:
            written, cpu_seconds = self._worker.result()
        except Exception as error:
            self.keeper.fail(pending.take_id, pending.frame, error, pending.last_of_take)
            return
        self.timing.worker_cpu_seconds += cpu_seconds
        self.keeper.record_done(pending, written)

    def close(self) -> None:
        """Let the worker finish; files it completes unrecorded are adopted by the next run."""
        self._worker.close()
