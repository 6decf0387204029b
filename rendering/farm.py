"""`run.py submit --flamenco URL` and `run.py status`: the farm path, on top of production/render/flamenco.py.

Submit writes one farm .blend per story scene (only that scene, so it is the one Flamenco's
`simple-blender-render` renders), saved with overwrite off so a requeued task keeps finished frames, then
queues one job per shot. The job ids and their last known states are kept in the production's .blend.
Limits (docs/farm.md): shared storage, image sequences only, one output per submission, per-shot render
overrides other than the scene's are not applied on the farm.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import bpy

from ..production.model import Output, Production
from ..production.plan import Plan, make_plan
from ..production.render.flamenco import (
    CONTAINER_TO_IMAGE_FORMAT,
    FARM_BLEND_RENDER_SETTINGS,
    FarmShot,
    FlamencoClient,
    FlamencoError,
    farm_output,
)
from ..production.render.request import RenderRequest, scratch_root
from ..production.render.safe_files import join
from ..runtime import compat
from ..runtime.built import built_scene
from ..runtime.properties import scene_state
from .settings import apply_settings, shot_render_settings


def write_farm_blends(
    production: Production, output: Output, folder: Path, plan: Plan | None = None
) -> dict[str, tuple[Path, str]]:
    """One .blend per story scene holding only that scene, set up to render `output` directly."""
    folder.mkdir(parents=True, exist_ok=True)
    plan = plan or make_plan(production)
    written = {}
    for story in production.scenes:
        scene = built_scene(story.id)
        first = next((p for p in plan.shots if p.scene_id == story.id), None)
        if scene is None or first is None:
            continue
        settings = shot_render_settings(production, first.shot_id, RenderRequest())
        settings.update({f"render.{key}": value for key, value in FARM_BLEND_RENDER_SETTINGS.items()})
        settings.update(
            {
                "render.resolution_x": output.resolution[0],
                "render.resolution_y": output.resolution[1],
                # The farm writes the output itself, so an anamorphic camera (its sensor_width already the
                # desqueezed gate) renders desqueezed: square pixels, not the render loop's squeezed master.
                "render.pixel_aspect_x": 1.0,
                "render.pixel_aspect_y": 1.0,
                "render.image_settings.color_mode": "RGB",
                "render.image_settings.color_depth": "16"
                if output.container == "exr"
                else output.color_depth,
            }
        )
        restore = apply_settings(scene, settings)
        compat.set_image_output(scene.render.image_settings, CONTAINER_TO_IMAGE_FORMAT[output.container])
        state = scene_state(scene)
        root = state.production_scene
        state.production_scene = None  # else the production's own scene is written too
        try:
            path = join(folder, folder, f"scene_{story.id}.blend", what="farm file")
            bpy.data.libraries.write(str(path), {scene}, fake_user=False, compress=True)
        finally:
            state.production_scene = root
            restore()
            compat.set_image_output(scene.render.image_settings, "PNG")
        written[story.id] = (path, scene.name)
    return written


def submit(
    state: Any,
    production: Production,
    plan: Plan,
    url: str,
    output_name: str | None,
    priority: int,
    shots: tuple[str, ...] | None,
) -> list[dict[str, str]]:
    """Write the farm files, queue one job per shot, remember the jobs on `state`; returns them."""
    output = farm_output(production, output_name)
    folder = join(production.base_dir, scratch_root(production), "farm", what="scratch folder")
    blends = write_farm_blends(production, output, folder, plan)
    farm_shots = [
        FarmShot(p.shot_id, p.frame_start, p.frame_end, str(blends[p.scene_id][0]), blends[p.scene_id][1])
        for p in plan.shots
        if p.scene_id in blends and (shots is None or p.shot_id in shots)
    ]
    submission = FlamencoClient(url).submit_production(
        production.title,
        farm_shots,
        str(output.path),
        production.fps,
        CONTAINER_TO_IMAGE_FORMAT[output.container],
        priority,
        spec_hash=production.spec_hash,
    )
    jobs = [
        {"shot": job.shot_id, "job": job.job_id, "name": job.name, "state": job.state, "output": output.name}
        for job in submission.jobs
    ]
    state.farm_jobs = json.dumps({"manager": url, "jobs": jobs})
    return jobs


def poll(state: Any, url: str | None) -> list[dict[str, Any]]:
    """Ask the Manager for every remembered job and store the states on `state`."""
    record = json.loads(state.farm_jobs or "{}")
    jobs = record.get("jobs", [])
    if not jobs:
        raise FlamencoError(
            "farm_no_jobs", "no farm jobs are recorded for this production", "run `run.py submit` first"
        )
    client = FlamencoClient(url or record.get("manager", ""))
    for job in jobs:
        answer = client.job_status(job["job"])
        job.update(
            state=answer.state,
            flamenco_status=answer.flamenco_status,
            steps=f"{answer.steps_completed}/{answer.steps_total}",
            activity=answer.activity,
        )
    state.farm_jobs = json.dumps({**record, "jobs": jobs})
    return jobs
