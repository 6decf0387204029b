"""Blender commands of run.py (build, render...), run headless with the same code the operators use."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import bpy

from ..cli.console import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_RENDER_FAILED,
    Console,
    UsageError,
    print_issues,
    stdout_to_stderr,
)
from ..cli.main import print_estimate, render_overrides, report_invalid
from ..cli.progress import closing_line
from ..departments import DEPARTMENT_NAMES
from ..departments.context import BuildReport
from ..production.plan import Plan, estimate
from ..production.render.checkpoint import Checkpoint, recover_blend
from ..production.render.flamenco import FlamencoError
from ..production.render.request import SelectionError, describe, select_shots
from ..production.render.resume import read_back, sidecar_path
from ..production.spec.validate import ValidationResult
from ..runtime import properties
from .steps import build_into, default_blend_path, ensure_built, render_request, validate_and_plan

MEASURE_PERCENTAGE = 25  # sample frames render at a quarter of the size (1/16 of the pixels)


def _ensure_registered() -> None:
    """run.py imports the package without Blender's add-on system: register our properties once."""
    if not hasattr(bpy.types.Scene, "backlot"):
        properties.register()


def cmd_build(args: argparse.Namespace, console: Console) -> int:
    unknown = sorted(set(args.department) - set(DEPARTMENT_NAMES))
    if unknown:
        raise UsageError(
            f"unknown department(s) {', '.join(unknown)}",
            f"use --department with one of: {', '.join(DEPARTMENT_NAMES)}",
        )
    _ensure_registered()
    scene = properties.active_scene(bpy.context)
    result, plan = validate_and_plan(scene, str(Path(args.spec).resolve()), args.presets)
    if not result.valid or plan is None:
        return report_invalid(result, args, console)
    report = build_into(scene, result, plan, args.department or None, args.reset)
    if args.save:
        target = Path(args.save).resolve()
        target.parent.mkdir(parents=True, exist_ok=True)
        bpy.ops.wm.save_as_mainfile(filepath=str(target), check_existing=False)
    if console.json_mode:
        console.emit_json(
            {
                "built": True,
                "saved": args.save,
                "staging": report.staging_counts(),
                "report": report.to_dict(),
            }
        )
    else:
        print_build_report(report, result.production.title if result.production else "", plan, console)
        if args.save:
            console.print(f"saved {args.save}")
    return EXIT_OK


def print_build_report(report: BuildReport, title: str, plan: Plan, console: Console) -> None:
    """The summary line, then what needs a look: problems, each shot's staging notes (grouped by shot in story
    order), the tweaks kept or overwritten."""
    console.print(f"built {title}: {report.summary()}")
    for line in report.problems:
        console.print(f"  problem: {line}")
    if report.staging:
        console.print("staging (what the crew cheated, and what still falls short with its fix):")
        story_order = {shot.shot_id: index for index, shot in enumerate(plan.shots)}
        for note in sorted(report.staging, key=lambda note: story_order.get(note.shot, len(story_order))):
            console.print(f"  {note.line()}")
    for line in report.kept:
        console.print(f"  kept your tweak: {line}")
    for line in report.spec_won:
        console.print(f"  spec changed, overwrote: {line}")


def _open_checkpoint_blend(blend: Path, console: Console) -> None:
    """Open the render's .blend, or the complete copy a killed save left (`.blend@`, `.blend1`)."""
    found = recover_blend(blend)
    if found is None:
        if blend.exists():
            raise UsageError(
                f"{blend} is damaged and has no complete backup",
                "move it aside to start a new render, or restore it from a backup",
            )
        stale = blend.with_name(blend.name + "@")
        if stale.is_file() and not stale.is_symlink():  # a first save was killed: nothing was rendered yet
            stale.unlink()
            console.print(f"note: removed {stale.name}, left by a first save that was killed; starting anew")
        return
    with stdout_to_stderr():
        bpy.ops.wm.open_mainfile(filepath=str(found))
    if found != blend:
        console.print(f"note: {blend.name} was incomplete (killed mid-save); using {found.name}")


