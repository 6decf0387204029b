"""Submit a production to a Flamenco 3 render farm: one `simple-blender-render` job per shot, then poll.

Why a farm path: a production outgrows one machine. Flamenco Manager takes jobs over REST (`/api/v3`, see
docs/farm.md); this module plans the job bodies (pure, testable without a Manager) and talks to the Manager
with the standard library only, so it runs inside Blender and from `run.py` alike.
"""

from __future__ import annotations

import http.client
import json
import math
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..model import Output, Production

JOB_TYPE = "simple-blender-render"
DEFAULT_CHUNK_SIZE = 10
"""Frames per Flamenco task: each task starts Blender and loads the .blend, so one frame per task wastes that
start-up; ten keeps it small against the render while still spreading a shot over several workers."""

BACKLOT_STATES = ("queued", "rendering", "done", "failed", "cancelled")

FLAMENCO_TO_BACKLOT_STATE: dict[str, str] = {
    "under-construction": "queued",
    "queued": "queued",
    "requeueing": "queued",
    "paused": "queued",
    "active": "rendering",
    "pause-requested": "rendering",
    "completed": "done",
    "failed": "failed",
    "canceled": "cancelled",
    "cancel-requested": "cancelled",
}
"""Every `JobStatus` of Flamenco's OpenAPI schema. A paused job waits for a person, like a queued one; a job
asked to pause still finishes its running tasks, so it is still rendering."""

FARM_BLEND_RENDER_SETTINGS: dict[str, bool] = {
    "use_overwrite": False,
    "use_placeholder": False,
    "use_file_extension": True,
}
"""`scene.render` values the .blend sent to the farm must be saved with (as Flamenco's own add-on does): a
requeued task then skips frames already on disk instead of rendering them again."""

IMAGE_FORMAT_EXTENSIONS: dict[str, str] = {
    "PNG": ".png",
    "OPEN_EXR": ".exr",
    "OPEN_EXR_MULTILAYER": ".exr",
    "JPEG": ".jpg",
    "TIFF": ".tif",
}
"""Blender `image_settings.file_format` ids (also valid for Blender's `--render-format`, which Flamenco passes
on) and the extension Blender gives their files."""

CONTAINER_TO_IMAGE_FORMAT = {"png": "PNG", "exr": "OPEN_EXR"}
MOVIE_FORMATS = frozenset({"FFMPEG", "AVI_JPEG", "AVI_RAW", "MP4", "MOV", "H264", "PRORES"})

_WINDOWS_ABSOLUTE = re.compile(r"^[A-Za-z]:[\\/]|^\\\\")
_UNSAFE_IN_PATH_PART = re.compile(r"[\\/:*?\"<>|\x00-\x1f]")


class FlamencoError(Exception):
    """A farm problem told the user's way: what went wrong (`message`) and what to do (`suggestion`).

    `code` is a short machine name for the CLI's `{"error": ...}` JSON.
    """

    def __init__(self, code: str, message: str, suggestion: str = ""):
        self.code = code
        self.message = message
        self.suggestion = suggestion
        super().__init__(f"{message}\n    fix: {suggestion}" if suggestion else message)

    def to_dict(self) -> dict[str, str]:
        return {"error": self.code, "message": self.message, "suggestion": self.suggestion}


class PartialSubmissionError(FlamencoError):
    """Submission stopped part-way; `submitted` lists the jobs the Manager has, so none is sent twice."""

    def __init__(self, cause: FlamencoError, submitted: Sequence[FarmJob]):
        self.submitted = tuple(submitted)
        names = ", ".join(f"{job.shot_id} (job {job.job_id})" for job in self.submitted)
        super().__init__(
            cause.code,
            f"{cause.message}; already submitted before this failure: {names}",
            f"{cause.suggestion} Submit only the remaining shots, or the listed ones render twice.".strip(),
        )


@dataclass(frozen=True)
class FarmShot:
    """What the farm needs of a shot: its frames, and the .blend (as workers see it) with its scene active."""

    shot_id: str
    frame_start: int
    frame_end: int
    blendfile: str
    scene_name: str


@dataclass(frozen=True)
class ManagerInfo:
    name: str
    version: str


@dataclass(frozen=True)
class JobTypeInfo:
    name: str
    etag: str
    required_settings: tuple[str, ...]


