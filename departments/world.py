"""World of a story scene: HDRI or physical sky, the sun where it really is, the moon at night, fog by
weather, and day-to-night animation. Built by the lighting department: all of it follows the scene's time.

The place and time come from the location's `geo` and `date` and the scene's `time` (a named time is resolved
by production/light/solar.py for that place and date). Without `geo` the sun is placed for `DEFAULT_PLACE`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import bpy

from ..production.light import solar
from ..production.light.colour_temperature import white_balance
from ..production.light.rig import lamp_colour, sky_strength, sun_irradiance, sun_kelvin
from ..production.model import Location, Production, Scene
from ..runtime import compat
from .context import BuildContext
from .locations import weather
from .nodes import link_once, named
from .stage import department_collection, story_scene

DEFAULT_PLACE = solar.Place(40.0, 0.0, 0.0)
DEFAULT_DATE = date(2026, 3, 20)
MOON_KELVIN = 4100.0
"""Moonlight is sunlight reflected (about 4100 K); the blue of film nights comes from the white balance."""
MOON_IRRADIANCE = math.pi / 4.0
"""Full moon high in a clear sky: two stops under a studio key (a readable film night, not real -14 EV)."""
DAY_TO_NIGHT_KEYS = 9
BACKGROUND = 'node_tree.nodes["Background"]'
SKY = 'node_tree.nodes["Sky Texture"]'


@dataclass(frozen=True)
class SkyState:
    """Everything that changes with the time of day, for one moment."""

    sun: solar.SkyPosition
    sun_energy: float
    sun_colour: tuple[float, float, float]
    sky_strength: float


def place_of(location: Location) -> solar.Place:
    geo = location.geo
    return DEFAULT_PLACE if geo is None else solar.Place(geo.latitude, geo.longitude, geo.utc_offset)


def scene_moment(location: Location, scene: Scene) -> solar.ResolvedTime:
    """The scene's local date-time: ISO as written, a named time resolved for the location's date."""
    place = place_of(location)
    day = date.fromisoformat(location.date) if location.date else DEFAULT_DATE
    when = scene.time
    if when is None:
        return solar.resolve_named_time("day", place, day)
    if when.named:
        return solar.resolve_named_time(when.named, place, day)
    if when.when is not None:
        return solar.resolve_time(when.when, place, day)
    return solar.resolve_time(datetime.combine(day, when.clock or time(12)), place, day)


def sky_state(ctx: BuildContext, production: Production, location: Location, moment: datetime) -> SkyState:
    conditions = weather(ctx, location)
    sun = solar.sun_position(place_of(location), moment)
    balance = white_balance(production.style.white_balance)
    return SkyState(
        sun,
        sun_irradiance(sun.elevation) * float(conditions.get("sun_strength", 1.0)),
        lamp_colour(sun_kelvin(sun.elevation), [], balance),
        sky_strength(sun.elevation) * float(conditions.get("sky_strength", 1.0)),
    )


def day_to_night_span(location: Location, start: datetime) -> tuple[datetime, datetime]:
    """From the scene time (or solar noon, if earlier: the sun only sinks after it) to nautical dusk."""
    place = place_of(location)
    noon = solar.solar_noon(place, start.date())
    begin = max(start, noon)
    dusk = solar.time_at_elevation(place, start.date(), solar.NAUTICAL_TWILIGHT_ELEVATION, rising=False)
    end = dusk if dusk is not None and dusk > begin else begin + timedelta(hours=4)
    return begin, end


def _world_nodes(world: bpy.types.World, hdri: bool) -> None:
    """Background <- Sky Texture (or Environment Texture <- Mapping), Volume <- Principled Volume."""
    tree = compat.material_node_tree(world)  # type: ignore[arg-type]  # worlds use the same flag
    nodes = tree.nodes
    output = next((n for n in nodes if n.bl_idname == "ShaderNodeOutputWorld"), None) or nodes.new(
        "ShaderNodeOutputWorld"
    )
    background = named(nodes.get("Background") or nodes.new("ShaderNodeBackground"), "Background")
    link_once(tree, background.outputs[0], output.inputs["Surface"])
    source_type, stale_type = (
        ("ShaderNodeTexEnvironment", "ShaderNodeTexSky")
        if hdri
        else ("ShaderNodeTexSky", "ShaderNodeTexEnvironment")
    )
    for node in [n for n in nodes if n.bl_idname in (stale_type, "ShaderNodeMapping", "ShaderNodeTexCoord")]:
        nodes.remove(node)
    source = next((n for n in nodes if n.bl_idname == source_type), None) or nodes.new(source_type)
    named(source, "Environment Texture" if hdri else "Sky Texture")
    link_once(tree, source.outputs["Color"], background.inputs["Color"])
    if hdri:
        coordinates = nodes.new("ShaderNodeTexCoord")
        mapping = named(nodes.new("ShaderNodeMapping"), "Mapping")
        link_once(tree, coordinates.outputs["Generated"], mapping.inputs["Vector"])
        link_once(tree, mapping.outputs["Vector"], source.inputs["Vector"])
    fog = named(nodes.get("Fog") or nodes.new("ShaderNodeVolumePrincipled"), "Fog")
    link_once(tree, fog.outputs[0], output.inputs["Volume"])


def _sun_lamp(ctx: BuildContext, scene: Scene, role: str, angle: float) -> bpy.types.Object:
    key = f"scene:{scene.id}/{role}"
    data = ctx.ensure("lights", key, f"{scene.id} {role.title()}", lambda n: bpy.data.lights.new(n, "SUN"))
    ctx.assign(data, "angle", math.radians(angle))
    return ctx.ensure_object(
        key, f"{scene.id} {role.title()}", data, department_collection(ctx, scene.id, "Lights")
    )


def _apply_sky(ctx: BuildContext, world: bpy.types.World, sun: bpy.types.Object, state: SkyState) -> None:
    ctx.assign_all(
        sun,
        {"rotation_euler": solar.sun_lamp_rotation(state.sun), "location": (0.0, 0.0, 10.0)},
    )
    ctx.assign_all(sun.data, {"energy": state.sun_energy, "color": state.sun_colour})
    ctx.assign(world, f'{BACKGROUND}.inputs["Strength"].default_value', state.sky_strength)
    ctx.assign_all(
        world,
        {
            f"{SKY}.sun_elevation": math.radians(max(state.sun.elevation, -10.0)),
            f"{SKY}.sun_rotation": math.radians(
                state.sun.azimuth
            ),  # measured: the sky's azimuth, clockwise from +Y
        },
    )


def _key_day_to_night(
    ctx: BuildContext,
    production: Production,
    location: Location,
    scene: Scene,
    world: bpy.types.World,
    sun: bpy.types.Object,
    start: datetime,
) -> None:
    """Sun path, sun energy and colour, sky strength and the sky's sun keyed from the scene time to night."""
    first, last = ctx.plan.scene_ranges.get(scene.id, (1, 1))
    begin, end = day_to_night_span(location, start)
    targets = [
        (sun, f"scene:{scene.id}/sun"),
        (sun.data, f"scene:{scene.id}/sun/data"),
        (world.node_tree, f"scene:{scene.id}/world"),
    ]
    for block, key in targets:
        action = ctx.ensure(
            "actions", f"{key}/day_to_night", f"{scene.id} {block.name} day to night", bpy.data.actions.new
        )
        anim = block.animation_data_create()
        anim.action = action
        for curve in list(compat.fcurves(block)):
            curve.keyframe_points.clear()
    nodes = world.node_tree.nodes
    for index in range(DAY_TO_NIGHT_KEYS):
        fraction = index / (DAY_TO_NIGHT_KEYS - 1)
        frame = first + (last - first) * fraction
        state = sky_state(ctx, production, location, begin + (end - begin) * fraction)
        sun.rotation_euler = solar.sun_lamp_rotation(state.sun)
        sun.data.energy = state.sun_energy
        sun.data.color = state.sun_colour
        nodes["Background"].inputs["Strength"].default_value = state.sky_strength
        nodes["Sky Texture"].sun_elevation = math.radians(max(state.sun.elevation, -10.0))
        nodes["Sky Texture"].sun_rotation = math.radians(state.sun.azimuth)
        sun.keyframe_insert("rotation_euler", frame=frame)
        sun.data.keyframe_insert("energy", frame=frame)
        sun.data.keyframe_insert("color", frame=frame)
        nodes["Background"].inputs["Strength"].keyframe_insert("default_value", frame=frame)
        nodes["Sky Texture"].keyframe_insert("sun_elevation", frame=frame)
        nodes["Sky Texture"].keyframe_insert("sun_rotation", frame=frame)
    for block, _ in targets:
        for curve in compat.fcurves(block):
            for point in curve.keyframe_points:
                point.interpolation = "LINEAR"


