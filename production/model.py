"""The validated production: immutable, typed, presets resolved, durations in frames.

Departments, the planner and the render loop read only this; they never see raw YAML.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from .values import TimeOfDay

RGB = tuple[float, float, float]
DEFAULT_SENSOR = "full_frame"
"""Sensor preset of a camera that names none (a user preset folder may redefine it)."""


@dataclass(frozen=True)
class Sensor:
    """A camera gate; ``squeeze`` > 1 is an anamorphic lens (scene squeezed that many times)."""

    name: str
    width_mm: float
    height_mm: float
    squeeze: float = 1.0
    coc_mm: float | None = None

    @property
    def effective_width_mm(self) -> float:
        """Width of the gate as the desqueezed image sees it: what Blender's ``sensor_width`` must be."""
        return self.width_mm * self.squeeze

    @property
    def circle_of_confusion_mm(self) -> float:
        """The preset's value, else the common diagonal/1442 rule (0.030 mm on full frame)."""
        if self.coc_mm is not None:
            return self.coc_mm
        return math.hypot(self.width_mm, self.height_mm) / 1442.0


@dataclass(frozen=True)
class RenderSettings:
    engine: str = "eevee"
    samples: int = 32
    motion_blur: bool = False
    shutter: float = 0.5
    denoise: bool = False
    resolution_percentage: int = 100
    film_transparent: bool = False
    seed: int = 0


@dataclass(frozen=True)
class Style:
    preset: str | None = None
    era: str = "present"
    mood: str = ""
    view_transform: str = "AgX"
    look: str = ""
    exposure: float = 0.0
    gamma: float = 1.0
    white_balance: float = 6500.0
    grain: float = 0.0
    bloom: float = 0.0
    saturation: float = 1.0


@dataclass(frozen=True)
class WardrobeEntry:
    scenes: tuple[str, ...]
    costume: str


@dataclass(frozen=True)
class Character:
    name: str
    height: float = 1.75
    build: str = "average"
    model: Path | None = None
    collection: str | None = None
    link: bool = True
    wardrobe: tuple[WardrobeEntry, ...] = ()
    hair_color: RGB | None = None
    skin_tone: RGB | None = None
    color: RGB | None = None
    makeup: str = ""
    notes: str = ""

    def costume_for(self, scene_id: str) -> str | None:
        for entry in self.wardrobe:
            if scene_id in entry.scenes:
                return entry.costume
        return None


@dataclass(frozen=True)
class Costume:
    name: str
    pieces: tuple[str, ...] = ()
    colors: tuple[RGB, ...] = ()
    material: str = "cotton"
    condition: str = "pristine"
    description: str = ""


@dataclass(frozen=True)
class Lighting:
    preset: str | None = None
    setup: str = "three_point"
    key_fill_ratio: float = 2.0
    rim_stops: float = 0.0
    key_angle: float = 40.0
    key_side: str = "left"
    key_kelvin: float | None = None
    intensity: float | None = None
    gels: dict[str, str] = field(default_factory=dict)
    practicals: bool = True
    day_to_night: bool = False


@dataclass(frozen=True)
class Geo:
    latitude: float = 0.0
    longitude: float = 0.0
    utc_offset: float = 0.0


@dataclass(frozen=True)
class Location:
    name: str
    preset: str | None = None
    interior: bool = False
    hdri: Path | None = None
    hdri_rotation: float = 0.0
    hdri_strength: float = 1.0
    geo: Geo | None = None
    date: str | None = None
    weather: str = "clear"
    model: Path | None = None
    collection: str | None = None
    marks: dict[str, tuple[float, ...]] = field(default_factory=dict)
    lighting: Lighting | None = None  # default setup for scenes here
    description: str = ""
    settings: dict[str, Any] = field(default_factory=dict)  # set builder keys: set, size, surfaces...


@dataclass(frozen=True)
class Scene:
    id: str
    location: str
    heading: str = ""
    time: TimeOfDay | None = None
    characters: tuple[str, ...] = ()
    lighting: Lighting = field(default_factory=Lighting)
    blocking: dict[str, str] = field(default_factory=dict)
    description: str = ""
    line: tuple[str, ...] = ()
    """The line of action `[A, B]`; empty: the first two speakers, else the first two cast members."""
    coverage: str = "none"
    """Generated coverage: none | standard | walk_and_talk (shots added by validation)."""


