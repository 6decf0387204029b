"""What the parts of one render share: the production and its plans, what was asked, and the records the run
keeps (checkpoint, log, result, timing). The loop builds it once; each part reads it and adds to its records.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import bpy

from ..production.model import Output, Production
from ..production.plan import Plan
from ..production.render.checkpoint import Checkpoint
from ..production.render.derive import FrameJob
from ..production.render.outputs import ProductionLog, ProductionResult
from ..production.render.request import (
    LOG_NAME,
    RenderRequest,
    Take,
    production_takes,
    scratch_root,
    take_ids,
    take_plan,
)
from ..runtime.built import built_scene
from ..runtime.properties import scene_state


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
class Timing:
    started: float = field(default_factory=time.perf_counter)
    frame_seconds: list[float] = field(default_factory=list)  # wall time per rendered frame, this run
    render_seconds: float = 0.0  # inside render.render only
    shots_seconds: float = 0.0  # wall time of the whole shots phase (renders, saves, waits for the worker)
    worker_cpu_seconds: float = 0.0  # CPU time the worker process spent deriving, overlapped with renders
    checkpoint_seconds: list[float] = field(default_factory=list)


@dataclass
class FrameTask:
    """One frame of the work list: rendered (unless its master survived), then its lacking outputs derived
    here or by the worker process, whose `job` goes out as the next render starts; the frame is recorded
    once its files are complete."""

    take_id: str
    frame: int
    lacking: list[str]
    last_of_take: bool
    job: FrameJob | None = None
    started: bool = False


@dataclass
class RenderContext:
    """One render of `production` (already built into the story scenes of `root`)."""

    root: bpy.types.Scene
    production: Production
    request: RenderRequest
    shot_plan: Plan
    plan: Plan  # one entry per take
    takes: dict[str, Take]
    selected: tuple[str, ...] | None  # the takes asked for (None: every take)
    outputs: list[Output]  # the outputs asked for
    scratch: Path
    checkpoint: Checkpoint
    log: ProductionLog
    result: ProductionResult = field(default_factory=ProductionResult)
    timing: Timing = field(default_factory=Timing)

    @classmethod
    def create(
        cls, root: bpy.types.Scene, production: Production, plan: Plan, request: RenderRequest
    ) -> RenderContext:
        takes = production_takes(production, plan)
        return cls(
            root=root,
            production=production,
            request=request,
            shot_plan=plan,
            plan=take_plan(production, plan),
            takes=takes,
            selected=take_ids(request.shots, takes),
            outputs=[o for o in production.outputs if request.outputs is None or o.name in request.outputs],
            scratch=scratch_root(production),
            checkpoint=Checkpoint.from_json(scene_state(root).checkpoint, production.spec_hash),
            log=ProductionLog(production.base_dir / LOG_NAME, production.base_dir),
        )

    def take_scene(self, take_id: str) -> bpy.types.Scene:
        """The story scene a take renders in."""
        scene_id = self.production.shot(self.takes[take_id].shot_id).scene
        scene = built_scene(scene_id)
        if scene is None:
            raise RuntimeError(f"scene {scene_id} has not been built; build the production before rendering")
        return scene