@dataclass(frozen=True)
class FarmJob:
    """A submitted job, as recorded in the render checkpoint."""

    shot_id: str
    job_id: str
    name: str
    state: str


@dataclass(frozen=True)
class Submission:
    manager: ManagerInfo
    jobs: tuple[FarmJob, ...]


@dataclass(frozen=True)
class JobState:
    job_id: str
    shot_id: str
    flamenco_status: str
    state: str
    steps_completed: int
    steps_total: int
    activity: str


def backlot_state(flamenco_status: str) -> str:
    """Backlot's render state (one of BACKLOT_STATES) for a Flamenco job status."""
    try:
        return FLAMENCO_TO_BACKLOT_STATE[flamenco_status]
    except KeyError:
        raise FlamencoError(
            "flamenco_unknown_status",
            f"Flamenco Manager reported job status {flamenco_status!r}, which Backlot does not know",
            f"known statuses: {', '.join(sorted(FLAMENCO_TO_BACKLOT_STATE))}; "
            "update Backlot if the Manager is newer",
        ) from None


def submitter_platform(platform: str = sys.platform) -> str:
    """Flamenco wants Go's GOOS names (linux, windows, darwin...) to apply two-way path variables."""
    if platform.startswith("win") or platform == "cygwin":
        return "windows"
    return platform.rstrip("0123456789") or platform


def blender_image_format(name: str) -> tuple[str, str]:
    """Blender file format id and file extension for a Backlot container (`png`, `exr`) or a Blender id."""
    wanted = name.strip()
    file_format = CONTAINER_TO_IMAGE_FORMAT.get(wanted.lower(), wanted.upper())
    if file_format in IMAGE_FORMAT_EXTENSIONS:
        return file_format, IMAGE_FORMAT_EXTENSIONS[file_format]
    if file_format in MOVIE_FORMATS:
        raise FlamencoError(
            "flamenco_movie_output",
            f"image format {name!r} is a movie; Flamenco's {JOB_TYPE} job type renders image sequences only",
            "render PNG or EXR frames on the farm and encode the movie from them afterwards",
        )
    raise FlamencoError(
        "flamenco_bad_input",
        f"image format {name!r} is not one Backlot sends to Flamenco",
        f"use one of: png, exr, {', '.join(IMAGE_FORMAT_EXTENSIONS)}",
    )


def plan_jobs(
    production_title: str,
    shots: Sequence[FarmShot],
    output_root: str,
    fps: float,
    image_format: str,
    priority: int = 50,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    *,
    type_etag: str = "",
    spec_hash: str = "",
    worker_tag: str = "",
    platform: str = sys.platform,
) -> list[dict[str, Any]]:
    """One Flamenco `SubmittedJob` body per shot; every input problem is reported at once.

    Frames land in `<output_root>/<shot id>/######<ext>`, Backlot's per-shot layout. `type_etag` (from the
    Manager's job type) makes the Manager refuse the job if that job type changed since; empty skips the
    check.
    """
    problems = _plan_problems(production_title, shots, output_root, fps, priority, chunk_size)
    try:
        file_format, extension = blender_image_format(image_format)
    except FlamencoError as error:
        problems.append(error.message)
    if problems:
        raise FlamencoError(
            "flamenco_bad_input",
            "cannot plan Flamenco jobs:\n  - " + "\n  - ".join(problems),
            "fix the values named above in the spec or the submit options",
        )
    root = output_root.rstrip("/\\")
    title = production_title.strip()
    jobs = []
    for shot in shots:
        metadata = {
            "backlot.production": title,
            "backlot.shot": shot.shot_id,
            "backlot.scene": shot.scene_name,
        }
        if spec_hash:
            metadata["backlot.spec_hash"] = spec_hash
        job: dict[str, Any] = {
            "name": f"{title} {shot.shot_id}",
            "type": JOB_TYPE,
            "priority": priority,
            "submitter_platform": submitter_platform(platform),
            "settings": {
                "blendfile": shot.blendfile,
                "render_output_root": root,
                "add_path_components": 0,
                "render_output_path": f"{root}/{shot.shot_id}/######",
                "frames": f"{shot.frame_start}-{shot.frame_end}",
                "chunk_size": chunk_size,
                "fps": float(fps),
                "format": file_format,
                "image_file_extension": extension,
                "has_previews": False,
            },
            "metadata": metadata,
        }
        if type_etag:
            job["type_etag"] = type_etag
        if worker_tag:
            job["worker_tag"] = worker_tag
        jobs.append(job)
    return jobs