def build_world(ctx: BuildContext, production: Production, scene: Scene, day_to_night: bool) -> None:
    location = production.location(scene.location)
    conditions = weather(ctx, location)
    world = ctx.ensure("worlds", f"scene:{scene.id}/world", f"{scene.id} World", bpy.data.worlds.new)
    hdri = location.hdri is not None and location.hdri.is_file()
    if location.hdri is not None and not hdri:
        ctx.report.problems.append(
            f"location {location.name!r}: HDRI {location.hdri} not found: using a physical sky"
        )
    _world_nodes(world, hdri)
    story_scene(ctx, scene.id).world = world
    ctx.assign(
        world,
        'node_tree.nodes["Fog"].inputs["Density"].default_value',
        float(conditions.get("fog_density", 0.0)),
    )
    moment = scene_moment(location, scene)
    if moment.note:
        ctx.report.problems.append(f"scene {scene.id}: {moment.note}")
    if hdri:
        image = bpy.data.images.load(str(location.hdri), check_existing=True)
        world.node_tree.nodes["Environment Texture"].image = image
        ctx.assign_all(
            world,
            {
                f'{BACKGROUND}.inputs["Strength"].default_value': location.hdri_strength,
                'node_tree.nodes["Mapping"].inputs["Rotation"].default_value': (
                    0.0,
                    0.0,
                    math.radians(location.hdri_rotation),
                ),
            },
        )
        return
    ctx.assign_all(
        world,
        {
            f"{SKY}.sky_type": compat.sky_types()["physical"],
            f"{SKY}.sun_disc": False,  # the sun lamp is the sun; the disc would light the scene twice
            f"{SKY}.air_density": 1.0,
            f"{SKY}.{compat.sky_haze_property()}": float(conditions.get("turbidity", 2.0)) / 2.0,
        },
    )
    sun = _sun_lamp(ctx, scene, "sun", float(conditions.get("sun_angle", 0.53)))
    state = sky_state(ctx, production, location, moment.when)
    _apply_sky(ctx, world, sun, state)
    if day_to_night:
        _key_day_to_night(ctx, production, location, scene, world, sun, moment.when)
    _moon(ctx, production, scene, location, moment.when)


def _moon(
    ctx: BuildContext, production: Production, scene: Scene, location: Location, moment: datetime
) -> None:
    """A moonlight sun lamp when the sun is down and the moon up, scaled by its lit fraction."""
    place = place_of(location)
    moon = solar.moon_position(place, moment)
    if solar.sun_position(place, moment).elevation > solar.SUNRISE_ELEVATION or moon.elevation <= 0.0:
        return  # not seen: remove_unseen clears a moon left from an earlier build
    lamp = _sun_lamp(ctx, scene, "moon", 0.52)
    fraction = solar.moon_illuminated_fraction(place, moment)
    colour = lamp_colour(MOON_KELVIN, [], white_balance(production.style.white_balance))
    strength = MOON_IRRADIANCE * fraction * float(weather(ctx, location).get("sun_strength", 1.0))
    ctx.assign_all(lamp, {"rotation_euler": solar.sun_lamp_rotation(moon), "location": (0.0, 0.0, 12.0)})
    ctx.assign_all(lamp.data, {"energy": strength, "color": colour})
