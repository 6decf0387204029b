"""Render loop overhead: everything but `render.render` on a 10-shot Workbench production.

Run: ``.venv/b52/bin/python benchmarks/render_overhead.py [--size 1280x720] [--frames 6]`` (a venv with bpy).
The baseline is the time spent inside `bpy.ops.render.render` in the same run; the overhead is the rest of the
shots phase's wall time (per-shot settings, waiting for the worker, recording, the checkpoint, the .blend
saves, the log). Goals: overhead <= 3 % of render time; a checkpoint save <= 50 ms per boundary.

The render writes its frame (the master) itself, with `write_still`, as `blender -a` does, so that write is
inside `render.render`. It is not hidden: the run first renders one bare frame per shot without writing
anything and prints how much longer the loop's renders took (the master write, plus noise and the worker's
share of the CPU). Deriving and writing the outputs runs in a worker process during the next frame's render,
so it is not in the overhead either: its CPU time is printed on its own line.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import run  # noqa: E402

run.import_package()

import bpy  # noqa: E402
from backlot.pipeline.steps import default_blend_path, ensure_built, validate_and_plan  # noqa: E402
from backlot.production.render.request import RenderRequest  # noqa: E402
from backlot.rendering.loop import RenderLoop  # noqa: E402
from backlot.rendering.settings import measure_shots  # noqa: E402
from backlot.runtime import properties  # noqa: E402

OVERHEAD_GOAL = 0.03
SAVE_GOAL = 0.050


def spec_text(shots: int, frames: int, size: tuple[int, int]) -> str:
    lines = [
        "production:",
        "  title: Overhead Benchmark",
        '  version: "1"',
        "  render: {engine: workbench, samples: 8}",
        "  characters: [{name: Ada, height: 1.7}, {name: Ben, height: 1.8}]",
        "  locations: [{name: Stage, preset: stage}]",
        "  scenes:",
        "    - {id: 1, location: Stage, characters: [Ada, Ben]}",
        "    - {id: 2, location: Stage, characters: [Ada, Ben]}",
        "  shots:",
    ]
    sizes = ["WS", "MS", "CU", "MCU", "TWO"]
    for i in range(shots):
        lines.append(
            f"    - {{scene: {1 + i % 2}, size: {sizes[i % len(sizes)]}, subject: Ada, duration: {frames}f}}"
        )
    lines += [
        "  outputs:",
        f"    - {{name: main, path: output/main/, resolution: [{size[0]}, {size[1]}], container: png}}",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--frames", type=int, default=6)
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    properties.register()
    with tempfile.TemporaryDirectory() as folder:
        spec = Path(folder) / "production.yaml"
        spec.write_text(spec_text(10, args.frames, size))  # type: ignore[arg-type]
        scene = properties.active_scene(bpy.context)
        result, plan = validate_and_plan(scene, str(spec))
        assert result.valid and result.production is not None, [i.message for i in result.issues]
        assert plan is not None
        ensure_built(scene, result, plan)
        bare = measure_shots(result.production, 100, plan=plan)  # seconds per frame, one bare render per shot
        loop = RenderLoop(scene, result.production, plan, RenderRequest(), default_blend_path(str(spec)))
        started = time.perf_counter()
        loop.run()
        wall = time.perf_counter() - started
    timing = loop.timing
    render = timing.render_seconds
    overhead = timing.shots_seconds - render
    frames = len(timing.frame_seconds)
    saves = timing.checkpoint_seconds
    bare_per_frame = statistics.mean(bare.values())
    print(
        f"Blender {bpy.app.version_string}: 10 shots x {args.frames} frames, {size[0]}x{size[1]}, Workbench"
    )
    print(f"  render.render (baseline)   {render:8.2f} s")
    print(f"  shot loop, everything else {overhead:8.2f} s  = {overhead / render:6.1%} of render time")
    per_shot = (overhead / 10 * 1000, render / 10 * 1000)
    print(f"  per shot                   {per_shot[0]:8.1f} ms overhead, {per_shot[1]:.1f} ms render")
    print(
        f"  worker process (overlapped){timing.worker_cpu_seconds:8.2f} s CPU = "
        f"{timing.worker_cpu_seconds / frames * 1000:.1f} ms per frame, off the shot loop's critical path"
    )
    print(
        f"  render per frame           {render / frames * 1000:8.1f} ms in the loop, writing the master; "
        f"{bare_per_frame * 1000:.1f} ms bare, writing nothing (one per shot before the loop): "
        f"{render / frames / bare_per_frame - 1:+.1%} (master write, noise, the worker's share of the CPU)"
    )
    print(f"  whole run incl. finalize   {wall:8.2f} s")
    print(
        f"  .blend checkpoint saves    {len(saves)} saves, mean {statistics.mean(saves) * 1000:.1f} ms, "
        f"max {max(saves) * 1000:.1f} ms (goal <= 50 ms)"
    )
    print(f"  ratio overhead/render      {overhead / render:.3f}  (goal {OVERHEAD_GOAL})")
    print(f"  ratio save/goal            {max(saves) / SAVE_GOAL:.2f}")


if __name__ == "__main__":
    run.run_without_hang(main)