@dataclass(frozen=True)
class CameraSpec:
    lens: float = 35.0
    sensor: Sensor = field(kw_only=True)
    """The gate, resolved at validation from the sensor preset it names (user preset folders included)."""
    sensor_fit: str = "AUTO"
    rig: str = "tripod"
    move: str = "static"
    height: str | float = "eye"
    f_stop: float | None = None
    shift_x: float = 0.0
    shift_y: float = 0.0
    clip_start: float = 0.1
    clip_end: float = 1000.0
    angle: float = 0.0
    distance: float | None = None
    target: str | None = None
    seed: int = 0
    amount: float | None = None
    name: str | None = None  # extra cameras (A/B cams): B, C, ... when not given
    projection: str = "perspective"  # perspective | isometric | dimetric (departments/isometric.py)
    tile_size: float = 64.0  # isometric/dimetric: pixels across one 1 m ground tile
    cross_line: bool = False
    """This shot may cross the scene's line of action on purpose."""


@dataclass(frozen=True)
class Focus:
    subject: str | None = None
    pull: tuple[str, ...] = ()
    at: tuple[float, ...] = ()
    f_stop: float | None = None


@dataclass(frozen=True)
class Shot:
    id: str
    scene: str
    duration: int  # frames
    size: str = "MS"
    template: str | None = None
    subject: str | None = None
    subjects: tuple[str, ...] = ()
    camera: CameraSpec = field(kw_only=True)
    cameras: tuple[CameraSpec, ...] = ()
    focus: Focus = field(default_factory=Focus)
    lighting: Lighting | None = None  # the scene's lighting with this shot's overrides, when it has any
    render: RenderSettings = field(default_factory=RenderSettings)
    blocking: dict[str, str] = field(default_factory=dict)
    description: str = ""


@dataclass(frozen=True)
class Retro:
    style: str = "16bit"
    console: str | None = None
    palette: str | None = None
    colors: int | None = None
    dither: str = "floyd_steinberg"
    pixel_size: int = 1
    scanlines: float = 0.0
    resolution: tuple[int, int] | None = None
    serpentine: bool = True
    lock_palette: bool = True
    crt: bool = False


@dataclass(frozen=True)
class Output:
    name: str
    path: Path  # absolute, inside the production folder
    relative_path: str
    format: str | None = None
    container: str = "png"
    resolution: tuple[int, int] = (1920, 1080)
    color_depth: str = "8"
    retro: Retro | None = None
    burn_in: bool = False
    shots: tuple[str, ...] = ()
    letterbox: bool = True


@dataclass(frozen=True)
class Production:
    title: str
    version: str
    base_dir: Path
    author: str = ""
    description: str = ""
    script: Path | None = None
    fps: float = 24.0
    aspect_ratio: float | None = None
    style: Style = field(default_factory=Style)
    render: RenderSettings = field(default_factory=RenderSettings)
    characters: tuple[Character, ...] = ()
    costumes: tuple[Costume, ...] = ()
    locations: tuple[Location, ...] = ()
    scenes: tuple[Scene, ...] = ()
    shots: tuple[Shot, ...] = ()
    outputs: tuple[Output, ...] = ()
    spec_hash: str = ""

    def character(self, name: str) -> Character:
        return next(c for c in self.characters if c.name == name)

    def costume(self, name: str) -> Costume:
        return next(c for c in self.costumes if c.name == name)

    def location(self, name: str) -> Location:
        return next(loc for loc in self.locations if loc.name == name)

    def scene(self, scene_id: str) -> Scene:
        return next(s for s in self.scenes if s.id == scene_id)

    def shot(self, shot_id: str) -> Shot:
        return next(s for s in self.shots if s.id == shot_id)

    def shots_in(self, scene_id: str) -> tuple[Shot, ...]:
        return self._shots_by_scene.get(scene_id, ())

    @cached_property
    def _shots_by_scene(self) -> dict[str, tuple[Shot, ...]]:
        """Shots grouped by scene in story order, once: departments ask per scene and per shot."""
        grouped: dict[str, list[Shot]] = {}
        for shot in self.shots:
            grouped.setdefault(shot.scene, []).append(shot)
        return {scene: tuple(shots) for scene, shots in grouped.items()}
