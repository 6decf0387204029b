"""The render's terminal lines, from production-log events: one per finished shot with its frames, wall time
and an ETA weighed by the estimated work left; the log is followed across partial lines; the last line names
the report and the output folders. Expected lines are written out by hand."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from backlot.cli.progress import LogFollower, ShotBoard, closing_line, duration, time_left


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def event(name: str, shot: str, second: int, **fields: Any) -> dict[str, Any]:
    return {"ts": f"2026-01-01T10:00:{second:02d}.000+00:00", "event": name, "shot": shot, **fields}


def test_a_line_per_finished_shot_with_an_eta_from_the_work_left() -> None:
    clock = Clock(100.0)
    board = ShotBoard(clock=clock)
    # Estimated work: 1A 3 frames x 2 s = 6 s, 1B 2 x 1 s = 2 s, 2A 1 x 4 s = 4 s; 12 s in all.
    board.expect([("1A", 2.0)] * 3 + [("1B", 1.0)] * 2 + [("2A", 4.0)])
    assert board.read(event("shot_start", "1A", 0)) is None
    assert board.read(event("rendered", "1A", 1, frame=1)) is None
    clock.now = 106.0  # 6 s so far for 6 s of the 12 estimated: 6 s left
    assert (
        board.read(event("shot_done", "1A", 3, status="done"))
        == "[1/3] shot 1A     3 frames   3.0 s  ETA 6 s"
    )
    assert board.read(event("shot_done", "1A", 4, status="done")) is None  # said once
    assert board.read(event("shot_done", "9Z", 4, status="done")) is None  # not this run's
    board.read(event("frame_failed", "1B", 5, frame=5, error="boom"))
    clock.now = 110.0  # 10 s so far for 8 s of 12: 4 s left at 10/8 -> 5 s
    failed = board.read(event("shot_done", "1B", 6, status="failed"))
    assert failed == "[2/3] shot 1B     2 frames  failed at frame 5: boom  ETA 5 s"
    clock.now = 130.0
    board.read(event("shot_start", "2A", 7))
    last = board.read(event("shot_done", "2A", 8, status="done"))
    assert last == "[3/3] shot 2A     1 frame    1.0 s"  # nothing left: no ETA


def test_a_second_attempt_counts_its_shots_again() -> None:
    clock = Clock(0.0)
    board = ShotBoard(clock=clock)
    board.expect([("1A", 1.0), ("1B", 1.0)])
    board.read(event("shot_done", "1A", 1, status="done"))
    board.read(event("shot_done", "1B", 2, status="failed"))
    board.expect([("1B", 1.0)])
    clock.now = 4.0
    assert board.read(event("shot_done", "1B", 3, status="done")) == "[2/2] shot 1B     1 frame"


def test_frames_rendered_in_takes_still_running_count_as_work_done() -> None:
    clock = Clock(0.0)
    board = ShotBoard(clock=clock)
    board.expect([("1A", 1.0)] * 2 + [("2A", 3.0)] * 2)  # 2 s and 6 s of work: 8 s
    board.read(event("rendered", "2A", 1, frame=1))  # another process is half way through 2A: 3 s done
    clock.now = 10.0  # 10 s so far for 2 + 3 = 5 s of 8: 3 s left at 10/5 -> 6 s
    assert board.read(event("shot_done", "1A", 2, status="done")) == "[1/2] shot 1A     2 frames  ETA 6 s"


def test_times_read_as_a_person_says_them() -> None:
    assert [duration(s) for s in (0.04, 59.94, 61, 3725)] == ["0.0 s", "59.9 s", "1 min 01 s", "1 h 02 min"]
    assert [time_left(s) for s in (0.2, 59.0, 61, 3600, 3661)] == [
        "1 s",
        "59 s",
        "2 min",
        "1 h 00 min",
        "1 h 02 min",
    ]


def test_the_log_is_followed_from_its_end_across_half_written_lines(tmp_path: Path) -> None:
    log = tmp_path / "production.log"
    log.write_text(json.dumps({"event": "old"}) + "\n")
    follower = LogFollower(log)
    follower.start()
    with log.open("a") as handle:
        handle.write(json.dumps({"event": "a"}) + "\n" + "not json\n" + '{"event": "b", "sh')
    assert [r["event"] for r in follower.records()] == ["a"]
    with log.open("a") as handle:
        handle.write('ot": "1A"}\n[1, 2]\n')
    assert list(follower.records()) == [{"event": "b", "shot": "1A"}]
    assert list(LogFollower(tmp_path / "missing.log").records()) == []


def test_the_closing_line_names_the_report_and_the_output_folders(tmp_path: Path) -> None:
    paths = [tmp_path / "manifest.json", tmp_path / "report.html", tmp_path / "output" / "cinema"]
    assert closing_line(paths, cwd=tmp_path) == "report: report.html  outputs: output/cinema/"
    elsewhere = tmp_path / "elsewhere"
    assert closing_line(paths, cwd=elsewhere) == f"report: {paths[1]}  outputs: {paths[2]}/"
