"""A frame's image outputs from its master, and a child process that derives them while Blender renders.

Blender releases Python's GIL during an operator, so a thread could do this work during the next render;
but with a Python thread running beside it, Blender 4.5 crashed now and then (segfaults inside
libpython3.11 on this machine, under load). A child Python process shares nothing with Blender: it reads
the master from disk, writes and commits the outputs (temporary name, then rename) and answers with what it
wrote. Pure Python: the child imports only this package, and the main thread uses the same functions for the
frames it derives itself.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from ..image import codecs
from ..retro.pipeline import RetroSettings, process_frame
from . import frames
from .checkpoint import commit_frame, temp_path

Written = tuple[str, str, int, str]  # output name, path relative to its root, size, sha256


@dataclass(frozen=True)
class OutputJob:
    """One PNG output of one frame: where it goes and how it is made from the master."""

    name: str
    root: Path
    final: Path
    size: tuple[int, int]
    letterbox: bool
    depth: str  # bits per channel: "8" or "16"
    retro: RetroSettings | None = None


@dataclass(frozen=True)
class FrameJob:
    """Every PNG output of one frame from its 8-bit TGA master."""

    master: Path
    aspect: float | None  # the production's picture aspect
    pixel_aspect: float  # of a master pixel: the take's anamorphic squeeze
    outputs: tuple[OutputJob, ...]


def output_pixels(
    codes: np.ndarray,
    job: OutputJob,
    aspect: float | None,
    pixel_aspect: float,
    overlay: Callable[[np.ndarray], np.ndarray] | None = None,
) -> np.ndarray:
    """The output's pixels from the master's 16-bit display codes: resized, letterboxed or cropped and
    desqueezed (or the retro look), `overlay` (burn-in) drawn on the fitted frame, at the output's depth."""
    if job.retro is not None:
        if pixel_aspect != 1.0:  # the retro pipeline wants square pixels: desqueeze by fewer rows
            height, width = codes.shape[:2]
            square = (width, max(1, round(height / pixel_aspect)))
            codes = frames.fit_frame(
                codes, square, None, True, codecs.decode_display, codecs.encode_display, pixel_aspect
            )
        return process_frame(codecs.decode_display(codes), job.retro)
    fitted = frames.fit_frame(
        codes, job.size, aspect, job.letterbox, codecs.decode_display, codecs.encode_display, pixel_aspect
    )
    if overlay is not None:
        fitted = overlay(fitted)
    return codecs.to_depth(fitted, job.depth)


def commit_png(job: OutputJob, pixels: np.ndarray) -> Written:
    """Write the output under a temporary name, rename it into place (durably), say what was written."""
    job.final.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_path(job.final)
    size, digest = codecs.write_png(temp, pixels)
    commit_frame(temp, job.final)
    return job.name, job.final.relative_to(job.root).as_posix(), size, digest


def derive(job: FrameJob) -> list[Written]:
    codes = codecs.read_tga(job.master)
    return [commit_png(out, output_pixels(codes, out, job.aspect, job.pixel_aspect)) for out in job.outputs]


def serve(requests: IO[bytes], replies: IO[bytes]) -> None:
    """The child's loop: a pickled FrameJob in, ("ok", written, cpu seconds) or ("error", message) out,
    until the parent closes the pipe."""
    while True:
        try:
            job = pickle.load(requests)
        except EOFError:
            return
        started = time.process_time()
        try:
            reply: tuple[Any, ...] = ("ok", derive(job), time.process_time() - started)
        except Exception as error:  # reported to the parent, which records the frame as failed
            reply = ("error", f"{type(error).__name__}: {error}")
        pickle.dump(reply, replies)
        replies.flush()


# The child makes this package and its parents importable under the parent's names without running any parent
# package's __init__ (the add-on's imports bpy), so pickled jobs name the same classes on both sides.
_CHILD = """
import importlib, pathlib, sys, types
name, folder = sys.argv[1], pathlib.Path(sys.argv[2])
parts = name.split(".")
for i in range(1, len(parts) + 1):
    module = types.ModuleType(".".join(parts[:i]))
    module.__path__ = [str(folder.parents[len(parts) - i - 1] if i < len(parts) else folder)]
    sys.modules[module.__name__] = module
importlib.import_module(name + ".derive").serve(sys.stdin.buffer, sys.stdout.buffer)
"""


class DeriveWorker:
    """One child process deriving one frame at a time: `submit` returns at once, `result` waits."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._busy = False

    def submit(self, job: FrameJob) -> None:
        if self._process is None or self._process.poll() is not None:
            package = __name__.rpartition(".")[0]
            self._process = subprocess.Popen(
                [sys.executable, "-c", _CHILD, package, str(Path(__file__).parent)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        assert self._process.stdin is not None
        pickle.dump(job, self._process.stdin)
        self._process.stdin.flush()
        self._busy = True

    def result(self) -> tuple[list[Written], float]:
        """What the submitted job wrote and the child's CPU seconds for it; raises when it failed."""
        assert self._process is not None and self._process.stdout is not None and self._busy
        self._busy = False
        try:
            reply = pickle.load(self._process.stdout)
        except (EOFError, pickle.UnpicklingError) as error:
            code = self._process.wait()
            self._process = None
            raise RuntimeError(f"the output worker process stopped (exit code {code}): {error}") from None
        if reply[0] != "ok":
            raise RuntimeError(reply[1])
        return reply[1], reply[2]

    def close(self) -> None:
        """Let the child finish what it was given and exit."""
        if self._process is None:
            return
        assert self._process.stdin is not None
        self._process.stdin.close()
        self._process.wait()
        self._process = None
