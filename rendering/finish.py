"""What a render leaves once its frames are done: movies encoded from finished PNG frames, the manifest and
report of every file, and each shot's status in the panel's list and the result."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..production.model import Output
from ..production.plan import estimate
from ..production.render.checkpoint import DONE, FAILED, PENDING, RENDERING, frame_path
from ..production.render.outputs import (
    MANIFEST_NAME,
    REPORT_NAME,
    ManifestEntry,
    write_manifest,
    write_report,
)
from ..production.render.request import frames_root, is_movie, movie_path
from ..runtime.properties import scene_state
from .context import RenderContext
from .media import encode_movie


class Finisher:
    """Movies, manifest, report and statuses from the checkpoint of one render."""

    def __init__(self, context: RenderContext):
        self.context = context

    def export_movies(self) -> Iterator[tuple[str, str]]:
        """Encode each movie whose take is done and whose file is missing or older than its frames; yields
        (shot id, file name) per movie written."""
        context = self.context
        for output in (o for o in context.outputs if is_movie(o)):
            for shot_plan in context.plan.shots:
                if output.name not in shot_plan.outputs:
                    continue
                if context.selected is not None and shot_plan.shot_id not in context.selected:
                    continue
                if context.checkpoint.shot_status(context.plan, shot_plan.shot_id, [output.name]) != "done":
                    continue
                target = movie_path(context.production, output, shot_plan.shot_id)
                if (
                    target.is_file()
                    and target.stat().st_size > 0
                    and not self._movie_stale(output, shot_plan.shot_id, target)
                ):
                    continue
                root = frames_root(context.production, output)
                sources = [frame_path(root, shot_plan.shot_id, f, "png") for f in shot_plan.frame_numbers()]
                encode_movie(sources, target, output, context.production.fps)
                context.log.info(
                    "movie_written", output=output.name, shot=shot_plan.shot_id, path=str(target)
                )
                yield shot_plan.shot_id, target.name

    def _movie_stale(self, output: Output, shot_id: str, movie: Path) -> bool:
        root = frames_root(self.context.production, output) / shot_id
        return any(p.stat().st_mtime > movie.stat().st_mtime for p in root.glob("*.png"))

    def finalize(self, cancelled: bool, writes_manifest: bool) -> str:
        """Manifest and report (unless a parallel worker's parent writes them), the result, the shot list and
        the render's status, which it returns."""
        context = self.context
        result = context.result
        base = context.production.base_dir
        if writes_manifest:
            write_manifest(base, context.production.title, self._manifest_entries())
            write_report(base, context.production.title, self._report_rows(), result.warnings)
        self._collect_statuses()
        result.output_paths = [base / MANIFEST_NAME, base / REPORT_NAME, *(o.path for o in context.outputs)]
        result.total_seconds = round(time.perf_counter() - context.timing.started, 3)
        self._update_shot_list()
        status = "cancelled" if cancelled else ("done" if result.ok else "failed")
        scene_state(context.root).render_status = status
        context.log.info(
            "render_end",
            cancelled=cancelled,
            completed=result.shots_completed,
            failed=result.shots_failed,
            seconds=result.total_seconds,
            render_seconds=round(context.timing.render_seconds, 3),
        )
        return status

    def _collect_statuses(self) -> None:
        """Each selected take with a selected output, done or failed, into the result."""
        context = self.context
        names = [o.name for o in context.outputs]
        for shot_plan in context.plan.shots:
            if context.selected is not None and shot_plan.shot_id not in context.selected:
                continue
            if not any(o in names for o in shot_plan.outputs):
                continue
            status = context.checkpoint.shot_status(context.plan, shot_plan.shot_id, names)
            if status == "done":
                context.result.shots_completed.append(shot_plan.shot_id)
            elif status == "failed":
                context.result.shots_failed.append(shot_plan.shot_id)

    def _manifest_entries(self) -> Iterator[ManifestEntry]:
        context = self.context
        for output in context.production.outputs:
            if is_movie(output):
                for shot_plan in context.plan.shots:
                    movie = movie_path(context.production, output, shot_plan.shot_id)
                    if movie.is_file():
                        yield ManifestEntry(output.name, shot_plan.shot_id, None, movie)
                continue
            for shot, per_frame in context.checkpoint.frames.get(output.name, {}).items():
                for frame, record in sorted(per_frame.items()):
                    yield ManifestEntry(
                        output.name, shot, frame, output.path / record.path, record.size, record.sha256
                    )

    def _report_rows(self) -> list[dict[str, Any]]:
        context = self.context
        planned = estimate(context.request.apply(context.production), context.shot_plan).shots
        estimates = {s.shot_id: s.seconds_per_frame for s in planned}
        contact_output = next((o for o in context.production.outputs if not is_movie(o)), None)
        names = [o.name for o in context.production.outputs]
        rows = []
        for shot_plan in context.plan.shots:
            contact = None
            if contact_output is not None:
                record = context.checkpoint.frames.get(contact_output.name, {}).get(shot_plan.shot_id, {})
                if record:
                    contact = contact_output.path / record[min(record)].path
            rows.append(
                {
                    "shot": shot_plan.shot_id,
                    "scene": shot_plan.scene_id,
                    "frames": shot_plan.frames,
                    "seconds_per_frame": context.checkpoint.seconds_per_frame(shot_plan.shot_id),
                    "estimate": estimates[context.takes[shot_plan.shot_id].shot_id],
                    "status": context.checkpoint.shot_status(context.plan, shot_plan.shot_id, names),
                    "contact": contact,
                }
            )
        return rows

    def _update_shot_list(self) -> None:
        """A shot's status in the panel's list sums up its takes: done when all are, failed when one is."""
        context = self.context
        names = [o.name for o in context.production.outputs]
        for item in scene_state(context.root).shots:
            statuses = {
                context.checkpoint.shot_status(context.plan, take_id, names)
                for take_id, take in context.takes.items()
                if take.shot_id == item.shot_id
            }
            if statuses:
                item.status = next(
                    (s for s in (FAILED, RENDERING) if s in statuses),
                    DONE if statuses == {DONE} else (RENDERING if DONE in statuses else PENDING),
                )
