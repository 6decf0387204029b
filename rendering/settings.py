"""Per-shot render settings on a Blender scene: what a take renders with and through which camera, applied
for its frames and put back afterwards; one render of the current frame; the measured estimate.

Shared by the render loop, the farm files and `run.py estimate --measure`, so all three render a shot alike.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import bpy

from ..departments import camera
from ..production.camera import optics
from ..production.model import CameraSpec, Production
from ..production.plan import Plan, ShotPlan, camera_resolution, make_plan
from ..production.render.request import RenderRequest, Take
from ..runtime import compat
from ..runtime.built import built_scene


def shot_render_settings(
    production: Production, shot_id: str, request: RenderRequest, camera_spec: CameraSpec | None = None
) -> dict[str, Any]:
    """RNA path -> value for one shot (through `camera_spec`, default the shot's primary camera): engine,
    samples, resolution, motion blur, the master's format. An anamorphic sensor renders the master squeezed
    (fewer columns, wide pixels), as a camera negative is; the outputs desqueeze it."""
    shot = production.shot(shot_id)
    render = shot.render
    engine = request.engine or render.engine
    samples = request.samples or render.samples
    spec = camera_spec or shot.camera
    width, height = camera_resolution(production, spec)
    pixel_aspect_x, pixel_aspect_y = optics.render_pixel_aspect(spec.sensor)
    settings: dict[str, Any] = {
        "render.engine": compat.engine_id(engine),
        "render.resolution_x": width,
        "render.resolution_y": height,
        "render.pixel_aspect_x": pixel_aspect_x,
        "render.pixel_aspect_y": pixel_aspect_y,
        "render.resolution_percentage": request.resolution_percentage or render.resolution_percentage,
        "render.use_motion_blur": render.motion_blur,
        "render.motion_blur_shutter": render.shutter,
        "render.film_transparent": render.film_transparent,
        "render.dither_intensity": 0.0,  # exact, repeatable frames: the outputs dither themselves if asked
        "render.use_stamp": False,
        "render.image_settings.color_mode": "RGB",
        "render.image_settings.color_depth": "16",
        "render.image_settings.compression": 0,  # the master is scratch: fast to write beats small
    }
    if engine == "cycles":
        settings.update(
            {
                "cycles.samples": samples,
                "cycles.seed": render.seed,
                "cycles.use_denoising": render.denoise,
                "cycles.device": "CPU",
            }
        )
    elif engine == "eevee":
        settings["eevee.taa_render_samples"] = samples
    else:
        settings["display.render_aa"] = workbench_antialiasing(samples)
    return settings


def measure_shots(
    production: Production, percentage: int, request: RenderRequest | None = None, plan: Plan | None = None
) -> dict[str, float]:
    """Seconds per frame for each shot at the size it renders at (the request's or the shot's resolution
    percentage), from one render of its middle frame at `percentage` size with the request's engine and
    samples: render time grows with the pixel count, so the measure is scaled by (size / percentage)^2."""
    request = request or RenderRequest()
    production = request.apply(production)
    sample = replace(request, resolution_percentage=percentage)

    def render_once(shot_plan: ShotPlan) -> float:
        scene = built_scene(shot_plan.scene_id)
        assert scene is not None, f"scene {shot_plan.scene_id} is built before measuring"
        restore = apply_settings(scene, shot_render_settings(production, shot_plan.shot_id, sample))
        try:
            scene.frame_set((shot_plan.frame_start + shot_plan.frame_end) // 2)
            started = time.perf_counter()
            render_current_frame(scene)
            return time.perf_counter() - started
        finally:
            restore()

    shots = (plan or make_plan(production)).shots
    render_once(shots[0])  # warm-up, not timed: the first render pays for the GL context and shaders
    return {
        p.shot_id: render_once(p)
        * (production.shot(p.shot_id).render.resolution_percentage / percentage) ** 2
        for p in shots
    }


def workbench_antialiasing(samples: int) -> str:
    """Workbench has no sample count, but anti-aliasing levels: FXAA for 1 sample, else the nearest level
    at or above the samples asked for (5, 8, 11, 16, 32)."""
    if samples <= 1:
        return "FXAA"
    return next((str(level) for level in (5, 8, 11, 16) if level >= samples), "32")


def render_current_frame(scene: bpy.types.Scene, still_path: Path | None = None) -> Path | None:
    """Render `scene` at its current frame, through the camera its markers bind there; with `still_path`,
    the render also writes the frame (scene's image settings) next to it and returns the file it wrote.

    The operator's `scene=` argument is not enough: it renders at the frame of the context's scene (measured
    on 4.5 and 5.2: every frame came out as the root scene's frame, through that frame's camera)."""
    render = scene.render
    saved = render.filepath, render.use_file_extension
    if still_path is not None:  # a still gets the extension added, no frame number
        render.filepath, render.use_file_extension = str(still_path), True
    try:
        with bpy.context.temp_override(scene=scene):
            bpy.ops.render.render(write_still=still_path is not None)
        return None if still_path is None else Path(f"{still_path}{render.file_extension}")
    finally:
        render.filepath, render.use_file_extension = saved


def apply_take(
    scene: bpy.types.Scene, production: Production, take: Take, request: RenderRequest
) -> Callable[[], None]:
    """The take's render settings and camera, applied for its frames; returns what restores them."""
    settings = shot_render_settings(production, take.shot_id, request, take.spec)
    restore_settings = apply_settings(scene, settings)
    if take.camera == camera.PRIMARY:
        return restore_settings
    restore_camera = bind_take_camera(scene, take)

    def restore() -> None:
        restore_camera()
        restore_settings()

    return restore


def bind_take_camera(scene: bpy.types.Scene, take: Take) -> Callable[[], None]:
    """Make an extra camera the one the shot renders through (the shot's marker and the scene camera, which
    frame_set takes from the markers); return the function that binds the primary again."""
    cameras = dict(camera.shot_cameras(scene, take.shot_id))
    if take.camera not in cameras:
        raise RuntimeError(
            f"shot {take.shot_id} has no camera {take.camera} in scene {scene.name}; rebuild the production"
        )
    marker = next((m for m in scene.timeline_markers if m.name == take.shot_id), None)
    previous = (marker.camera if marker else None, scene.camera)
    if marker:
        marker.camera = cameras[take.camera]
    scene.camera = cameras[take.camera]

    def restore() -> None:
        if marker:
            marker.camera = previous[0]
        scene.camera = previous[1]

    return restore


def apply_settings(scene: bpy.types.Scene, settings: dict[str, Any]) -> Callable[[], None]:
    """Set RNA paths on the scene; return the function that puts every previous value back."""
    previous: list[tuple[Any, str, Any]] = []
    compat.set_image_output(scene.render.image_settings, "PNG")
    for path, value in settings.items():
        *parents, leaf = path.split(".")
        owner: Any = scene
        for name in parents:
            owner = getattr(owner, name)
        previous.append((owner, leaf, getattr(owner, leaf)))
        setattr(owner, leaf, value)

    def restore() -> None:
        for owner, leaf, value in reversed(previous):
            setattr(owner, leaf, value)

    return restore
