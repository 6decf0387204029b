"""Deriving a frame's outputs in the worker process gives the same files as deriving them here, and a
failure in the worker comes back as an error, not a hang."""

from __future__ import annotations

import hashlib
import os
import signal
import struct
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from backlot.production.image import codecs
from backlot.production.render.derive import DeriveWorker, FrameJob, OutputJob, derive


def write_tga(path: Path, rgb: np.ndarray) -> None:
    """Uncompressed 24-bit TGA, top row first (header per Truevision TGA 2.0)."""
    height, width = rgb.shape[:2]
    header = struct.pack("<BBBHHBHHHHBB", 0, 0, 2, 0, 0, 0, 0, 0, width, height, 24, 0x20)
    path.write_bytes(header + rgb[:, :, ::-1].astype(np.uint8).tobytes())


def frame_job(root: Path, name: str) -> FrameJob:
    rng = np.random.default_rng(11)
    master = root / "master.tga"
    write_tga(master, rng.integers(0, 256, (36, 64, 3)))
    outputs = (
        OutputJob("half", root / name, root / name / "half" / "0001.png", (32, 18), True, "8"),
        OutputJob("deep", root / name, root / name / "deep" / "0001.png", (64, 36), True, "16"),
    )
    return FrameJob(master, None, 1.0, outputs)


def test_worker_process_writes_what_deriving_here_writes(tmp_path: Path) -> None:
    here = derive(frame_job(tmp_path, "here"))
    worker = DeriveWorker()
    try:
        worker.submit(frame_job(tmp_path, "there"))
        there, cpu_seconds = worker.result()
    finally:
        worker.close()
    assert cpu_seconds >= 0
    assert (
        [(n, p) for n, p, _, _ in here]
        == [(n, p) for n, p, _, _ in there]
        == [
            ("half", "half/0001.png"),
            ("deep", "deep/0001.png"),
        ]
    )
    for (_, rel, size, digest), (_, _, size_there, digest_there) in zip(here, there, strict=True):
        data = (tmp_path / "there" / rel).read_bytes()
        assert (size, digest) == (size_there, digest_there) == (len(data), hashlib.sha256(data).hexdigest())
        assert (tmp_path / "here" / rel).read_bytes() == data
    # The 16-bit output at the master's own size is the master's codes, untouched: code c -> c x 257.
    deep = codecs.read_tga(tmp_path / "master.tga")
    assert codecs.encode_png(deep) == (tmp_path / "there" / "deep" / "0001.png").read_bytes()


def test_worker_failures_are_errors(tmp_path: Path) -> None:
    job = frame_job(tmp_path, "out")
    job.master.write_bytes(b"not a tga")
    worker = DeriveWorker()
    try:
        worker.submit(job)
        with pytest.raises(RuntimeError, match="TGA"):
            worker.result()
        write_tga(job.master, np.zeros((36, 64, 3)))
        worker.submit(job)  # the same process goes on after a failed job
        assert len(worker.result()[0]) == 2
        blocked = tmp_path / "blocked.tga"
        os.mkfifo(blocked)  # reading it waits for a writer that never comes: the job cannot finish
        worker.submit(replace(job, master=blocked))
        assert worker._process is not None
        os.kill(worker._process.pid, signal.SIGKILL)
        with pytest.raises(RuntimeError, match="stopped"):
            worker.result()
        worker.submit(job)  # a new process replaces the dead one
        assert len(worker.result()[0]) == 2
    finally:
        worker.close()
