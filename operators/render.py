"""Render Production: the render loop driven to the end headless, one step per TIMER event in the UI.

Headless Blender never fires timers or calls `invoke()`, so `execute()` runs the whole loop. In the UI,
`invoke()` starts a TIMER and `modal()` advances the loop one frame per event, so the interface stays live
between frames; Esc stops before the next frame and leaves the checkpoint resumable. No "rendering" flag is
stored: after a crash nothing needs clearing, the panel reads the checkpoint.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import bpy
from bpy.props import BoolProperty, StringProperty

from ..pipeline.steps import default_blend_path, ensure_built, render_request, validate_and_plan
from ..production.diagnostics import ProductionError
from ..production.render.checkpoint import Checkpoint
from ..production.render.request import SelectionError
from ..rendering.context import Progress
from ..rendering.loop import RenderLoop
from ..runtime.properties import active_scene, preset_folders, production_state

if TYPE_CHECKING:
    from bpy.stub_internal.rna_enums import OperatorReturnItems

TIMER_SECONDS = 0.05


def _status(progress: Progress) -> str:
    eta = f" · ETA {_clock(progress.eta_seconds)}" if progress.eta_seconds is not None else ""
    where = f" · {progress.shot} frame {progress.frame}" if progress.shot else ""
    return f"Backlot: {progress.done}/{progress.total} frames{where}{eta} · Esc to stop"


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds + 0.5), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class BACKLOT_OT_render_production(bpy.types.Operator):
    """Render every shot to every output; resumes where the last render stopped. Esc stops between frames"""

    bl_idname = "backlot.render_production"
    bl_label = "Render Production"
    bl_options = {"REGISTER"}

    restart: BoolProperty(  # type: ignore[valid-type]
        name="Restart", description="Forget the checkpoint and render every frame again"
    )
    shots: StringProperty(name="Shots", description="Shot ids or ranges, e.g. 1A,2B-3C (empty: all)")  # type: ignore[valid-type]
    outputs: StringProperty(name="Outputs", description="Output names, e.g. cinema,snes (empty: all)")  # type: ignore[valid-type]

    def begin(self, context: bpy.types.Context) -> str:
        """Validate, build if needed and set up the loop; '' or the message that stops the render."""
        state = production_state(active_scene(context))
        scene = state.id_data
        assert isinstance(scene, bpy.types.Scene), "a production state lives on a scene"
        if not state.spec_path:
            return "Choose a production spec (.yaml) first"
        result, plan = validate_and_plan(scene, state.spec_path, preset_folders(context))
        if not result.valid or result.production is None or plan is None:
            return "The spec has errors: see the issues list"
        production = result.production
        try:
            request = render_request(state, production, plan, self.shots, self.outputs, self.restart)
        except SelectionError as error:
            return f"{error.message}: {error.suggestion}"
        ensure_built(scene, result, plan)
        blend = Path(bpy.data.filepath) if bpy.data.filepath else default_blend_path(state.spec_path)
        try:
            self._loop = RenderLoop(scene, production, plan, request, blend, preset_folders(context))
        except ProductionError as error:  # e.g. a scratch folder that is a link leading out
            return f"{error.message}: {error.suggestion}"
        self._steps = self._loop.steps()
        self._timer: bpy.types.Timer | None = None
        state.render_status = "rendering"
        return ""

    def execute(self, context: bpy.types.Context) -> set[OperatorReturnItems]:
        problem = self.begin(context)
        if problem:
            self.report({"ERROR"}, problem)
            return {"CANCELLED"}
        try:
            for _ in self._steps:
                pass
        except Exception as error:
            return self._stop(context, error)
        return self.finish(context)

    def invoke(self, context: bpy.types.Context, event: bpy.types.Event) -> set[OperatorReturnItems]:
        problem = self.begin(context)
        if problem:
            self.report({"ERROR"}, problem)
            return {"CANCELLED"}
        wm = context.window_manager
        self._timer = wm.event_timer_add(TIMER_SECONDS, window=context.window)
        wm.modal_handler_add(self)
        wm.progress_begin(0, 1000)
        return {"RUNNING_MODAL"}

    def modal(self, context: bpy.types.Context, event: bpy.types.Event) -> set[OperatorReturnItems]:
        if event.type == "ESC" and event.value == "PRESS":
            self._loop.cancel()  # honoured before the next frame; the loop then finalises
            production_state(active_scene(context)).render_status = "stopping after this frame"
            return {"RUNNING_MODAL"}
        if event.type != "TIMER":
            return {"PASS_THROUGH"}
        try:
            progress = next(self._steps)
        except StopIteration:
            return self.finish(context)
        except Exception as error:
            return self._stop(context, error)
        self._show(context, progress)
        return {"RUNNING_MODAL"}

    def _stop(self, context: bpy.types.Context, error: Exception) -> set[OperatorReturnItems]:
        """The UI is never left with a half-running render: a full disk, a link leading out of the folder or
        a bug stops it with one message; the checkpoint keeps what was done."""
        self._steps.close()
        self._cleanup(context)
        fix = error.suggestion if isinstance(error, ProductionError) else "fix it and press Render to resume"
        production_state(active_scene(context)).render_status = f"failed: {error}"
        self.report({"ERROR"}, f"Render stopped: {error}. {fix}")
        return {"CANCELLED"}

    def _show(self, context: bpy.types.Context, progress: Progress) -> None:
        state = production_state(active_scene(context))
        if progress.phase == "finalize":
            return  # the loop has written the outcome (done, cancelled, failed)
        state.render_progress = round(100 * progress.fraction)
        state.render_status = _status(progress).removeprefix("Backlot: ")
        if context.window_manager is not None:
            context.window_manager.progress_update(int(1000 * progress.fraction))
        if context.workspace is not None:
            context.workspace.status_text_set(_status(progress))
        for area in context.screen.areas if context.screen else ():
            area.tag_redraw()

    def _cleanup(self, context: bpy.types.Context) -> None:
        wm = context.window_manager
        if self._timer is not None and wm is not None:
            wm.event_timer_remove(self._timer)
            wm.progress_end()
            self._timer = None
        if context.workspace is not None:
            context.workspace.status_text_set(None)

    def finish(self, context: bpy.types.Context) -> set[OperatorReturnItems]:
        self._cleanup(context)
        result = self._loop.result
        done, failed = len(result.shots_completed), len(result.shots_failed)
        if self._loop.cancelled:
            self.report({"WARNING"}, f"Render stopped: {done} shot(s) complete. Press Render to resume")
            return {"CANCELLED"}
        self.report(
            {"INFO"} if result.ok else {"ERROR"},
            f"Rendered {done} shot(s), {failed} failed, in {result.total_seconds:.0f} s",
        )
        return {"FINISHED"}


def checkpoint_summary(state: Any) -> tuple[int, int]:
    """(frame files done, frames rendered) from the stored checkpoint, for the panel."""
    checkpoint = Checkpoint.from_json(state.checkpoint)
    return checkpoint.frame_count(), checkpoint.renders_done


CLASSES = (BACKLOT_OT_render_production,)