def _plan_problems(
    production_title: str,
    shots: Sequence[FarmShot],
    output_root: str,
    fps: float,
    priority: int,
    chunk_size: int,
) -> list[str]:
    problems = []
    if not production_title.strip():
        problems.append("the production title is empty; Flamenco job names are '<production> <shot id>'")
    if not shots:
        problems.append("no shots to submit")
    if not _is_absolute(output_root):
        problems.append(
            f"output root {output_root!r} is not an absolute path; workers resolve relative paths against "
            "their own working folder"
        )
    elif not output_root.rstrip("/\\"):
        problems.append("output root '/' is the filesystem root; give the production's output folder")
    if not _is_number(fps) or fps <= 0:
        problems.append(f"fps {fps!r} must be a number above 0")
    if not _is_int(priority) or not 0 <= priority <= 100:
        problems.append(f"priority {priority!r} must be a whole number from 0 to 100 (higher renders first)")
    if not _is_int(chunk_size) or chunk_size < 1:
        problems.append(f"chunk size {chunk_size!r} must be a whole number of frames, at least 1")
    seen_ids: set[str] = set()
    scene_of_blendfile: dict[str, tuple[str, str]] = {}
    for shot in shots:
        problems.extend(_shot_problems(shot))
        if shot.shot_id in seen_ids:
            problems.append(f"shot {shot.shot_id!r} appears twice; each shot becomes one job")
        seen_ids.add(shot.shot_id)
        first = scene_of_blendfile.setdefault(shot.blendfile, (shot.shot_id, shot.scene_name))
        if first[1] != shot.scene_name:
            problems.append(
                f"shots {first[0]!r} (scene {first[1]!r}) and {shot.shot_id!r} (scene {shot.scene_name!r}) "
                f"use the same blend file {shot.blendfile!r}; {JOB_TYPE} renders the scene active when the "
                "file was saved, so save one farm copy per scene"
            )
    return problems


def _shot_problems(shot: FarmShot) -> list[str]:
    problems = []
    where = f"shot {shot.shot_id!r}"
    if not shot.shot_id or shot.shot_id in {".", ".."} or _UNSAFE_IN_PATH_PART.search(shot.shot_id):
        problems.append(
            f"{where}: the id names the shot's output folder, so it cannot be empty, '.', '..' or "
            'contain / \\ : * ? " < > |'
        )
    if not (_is_int(shot.frame_start) and _is_int(shot.frame_end)):
        problems.append(f"{where}: frames {shot.frame_start!r}-{shot.frame_end!r} must be whole numbers")
    elif not 0 <= shot.frame_start <= shot.frame_end:
        problems.append(
            f"{where}: frame range {shot.frame_start}-{shot.frame_end} must start at 0 or later and not end "
            "before it starts"
        )
    if not _is_absolute(shot.blendfile):
        problems.append(f"{where}: blend file {shot.blendfile!r} is not an absolute path workers can open")
    if not shot.scene_name:
        problems.append(f"{where}: the scene name is empty")
    return problems


