"""What a take's pixels are made from, as a digest per take and per output, so a resumed render re-renders
exactly the frames an edit of the spec changed.

A take's digest covers everything its masters are rendered from: the production-wide settings, its story
scene (the scene, its location, cast and costumes, its timeline), the shot (and its frames) and the take's
camera, and the master's size and bit depth (set by all the outputs together). A shot's pixels depend on the
scene's other shots too: their blocking walks the cast from shot to shot, their lighting keys the lamps at
their first frame, and the first shot's subject and camera angle place the lights (departments/lighting.py);
so those parts count for every shot of the scene, while the parts that only aim a shot's own camera (lens,
move, framing...) count for that shot alone. A department that comes to read more of another shot must add it
here. An output's digest adds the output's own settings to its take's. A file the model names (a character
model, an HDRI) counts by its size and modification time.

Not covered: preset files read at build time (gels, palettes, consoles) when the spec itself does not change,
and hand edits in the .blend.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Iterable
from datetime import date, time
from pathlib import Path
from typing import Any, NamedTuple

from ..model import Output, Production, Scene, Shot
from ..plan import Plan, camera_resolution
from .request import is_movie, production_takes

FORMAT = 1  # bump when what a digest covers changes: every frame then counts as changed once
# Production fields that do not reach a take's pixels, or that are taken per scene and shot instead.
NOT_PRODUCTION_WIDE = frozenset(
    {"title", "version", "author", "description", "script", "base_dir", "spec_hash"}
    | {"characters", "costumes", "locations", "scenes", "shots", "outputs"}
)
# Shot fields that only aim and shape the shot's own camera and render: not part of its scene's shared state.
OWN_CAMERA_FIELDS = frozenset(
    {"size", "template", "subject", "subjects", "camera", "cameras", "focus", "render", "description"}
)
# Output fields that say where and for which shots, not what the pixels are.
NOT_PIXELS = frozenset({"name", "path", "relative_path", "shots"})


class Fingerprints(NamedTuple):
    takes: dict[str, str]  # take id -> digest of its masters
    outputs: dict[str, dict[str, str]]  # output name -> take id -> digest (only the takes the output covers)


def fingerprints(production: Production, plan: Plan) -> Fingerprints:
    """The digests of every take of `plan` and of every output of each take, for `production` as the render
    sees it (the request's engine, samples and size overrides applied)."""
    base = production.base_dir
    wide = {
        f.name: _plain(getattr(production, f.name), base)
        for f in dataclasses.fields(production)
        if f.name not in NOT_PRODUCTION_WIDE
    }
    depth = master_depth(production.outputs)
    frames = {p.shot_id: [p.frame_start, p.frame_end] for p in plan.shots}
    wanted = {p.shot_id: p.outputs for p in plan.shots}
    settings = {o.name: _output(o, base) for o in production.outputs}
    scenes: dict[str, str] = {}
    takes: dict[str, str] = {}
    outputs: dict[str, dict[str, str]] = {o.name: {} for o in production.outputs}
    for take_id, take in production_takes(production, plan).items():
        shot = production.shot(take.shot_id)
        if shot.scene not in scenes:
            scenes[shot.scene] = digest(_scene_state(production, plan, production.scene(shot.scene)))
        takes[take_id] = digest(
            {
                "format": FORMAT,
                "production": wide,
                "scene": scenes[shot.scene],
                "shot": _plain(shot, base),
                "frames": frames[shot.id],
                "camera": take.camera,
                "master": [camera_resolution(production, take.spec), depth],
            }
        )
        for output in production.outputs:
            if output.name in wanted[shot.id]:
                made = {"take": takes[take_id], "output": settings[output.name]}
                outputs[output.name][take_id] = digest(made)
    return Fingerprints(takes, outputs)


def master_depth(outputs: Iterable[Output]) -> str:
    """Bits per channel of a frame's display master: 16 when a 16-bit PNG output wants the frame, else 8.
    Every output is derived from that master, so its depth reaches every output's pixels."""
    deep = any(o.color_depth != "8" and o.container == "png" and o.retro is None for o in outputs)
    return "16" if deep else "8"


def digest(value: Any) -> str:
    """SHA-256 of a stable JSON text (sorted keys, no whitespace) of plain data."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _scene_state(production: Production, plan: Plan, scene: Scene) -> dict[str, Any]:
    """What every shot of a story scene is rendered in: the scene, its set, cast and timeline, and the parts
    of its shots that reach the others (the first shot's subject and camera angle place the lights)."""
    base = production.base_dir
    cast = [production.character(name) for name in scene.characters]
    worn = [c.costume_for(scene.id) for c in cast]
    shots = production.shots_in(scene.id)
    frames = {p.shot_id: [p.frame_start, p.frame_end] for p in plan.shots}
    return {
        "scene": _plain(scene, base),
        "timeline": list(plan.scene_ranges.get(scene.id, ())),
        "location": _plain(production.location(scene.location), base),
        "cast": _plain(cast, base),
        "costumes": [_plain(production.costume(n), base) if n else None for n in worn],
        "lights_from": [shots[0].subject, shots[0].camera.angle] if shots else None,
        "shots": [[_shared(shot, base), frames.get(shot.id)] for shot in shots],
    }


def _shared(shot: Shot, base: Path) -> dict[str, Any]:
    return {
        f.name: _plain(getattr(shot, f.name), base)
        for f in dataclasses.fields(shot)
        if f.name not in OWN_CAMERA_FIELDS
    }


def _output(output: Output, base: Path) -> dict[str, Any]:
    plain = {
        f.name: _plain(getattr(output, f.name), base)
        for f in dataclasses.fields(output)
        if f.name not in NOT_PIXELS
    }
    plain["movie"] = is_movie(output)
    return plain


def _plain(value: Any, base: Path) -> Any:
    """Model values as JSON data; a file path as where it is (relative to the production folder) and its
    size and modification time, so replacing the file counts as a change."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name), base) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(key): _plain(item, base) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item, base) for item in value]
    if isinstance(value, Path):
        return _file_stamp(value, base)
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if value is None or isinstance(value, str | int | float):
        return value
    raise TypeError(f"cannot take a fingerprint of a {type(value).__name__}: teach fingerprints._plain it")


def _file_stamp(path: Path, base: Path) -> list[Any]:
    where = path.relative_to(base).as_posix() if path.is_relative_to(base) else str(path)
    try:
        status = path.stat()
    except OSError:
        return [where, None, None]
    return [where, status.st_size, status.st_mtime_ns]
