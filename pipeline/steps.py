"""The Blender-side steps the operators and run.py share: validate into `scene.backlot`, build, summarise.

Keeping them here means the N-panel and the headless CLI run exactly the same code.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import bpy

from ..departments import build_production
from ..departments.context import BuildReport
from ..production.model import Production
from ..production.plan import Plan, make_plan
from ..production.render.request import RenderRequest, select_outputs, select_shots
from ..production.spec.api import load_production
from ..production.spec.validate import ValidationResult
from ..production.staging.continuity import continuity_report
from ..runtime import compat
from ..runtime.built import built_scene
from ..runtime.properties import BACKLOT_PG_scene, scene_state

MAX_ISSUES_SHOWN = 500


def validate_into(
    scene: bpy.types.Scene, spec_path: str, preset_folders: list[str] | None = None
) -> ValidationResult:
    """Validate the spec and mirror the result (issues, counts, shot list) onto `scene.backlot`."""
    return validate_and_plan(scene, spec_path, preset_folders)[0]


def validate_and_plan(
    scene: bpy.types.Scene, spec_path: str, preset_folders: list[str] | None = None
) -> tuple[ValidationResult, Plan | None]:
    """`validate_into`, also returning the shot plan it mirrored (None without a production): the one plan
    a command hands to its build and render."""
    result = load_production(
        Path(bpy.path.abspath(spec_path)), list(preset_folders or []), compat.capabilities()
    )
    state = scene_state(scene)
    state.spec_path = spec_path
    state.validated = True
    state.valid = result.valid
    state.issues.clear()
    for issue in result.issues[:MAX_ISSUES_SHOWN]:
        item = state.issues.add()
        item.path, item.severity, item.message = issue.path, issue.severity, issue.message
        item.suggestion, item.where = issue.suggestion, issue.where()
    counts = result.counts()
    production = result.production
    if production is None:
        state.summary = f"{counts['error']} error(s), {counts['warning']} warning(s)"
        state.continuity = ""
        return result, None
    state.continuity = json.dumps(continuity_report(production))
    plan = make_plan(production)
    state.summary = (
        f"{production.title}: {len(production.scenes)} scenes, {len(production.shots)} shots, "
        f"{plan.total_seconds:.1f} s; {counts['warning']} warning(s)"
    )
    previous = {item.shot_id: item.status for item in state.shots}
    state.shots.clear()
    for shot_plan in plan.shots:
        item = state.shots.add()
        item.shot_id, item.scene_id = shot_plan.shot_id, shot_plan.scene_id
        item.frame_start, item.frame_end = shot_plan.frame_start, shot_plan.frame_end
        item.size = production.shot(shot_plan.shot_id).size
        item.status = previous.get(shot_plan.shot_id, "not built")
    return result, plan


def build_into(
    scene: bpy.types.Scene,
    result: ValidationResult,
    plan: Plan,
    only: list[str] | None = None,
    reset: bool = False,
) -> BuildReport:
    assert result.production is not None, "build_into needs a valid production"
    report = build_production(result.production, scene, only, reset, result.presets, plan)
    state = scene_state(scene)
    state.build_summary = build_summary(report)
    state.build_report = json.dumps(report.to_dict())
    if not only:
        state.built_spec_hash = result.production.spec_hash
    for item in state.shots:
        if item.status == "not built":
            item.status = "built"
    return report


def build_summary(report: BuildReport) -> str:
    """The summary the panel shows and Build Production reports: the counts, and where the staging notes are
    (the shot list shows each shot's notes, read from its cameras)."""
    if not report.staging:
        return report.summary()
    return f"{report.summary()}; the Shots list shows each shot's notes"


def ensure_built(scene: bpy.types.Scene, result: ValidationResult, plan: Plan) -> BuildReport | None:
    """Build before a render when the story scenes are missing or were built from another version of the spec
    (a rebuild keeps hand tweaks); None when the scenes are current."""
    assert result.production is not None
    missing = any(built_scene(story.id) is None for story in result.production.scenes)
    if not missing and scene_state(scene).built_spec_hash == result.production.spec_hash:
        return None
    return build_into(scene, result, plan)


def render_request(
    state: BACKLOT_PG_scene,
    production: Production,
    plan: Plan,
    shots: str | None,
    outputs: str | None,
    restart: bool,
    overrides: RenderRequest | None = None,
) -> RenderRequest:
    """The shots and outputs named (`1A,2B-3C`, `cinema,snes`; empty: all) on top of `overrides` (engine,
    samples, size); raises SelectionError. Only once the names are good does `restart` forget the checkpoint
    (with its locked palettes), so every frame renders again."""
    request = replace(
        overrides or RenderRequest(),
        shots=select_shots(shots, plan),
        outputs=select_outputs(outputs, production),
    )
    if restart:
        state.checkpoint = ""
    return request


def default_blend_path(spec_path: str) -> Path:
    """The checkpoint .blend beside the spec: `<spec name>.blend`, or `production.blend` in a folder spec."""
    spec = Path(bpy.path.abspath(spec_path)).resolve()
    return spec / "production.blend" if spec.is_dir() else spec.with_suffix(".blend")
