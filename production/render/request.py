"""What a render will do, before Blender does it: shot and output selection, file layout, the dry-run plan.

Pure Python, so `--dry-run`, the panel and the tests agree on exactly which frames a render writes where.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ..diagnostics import did_you_mean
from ..model import CameraSpec, Output, Production, RenderSettings, Shot
from ..plan import Plan, camera_resolution, estimate
from .checkpoint import Checkpoint
from .safe_files import join, safe_name, writable

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

    def apply(self, production: Production) -> Production:
        """The production as this request renders it: engine, samples and size overrides on every shot, so
        the plan, the dry run and the estimate see what the render will do."""
        if self.engine is None and self.samples is None and self.resolution_percentage is None:
            return production

        def override(render: RenderSettings) -> RenderSettings:
            return replace(
                render,
                engine=self.engine or render.engine,
                samples=self.samples or render.samples,
                resolution_percentage=self.resolution_percentage or render.resolution_percentage,
            )

        shots = tuple(replace(shot, render=override(shot.render)) for shot in production.shots)
        return replace(production, shots=shots, render=override(production.render))


PRIMARY_CAMERA = "A"
EXTRA_CAMERA_NAMES = "BCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class Take:
    """One camera of one shot, rendered on its own: the primary camera (A) keeps the shot's id and layout, an
    extra camera renders as `<shot id>_<camera name>` (its frames in `<output path>/<shot id>_B/`)."""

    shot_id: str
    camera: str
    spec: CameraSpec

    @property
    def take_id(self) -> str:
        return self.shot_id if self.camera == PRIMARY_CAMERA else f"{self.shot_id}_{self.camera}"


def shot_takes(shot: Shot) -> list[Take]:
    """A (`camera`), then `cameras` named by their `name` or B, C, ... in order (departments/camera.py keys
    the camera objects by the same names). A take id names the take's frame folders: it must be one safe
    name, whatever model the render is handed."""
    extras = [Take(shot.id, spec.name or EXTRA_CAMERA_NAMES[i], spec) for i, spec in enumerate(shot.cameras)]
    takes = [Take(shot.id, PRIMARY_CAMERA, shot.camera), *extras]
    safe_name(shot.id, "shot id")
    for take in takes[1:]:
        safe_name(take.take_id, f"take id (shot {shot.id}, camera {take.camera!r})")
    return takes


def production_takes(production: Production, plan: Plan) -> dict[str, Take]:
    """take id -> take, in plan order (each shot's takes after one another)."""
    return {t.take_id: t for sp in plan.shots for t in shot_takes(production.shot(sp.shot_id))}


def take_plan(production: Production, plan: Plan) -> Plan:
    """The plan with one entry per take (same scene, frames and outputs as its shot), so the checkpoint's
    work list, statuses and file layout treat a take like a shot."""
    shots = tuple(
        replace(sp, shot_id=take.take_id)
        for sp in plan.shots
        for take in shot_takes(production.shot(sp.shot_id))
    )
    return replace(plan, shots=shots)


def take_ids(shots: tuple[str, ...] | None, takes: dict[str, Take]) -> tuple[str, ...] | None:
    """Selected shot ids -> the ids of all their takes (None: every take)."""
    if shots is None:
        return None
    return tuple(take_id for take_id, take in takes.items() if take.shot_id in shots)


def missing_work(
    checkpoint: Checkpoint, production: Production, plan: Plan, request: RenderRequest
) -> list[tuple[Take, int, list[str]]]:
    """What is left to render, one entry per render in plan order: (take, frame, outputs lacking it)."""
    takes = production_takes(production, plan)
    work = checkpoint.missing_frames(
        take_plan(production, plan), request.outputs, take_ids(request.shots, takes)
    )
    return [(takes[take_id], frame, lacking) for take_id, frame, lacking in work]


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


def requested_seconds_per_frame(
    production: Production, plan: Plan, request: RenderRequest
) -> dict[str, float]:
    """Shot id -> estimated seconds per frame as this request renders it (its engine, samples and size)."""
    return {s.shot_id: s.seconds_per_frame for s in estimate(request.apply(production), plan).shots}


def split_shots(
    work: list[tuple[str, int, list[str]]],
    production: Production,
    plan: Plan,
    request: RenderRequest,
    workers: int,
) -> list[list[str]]:
    """Disjoint groups of whole shots for `workers` processes, balanced by estimated time (longest shot to
    the least loaded worker); each group keeps plan order. Empty groups are dropped. A shot's time is its
    renders in `work` (one per take and frame) x its seconds per frame as the request renders it: under the
    spec's own engine and samples, a shot the overrides make cheap would still look costly and get a worker
    to itself."""
    seconds_per_frame = requested_seconds_per_frame(production, plan, request)
    frames: dict[str, int] = {}
    for shot_id, _, _ in work:
        frames[shot_id] = frames.get(shot_id, 0) + 1
    order = list(frames)
    loads = [0.0] * max(1, workers)
    groups: list[list[str]] = [[] for _ in loads]
    for shot_id in sorted(order, key=lambda s: -frames[s] * seconds_per_frame[s]):
        lightest = loads.index(min(loads))
        groups[lightest].append(shot_id)
        loads[lightest] += frames[shot_id] * seconds_per_frame[shot_id]
    return [sorted(group, key=order.index) for group in groups if group]


def is_movie(output: Output) -> bool:
    return output.container in MOVIE_CONTAINERS


def frame_extension(output: Output) -> str:
    """Extension of the per-frame files: movies are assembled from PNG frames."""
    return IMAGE_EXTENSIONS.get(output.container, "png")


def scratch_root(production: Production) -> Path:
    """The scratch folder (masters, movie frames), refused when a link would carry it out of the production
    folder."""
    return writable(production.base_dir / SCRATCH, production.base_dir)


def frames_root(production: Production, output: Output) -> Path:
    """Where an output's frames go: its own folder for sequences, scratch for a movie's frames (named by the
    output's name, so that name must be one safe name); never outside the production folder."""
    if is_movie(output):
        return join(production.base_dir, scratch_root(production), "movie_frames", output.name, what="output")
    return writable(output.path, production.base_dir)


def movie_path(production: Production, output: Output, shot_id: str) -> Path:
    """`<output path>/<shot id>.<container>`, inside the production folder."""
    name = f"{shot_id}.{output.container}"
    return join(production.base_dir, output.path, name, what="movie file")


def describe(
    production: Production, plan: Plan, checkpoint: Checkpoint, request: RenderRequest
) -> dict[str, object]:
    """The dry-run plan: which takes and frames will render, to which outputs and files, and how long, with
    the request's engine, samples and size overrides applied."""
    production = request.apply(production)
    takes = production_takes(production, plan)
    per_take: dict[str, list[int]] = {}
    for take, frame, _ in missing_work(checkpoint, production, plan, request):
        per_take.setdefault(take.take_id, []).append(frame)
    times = {s.shot_id: s.seconds_per_frame for s in estimate(production, plan).shots}
    outputs = [o for o in production.outputs if request.outputs is None or o.name in request.outputs]
    shots = []
    for shot_plan in take_plan(production, plan).shots:
        if shot_plan.shot_id not in per_take:
            continue
        frames = per_take[shot_plan.shot_id]
        take = takes[shot_plan.shot_id]
        render = production.shot(take.shot_id).render
        shots.append(
            {
                "shot": shot_plan.shot_id,
                "camera": take.camera,
                "scene": shot_plan.scene_id,
                "frames": [frames[0], frames[-1]],
                "count": len(frames),
                "engine": render.engine,
                "samples": render.samples,
                "resolution_percentage": render.resolution_percentage,
                "resolution": list(camera_resolution(production, take.spec)),
                "pixel_aspect": take.spec.sensor.squeeze,
                "outputs": [o.name for o in outputs if o.name in shot_plan.outputs],
                "estimate_seconds": round(times[take.shot_id] * len(frames), 2),
            }
        )
    return {
        "title": production.title,
        "renders": sum(map(len, per_take.values())),
        "frames_done": checkpoint.frame_count(),
        "estimate_seconds": round(sum(s["estimate_seconds"] for s in shots), 2),  # type: ignore[misc]
        "shots": shots,
        "outputs": [
            {
                "name": o.name,
                "path": str(
                    movie_path(production, o, "<shot>")
                    if is_movie(o)
                    else o.path / "<shot>" / f"<frame>.{frame_extension(o)}"
                ),
                "resolution": list(o.resolution),
                "retro": o.retro is not None,
            }
            for o in outputs
        ],
    }