def _production_scene(spec: Path) -> bpy.types.Scene:
    """The scene holding this spec's state in an opened .blend (else the current scene)."""
    for scene in bpy.data.scenes:
        state = properties.scene_state(scene)
        if (
            state.production_scene is None
            and state.spec_path
            and Path(bpy.path.abspath(state.spec_path)).resolve() == spec
        ):
            return scene
    return properties.active_scene(bpy.context)


def _open_production(
    args: argparse.Namespace, console: Console, open_blend: bool = True
) -> tuple[bpy.types.Scene, ValidationResult, Plan | None, Path]:
    """The production's .blend opened (a damaged one recovered), the spec validated into its scene, and the
    shot plan every later step of the command uses."""
    _ensure_registered()
    spec = Path(args.spec).resolve()
    given = getattr(args, "blend", None)
    blend = Path(given).resolve() if given else default_blend_path(str(spec))
    if open_blend:
        _open_checkpoint_blend(blend, console)
    scene = _production_scene(spec)
    if open_blend:  # the checkpoint's sidecar, written before every .blend save, may be further on
        state = properties.scene_state(scene)
        state.checkpoint = read_back(state.checkpoint, sidecar_path(blend))
    result, plan = validate_and_plan(scene, str(spec), args.presets)
    return scene, result, plan, blend


def cmd_render(args: argparse.Namespace, console: Console) -> int:
    scene, result, plan, blend = _open_production(args, console, open_blend=not args.validate_only)
    if not result.valid or args.validate_only:
        if not result.valid:
            return report_invalid(result, args, console)
        if console.json_mode:
            console.emit_json(result.to_json())
        else:
            print_issues(result.issues, console)
            console.print(f"valid: {properties.scene_state(scene).summary}")
        return EXIT_OK
    production = result.production
    assert production is not None and plan is not None
    state = properties.scene_state(scene)
    try:
        request = render_request(
            state, production, plan, args.shots, args.outputs, args.restart, render_overrides(args)
        )
    except SelectionError as error:
        raise UsageError(error.message, error.suggestion) from None
    checkpoint = Checkpoint.from_json(state.checkpoint, production.spec_hash)  # empty after --restart
    recorded = checkpoint.frame_count()
    if recorded and not args.resume and not args.dry_run:
        raise UsageError(
            f"{blend.name} already holds a render of this production ({recorded} frame file(s) done)",
            "add --resume to continue it, or --restart to render everything again",
        )
    if args.dry_run:
        described = describe(production, plan, checkpoint, request)
        if console.json_mode:
            console.emit_json(described)
        else:
            _print_plan(described, console)
        return EXIT_OK
    report = ensure_built(scene, result, plan)
    if report is not None:
        print_build_report(report, production.title, plan, console)
    from ..rendering.loop import RenderLoop
    from ..rendering.parallel import render_in_parallel
    from ..rendering.progress import RenderProgress

    try:
        with RenderProgress(console, production, plan, request, blender_log=not args.worker) as progress:
            if args.parallel > 1 and not args.worker:
                outcome = render_in_parallel(
                    scene, production, plan, request, blend, args.presets, args.parallel, progress
                )
            else:
                loop = RenderLoop(
                    scene,
                    production,
                    plan,
                    request,
                    blend,
                    args.presets,
                    worker_sidecar=sidecar_path(blend) if args.worker else None,
                )
                outcome = loop.run(progress.follow(loop))
    except KeyboardInterrupt:
        console.print("interrupted: the checkpoint is saved; run the same command with --resume")
        return EXIT_INTERRUPTED
    if console.json_mode:
        console.emit_json(outcome.to_dict())
    else:
        console.print(
            f"rendered {len(outcome.shots_completed)} shot(s) in {outcome.total_seconds:.1f} s; "
            f"failed: {', '.join(outcome.shots_failed) or 'none'}"
        )
        for line in (*outcome.errors, *outcome.warnings):
            console.print(f"  {line}")
        console.print(closing_line(outcome.output_paths))
    return EXIT_OK if outcome.ok else EXIT_RENDER_FAILED


