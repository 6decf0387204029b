"""`run.py render --parallel N`: N background Blender processes render disjoint shots; their checkpoints are
merged back, a failed worker's shots get one more try, and what still fails is reported.

Each worker opens its own copy of the built .blend and writes frames straight into the shared output folders
(shots are disjoint, so no file has two writers); the parent then adopts and verifies everything on disk and
writes the one manifest and report.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import bpy

from ..production.model import Production
from ..production.plan import Plan
from ..production.render.checkpoint import Checkpoint, temp_path
from ..production.render.outputs import ProductionLog, ProductionResult
from ..production.render.request import LOG_NAME, RenderRequest, missing_work, scratch_root, split_shots
from ..production.render.resume import sidecar_path
from ..production.render.safe_files import join, writable, writing
from ..runtime.properties import scene_state
from .loop import RenderLoop
from .media import save_blend
from .progress import RenderProgress

ATTEMPTS = 2
POLL_SECONDS = 0.5  # how often the parent looks for shots its workers finished
RUN_PY = Path(__file__).resolve().parent.parent / "run.py"


def worker_command(
    spec: Path, blend: Path, shots: list[str], presets: list[str], request: RenderRequest
) -> list[str]:
    """The same run.py: in Blender's binary when we run inside one, else in this Python with bpy."""
    args = ["render", str(spec), "--blend", str(blend), "--shots", ",".join(shots), "--resume", "--worker"]
    for folder in presets:
        args += ["--presets", folder]
    if request.outputs:
        args += ["--outputs", ",".join(request.outputs)]
    if request.engine:
        args += ["--engine", request.engine]
    if request.samples:
        args += ["--samples", str(request.samples)]
    if request.resolution_percentage:
        args += ["--resolution-percentage", str(request.resolution_percentage)]
    binary = Path(bpy.app.binary_path or "")
    if binary.name.lower().startswith("blender"):
        return [str(binary), "-b", "--factory-startup", "-P", str(RUN_PY), "--", *args]
    return [sys.executable, str(RUN_PY), *args]


def render_in_parallel(
    scene: bpy.types.Scene,
    production: Production,
    plan: Plan,
    request: RenderRequest,
    blend: Path,
    presets: list[str],
    workers: int,
    progress: RenderProgress,
) -> ProductionResult:
    started = time.perf_counter()
    state = scene_state(scene)
    folder = join(production.base_dir, scratch_root(production), "workers", what="scratch folder")
    with writing(folder):
        folder.mkdir(parents=True, exist_ok=True)
    log = ProductionLog(production.base_dir / LOG_NAME, production.base_dir)
    try:
        for attempt in range(1, ATTEMPTS + 1):
            checkpoint = Checkpoint.from_json(state.checkpoint, production.spec_hash)
            work = missing_work(checkpoint, production, plan, request)
            shot_work = [(t.shot_id, f, lacking) for t, f, lacking in work]
            groups = split_shots(shot_work, production, plan, request, workers)
            if not groups:
                break
            save_blend(blend)  # workers start from this built, current file
            log.info("workers_start", attempt=attempt, groups=groups)
            progress.expect(work, processes=len(groups), worker_logs=folder / "worker<i>.out")
            renders_before = checkpoint.renders_done
            running = []
            for index, group in enumerate(groups):
                copy = folder / f"worker{index}.blend"
                sidecar = sidecar_path(copy)
                for worker_file in (copy, copy.with_suffix(".out"), sidecar, temp_path(sidecar)):
                    writable(worker_file, production.base_dir)
                shutil.copyfile(blend, copy)
                sidecar.unlink(missing_ok=True)
                with (folder / f"worker{index}.out").open("w") as out:
                    command = worker_command(Path(state.spec_path), copy, group, presets, request)
                    running.append(
                        (subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT), copy, group)
                    )
            while any(process.poll() is None for process, _, _ in running):
                progress.poll()  # a line per shot as the workers finish them
                time.sleep(POLL_SECONDS)
            progress.poll()
            for process, copy, group in running:
                code = process.wait()
                if code != 0:
                    output = copy.with_suffix(".out")
                    log.warning(
                        "worker_failed", attempt=attempt, shots=group, exit_code=code, output=str(output)
                    )
                    progress.show(
                        f"a worker stopped with exit code {code} (shots {', '.join(group)}); see {output}"
                    )
                if sidecar_path(copy).is_file():
                    checkpoint.merge(Checkpoint.from_json(sidecar_path(copy).read_text()), renders_before)
            state.checkpoint = checkpoint.to_json()
        checkpoint = Checkpoint.from_json(state.checkpoint, production.spec_hash)
        unfinished = sorted({t.shot_id for t, _, _ in missing_work(checkpoint, production, plan, request)})
    finally:
        log.close()
    # Adopt and verify what the workers wrote, write the manifest and report; render nothing more here.
    finishing = replace(
        request,
        shots=tuple(
            s.shot_id
            for s in plan.shots
            if s.shot_id not in unfinished and (request.shots is None or s.shot_id in request.shots)
        ),
    )
    result = RenderLoop(scene, production, plan, finishing, blend, presets).run()
    result.total_seconds = round(time.perf_counter() - started, 3)
    for shot_id in unfinished:
        result.shots_failed.append(shot_id)
        result.errors.append(
            f"shot {shot_id} failed in {ATTEMPTS} worker attempts; see .backlot/workers/*.out"
        )
    return result
