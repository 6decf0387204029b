"""The spec's shape, declared once: the validator walks it and the JSON Schema is generated from it.

Keeping both on one declaration is what stops the editor schema and the validator from drifting apart.
Departments that read extra keys add them here, with a description, so users see them in both places.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..coverage import COVERAGE_KINDS

SHOT_SIZES = ("EWS", "WS", "MS", "MCU", "CU", "ECU", "OTS", "POV", "TWO", "INSERT")
ENGINES = ("workbench", "eevee", "cycles")
CONTAINERS = ("png", "exr", "mp4", "mov")
BUILDS = ("slim", "average", "athletic", "heavy")
CONDITIONS = ("pristine", "worn", "dirty", "damaged", "wet")
MATERIALS = ("cotton", "denim", "leather", "vinyl", "wool", "silk", "metal", "plastic", "rubber")
WEATHER = ("clear", "overcast", "rain", "fog", "snow")
RIGS = ("tripod", "static", "dolly", "crane", "jib", "steadicam", "handheld", "drone")
PROJECTIONS = ("perspective", "isometric", "dimetric")
MOVES = (
    "static",
    "push_in",
    "pull_out",
    "pan",
    "tilt",
    "truck",
    "pedestal",
    "orbit",
    "follow",
    "arc",
    "crash_zoom",
    "dolly_zoom",
    "fly_over",
    "crane",
)
CAMERA_HEIGHTS = ("eye", "low", "high", "overhead", "ground", "shoulder", "hip")
SENSOR_FITS = ("AUTO", "HORIZONTAL", "VERTICAL")
DITHERS = (
    "none",
    "error_diffusion",
    "floyd_steinberg",
    "atkinson",
    "jarvis_judice_ninke",
    "stucki",
    "sierra",
    "burkes",
    "ordered",
    "bayer2",
    "bayer4",
    "bayer8",
    "pattern",
)
RETRO_STYLES = ("photorealistic", "stylized", "16bit", "8bit", "1bit")
LIGHTING_SETUPS = (
    "three_point",
    "high_key",
    "low_key",
    "rembrandt",
    "butterfly",
    "split",
    "rim",
    "silhouette",
    "motivated_window",
    "overcast_soft",
    "night_exterior",
    "natural",
)
LIGHT_ROLES = ("key", "fill", "rim", "back", "background", "practical", "sun", "moon")
WALLS = ("back", "left", "right", "front")
SHAPES = ("box", "cylinder", "cone", "sphere")
PRACTICAL_TYPES = ("POINT", "SPOT", "AREA")


@dataclass(frozen=True)
class Node:
    """One place in the spec. `kind` is a JSON-ish type or a Backlot value type (duration, scene_range...)."""

    kind: str
    description: str = ""
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    max_length: int | None = None
    preset: str | None = None  # the value names a preset of this kind (presets/<kind>/<name>.yaml)
    fields: dict[str, Node] = field(default_factory=dict)  # for kind == "object"
    item: Node | None = None  # for kind in ("list", "map")
    extra_keys: bool = False  # an object that accepts any further keys (e.g. preset-specific settings)


def obj(doc: str = "", /, *, open_keys: bool = False, **fields: Node) -> Node:
    """An object node; `open_keys` accepts keys beyond `fields` (free-form settings)."""
    return Node("object", doc, fields=fields, extra_keys=open_keys)


def list_of(item: Node, description: str = "", **kw: Any) -> Node:
    return Node("list", description, item=item, **kw)


def map_of(item: Node, description: str = "") -> Node:
    return Node("map", description, item=item)


def text(description: str = "", **kw: Any) -> Node:
    kw.setdefault("max_length", 10_000)
    return Node("string", description, **kw)


def number(description: str = "", **kw: Any) -> Node:
    return Node("number", description, **kw)


def integer(description: str = "", **kw: Any) -> Node:
    return Node("integer", description, **kw)


def boolean(description: str = "", **kw: Any) -> Node:
    return Node("boolean", description, **kw)


def choice(values: tuple[str, ...], description: str = "", **kw: Any) -> Node:
    return Node("string", description, choices=values, **kw)


def path(description: str = "", **kw: Any) -> Node:
    return Node("path", description, max_length=4096, **kw)


def color(description: str = "") -> Node:
    return Node("color", description)


RENDER = obj(
    "Render settings; production-wide defaults that any shot may override key by key.",
    engine=choice(ENGINES, "Render engine, mapped to each Blender version's engine id."),
    samples=integer("Samples per pixel (EEVEE/Cycles).", minimum=1, maximum=65536),
    motion_blur=boolean("Motion blur on or off."),
    shutter=number("Motion blur shutter in frames.", minimum=0.01, maximum=2.0),
    denoise=boolean("Denoise (Cycles)."),
    resolution_percentage=integer("Scale of the output resolution, percent.", minimum=1, maximum=100),
    film_transparent=boolean("Render the background transparent."),
    seed=integer("Noise seed (Cycles).", minimum=0),
)

LIGHTING = obj(
    "Lighting setup for a scene, or a shot's override of it.",
    preset=text("Lighting setup preset (presets/lighting).", preset="lighting"),
    setup=choice(LIGHTING_SETUPS, "Which lights and where, relative to the subject and camera."),
    key_fill_ratio=number(
        "Key to fill illuminance ratio N:1 at the subject (2 = one stop).", minimum=1, maximum=256
    ),
    rim_stops=number(
        "Rim/backlight level relative to the key, in stops (negative = dimmer).", minimum=-8, maximum=4
    ),
    key_angle=number("Key light angle off the camera axis, degrees.", minimum=0, maximum=180),
    key_side=choice(("left", "right"), "Which side of the camera axis the key sits on."),
    key_kelvin=number("Key colour temperature in Kelvin.", minimum=1000, maximum=40000),
    intensity=number("Key illuminance at the subject (W/m^2 in Blender units).", minimum=0, maximum=1e6),
    gels=map_of(
        text("Gel preset name (presets/gels).", preset="gels"),
        "Gel per light role, e.g. {key: full_ctb, fill: half_cto}.",
    ),
    practicals=boolean("Light the location's practical lamps."),
    day_to_night=boolean("Animate the sun and sky from the scene time to night over the shot or scene."),
)

CAMERA = obj(
    "Camera for a shot: lens, sensor, rig and move.",
    name=text("Name of an extra camera in `cameras` (B, C, ...); defaults to B, C, ... in order."),
    lens=number("Focal length in millimetres.", minimum=4, maximum=1200),
    sensor=text(
        "Sensor preset (presets/sensors): full_frame, super35, aps_c, 16mm, anamorphic_2x.", preset="sensors"
    ),
    sensor_fit=choice(SENSOR_FITS, "How the sensor maps to the frame (Blender's sensor fit)."),
    rig=choice(RIGS, "Camera support: what moves the camera."),
    move=choice(MOVES, "Camera move over the shot."),
    height=Node("height", "Camera height: eye, low, high, overhead, ground, shoulder, hip, or metres."),
    f_stop=number("Aperture (f-number) for depth of field.", minimum=0.5, maximum=128),
    shift_x=number("Lens shift X (fraction of frame).", minimum=-2, maximum=2),
    shift_y=number("Lens shift Y (fraction of frame).", minimum=-2, maximum=2),
    clip_start=number("Near clip distance, metres.", minimum=1e-4),
    clip_end=number("Far clip distance, metres.", minimum=1e-3),
    angle=number(
        "Horizontal angle around the subject in degrees (0 = in front of its facing).",
        minimum=-360,
        maximum=360,
    ),
    distance=number("Override the solved camera distance, metres.", minimum=0.01),
    target=text("What the move or POV looks at (a character or mark)."),
    seed=integer("Seed for handheld shake.", minimum=0),
    amount=number(
        "Strength of the move (metres, degrees or zoom factor, by move).", minimum=-1000, maximum=1000
    ),
    projection=choice(
        PROJECTIONS,
        "perspective (lens), or a static orthographic tile view at 45 degrees azimuth: isometric (35.264 "
        "degrees down, the three axes equal) or dimetric (30 degrees down, 2:1 pixel-art tiles).",
    ),
    tile_size=number(
        "isometric/dimetric: on-screen width of a 1 m ground tile, in pixels of the scene's render "
        "resolution.",
        minimum=1,
        maximum=8192,
    ),
    cross_line=boolean(
        "This camera crosses the scene's line of action on purpose; validation warns unless a neutral shot "
        "(an insert, a POV, a camera on the line) comes before it in the scene."
    ),
)

FOCUS = obj(
    "Focus and depth of field.",
    subject=text("Character or mark to hold focus on."),
    pull=list_of(text(), "Subjects to pull focus between, in order."),
    at=list_of(number(minimum=0, maximum=1), "Shot fractions (0..1) at which each pull subject is sharp."),
    f_stop=number("Aperture for this shot.", minimum=0.5, maximum=128),
)

RETRO = obj(
    "Retro console look derived from the master render.",
    style=choice(RETRO_STYLES, "Overall retro style."),
    console=text(
        "Console preset for native resolution and pixel aspect (presets/consoles).", preset="consoles"
    ),
    palette=text("Palette preset (presets/palettes).", preset="palettes"),
    colors=integer("Number of colours for an adaptive palette.", minimum=2, maximum=256),
    dither=choice(DITHERS, "Dithering method."),
    pixel_size=integer("Output pixels per native pixel.", minimum=1, maximum=64),
    scanlines=number("Scanline darkening 0..1.", minimum=0, maximum=1),
    resolution=list_of(integer(minimum=8, maximum=4096), "Native resolution [width, height]."),
    serpentine=boolean("Alternate error-diffusion direction per row."),
    lock_palette=boolean("One adaptive palette per shot (no flicker)."),
    crt=boolean("CRT curvature, vignette and bloom in the live compositor look."),
)

CHARACTER = obj(
    "A cast member.",
    name=text("Unique name; referenced by scenes, shots and wardrobe.", required=True, max_length=200),
    model=path("A .blend to link the character's collection from; without it, a stand-in figure."),
    collection=text("Collection name inside `model`."),
    link=boolean("Link (true, default) or append (false) the model."),
    height=number("Height in metres.", minimum=0.3, maximum=3.0, default=1.75),
    build=choice(BUILDS, "Stand-in proportions.", default="average"),
    wardrobe=list_of(
        obj(
            "One costume for a range of scenes.",
            scenes=Node("scene_range", 'Scene ids or ranges: "1-2", "3", "1,4,7-9".', required=True),
            costume=text("Costume name from `costumes`.", required=True),
        ),
        "Costume per scene range.",
    ),
    hair_color=color("Hair colour."),
    skin_tone=color("Skin tone."),
    makeup=text("Makeup and aging notes for continuity."),
    notes=text("Free notes."),
    color=color("Stand-in colour when no costume applies."),
)

COSTUME = obj(
    "A costume: pieces, colours, material and condition.",
    pieces=list_of(text(max_length=100), "Pieces, e.g. raincoat, cap, boots."),
    colors=list_of(color(), "Colours for the pieces in order (the last one repeats)."),
    material=choice(MATERIALS, "Fabric family (shader preset).", default="cotton"),
    condition=choice(CONDITIONS, "Condition variant.", default="pristine"),
    description=text("Notes."),
)

SURFACE = obj(
    "A surface material of the set.",
    color=color("Base colour."),
    roughness=number("Roughness 0 (mirror) .. 1 (matte).", minimum=0, maximum=1),
    metallic=number("Metallic 0..1.", minimum=0, maximum=1),
)

PRACTICAL = obj(
    "A practical lamp in the set, with a glowing fixture round it. Also `size` (the lamp's, metres: one "
    "number or [x, y]) and `fixture_size` (one number or [x, y, z]).",
    open_keys=True,
    name=text("Name, unique in the location.", max_length=100),
    type=choice(PRACTICAL_TYPES, "Lamp type."),
    at=list_of(number(), "Where the lamp is, [x, y, z] metres."),
    aim=list_of(number(), "Where a SPOT or AREA lamp points, [x, y, z] metres."),
    kelvin=number("Colour temperature (when no `color`).", minimum=1000, maximum=40000),
    color=color("Lamp colour (wins over `kelvin`), e.g. a neon sign."),
    power=number("Power in watts.", minimum=0, maximum=1e6),
    cone=number("SPOT cone angle, degrees.", minimum=1, maximum=180),
    fixture=choice(SHAPES, "Shape of the glowing fixture."),
)

BLOCKOUT = obj(
    "Blockout set geometry: walls, openings, props, ceiling, terrain (see presets/locations).",
    walls=list_of(choice(WALLS), "Walls to build: back, left, right, front."),
    openings=list_of(
        obj(
            "A door or window cut into a wall.",
            wall=choice(WALLS, "The wall it is in."),
            at=number("Offset of its centre from the wall's centre, metres."),
            width=number("Width, metres.", minimum=0.01, maximum=10_000),
            height=number("Height, metres.", minimum=0.01, maximum=10_000),
            sill=number("Height of its bottom edge above the floor, metres.", minimum=0, maximum=10_000),
            kind=text("door, window...: a note.", max_length=100),
        ),
        "Doors and windows.",
    ),
    ceiling=boolean("Close the set with a ceiling."),
    wild=list_of(
        choice((*WALLS, "ceiling")),
        "Pieces a crew may pull for a shot (studio flats): the camera department hides one from render for "
        "the frames of a shot it would block.",
    ),
    props=list_of(
        obj(
            "A blockout prop.",
            name=text("Name.", max_length=100),
            shape=choice(SHAPES, "Shape."),
            at=list_of(number(), "Where it stands, [x, y] or [x, y, z] metres."),
            size=list_of(number(minimum=0.001, maximum=10_000), "[x, y, z] metres."),
            rotation=list_of(number(minimum=-360, maximum=360), "[x, y, z] degrees."),
            ring=obj(
                "Copies on a circle round `at`.",
                count=integer("How many.", minimum=1, maximum=1000),
                radius=number("Radius, metres.", minimum=0, maximum=10_000),
            ),
            surface=text("Surface material (a key of `surfaces`).", max_length=100),
        ),
        "Props: boxes, cylinders, cones and spheres.",
    ),
    terrain=obj(
        "Ground that is not flat.",
        kind=choice(("dunes",), "Terrain kind."),
        height=number("Ridge height, metres.", minimum=0, maximum=10_000),
        wavelength=number("Distance between ridges, metres.", minimum=0.1, maximum=100_000),
        flat_radius=number("Level ground round every mark, metres.", minimum=0.01, maximum=100_000),
    ),
)

LOCATION = obj(
    "A place where scenes happen.",
    name=text("Unique name; referenced by scenes.", required=True, max_length=200),
    preset=text(
        "Location preset (presets/locations): blockout set, surfaces, default lighting.", preset="locations"
    ),
    interior=boolean("Interior (no sky seen) or exterior."),
    hdri=path("HDRI image for the world; otherwise a physical sky."),
    hdri_rotation=number("HDRI rotation in degrees.", minimum=-360, maximum=360),
    hdri_strength=number("HDRI strength.", minimum=0, maximum=1000),
    geo=obj(
        "Where on Earth, for the sun and moon.",
        latitude=number("Degrees north.", minimum=-90, maximum=90),
        longitude=number("Degrees east.", minimum=-180, maximum=180),
        utc_offset=number("Hours from UTC.", minimum=-12, maximum=14),
    ),
    date=text("Date (YYYY-MM-DD) used when a scene gives a named time like dusk.", max_length=40),
    weather=choice(WEATHER, "Weather."),
    model=path("A .blend to link the set from."),
    collection=text("Collection name inside `model`."),
    marks=map_of(list_of(number()), "Named marks [x, y] (metres) characters can stand on."),
    set=text(
        "Blockout set builder: alley, warehouse, office, street, forest_clearing, desert, room, stage.",
        max_length=100,
    ),
    size=list_of(number(minimum=0.1, maximum=10_000), "Set size [width, depth, height] in metres."),
    surfaces=map_of(SURFACE, "Surface materials by set part (floor, walls, or a prop's `surface`)."),
    practicals=list_of(PRACTICAL, "Practical lamps."),
    features=map_of(list_of(number()), "Named set features [x, y] or [x, y, z] a shot can frame."),
    blockout=BLOCKOUT,
    lighting=LIGHTING,
    description=text("Notes."),
)

SCENE = obj(
    "A story scene: one Blender scene.",
    id=Node("id", "Scene number or id.", required=True),
    heading=text("Slug line, e.g. EXT. ALLEY - NIGHT.", max_length=300),
    location=text("Location name.", required=True),
    time=Node("time", "ISO date-time, or day | night | dawn | dusk | golden_hour."),
    characters=list_of(text(), "Characters in the scene."),
    lighting=LIGHTING,
    blocking=map_of(text(), "Character -> mark name in the location."),
    line=list_of(
        text(max_length=200),
        "The line of action, [A, B]: two of the scene's characters; every camera of the scene stays on one "
        "side of it. Default: the first two speakers, else the first two `characters`.",
    ),
    coverage=choice(
        COVERAGE_KINDS,
        "Shots generated for the scene, before its own: none; standard (a master, the OTS pair and the "
        "singles of the two on the line, a single each for the rest); walk_and_talk (a walk-and-talk "
        "two-shot, then the singles).",
    ),
    description=text("Notes."),
)

SHOT = obj(
    "A shot: a frame range on its scene's timeline with its own camera.",
    id=Node("id", "Unique shot id; defaults to <scene><letter>."),
    scene=Node("id", "The scene this shot belongs to.", required=True),
    template=text("Shot template (presets/shots): size, lens, rig, move, duration.", preset="shots"),
    size=choice(SHOT_SIZES, "Shot size."),
    subject=text("Character (or mark) the framing is computed from."),
    subjects=list_of(text(), "Two subjects for OTS and TWO shots."),
    camera=CAMERA,
    cameras=list_of(CAMERA, "Extra cameras (B cam, C cam) rendered as takes."),
    focus=FOCUS,
    lighting=LIGHTING,
    render=RENDER,
    duration=Node("duration", '"4s", "96f" or a number of frames.', required=True),
    blocking=map_of(text(), "Character -> mark to move to over the shot."),
    description=text("Notes."),
)

OUTPUT = obj(
    "One deliverable rendered from the production.",
    name=text("Unique output name.", required=True, max_length=100),
    format=text("Output format preset (presets/outputs).", preset="outputs"),
    path=path("Folder relative to the production folder; must stay inside it.", required=True),
    container=choice(CONTAINERS, "png | exr | mp4 (H.264) | mov (ProRes 4444)."),
    resolution=list_of(integer(minimum=16, maximum=16384), "[width, height] in pixels."),
    color_depth=choice(("8", "16", "32"), "Bits per channel for image sequences."),
    retro=RETRO,
    burn_in=boolean("Stamp shot, frame, lens and timecode on the frames."),
    shots=list_of(text(), "Only these shot ids (default: all)."),
    letterbox=boolean("Letterbox to the production aspect (true) or crop (false)."),
)

STYLE = obj(
    "Overall look.",
    preset=text("Style preset (presets/styles): view transform, look, grade, grain, bloom.", preset="styles"),
    era=text("Period, e.g. present, 1980s.", max_length=100),
    mood=text("Mood word, e.g. dramatic.", max_length=100),
    view_transform=text("Colour management view transform (AgX, Filmic, Standard).", max_length=100),
    look=text("Colour management look.", max_length=200),
    exposure=number("Exposure in stops.", minimum=-10, maximum=10),
    gamma=number("Display gamma.", minimum=0.1, maximum=5),
    white_balance=number("Scene white in Kelvin.", minimum=1000, maximum=40000),
    grain=number("Film grain amount 0..1.", minimum=0, maximum=1),
    bloom=number("Bloom amount 0..1.", minimum=0, maximum=1),
    saturation=number("Saturation multiplier.", minimum=0, maximum=4),
)

PRODUCTION = obj(
    "A Backlot production.",
    title=text("Title.", required=True, max_length=300),
    version=Node("version", 'Version string, e.g. "1.0".', required=True),
    author=text("Author.", max_length=300),
    description=text("Logline or description."),
    script=path("Fountain screenplay (relative to this file)."),
    fps=number("Frames per second.", minimum=1, maximum=240, default=24),
    aspect_ratio=Node("aspect", 'Framing aspect, e.g. "2.39:1" or 1.85.'),
    style=STYLE,
    render=RENDER,
    characters=list_of(CHARACTER, "The cast."),
    costumes=map_of(COSTUME, "Costumes by name."),
    locations=list_of(LOCATION, "Locations."),
    scenes=list_of(SCENE, "Scenes (optional when `script` is given)."),
    shots=list_of(SHOT, "Shots."),
    outputs=list_of(OUTPUT, "Deliverables."),
)

# The keys each preset kind may set: a preset has the same keys as the place it is used.
PRESET_TARGETS: dict[str, Node] = {
    "shots": SHOT,
    "outputs": OUTPUT,
    "styles": STYLE,
    "locations": LOCATION,
    "lighting": LIGHTING,
}


def child(node: Node, key: str | int) -> Node | None:
    """The schema node for `key` under `node` (None when the key is unknown)."""
    if node.kind == "object":
        return node.fields.get(str(key))
    if node.kind in ("list", "map"):
        return node.item
    return None
