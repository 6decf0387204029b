"""What a render will do, before Blender does it: shot and output selection, file layout, the dry-run plan.

Pure Python, so `--dry-run`, the panel and the tests agree on exactly which frames a render writes where.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .checkpoint import Checkpoint
from .diagnostics import did_you_mean
from .model import Output, Production
from .plan import Plan, estimate

MOVIE_CONTAINERS = ("mp4", "mov")
IMAGE_EXTENSIONS = {"png": "png", "exr": "exr"}
SCRATCH = ".backlot"  # inside the production folder: master frames and movie frames
LOG_NAME = "production.log"


class SelectionError(ValueError):
    def __init__(self, message: str, suggestion: str):
        super().__init__(message)
        self.message = message
        self.suggestion = suggestion


@dataclass(frozen=True)
class RenderRequest:
    """What the user asked for on top of the spec (CLI flags, panel options)."""

    shots: tuple[str, ...] | None = None  # None: every shot
    outputs: tuple[str, ...] | None = None  # None: every output
    engine: str | None = None  # overrides every shot's engine
    resolution_percentage: int | None = None  # overrides every shot's
    samples: int | None = None  # overrides every shot's


def select_shots(text: str | None, plan: Plan) -> tuple[str, ...] | None:
    """`1A,2B-3C` -> shot ids in plan order; a range runs from one shot to another in plan order."""
    if not text or not text.strip():
        return None
    order = [s.shot_id for s in plan.shots]
    index = {shot_id.casefold(): i for i, shot_id in enumerate(order)}

    def position(name: str) -> int:
        found = index.get(name.strip().casefold())
        if found is None:
            raise SelectionError(
                f"--shots names shot '{name.strip()}', which the production does not have",
                did_you_mean(name.strip(), order, "shot ids"),
            )
        return found

    chosen: set[int] = set()
    for part in text.split(","):
        if not part.strip():
            continue
        if "-" in part and part.strip() not in index:
            first, _, last = part.partition("-")
            start, end = position(first), position(last)
            if start > end:
                raise SelectionError(
                    f"--shots range '{part.strip()}' runs backwards",
                    f"write it as {last.strip()}-{first.strip()}",
                )
            chosen.update(range(start, end + 1))
        else:
            chosen.add(position(part))
    return tuple(order[i] for i in sorted(chosen))


def select_outputs(text: str | None, production: Production) -> tuple[str, ...] | None:
    if not text or not text.strip():
        return None
    names = [o.name for o in production.outputs]
    chosen = []
    for name in (n.strip() for n in text.split(",") if n.strip()):
        if name not in names:
            raise SelectionError(
                f"--outputs names output '{name}', which the production does not have",
                did_you_mean(name, names, "output names"),
            )
        chosen.append(name)
    return tuple(chosen)


def split_shots(
    work: list[tuple[str, int, list[str]]], seconds_per_frame: dict[str, float], workers: int
) -> list[list[str]]:
    """Disjoint groups of whole shots for `workers` processes, balanced by estimated time (longest shot to
    the least loaded worker); each group keeps plan order. Empty groups are dropped."""
    frames: dict[str, int] = {}
    for shot_id, _, _ in work:
        frames[shot_id] = frames.get(shot_id, 0) + 1
    order = list(frames)
    loads = [0.0] * max(1, workers)
    groups: list[list[str]] = [[] for _ in loads]
    for shot_id in sorted(order, key=lambda s: -frames[s] * seconds_per_frame.get(s, 1.0)):
        lightest = loads.index(min(loads))
        groups[lightest].append(shot_id)
        loads[lightest] += frames[shot_id] * seconds_per_frame.get(shot_id, 1.0)
    return [sorted(group, key=order.index) for group in groups if group]


def is_movie(output: Output) -> bool:
    return output.container in MOVIE_CONTAINERS


def frame_extension(output: Output) -> str:
    """Extension of the per-frame files: movies are assembled from PNG frames."""
    return IMAGE_EXTENSIONS.get(output.container, "png")


def scratch_root(production: Production) -> Path:
    return production.base_dir / SCRATCH


def frames_root(production: Production, output: Output) -> Path:
    """Where an output's frames go: its own folder for sequences, scratch for a movie's frames."""
    return scratch_root(production) / "movie_frames" / output.name if is_movie(output) else output.path


def movie_path(output: Output, shot_id: str) -> Path:
    return output.path / f"{shot_id}.{output.container}"


def describe(
    production: Production, plan: Plan, checkpoint: Checkpoint, request: RenderRequest
) -> dict[str, object]:
    """The dry-run plan: which shots and frames will render, to which outputs and files, and how long."""
    work = checkpoint.missing_frames(plan, request.outputs, request.shots)
    per_shot: dict[str, list[int]] = {}
    for shot_id, frame, _ in work:
        per_shot.setdefault(shot_id, []).append(frame)
    times = {s.shot_id: s.seconds_per_frame for s in estimate(production, plan).shots}
    outputs = [o for o in production.outputs if request.outputs is None or o.name in request.outputs]
    shots = []
    for shot_plan in plan.shots:
        if shot_plan.shot_id not in per_shot:
            continue
        frames = per_shot[shot_plan.shot_id]
        shot = production.shot(shot_plan.shot_id)
        shots.append(
            {
                "shot": shot_plan.shot_id,
                "scene": shot_plan.scene_id,
                "frames": [frames[0], frames[-1]],
                "count": len(frames),
                "engine": request.engine or shot.render.engine,
                "outputs": [o.name for o in outputs if o.name in shot_plan.outputs],
                "estimate_seconds": round(times[shot_plan.shot_id] * len(frames), 2),
            }
        )
    return {
        "title": production.title,
        "renders": len(work),
        "frames_done": checkpoint.frame_count(),
        "estimate_seconds": round(sum(s["estimate_seconds"] for s in shots), 2),  # type: ignore[misc]
        "shots": shots,
        "outputs": [
            {
                "name": o.name,
                "path": str(
                    movie_path(o, "<shot>")
                    if is_movie(o)
                    else o.path / "<shot>" / f"<frame>.{frame_extension(o)}"
                ),
                "resolution": list(o.resolution),
                "retro": o.retro is not None,
            }
            for o in outputs
        ],
    }
