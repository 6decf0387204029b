"""Normalised, validated spec data -> the immutable model. Runs only when validation found no errors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any, TypeVar

from .. import model as m
from ..model import Sensor
from ..values import Duration
from .presets import deep_merge

T = TypeVar("T")


def _make(cls: type[T], data: dict[str, Any] | None, **overrides: Any) -> T:
    """Build a dataclass from the keys it declares; unknown keys go to `settings` when it has one."""
    data = dict(data or {})
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    kwargs = {k: v for k, v in data.items() if k in names}
    if "settings" in names:
        kwargs["settings"] = {k: v for k, v in data.items() if k not in names}
    kwargs.update(overrides)
    return cls(**kwargs)


def _render(data: dict[str, Any] | None, base: m.RenderSettings | None = None) -> m.RenderSettings:
    merged = {f.name: getattr(base, f.name) for f in fields(m.RenderSettings)} if base else {}
    merged.update(data or {})
    return _make(m.RenderSettings, merged)


def _lighting(data: dict[str, Any] | None) -> m.Lighting:
    data = dict(data or {})
    return _make(m.Lighting, data, gels=dict(data.get("gels") or {}))


def _camera(data: dict[str, Any] | None, sensors: Mapping[str, Sensor]) -> m.CameraSpec:
    data = data or {}
    return _make(m.CameraSpec, data, sensor=sensors[data.get("sensor") or m.DEFAULT_SENSOR])


def _scene_lighting(location: dict[str, Any], scene: dict[str, Any]) -> dict[str, Any]:
    """A scene naming its own lighting preset replaces the location's default; other keys refine it."""
    if scene.get("preset") and scene.get("preset") != location.get("preset"):
        return scene
    return deep_merge(location, scene)


def build_model(
    data: dict[str, Any], base_dir: Path, spec_hash: str, sensors: Mapping[str, Sensor]
) -> m.Production:
    """`sensors`: every sensor preset the cameras name (or default to), resolved by the validation."""
    fps = float(data.get("fps") or 24)
    render = _render(data.get("render"))
    characters = _characters(data, base_dir)
    costumes = _costumes(data)
    locations = _locations(data, base_dir)
    _inherit_scene_lighting(data)
    scenes = _scenes(data)
    shots = _shots(data, fps, render, sensors)
    outputs = _outputs(data, base_dir)
    return m.Production(
        title=data["title"],
        version=data["version"],
        base_dir=base_dir,
        author=data.get("author") or "",
        description=data.get("description") or "",
        script=_resolve(base_dir, data.get("script")),
        fps=fps,
        aspect_ratio=data.get("aspect_ratio"),
        style=_make(m.Style, data.get("style")),
        render=render,
        characters=characters,
        costumes=costumes,
        locations=locations,
        scenes=scenes,
        shots=shots,
        outputs=outputs,
        spec_hash=spec_hash,
    )


def _resolve(base_dir: Path, path: Any) -> Path | None:
    """A file the spec names, relative to its folder; None when not given."""
    return (base_dir / path).resolve() if isinstance(path, str) else None


def _characters(data: dict[str, Any], base_dir: Path) -> tuple[m.Character, ...]:
    return tuple(
        _make(
            m.Character,
            c,
            model=_resolve(base_dir, c.get("model")),
            wardrobe=tuple(
                m.WardrobeEntry(tuple(w["scenes"]), w["costume"]) for w in c.get("wardrobe") or []
            ),
        )
        for c in data.get("characters") or []
    )


def _costumes(data: dict[str, Any]) -> tuple[m.Costume, ...]:
    return tuple(
        _make(
            m.Costume, c, name=name, pieces=tuple(c.get("pieces") or ()), colors=tuple(c.get("colors") or ())
        )
        for name, c in (data.get("costumes") or {}).items()
    )


def _locations(data: dict[str, Any], base_dir: Path) -> tuple[m.Location, ...]:
    return tuple(
        _make(
            m.Location,
            loc,
            hdri=_resolve(base_dir, loc.get("hdri")),
            model=_resolve(base_dir, loc.get("model")),
            geo=_make(m.Geo, loc["geo"]) if loc.get("geo") else None,
            marks={k: tuple(v) for k, v in (loc.get("marks") or {}).items()},
            lighting=_lighting(loc["lighting"]) if loc.get("lighting") else None,
        )
        for loc in data.get("locations") or []
    )


def _inherit_scene_lighting(data: dict[str, Any]) -> None:
    """Each scene's lighting becomes its location's, refined by the scene; written into the data, since
    shots refine their scene's lighting in turn."""
    location_lighting = {loc.get("name"): loc.get("lighting") or {} for loc in data.get("locations") or []}
    for s in data.get("scenes") or []:
        s["lighting"] = _scene_lighting(location_lighting.get(s.get("location"), {}), s.get("lighting") or {})


def _scenes(data: dict[str, Any]) -> tuple[m.Scene, ...]:
    return tuple(
        _make(
            m.Scene,
            s,
            lighting=_lighting(s.get("lighting")),
            characters=tuple(s.get("characters") or ()),
            blocking=dict(s.get("blocking") or {}),
            line=tuple(s.get("line") or ()),
        )
        for s in data.get("scenes") or []
    )


def _shots(
    data: dict[str, Any], fps: float, render: m.RenderSettings, sensors: Mapping[str, Sensor]
) -> tuple[m.Shot, ...]:
    """Durations in frames at `fps`; a shot's own lighting refines its scene's, its render settings the
    production's."""
    raw_scene_lighting = {s.get("id"): s.get("lighting") or {} for s in data.get("scenes") or []}
    shots = []
    for s in data.get("shots") or []:
        duration: Duration = s["duration"]
        lighting = None
        if s.get("lighting"):
            lighting = _lighting(deep_merge(raw_scene_lighting.get(s["scene"], {}), s["lighting"]))
        focus = s.get("focus") or {}
        shots.append(
            _make(
                m.Shot,
                s,
                duration=duration.to_frames(fps),
                size=s.get("size") or "MS",
                camera=_camera(s.get("camera"), sensors),
                cameras=tuple(_camera(c, sensors) for c in s.get("cameras") or []),
                focus=_make(
                    m.Focus, focus, pull=tuple(focus.get("pull") or ()), at=tuple(focus.get("at") or ())
                ),
                subjects=tuple(s.get("subjects") or ()),
                lighting=lighting,
                render=_render(s.get("render"), render),
                blocking=dict(s.get("blocking") or {}),
            )
        )
    return tuple(shots)


def _outputs(data: dict[str, Any], base_dir: Path) -> tuple[m.Output, ...]:
    return tuple(
        _make(
            m.Output,
            o,
            path=(base_dir / o["path"]).resolve(),
            relative_path=o["path"],
            resolution=tuple(o.get("resolution") or (1920, 1080)),
            retro=_make(
                m.Retro,
                o["retro"],
                resolution=tuple(o["retro"]["resolution"]) if o["retro"].get("resolution") else None,
            )
            if o.get("retro")
            else None,
            shots=tuple(o.get("shots") or ()),
        )
        for o in data.get("outputs") or []
    )
