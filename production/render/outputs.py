"""Finalize artefacts: manifest.json, production.log (JSON lines), report.html and the ProductionResult.

Pure and small on purpose: the render loop hands over what it recorded; everything written stays inside the
production's output root.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import os
import tempfile
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Any, TextIO

from ..diagnostics import ProductionError
from .safe_files import relative_inside, writable, writing

MANIFEST_NAME = "manifest.json"
REPORT_NAME = "report.html"
LOG_NAME = "production.log"
LEVELS = ("debug", "info", "warning", "error")


def _new_file_mode() -> int:
    """The mode `open()` gives a new file (0666 less the umask): `mkstemp` leaves 0600."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _write_atomic(path: Path, text: str, root: Path) -> None:
    """Readers never see half a file: write a sibling temporary file, then rename it over the target. Not
    through a link leaving `root`; a failed write (a full disk) is a ProductionError."""
    writable(path, root)
    with writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
        try:
            os.fchmod(fd, _new_file_mode())
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def sha256_file(path: str | Path, chunk_size: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


# -- manifest ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ManifestEntry:
    """One output file. Size and checksum are computed from the file when not given."""

    output: str
    shot: str
    frame: int | None  # None for a per-shot movie
    path: Path  # absolute, or relative to the manifest's root
    size: int | None = None
    sha256: str | None = None


def write_manifest(root: str | Path, production_title: str, entries: Iterable[ManifestEntry]) -> Path:
    """`<root>/manifest.json`: each output file: output, shot, frame, path relative to root, size, sha256."""
    root = Path(root)
    files: list[dict[str, Any]] = []
    for entry in entries:
        path = entry.path if entry.path.is_absolute() else root / entry.path
        relative = relative_inside(path, root)
        if relative is None:
            raise ProductionError(
                f"output file {path} is outside the production folder {root}",
                "remove the link that leads it out, then run the same command with --resume",
                code="path_escape",
            )
        size = entry.size if entry.size is not None else path.stat().st_size
        digest = entry.sha256 if entry.sha256 is not None else sha256_file(path)
        files.append(
            {
                "output": entry.output,
                "shot": entry.shot,
                "frame": entry.frame,
                "path": relative,
                "size": size,
                "sha256": digest,
            }
        )
    files.sort(key=lambda f: (f["output"], f["shot"], f["frame"] is None, f["frame"] or 0, f["path"]))
    manifest = {
        "title": production_title,
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "count": len(files),
        "total_bytes": sum(f["size"] for f in files),
        "files": files,
    }
    target = root / MANIFEST_NAME
    _write_atomic(target, json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", root)
    return target


# -- production.log ------------------------------------------------------------------------------------------
class ProductionLog:
    """JSON lines, flushed per line: a killed process loses at most the line being written."""

    def __init__(self, path: str | Path, root: str | Path | None = None, fsync: bool = False):
        self.path = Path(path)
        if root is not None:
            writable(self.path, Path(root))
        self.fsync = fsync
        with writing(self.path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle: TextIO | None = self.path.open("a", encoding="utf-8", newline="\n")
            if self._ends_mid_line():
                self._handle.write("\n")  # a kill mid-write left half a line: never glue the next event to it
                self._handle.flush()

    def _ends_mid_line(self) -> bool:
        try:
            with self.path.open("rb") as handle:
                handle.seek(0, os.SEEK_END)
                if handle.tell() == 0:
                    return False
                handle.seek(-1, os.SEEK_END)
                return handle.read(1) != b"\n"
        except OSError:
            return False

    def log(self, level: str, event: str, /, **fields: Any) -> dict[str, Any]:
        if self._handle is None:
            raise ValueError(f"production log {self.path} is closed")
        record: dict[str, Any] = {
            "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "level": level if level in LEVELS else "info",
            "event": event,
        }
        for key, value in fields.items():
            record[f"field_{key}" if key in record else key] = value
        with writing(self.path):
            self._handle.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
            self._handle.flush()
            if self.fsync:
                os.fsync(self._handle.fileno())
        return record

    def debug(self, event: str, /, **fields: Any) -> dict[str, Any]:
        return self.log("debug", event, **fields)

    def info(self, event: str, /, **fields: Any) -> dict[str, Any]:
        return self.log("info", event, **fields)

    def warning(self, event: str, /, **fields: Any) -> dict[str, Any]:
        return self.log("warning", event, **fields)

    def error(self, event: str, /, **fields: Any) -> dict[str, Any]:
        return self.log("error", event, **fields)

    def close(self) -> None:
        """Lines are flushed as they are logged: closing can only fail on one whose failure was reported."""
        if self._handle is not None:
            with contextlib.suppress(OSError):
                self._handle.close()
            self._handle = None

    def __enter__(self) -> ProductionLog:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


def read_events(path: str | Path, event: str | None = None) -> list[dict[str, Any]]:
    """Every readable event (optionally of one kind); a truncated or garbled line is skipped, never fatal."""
    try:
        text = Path(path).read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return []
    events = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and (event is None or record.get("event") == event):
            events.append(record)
    return events


# -- report.html ---------------------------------------------------------------------------------------------
def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _relative_src(value: Any, root: Path) -> str | None:
    """A contact frame as a link relative to the report's folder: an absolute path must lie inside it, a
    relative one must not climb out; quoting makes a scheme a name."""
    if isinstance(value, os.PathLike) and Path(value).is_absolute():
        value = str(value)
    if not isinstance(value, str) or not value:
        return None
    if Path(value).is_absolute():
        value = relative_inside(Path(value), root)
        if value is None:
            return None
    elif "\\" in value:
        return None
    pure = PurePosixPath(value)
    if pure.is_absolute() or ".." in pure.parts:
        return None
    return urllib.parse.quote(pure.as_posix(), safe="/")


def _seconds(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:.2f}"
    return "–"


CSS = """body{font-family:system-ui,sans-serif;margin:2em;color:#222}
h1{margin-bottom:.2em}.sheet{display:flex;flex-wrap:wrap;gap:12px}
figure{margin:0;width:240px}figure img{width:240px;height:auto;background:#ddd;display:block}
figcaption{font-size:.85em}table{border-collapse:collapse;margin-top:1em}
td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}
.failed{color:#b00}.warnings li{color:#850}"""


def write_report(
    root: str | Path,
    title: str,
    shots: Iterable[Mapping[str, Any]],
    warnings: Iterable[str] = (),
) -> Path:
    """`<root>/report.html`, self-contained (inline CSS, images by relative path), every text HTML-escaped.

    Each shot: shot, scene, frames, seconds_per_frame (measured), estimate (seconds per frame), status,
    contact (path of one frame: relative to root, or absolute inside it).
    """
    root = Path(root)
    shots = list(shots)
    warnings = list(warnings)
    figures = []
    rows = []
    total_actual = 0.0
    total_estimate = 0.0
    for shot in shots:
        src = _relative_src(shot.get("contact"), root)
        caption = f"{_e(shot.get('shot'))} · {_e(shot.get('scene'))}"
        image = f'<img src="{_e(src)}" alt="{_e(shot.get("shot"))}">' if src else "<div>(no frame)</div>"
        figures.append(f"<figure>{image}<figcaption>{caption}</figcaption></figure>")
        frames = shot.get("frames")
        actual = shot.get("seconds_per_frame")
        est = shot.get("estimate")
        count = frames if isinstance(frames, int) and not isinstance(frames, bool) else 0
        if isinstance(actual, int | float) and not isinstance(actual, bool):
            total_actual += actual * count
        if isinstance(est, int | float) and not isinstance(est, bool):
            total_estimate += est * count
        ratio = (
            f"{actual / est:.2f}"
            if isinstance(actual, int | float) and isinstance(est, int | float) and est
            else "–"
        )
        status = _e(shot.get("status"))
        css = ' class="failed"' if shot.get("status") == "failed" else ""
        rows.append(
            f"<tr{css}><td>{_e(shot.get('shot'))}</td><td>{_e(shot.get('scene'))}</td><td>{_e(frames)}</td>"
            f"<td>{_seconds(est)}</td><td>{_seconds(actual)}</td><td>{ratio}</td><td>{status}</td></tr>"
        )
    warning_items = "".join(f"<li>{_e(w)}</li>" for w in warnings) or "<li>none</li>"
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{_e(title)} – render report</title>
<style>{CSS}</style></head><body>
<h1>{_e(title)}</h1>
<p>Generated {_e(datetime.now(UTC).isoformat(timespec="seconds"))} · {len(shots)} shots</p>
<h2>Contact sheet</h2>
<div class="sheet">{"".join(figures)}</div>
<h2>Timings</h2>
<table><thead><tr><th>shot</th><th>scene</th><th>frames</th><th>estimate s/frame</th><th>actual s/frame</th>
<th>actual/estimate</th><th>status</th></tr></thead>
<tbody>{"".join(rows)}</tbody>
<tfoot><tr><td>total</td><td></td><td></td><td>{total_estimate:.1f} s</td><td>{total_actual:.1f} s</td>
<td></td><td></td></tr></tfoot></table>
<h2>Warnings</h2>
<ul class="warnings">{warning_items}</ul>
</body></html>
"""
    target = root / REPORT_NAME
    _write_atomic(target, page, root)
    return target


# -- result --------------------------------------------------------------------------------------------------
@dataclass
class ProductionResult:
    """What a render returns to the API and the CLI prints (`--json` prints to_dict())."""

    shots_completed: list[str] = field(default_factory=list)
    shots_failed: list[str] = field(default_factory=list)
    total_seconds: float = 0.0
    output_paths: list[Path] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.shots_failed and not self.errors

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["output_paths"] = [str(p) for p in self.output_paths]
        data["ok"] = self.ok
        return data
