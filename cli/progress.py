"""What a long render shows on the terminal: one line per finished shot, with an ETA, and a last line
naming the report and the output folders.

The lines are read from the production log (`production.log`, JSON lines), which the render loop writes in
this process and every `--parallel` worker writes in its own: one source for both, so the parent of several
workers shows their shots as they finish, the same way a single process shows its own.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..production.render.outputs import MANIFEST_NAME, REPORT_NAME


class LogFollower:
    """The records appended to a JSON-lines log since `start()`: a line still being written waits for its
    end, and a line that is not a JSON object (half a line a killed process left) is skipped."""

    def __init__(self, path: Path):
        self.path = path
        self._offset = 0
        self._partial = b""

    def start(self) -> None:
        """Follow from the log's current end: earlier runs are not this one's progress."""
        try:
            self._offset = self.path.stat().st_size
        except OSError:
            self._offset = 0
        self._partial = b""

    def records(self) -> Iterator[dict[str, Any]]:
        try:
            with self.path.open("rb") as handle:
                handle.seek(self._offset)
                data = handle.read()
        except OSError:
            return
        self._offset += len(data)
        *lines, self._partial = (self._partial + data).split(b"\n")
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                yield record


def duration(seconds: float) -> str:
    """A measured time: tenths of a second under a minute, then minutes and seconds, then hours."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        minutes, rest = divmod(round(seconds), 60)
        return f"{minutes} min {rest:02d} s"
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours} h {minutes:02d} min"


def time_left(seconds: float) -> str:
    """An estimate, no more precise than it is: whole seconds, else whole minutes (rounded up)."""
    if seconds < 60:
        return f"{math.ceil(seconds)} s"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


@dataclass
class _Take:
    frames: int = 0
    cost: float = 0.0  # estimated seconds: frames x seconds per frame as the request renders them
    rendered: int = 0
    finished: bool = False
    started: datetime | None = None
    error: str = ""


@dataclass
class ShotBoard:
    """Turns the log's events into one line per finished take: its place among the takes of this run, its
    frames and wall time, and the time left. The ETA is the time so far scaled by the estimated work left
    over the work done, each frame weighed by its take's estimated seconds per frame (a costly take counts
    for what it costs) and the frames rendered in takes still running counted as done (with several
    processes, the others are mid-take when one finishes); the time so far already reflects the number of
    processes."""

    clock: Callable[[], float] = time.monotonic
    takes: dict[str, _Take] = field(default_factory=dict)
    started: float | None = None

    def expect(self, renders: Iterable[tuple[str, float]]) -> None:
        """The renders still to do, one (take id, estimated seconds) per frame; again for a second attempt
        (a take in it is not finished any more)."""
        if self.started is None:
            self.started = self.clock()
        fresh: dict[str, _Take] = {}
        for take_id, seconds in renders:
            take = fresh.setdefault(take_id, _Take())
            take.frames += 1
            take.cost += seconds
        self.takes.update(fresh)

    @property
    def finished(self) -> int:
        return sum(take.finished for take in self.takes.values())

    def read(self, record: dict[str, Any]) -> str | None:
        """Take in one log record; returns the line to show when it finished a take this board expects."""
        take = self.takes.get(str(record.get("shot", "")))
        if take is None or take.finished:
            return None
        event = record.get("event")
        if event == "shot_start":
            take.started = _timestamp(record)
        elif event == "rendered":
            take.rendered += 1
        elif event == "frame_failed" and not take.error:
            take.error = f"frame {record.get('frame')}: {record.get('error')}"
        elif event == "shot_done":
            take.finished = True
            return self._line(str(record["shot"]), take, record)
        return None

    def _line(self, take_id: str, take: _Take, record: dict[str, Any]) -> str:
        total = len(self.takes)
        width = len(str(total))
        name_width = max(map(len, self.takes))
        frames = f"{take.frames:>4} frame" + ("s" if take.frames != 1 else " ")
        head = f"[{self.finished:>{width}}/{total}] shot {take_id:<{name_width}}  {frames}"
        ended = _timestamp(record)
        if take.started is not None and ended is not None:
            head += f"  {duration((ended - take.started).total_seconds()):>6}"
        status = str(record.get("status", "done"))
        if status != "done":
            head += f"  {status}" + (f" at {take.error}" if take.error else "")
        eta = self._eta()
        return (head + (f"  ETA {time_left(eta)}" if eta is not None else "")).rstrip()

    def _eta(self) -> float | None:
        total = sum(take.cost for take in self.takes.values())
        done = sum(
            take.cost if take.finished else take.cost * min(take.rendered, take.frames) / take.frames
            for take in self.takes.values()
        )
        if self.started is None or not done or done >= total:
            return None
        return (self.clock() - self.started) * (total - done) / done


def _timestamp(record: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(record["ts"]))
    except (KeyError, ValueError):
        return None


def shown_path(path: Path, cwd: Path | None = None) -> str:
    """A path as the user can type it: relative to the working folder when it is inside it."""
    here = cwd or Path.cwd()
    return os.path.relpath(path, here) if path.is_absolute() and path.is_relative_to(here) else str(path)


def closing_line(output_paths: Iterable[Path], cwd: Path | None = None) -> str:
    """The report and the output folders a render left, named as the user can open them."""
    paths = list(output_paths)
    report = next((p for p in paths if p.name == REPORT_NAME), None)
    outputs = [p for p in paths if p.name not in (REPORT_NAME, MANIFEST_NAME)]
    parts = [f"report: {shown_path(report, cwd)}"] if report else []
    if outputs:
        parts.append("outputs: " + ", ".join(f"{shown_path(p, cwd)}/" for p in outputs))
    return "  ".join(parts)
