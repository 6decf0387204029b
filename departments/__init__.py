"""Blender departments: each module builds its part of the production from the model.

Every department has one entry point, `build(production, ctx)`, and a `NAME`. `build_production` runs them in
order between the stage's `prepare` (scenes, collections) and `bind_shots` (markers bound to cameras).
"""

from __future__ import annotations

from types import ModuleType

import bpy

from ..production.model import Production
from ..production.plan import Plan, make_plan
from ..production.spec.presets import PresetLibrary
from . import camera, characters, lighting, locations, retro, stage, wardrobe
from .context import BuildContext, BuildReport

# Retro names its compositor nodes before the camera fills the file with actions: on 4.5 naming a node walks
# every animation in the file to fix its paths.
DEPARTMENTS: tuple[ModuleType, ...] = (locations, characters, wardrobe, lighting, retro, camera)
DEPARTMENT_NAMES: tuple[str, ...] = tuple(d.NAME for d in DEPARTMENTS)


def build_production(
    production: Production,
    root: bpy.types.Scene,
    only: list[str] | None = None,
    reset: bool = False,
    presets: PresetLibrary | None = None,
    plan: Plan | None = None,
) -> BuildReport:
    """Build (or rebuild in place) every department, or only those named in `only`.

    `presets` is the library validation used (with the user's preset folders); the built-in one by default.
    `plan` is the command's shot plan of `production`, made here when not given.
    """
    unknown = sorted(set(only or []) - set(DEPARTMENT_NAMES))
    if unknown:
        raise ValueError(f"unknown department(s) {', '.join(unknown)}; known: {', '.join(DEPARTMENT_NAMES)}")
    selected = [d for d in DEPARTMENTS if not only or d.NAME in only]
    ctx = BuildContext(production, plan or make_plan(production), root, reset, presets)
    ctx.department = stage.NAME
    stage.prepare(production, ctx)
    for department in selected:
        ctx.department = department.NAME
        department.build(production, ctx)
    stage.bind_shots(production, ctx)
    ctx.flush()
    ctx.remove_unseen([stage.NAME, *(d.NAME for d in selected)] if not only else [d.NAME for d in selected])
    return ctx.report