def _print_plan(plan: dict[str, Any], console: Console) -> None:
    console.print(
        f"{plan['title']}: {plan['renders']} frame(s) to render, ~{plan['estimate_seconds']} s estimated"
    )
    for output in plan["outputs"]:
        console.print(
            f"  output {output['name']}: {output['path']} {output['resolution'][0]}x{output['resolution'][1]}"
        )
    for shot in plan["shots"]:
        console.print(
            f"  {shot['shot']:<6} scene {shot['scene']:<4} frames {shot['frames'][0]}-{shot['frames'][1]} "
            f"({shot['count']}) {shot['engine']} -> {', '.join(shot['outputs'])}"
        )


def cmd_submit(args: argparse.Namespace, console: Console) -> int:
    from ..rendering.farm import submit
    from ..rendering.media import save_blend

    scene, result, plan, blend = _open_production(args, console)
    if not result.valid or result.production is None or plan is None:
        return report_invalid(result, args, console)
    try:
        shots = select_shots(args.shots, plan)
    except SelectionError as error:
        raise UsageError(error.message, error.suggestion) from None
    ensure_built(scene, result, plan)
    save_blend(blend)  # libraries.write (the farm files) crashes Blender in a never-saved session
    try:
        jobs = submit(
            properties.scene_state(scene),
            result.production,
            plan,
            args.flamenco,
            args.output,
            args.priority,
            shots,
        )
    except FlamencoError as error:
        raise UsageError(error.message, error.suggestion) from None
    finally:
        save_blend(blend)  # the jobs queued so far are remembered even when a later one failed
    if console.json_mode:
        console.emit_json({"submitted": jobs})
    else:
        for job in jobs:
            console.print(f"  {job['shot']:<6} job {job['job']}  {job['state']}")
        console.print(f"queued {len(jobs)} job(s) on {args.flamenco}; follow them with `run.py status`")
    return EXIT_OK


def cmd_status(args: argparse.Namespace, console: Console) -> int:
    from ..rendering.farm import poll
    from ..rendering.media import save_blend

    scene, _, _, blend = _open_production(args, console)
    try:
        jobs = poll(properties.scene_state(scene), args.flamenco)
    except FlamencoError as error:
        raise UsageError(error.message, error.suggestion) from None
    save_blend(blend)
    if console.json_mode:
        console.emit_json({"jobs": jobs})
    else:
        for job in jobs:
            console.print(
                f"  {job['shot']:<6} {job['state']:<10} {job.get('steps', '')}  {job.get('activity', '')}"
            )
    failed = any(job["state"] == "failed" for job in jobs)
    return EXIT_RENDER_FAILED if failed else EXIT_OK


def cmd_estimate_measured(args: argparse.Namespace, console: Console) -> int:
    """Render one small sample frame per shot and extrapolate: seconds scale with the pixel count."""
    from ..rendering.settings import measure_shots

    scene, result, plan, _ = _open_production(args, console)
    if not result.valid or result.production is None or plan is None:
        return report_invalid(result, args, console)
    ensure_built(scene, result, plan)
    request = render_overrides(args)
    measured = measure_shots(result.production, MEASURE_PERCENTAGE, request, plan)
    # The request changes engines, samples and sizes, never a shot's frames: the plan stays the one to use.
    return print_estimate(estimate(request.apply(result.production), plan, measured), console)


COMMANDS = {
    "estimate": cmd_estimate_measured,
    "build": cmd_build,
    "render": cmd_render,
    "submit": cmd_submit,
    "status": cmd_status,
}


def run_command(args: argparse.Namespace, console: Console) -> int:
    handler = COMMANDS.get(args.command)
    if handler is None:
        raise UsageError(
            f"`{args.command}` is not available yet in this version of Backlot",
            "see README.md for the commands this version supports",
        )
    return handler(args, console)
