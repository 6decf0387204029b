"""The terminal during `run.py render`: one line per finished shot with an ETA (cli/progress.py reads them
from the production log), in one process or from `--parallel` workers, while Blender's own output (a "Saved:"
line per file, "Fra:" lines, EGL errors) goes to `.backlot/blender.log` instead of flooding the screen.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TextIO

from ..cli.console import Console
from ..cli.progress import LogFollower, ShotBoard, shown_path
from ..production.diagnostics import ProductionError
from ..production.model import Production
from ..production.plan import Plan
from ..production.render.checkpoint import is_inside
from ..production.render.request import (
    LOG_NAME,
    RenderRequest,
    Take,
    missing_work,
    requested_seconds_per_frame,
    scratch_root,
)
from .context import Progress
from .loop import RenderLoop

BLENDER_LOG = "blender.log"


def blender_log_path(production: Production) -> Path:
    return scratch_root(production) / BLENDER_LOG


@contextlib.contextmanager
def output_into(log: Path, root: Path, terminal: TextIO) -> Iterator[TextIO]:
    """Everything written to file descriptors 1 and 2 meanwhile (Blender's C code writes there) is appended
    to `log`, which must lie inside `root`; yields the stream to write to the terminal: `terminal`, on a copy
    of its descriptor when it is 1 or 2."""
    log.parent.mkdir(parents=True, exist_ok=True)
    if not is_inside(log.parent, root):
        raise ProductionError(
            f"{log.parent} leads outside the production folder {root}",
            f"remove the link {log.parent}: Backlot keeps its scratch files there",
        )
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    try:
        target = os.open(log, flags, 0o666)
    except OSError as error:
        raise ProductionError(
            f"cannot write {log}: {error.strerror}", f"make {log.parent} writable, or remove {log}"
        ) from None
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    os.write(target, f"--- {stamp} run.py render, process {os.getpid()} ---\n".encode())
    for stream in (terminal, sys.stdout, sys.stderr):
        stream.flush()
    descriptor = _descriptor(terminal)
    shown = os.fdopen(os.dup(descriptor), "w", buffering=1) if descriptor in (1, 2) else terminal
    saved = os.dup(1), os.dup(2)
    try:
        os.dup2(target, 1)
        os.dup2(target, 2)
        yield shown
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for descriptor in (*saved, target):
            os.close(descriptor)
        if shown is not terminal:
            shown.close()


def _descriptor(stream: TextIO) -> int | None:
    try:
        return stream.fileno()
    except (AttributeError, OSError, ValueError):  # a StringIO or a closed stream
        return None


class RenderProgress:
    """The terminal side of one render command: a context that keeps Blender's output in the log (unless
    `blender_log` is off: a worker's output is a file already), and shows a line per finished shot."""

    def __init__(
        self,
        console: Console,
        production: Production,
        plan: Plan,
        request: RenderRequest,
        blender_log: bool = True,
    ):
        self.console = console
        self.production = production
        self.blender_log = blender_log_path(production) if blender_log else None
        self.seconds_per_frame = requested_seconds_per_frame(production, plan, request)
        self.board = ShotBoard()
        self.follower = LogFollower(production.base_dir / LOG_NAME)
        self._terminal: TextIO = console.err if console.json_mode else console.out
        self._quiet: contextlib.ExitStack | None = None

    def __enter__(self) -> RenderProgress:
        self.follower.start()
        if self.blender_log is not None:
            self._quiet = contextlib.ExitStack()
            root = self.production.base_dir
            self._terminal = self._quiet.enter_context(output_into(self.blender_log, root, self._terminal))
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._quiet is not None:
            self._quiet.close()
        self._terminal = self.console.err if self.console.json_mode else self.console.out

    def show(self, line: str) -> None:
        print(line, file=self._terminal, flush=True)

    def expect(
        self, work: list[tuple[Take, int, list[str]]], processes: int = 1, worker_logs: Path | None = None
    ) -> None:
        """Announce the renders to do (the work list of `missing_work`), once per attempt; `--parallel`
        names where its workers' output goes."""
        first = self.board.started is None
        self.board.expect((take.take_id, self.seconds_per_frame[take.shot_id]) for take, _, _ in work)
        takes = len({take.take_id for take, _, _ in work})
        where = f" in {processes} processes" if processes > 1 else ""
        if first and not work:
            self.show("nothing left to render")
        elif first:
            logs = [shown_path(self.blender_log)] if self.blender_log else []
            if worker_logs is not None:
                logs.append(shown_path(worker_logs))
            quiet = f"; Blender's messages: {', '.join(logs)}" if logs else ""
            self.show(f"rendering {takes} shot(s), {len(work)} frame(s){where}{quiet}")
        elif work:
            self.show(f"another attempt: {takes} shot(s), {len(work)} frame(s){where}")

    def poll(self) -> None:
        """Show a line for each shot the log says finished since the last look."""
        for record in self.follower.records():
            line = self.board.read(record)
            if line is not None:
                self.show(line)

    def follow(self, loop: RenderLoop) -> Callable[[Progress], None]:
        """The render loop's progress callback. Its work list is read once the loop has prepared (adopted
        what a killed run left), so the count of shots is what this run renders."""
        context = loop.context

        def step(progress: Progress) -> None:
            if progress.phase == "prepare":
                self.expect(
                    missing_work(context.checkpoint, context.production, context.shot_plan, context.request)
                )
            self.poll()

        return step