def _is_absolute(path: str) -> bool:
    """Absolute on any worker OS, or rooted in a Flamenco variable such as `{jobs}`."""
    return isinstance(path, str) and (
        path.startswith(("/", "{")) or _WINDOWS_ABSOLUTE.match(path) is not None
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


class FlamencoClient:
    """Flamenco Manager's REST API (`/api/v3`), just the calls a submitter needs.

    Proxy environment variables are ignored: a Manager lives on the studio network, and a proxy in between
    turns a clear "connection refused" into a confusing proxy error page.
    """

    def __init__(self, base_url: str, timeout: float = 10.0):
        parsed = urllib.parse.urlsplit(base_url.strip())
        if parsed.scheme not in {"http", "https"} or not parsed.hostname:
            raise FlamencoError(
                "flamenco_bad_input",
                f"Flamenco Manager URL {base_url!r} is not an http(s) address",
                "give it as http://HOST:PORT, e.g. http://flamenco-manager:8080 (the Manager's default port)",
            )
        if not _is_number(timeout) or timeout <= 0:
            raise FlamencoError("flamenco_bad_input", f"timeout {timeout!r} must be seconds above 0")
        self.base_url = base_url.strip().rstrip("/")
        self.timeout = float(timeout)
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def manager_info(self) -> ManagerInfo:
        """Ask the Manager who it is, which also proves the URL points at a Flamenco Manager."""
        answer = self._request("GET", "/api/v3/version", "tell its version")
        return ManagerInfo(
            name=self._field(answer, "name", str, "version answer"),
            version=self._field(answer, "version", str, "version answer"),
        )

    def job_type(self, name: str = JOB_TYPE) -> JobTypeInfo:
        answer = self._request("GET", "/api/v3/jobs/types", "list its job types")
        job_types = self._field(answer, "job_types", list, "job types answer")
        names = [entry.get("name") for entry in job_types if isinstance(entry, dict)]
        for entry in job_types:
            if isinstance(entry, dict) and entry.get("name") == name:
                settings = self._field(entry, "settings", list, f"job type {name}")
                required = tuple(
                    str(setting.get("key"))
                    for setting in settings
                    if isinstance(setting, dict) and setting.get("required") is True
                )
                return JobTypeInfo(name, self._field(entry, "etag", str, f"job type {name}"), required)
        offered = ", ".join(str(n) for n in names) or "none"
        raise FlamencoError(
            "flamenco_job_type_missing",
            f"this Manager has no {name} job type (it offers: {offered})",
            f"{name} ships with Flamenco 3; restore it in the Manager's job scripts, or update the Manager",
        )

    def check_job(self, job: dict[str, Any]) -> None:
        """Let the Manager compile the job without storing it: a bad job fails before anything is queued."""
        self._request("POST", "/api/v3/jobs/check", f"accept job {job.get('name')!r}", job)

    def submit_job(self, job: dict[str, Any]) -> dict[str, Any]:
        answer = self._request("POST", "/api/v3/jobs", f"queue job {job.get('name')!r}", job)
        self._field(answer, "id", str, "submitted job")
        return answer

    def job_status(self, job_id: str) -> JobState:
        answer = self._request(
            "GET", f"/api/v3/jobs/{urllib.parse.quote(job_id, safe='')}", f"report job {job_id}"
        )
        what = f"job {job_id}"
        status = self._field(answer, "status", str, what)
        metadata = answer.get("metadata") if isinstance(answer.get("metadata"), dict) else {}
        return JobState(
            job_id=job_id,
            shot_id=str(metadata.get("backlot.shot", "")),
            flamenco_status=status,
            state=backlot_state(status),
            steps_completed=self._field(answer, "steps_completed", int, what),
            steps_total=self._field(answer, "steps_total", int, what),
            activity=self._field(answer, "activity", str, what),
        )

    def submit_production(
        self,
        production_title: str,
        shots: Sequence[FarmShot],
        output_root: str,
        fps: float,
        image_format: str,
        priority: int = 50,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        *,
        spec_hash: str = "",
        worker_tag: str = "",
    ) -> Submission:
        """Check every shot's job with the Manager, then queue them: none is queued if a check fails."""
        manager = self.manager_info()
        job_type = self.job_type()
        jobs = plan_jobs(
            production_title,
            shots,
            output_root,
            fps,
            image_format,
            priority,
            chunk_size,
            type_etag=job_type.etag,
            spec_hash=spec_hash,
            worker_tag=worker_tag,
        )
        unfilled = [key for key in job_type.required_settings if key not in jobs[0]["settings"]]
        if unfilled:
            raise FlamencoError(
                "flamenco_job_type_changed",
                f"this Manager's {JOB_TYPE} job type requires settings Backlot does not fill: "
                + ", ".join(unfilled),
                "the job type was customised on the Manager; restore Flamenco's built-in one",
            )
        for job in jobs:
            self.check_job(job)
        submitted: list[FarmJob] = []
        for shot, job in zip(shots, jobs, strict=True):
            try:
                answer = self.submit_job(job)
            except FlamencoError as error:
                if submitted:
                    raise PartialSubmissionError(error, submitted) from None
                raise
            status = answer.get("status")
            state = backlot_state(status) if isinstance(status, str) else "queued"
            submitted.append(FarmJob(shot.shot_id, answer["id"], job["name"], state))
        return Submission(manager, tuple(submitted))

    def _request(self, method: str, path: str, action: str, body: dict[str, Any] | None = None) -> Any:
        """One HTTP exchange; every failure becomes a FlamencoError naming the Manager and the action."""
        url = self.base_url + path
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(
            url, data=data, method=method, headers={"Accept": "application/json"}
        )
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            raise self._http_error(error, path, action) from None
        except urllib.error.URLError as error:
            raise self._unreachable(error.reason) from None
        except (OSError, http.client.HTTPException) as error:
            raise self._unreachable(error) from None
        if not raw:
            return None
        try:
            return json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise FlamencoError(
                "flamenco_bad_answer",
                f"the server at {self.base_url} answered {method} {path} with something that is not JSON",
                "check the URL points at the Flamenco Manager itself, e.g. http://flamenco-manager:8080",
            ) from None

    def _unreachable(self, reason: object) -> FlamencoError:
        if isinstance(reason, TimeoutError):
            return FlamencoError(
                "flamenco_unreachable",
                f"Flamenco Manager at {self.base_url} did not answer within {self.timeout:g} s",
                "check the Manager is not overloaded or stuck, or raise the timeout",
            )
        return FlamencoError(
            "flamenco_unreachable",
            f"cannot reach Flamenco Manager at {self.base_url}: is it running? ({reason})",
            "start flamenco-manager; check the host, the port (default 8080) and the network between",
        )

    def _http_error(self, error: urllib.error.HTTPError, path: str, action: str) -> FlamencoError:
        detail = _error_message(error)
        status = error.code
        if status == 404 and path == "/api/v3/version":
            return FlamencoError(
                "flamenco_bad_answer",
                f"no Flamenco API at {self.base_url} (HTTP 404 for {path})",
                "give the Manager's own address without a path, e.g. http://flamenco-manager:8080",
            )
        message = f"Flamenco Manager at {self.base_url} refused to {action} (HTTP {status})"
        if detail:
            message += f": {detail}"
        if status == 412:
            suggestion = f"the {JOB_TYPE} job type changed on the Manager during submission; submit again"
        elif status == 503:
            suggestion = "the Manager's database is busy; wait a moment and try again"
        elif status >= 500:
            suggestion = "the Manager hit an internal problem; look at its log, then try again"
        else:
            suggestion = "fix what the Manager names above and try again"
        return FlamencoError("flamenco_rejected", message, suggestion)

    def _field(self, answer: Any, key: str, kind: type, what: str) -> Any:
        """A required field of a Manager answer; a missing one means this is not the Manager we know."""
        value = answer.get(key) if isinstance(answer, dict) else None
        if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
            return value
        raise FlamencoError(
            "flamenco_bad_answer",
            f"the {what} from {self.base_url} has no valid {key!r}; is this a Flamenco 3 Manager?",
            "check the URL and that the Manager runs Flamenco 3.x",
        )


def _error_message(error: urllib.error.HTTPError) -> str:
    """The `message` of the Manager's `Error` body, or the start of whatever else it sent."""
    try:
        raw = error.read()
    except OSError:
        return ""
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return raw[:200].decode("utf-8", "replace").strip()
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return body["message"]
    return ""


def farm_output(production: Production, name: str | None) -> Output:
    """The output the farm renders: the one named, else the first PNG/EXR output without a retro look."""
    candidates = [
        o for o in production.outputs if o.container in CONTAINER_TO_IMAGE_FORMAT and o.retro is None
    ]
    if name:
        chosen = next((o for o in production.outputs if o.name == name), None)
        if chosen is None or chosen not in candidates:
            raise FlamencoError(
                "farm_output",
                f"output '{name}' cannot be rendered on the farm",
                "name a PNG or EXR output without a retro look: " + ", ".join(o.name for o in candidates),
            )
        return chosen
    if not candidates:
        raise FlamencoError(
            "farm_output",
            "the production has no PNG or EXR output the farm can render",
            "add an image-sequence output (container: png or exr); encode movies and retro looks afterwards",
        )
    return candidates[0]
