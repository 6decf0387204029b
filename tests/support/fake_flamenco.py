"""A fake Flamenco Manager on 127.0.0.1 that holds both sides to Flamenco's published OpenAPI document.

Every request body is validated against the operation's request schema and every answer the fake gives
against the operation's response schema (`$ref`s resolved into `components/schemas`), so a client that passes
here speaks the schema, and the fake cannot drift from it either: an invalid answer of its own becomes a 500
and a `faults` entry that tests assert empty. Test-only: jsonschema is a test dependency.

It is stricter than a real Manager in one place: required job-type settings and their types are checked at
submission (the real Manager leaves that to its submitters).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema
import yaml

OPENAPI_CANDIDATES = (
    Path(__file__).with_name("flamenco-openapi.yaml"),
    # CI and developers have the project's shared/ folder beside the repository
    Path(__file__).resolve().parents[3] / "shared" / "reference" / "flamenco" / "flamenco-openapi.yaml",
)
MAX_BODY_BYTES = 1 << 20
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SETTING_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "int32": (int,),
    "float": (int, float),
    "bool": (bool,),
}

# The built-in job type's settings as Flamenco 3 declares them (keys, types, which are required).
SIMPLE_BLENDER_RENDER_SETTINGS: list[dict[str, Any]] = [
    {"key": "frames", "type": "string", "required": True},
    {"key": "chunk_size", "type": "int32", "default": 1, "visible": "submission"},
    {
        "key": "render_output_root",
        "type": "string",
        "subtype": "dir_path",
        "required": True,
        "visible": "submission",
    },
    {"key": "add_path_components", "type": "int32", "required": True, "default": 0, "visible": "submission"},
    {"key": "render_output_path", "type": "string", "subtype": "file_path", "editable": False},
    {"key": "blendfile", "type": "string", "required": True, "visible": "web"},
    {"key": "fps", "type": "float", "visible": "hidden"},
    {"key": "format", "type": "string", "required": True, "visible": "web"},
    {"key": "image_file_extension", "type": "string", "required": True, "visible": "hidden"},
    {"key": "has_previews", "type": "bool", "required": False, "visible": "hidden"},
]

ROUTES = (
    ("GET", "/api/v3/version"),
    ("GET", "/api/v3/jobs/types"),
    ("POST", "/api/v3/jobs/check"),
    ("POST", "/api/v3/jobs"),
    ("GET", "/api/v3/jobs/{job_id}"),
)


@functools.cache
def openapi_document() -> dict[str, Any]:
    """Parsed once per test run: the document is large and never changed."""
    for candidate in OPENAPI_CANDIDATES:
        if candidate.is_file():
            return yaml.load(candidate.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    raise FileNotFoundError(
        "Flamenco's OpenAPI document is needed by the fake Manager; put flamenco-openapi.yaml in "
        f"tests/support/ (looked in: {', '.join(str(c) for c in OPENAPI_CANDIDATES)})"
    )


class OpenApiSchemas:
    """Validators for the schemas an OpenAPI 3.0 document gives each operation."""

    def __init__(self, document: dict[str, Any]):
        self.document = document

    def errors(self, schema: dict[str, Any], instance: Any) -> list[str]:
        """Readable schema violations of `instance`; `#/components/...` refs resolve into the document."""
        root = {"allOf": [schema], "components": self.document["components"]}
        validator = jsonschema.Draft4Validator(root)
        return sorted(
            f"{'/'.join(str(part) for part in error.absolute_path) or '(body)'}: {error.message}"
            for error in validator.iter_errors(instance)
        )

    def component_errors(self, name: str, instance: Any) -> list[str]:
        return self.errors({"$ref": f"#/components/schemas/{name}"}, instance)

    def operation(self, method: str, route: str) -> dict[str, Any]:
        return self.document["paths"][route][method.lower()]

    def request_schema(self, method: str, route: str) -> dict[str, Any] | None:
        body = self.operation(method, route).get("requestBody")
        return body["content"]["application/json"]["schema"] if body else None

    def response_schema(self, method: str, route: str, status: int) -> dict[str, Any] | None:
        """The schema of the answer for `status`, None for an answer without body; KeyError if undeclared.

        Error statuses an operation does not declare (a 404 for an unknown job) must still be an `Error`: that
        is what the Manager sends for every error.
        """
        responses = self.operation(method, route)["responses"]
        response = responses.get(str(status)) or responses.get("default")
        if response is None:
            if status < 400:
                raise KeyError(status)
            return {"$ref": "#/components/schemas/Error"}
        content = response.get("content")
        return content["application/json"]["schema"] if content else None


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    body: Any


@dataclass
class InjectedError:
    method: str
    path: str
    status: int
    message: str
    after: int


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class FakeFlamencoManager:
    """Start with `with FakeFlamencoManager() as manager:`; `manager.url` is its base URL."""

    def __init__(self, name: str = "Fake Manager", version: str = "3.7"):
        self.schemas = OpenApiSchemas(openapi_document())
        self.name = name
        self.version = version
        self.job_types: list[dict[str, Any]] = [
            self._job_type("simple-blender-render", "Simple Blender Render", SIMPLE_BLENDER_RENDER_SETTINGS),
            self._job_type("echo-sleep-test", "Echo Sleep Test", [{"key": "message", "type": "string"}]),
        ]
        self.jobs: dict[str, dict[str, Any]] = {}
        self.requests: list[Recorded] = []
        self.faults: list[str] = []
        self.injected: list[InjectedError] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.manager = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeFlamencoManager:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # Test controls.

    def set_job_type(self, name: str, settings: list[dict[str, Any]] | None) -> None:
        """Replace (None: remove) a job type; its etag changes with its settings, as on a real Manager."""
        self.job_types = [jt for jt in self.job_types if jt["name"] != name]
        if settings is not None:
            self.job_types.append(self._job_type(name, name, settings))

    def etag(self, name: str) -> str:
        return next(jt["etag"] for jt in self.job_types if jt["name"] == name)

    def inject_error(self, method: str, path: str, status: int, message: str, after: int = 0) -> None:
        """Answer a coming `method path` request (the next one, after `after` others) with an `Error` body."""
        self.injected.append(InjectedError(method, path, status, message, after))

    def set_status(self, job_id: str, status: str, steps_completed: int | None = None) -> None:
        with self._lock:
            job = self.jobs[job_id]
            job["status"] = status
            job["activity"] = f"status changed to {status}"
            job["updated"] = _now()
            if steps_completed is not None:
                job["steps_completed"] = steps_completed

    def bodies(self, method: str, path: str) -> list[Any]:
        return [r.body for r in self.requests if r.method == method and r.path == path]

    # Request handling.

    def handle(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        with self._lock:
            self.requests.append(Recorded(method, path, None if body is _NO_BODY else body))
        route, params = _match_route(method, path)
        if route is None:
            return 404, {"code": 404, "message": f"no such endpoint: {method} {path}"}
        schema = self.schemas.request_schema(method, route)
        problems = []
        if schema is not None:
            problems = ["request has no JSON body"] if body is _NO_BODY else self.schemas.errors(schema, body)
        injected = self._take_injected(method, path)
        if problems:
            status, answer = (
                400,
                {"code": 400, "message": "request body has an error: " + "; ".join(problems)},
            )
        elif injected is not None:
            status, answer = injected.status, {"code": injected.status, "message": injected.message}
        else:
            try:
                status, answer = self._answer(method, route, params, body)
            except ApiError as error:
                status, answer = error.status, {"code": error.status, "message": error.message}
        return self._checked_answer(method, route, status, answer)

    def _take_injected(self, method: str, path: str) -> InjectedError | None:
        with self._lock:
            for injected in self.injected:
                if (injected.method, injected.path) != (method, path):
                    continue
                if injected.after:
                    injected.after -= 1
                    return None
                self.injected.remove(injected)
                return injected
        return None

    def _answer(self, method: str, route: str, params: dict[str, str], body: Any) -> tuple[int, Any]:
        if route == "/api/v3/version":
            return 200, {
                "version": self.version,
                "shortversion": self.version,
                "name": self.name,
                "git": "v" + self.version,
            }
        if route == "/api/v3/jobs/types":
            return 200, {"job_types": self.job_types}
        if route == "/api/v3/jobs/check":
            self._compile(body)
            return 204, None
        if route == "/api/v3/jobs":
            return 200, self._store(body, self._compile(body))
        job = self.jobs.get(params["job_id"])
        if job is None:
            raise ApiError(404, f"no job with ID {params['job_id']}")
        return 200, job

    def _checked_answer(self, method: str, route: str, status: int, answer: Any) -> tuple[int, Any]:
        """Check the fake's own answer against the declared response; an invalid one is the fake's fault."""
        try:
            schema = self.schemas.response_schema(method, route, status)
        except KeyError:
            problems = [f"HTTP {status} is not a declared answer"]
        else:
            if schema is None:
                problems = [] if answer is None else [f"HTTP {status} declares no body"]
            else:
                problems = self.schemas.errors(schema, answer)
        if not problems:
            return status, answer
        fault = f"{method} {route} -> {status}: " + "; ".join(problems)
        self.faults.append(fault)
        return 500, {"code": 500, "message": "fake manager fault: " + fault}

    def _compile(self, job: dict[str, Any]) -> int:
        """What the Manager's job compiler would refuse; returns the number of frames (the job's steps)."""
        job_type = next((jt for jt in self.job_types if jt["name"] == job["type"]), None)
        if job_type is None:
            raise ApiError(400, f"job type {job['type']!r} unknown")
        if job.get("type_etag") and job["type_etag"] != job_type["etag"]:
            raise ApiError(
                412, "rejecting submitted job because its settings are outdated, refresh the job type"
            )
        settings = job.get("settings", {})
        for setting in job_type["settings"]:
            key = setting["key"]
            if setting.get("required") and key not in settings:
                raise ApiError(400, f"setting {key!r} is required")
            allowed = SETTING_TYPES[setting["type"]]
            value = settings.get(key)
            if key in settings and (
                not isinstance(value, allowed) or (bool not in allowed and isinstance(value, bool))
            ):
                raise ApiError(400, f"setting {key!r} must be of type {setting['type']}, not {value!r}")
        frames = settings.get("frames", "")
        count = _frame_count(frames) if isinstance(frames, str) else None
        if count is None:
            raise ApiError(400, f"frames {frames!r} is not a frame range like '1-30' or '3, 5-10'")
        return count

    def _store(self, submitted: dict[str, Any], steps_total: int) -> dict[str, Any]:
        now = _now()
        job = {
            **submitted,
            "id": str(uuid.uuid4()),
            "created": now,
            "updated": now,
            "status": "queued",
            "activity": "Queued",
            "steps_completed": 0,
            "steps_total": steps_total,
        }
        with self._lock:
            self.jobs[job["id"]] = job
        return job

    @staticmethod
    def _job_type(name: str, label: str, settings: list[dict[str, Any]]) -> dict[str, Any]:
        described = {"name": name, "label": label, "settings": settings}
        digest = hashlib.sha1(json.dumps(described, sort_keys=True).encode("utf-8")).hexdigest()
        return {**described, "etag": digest}


_NO_BODY = object()


def _match_route(method: str, path: str) -> tuple[str | None, dict[str, str]]:
    for route_method, route in ROUTES:
        pattern = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(route)) + "$"
        found = re.match(pattern, path)
        if route_method == method and found:
            return route, found.groupdict()
    return None, {}


def _frame_count(frames: str) -> int | None:
    """Frames in a Flamenco frame list such as '1-30' or '3, 5-10'; None if it is not one."""
    total = 0
    for part in frames.split(","):
        found = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", part)
        if not found:
            return None
        start = int(found[1])
        end = int(found[2]) if found[2] else start
        if end < start:
            return None
        total += end - start + 1
    return total


def _now() -> str:
    return datetime.now(UTC).isoformat()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def _serve(self, method: str) -> None:
        manager: FakeFlamencoManager = self.server.manager  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self._send(413, {"code": 413, "message": "request body too large"})
            return
        raw = self.rfile.read(length) if length else b""
        body: Any = _NO_BODY
        if raw:
            try:
                body = json.loads(raw)
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                self._send(400, {"code": 400, "message": f"request body is not JSON: {error}"})
                return
        status, answer = manager.handle(method, self.path.split("?", 1)[0], body)
        self._send(status, answer)

    def _send(self, status: int, answer: Any) -> None:
        payload = b"" if answer is None else json.dumps(answer).encode("utf-8")
        self.send_response(status)
        if answer is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
