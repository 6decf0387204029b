"""Shot order, frame ranges on each scene's timeline, what each output gets, and a render-cost estimate.

Each story scene is one Blender scene whose timeline starts at frame 1; its shots follow one another in spec
order, so the scene plays as its cut and a farm job per shot is "scene + frame range".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import CameraSpec, Output, Production, Sensor, Shot

SCENE_START_FRAME = 1

# Seconds per frame at 1920x1080 and 32 samples on one CPU core pair of this class of machine: the starting
# point of the estimate, replaced by measured figures when `estimate --measure` has rendered sample frames.
BASE_SECONDS_PER_FRAME = {"workbench": 0.25, "eevee": 2.0, "cycles": 30.0}
REFERENCE_PIXELS = 1920 * 1080
REFERENCE_SAMPLES = 32


@dataclass(frozen=True)
class ShotPlan:
    shot_id: str
    scene_id: str
    frame_start: int
    frame_end: int  # inclusive
    engine: str
    samples: int
    outputs: tuple[str, ...]

    @property
    def frames(self) -> int:
        return self.frame_end - self.frame_start + 1

    def frame_numbers(self) -> range:
        return range(self.frame_start, self.frame_end + 1)


@dataclass(frozen=True)
class OutputPlan:
    name: str
    shots: tuple[str, ...]
    frames: int
    seconds: float


@dataclass(frozen=True)
class Plan:
    fps: float
    shots: tuple[ShotPlan, ...]
    outputs: tuple[OutputPlan, ...]
    scene_ranges: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def total_frames(self) -> int:
        return sum(s.frames for s in self.shots)

    @property
    def total_seconds(self) -> float:
        return self.total_frames / self.fps

    def shot(self, shot_id: str) -> ShotPlan:
        return next(s for s in self.shots if s.shot_id == shot_id)


def squeezed_resolution(display_width_px: int, display_height_px: int, sensor: Sensor) -> tuple[int, int]:
    """Render resolution that shows as ``display_width x display_height`` once the pixel aspect is applied."""
    return max(1, round(display_width_px / sensor.squeeze)), display_height_px


def ordered_shots(production: Production) -> list[Shot]:
    """Scenes in spec order, then each scene's shots in spec order."""
    rank = {scene.id: i for i, scene in enumerate(production.scenes)}
    indexed = list(enumerate(production.shots))
    indexed.sort(key=lambda pair: (rank.get(pair[1].scene, len(rank)), pair[0]))
    return [shot for _, shot in indexed]


def output_wants(output: Output, shot_id: str) -> bool:
    return not output.shots or shot_id in output.shots


def make_plan(production: Production) -> Plan:
    next_frame: dict[str, int] = {}
    shot_plans: list[ShotPlan] = []
    for shot in ordered_shots(production):
        start = next_frame.get(shot.scene, SCENE_START_FRAME)
        end = start + shot.duration - 1
        next_frame[shot.scene] = end + 1
        outputs = tuple(o.name for o in production.outputs if output_wants(o, shot.id))
        shot_plans.append(
            ShotPlan(shot.id, shot.scene, start, end, shot.render.engine, shot.render.samples, outputs)
        )
    output_plans = []
    for output in production.outputs:
        shots = tuple(p.shot_id for p in shot_plans if output.name in p.outputs)
        frames = sum(p.frames for p in shot_plans if output.name in p.outputs)
        output_plans.append(OutputPlan(output.name, shots, frames, frames / production.fps))
    scene_ranges = {scene_id: (SCENE_START_FRAME, last - 1) for scene_id, last in next_frame.items()}
    return Plan(production.fps, tuple(shot_plans), tuple(output_plans), scene_ranges)


def master_resolution(production: Production) -> tuple[int, int]:
    """One master render per frame feeds every output: it is as large as the largest non-retro output."""
    sizes = [o.resolution for o in production.outputs if o.retro is None] or [
        o.resolution for o in production.outputs
    ]
    if not sizes:
        return (1920, 1080)
    return max(sizes, key=lambda wh: wh[0] * wh[1])


def camera_resolution(production: Production, camera: CameraSpec) -> tuple[int, int]:
    """The master as one camera renders it: an anamorphic sensor records `squeeze` times fewer columns."""
    return squeezed_resolution(*master_resolution(production), camera.sensor)


@dataclass(frozen=True)
class ShotEstimate:
    shot_id: str
    frames: int
    seconds_per_frame: float
    measured: bool

    @property
    def seconds(self) -> float:
        return self.frames * self.seconds_per_frame


@dataclass(frozen=True)
class Estimate:
    shots: tuple[ShotEstimate, ...]
    resolution: tuple[int, int]
    model: str

    @property
    def total_seconds(self) -> float:
        return sum(s.seconds for s in self.shots)


def seconds_per_frame(engine: str, samples: int, pixels: int) -> float:
    """Cost grows linearly with pixels; with samples for EEVEE and Cycles (Workbench ignores samples)."""
    base = BASE_SECONDS_PER_FRAME.get(engine, BASE_SECONDS_PER_FRAME["eevee"])
    sample_factor = 1.0 if engine == "workbench" else samples / REFERENCE_SAMPLES
    return base * (pixels / REFERENCE_PIXELS) * sample_factor


def estimate(
    production: Production, plan: Plan | None = None, measured: dict[str, float] | None = None
) -> Estimate:
    """Render time per shot, from the pixels its primary camera renders (fewer for an anamorphic sensor).
    `measured` maps shot ids to seconds per frame (at full resolution)."""
    plan = plan or make_plan(production)
    shots = []
    for shot_plan in plan.shots:
        shot = production.shot(shot_plan.shot_id)
        width, height = camera_resolution(production, shot.camera)
        pixels_scaled = int(width * height * (shot.render.resolution_percentage / 100) ** 2)
        if measured and shot.id in measured:
            shots.append(ShotEstimate(shot.id, shot_plan.frames, measured[shot.id], True))
        else:
            cost = seconds_per_frame(shot.render.engine, shot.render.samples, pixels_scaled)
            shots.append(ShotEstimate(shot.id, shot_plan.frames, cost, False))
    model = "measured" if measured else "table: seconds/frame = base[engine] x pixels/1080p x samples/32"
    return Estimate(tuple(shots), master_resolution(production), model)
