"""Build a generated 1,000-shot production in Blender; compare with the same scene made by raw bpy.data calls.

Run: ``.venv/b52/bin/python benchmarks/build_1000_shots.py`` (any venv with bpy; ``--repeat N``, default 3).

The baseline is a replay, in the same process, of what the build made: every Backlot datablock (same kinds,
names, light and curve types, mesh geometry), the same collection links, parents, material slots, world and
camera per scene, markers bound to cameras, and every property value Backlot recorded as written. It writes
only the values a new datablock does not already hold, so it is the least work that produces the same scene;
it skips Backlot's bookkeeping (keys, written-value records, the report) and the spec maths, which are the
overhead measured. Each side runs ``--repeat`` times from factory settings and the fastest run counts, timed
in CPU seconds of this process (``time.process_time``, all its threads), since wall time on a shared machine
mostly measures the neighbours; wall times are printed too. The goal is build <= 2x baseline. A rebuild
with nothing changed is timed as well, and one build runs with ``bpy.ops`` replaced by a tripwire to show the
build path uses no operator.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
import run  # noqa: E402

run.import_package()

import bpy  # noqa: E402
from backlot import properties  # noqa: E402
from backlot.departments import build_production  # noqa: E402
from backlot.departments.context import KEY, WRITTEN  # noqa: E402
from backlot.production.api import load_production  # noqa: E402
from backlot.production.model import Production  # noqa: E402
from spec_1000_shots import generate  # noqa: E402

GOAL = 2.0
# Creation order of the replay: data before the objects that use it.
KINDS = ("scenes", "collections", "worlds", "materials", "meshes", "curves", "cameras", "lights", "objects")
CREATE: dict[str, Callable[[str, dict[str, Any]], Any]] = {
    "scenes": lambda name, _: bpy.data.scenes.new(name),
    "collections": lambda name, _: bpy.data.collections.new(name),
    "worlds": lambda name, _: bpy.data.worlds.new(name),
    "materials": lambda name, _: bpy.data.materials.new(name),
    "meshes": lambda name, _: bpy.data.meshes.new(name),
    "curves": lambda name, extra: bpy.data.curves.new(name, extra["type"]),
    "cameras": lambda name, _: bpy.data.cameras.new(name),
    "lights": lambda name, extra: bpy.data.lights.new(name, extra["type"]),
    "objects": lambda name, extra: bpy.data.objects.new(name, extra.get("data")),
}


@dataclass
class Block:
    kind: str
    name: str
    extra: dict[str, Any]  # creation arguments: light/curve type; an object's data as (kind, name)
    writes: list[tuple[str, Any]]  # (attribute path, value) Backlot recorded as written


@dataclass
class Recipe:
    """Everything the build made, read back from Blender, for the raw replay."""

    blocks: list[Block] = field(default_factory=list)
    geometry: dict[str, tuple[list[tuple[float, ...]], list[tuple[int, ...]]]] = field(default_factory=dict)
    collection_parents: list[tuple[str, str, bool]] = field(default_factory=list)  # child, parent, is scene
    object_links: list[tuple[str, str]] = field(default_factory=list)  # object, collection
    parents: list[tuple[str, str]] = field(default_factory=list)  # child, parent
    slots: list[tuple[str, str, str | None]] = field(default_factory=list)  # object, link, material
    scene_links: list[tuple[str, str | None, str | None]] = field(default_factory=list)  # world, camera
    markers: list[tuple[str, str, int, str | None]] = field(default_factory=list)  # name, frame, camera
    node_writes: int = 0  # values inside node trees, which the replay does not build

    def counts(self) -> Counter[str]:
        return Counter(block.kind for block in self.blocks)


DATA_KINDS = {"MESH": "meshes", "CAMERA": "cameras", "LIGHT": "lights", "CURVE": "curves"}


def keyed(kind: str) -> list[Any]:
    return [block for block in getattr(bpy.data, kind) if isinstance(block.get(KEY), str)]


def creation_type(kind: str, block: Any) -> str:
    """The type argument of `lights.new` / `curves.new`: a light has `.type`; a curve's is its class."""
    if kind == "lights":
        return str(block.type)
    return {"TextCurve": "FONT", "SurfaceCurve": "SURFACE"}.get(type(block).__name__, "CURVE")


def read_recipe() -> Recipe:
    recipe = Recipe()
    for kind in KINDS:
        for block in keyed(kind):
            typed = kind in ("lights", "curves")
            extra: dict[str, Any] = {"type": creation_type(kind, block)} if typed else {}
            if kind == "objects" and block.data is not None:
                extra["data"] = (DATA_KINDS[block.type], block.data.name)
            writes = list(json.loads(block.get(WRITTEN, "{}")).items())
            # Values inside node trees (`nodes["Dye"].inputs[1]...`) need the nodes, which the baseline does
            # not build: they are left out of it and counted.
            recipe.node_writes += sum(1 for path, _ in writes if "[" in path)
            writes = [(path, value) for path, value in writes if "[" not in path]
            recipe.blocks.append(Block(kind, block.name, extra, writes))
    for mesh in keyed("meshes"):
        vertices = [tuple(vertex.co) for vertex in mesh.vertices]
        recipe.geometry[mesh.name] = (vertices, [tuple(polygon.vertices) for polygon in mesh.polygons])
    for scene in keyed("scenes"):
        recipe.collection_parents += [(child.name, scene.name, True) for child in scene.collection.children]
        recipe.scene_links.append(
            (scene.name, getattr(scene.world, "name", None), getattr(scene.camera, "name", None))
        )
        recipe.markers += [
            (scene.name, marker.name, marker.frame, getattr(marker.camera, "name", None))
            for marker in scene.timeline_markers
        ]
    for collection in keyed("collections"):
        recipe.collection_parents += [(child.name, collection.name, False) for child in collection.children]
        recipe.object_links += [(obj.name, collection.name) for obj in collection.objects]
    for obj in keyed("objects"):
        if obj.parent is not None:
            recipe.parents.append((obj.name, obj.parent.name))
        recipe.slots += [
            (obj.name, slot.link, getattr(slot.material, "name", None)) for slot in obj.material_slots
        ]
    return recipe


def drop_default_writes(recipe: Recipe) -> None:
    """Keep only writes that change a new datablock's value: the least a raw script has to write."""
    bpy.ops.wm.read_factory_settings(use_empty=True)
    fresh: dict[tuple[str, str], Any] = {}
    for block in recipe.blocks:
        extra = {"type": block.extra["type"]} if "type" in block.extra else {}  # objects: an empty will do
        signature = (block.kind, json.dumps(extra))
        if signature not in fresh:
            fresh[signature] = CREATE[block.kind](f"defaults {len(fresh)}", extra)
        default = fresh[signature]
        block.writes = [(path, value) for path, value in block.writes if plain(read(default, path)) != value]


def plain(value: Any) -> Any:
    if isinstance(value, str | bool | int | float) or value is None:
        return value
    if isinstance(value, bpy.types.ID):
        return value.name
    return [plain(item) for item in value]


def read(block: Any, path: str) -> Any:
    *parents, leaf = path.split(".")
    return getattr(reduce(getattr, parents, block), leaf)


def replay(recipe: Recipe) -> None:
    """The raw bpy.data calls that make what the build made."""
    made: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}
    for block in recipe.blocks:
        extra = block.extra
        if "data" in extra:
            data_kind, data_name = extra["data"]
            extra = {"data": made[data_kind][data_name]}
        made[block.kind][block.name] = CREATE[block.kind](block.name, extra)
    for name, (vertices, polygons) in recipe.geometry.items():
        mesh = made["meshes"][name]
        mesh.from_pydata(vertices, [], polygons)
        mesh.update()
    for child, parent, is_scene in recipe.collection_parents:
        owner = made["scenes"][parent].collection if is_scene else made["collections"][parent]
        owner.children.link(made["collections"][child])
    for obj, collection in recipe.object_links:
        made["collections"][collection].objects.link(made["objects"][obj])
    for child, parent in recipe.parents:
        made["objects"][child].parent = made["objects"][parent]
    for block in recipe.blocks:
        target = made[block.kind][block.name]
        for path, value in block.writes:
            *parents, leaf = path.split(".")
            setattr(reduce(getattr, parents, target), leaf, value)
    for obj_name, link, material in recipe.slots:
        obj = made["objects"][obj_name]
        if not obj.material_slots:
            obj.data.materials.append(None)
        slot = obj.material_slots[0]
        slot.link = link
        slot.material = made["materials"].get(material)
    for scene, world, camera in recipe.scene_links:
        made["scenes"][scene].world = made["worlds"].get(world)
        made["scenes"][scene].camera = made["objects"].get(camera)
    for scene, name, frame, camera in recipe.markers:
        marker = made["scenes"][scene].timeline_markers.new(name, frame=frame)
        marker.camera = made["objects"].get(camera)


class OperatorTripwire:
    """Stands in for bpy.ops during one build: any operator the build path touches is recorded."""

    def __init__(self) -> None:
        self.touched: list[str] = []

    def __getattr__(self, name: str) -> Any:
        self.touched.append(name)
        raise AttributeError(f"bpy.ops.{name} used on the build path")


def all_counts() -> Counter[str]:
    return Counter({kind: len(getattr(bpy.data, kind)) for kind in KINDS})


@dataclass(frozen=True)
class Timing:
    cpu: float
    wall: float

    def __str__(self) -> str:
        return f"{self.cpu * 1000:.0f} ms CPU ({self.wall * 1000:.0f} ms wall)"


def best_of(repeat: int, prepare: Callable[[], None], work: Callable[[], Any]) -> Timing:
    runs = []
    for _ in range(repeat):
        prepare()
        cpu, wall = time.process_time(), time.perf_counter()
        work()
        runs.append(Timing(time.process_time() - cpu, time.perf_counter() - wall))
    return Timing(min(run.cpu for run in runs), min(run.wall for run in runs))


def fresh_file() -> None:
    bpy.ops.wm.read_factory_settings(use_empty=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per side; the fastest counts")
    arguments = parser.parse_args()
    properties.register()
    with tempfile.TemporaryDirectory() as tmp:
        result = load_production(generate(Path(tmp), shots=1000))
    assert result.production is not None, [issue.format() for issue in result.issues[:5]]
    production: Production = result.production

    def build() -> None:
        build_production(production, bpy.context.scene)

    build_time = best_of(arguments.repeat, fresh_file, build)
    rebuild_time = best_of(arguments.repeat, lambda: None, build)
    recipe = read_recipe()

    fresh_file()
    tripwire, operators = OperatorTripwire(), bpy.ops
    bpy.ops = tripwire
    try:
        build()
    finally:
        bpy.ops = operators

    drop_default_writes(recipe)
    fresh_file()
    factory = all_counts()
    baseline_time = best_of(arguments.repeat, fresh_file, lambda: replay(recipe))
    replayed = all_counts() - factory
    assert replayed == recipe.counts(), f"replay made {dict(replayed)}, build {dict(recipe.counts())}"

    writes = sum(len(block.writes) for block in recipe.blocks)
    ratio = build_time.cpu / baseline_time.cpu
    print(f"Blender {bpy.app.version_string}: {len(recipe.blocks)} datablocks {dict(recipe.counts())}")
    print(
        f"  {len(recipe.object_links)} object links, {len(recipe.markers)} markers, "
        f"{writes} property writes that differ from defaults; bpy.ops on the build path: {tripwire.touched}"
    )
    print(f"  not in the baseline: {recipe.node_writes} node-tree values, node trees, constraints, animation")
    print(f"build {build_time}, rebuild {rebuild_time}, raw bpy.data baseline {baseline_time}")
    verdict = "met" if ratio <= GOAL else "NOT met"
    print(f"build / baseline = {ratio:.2f}x (CPU, best of {arguments.repeat}; goal <= {GOAL:g}x): {verdict}")
    return 0 if ratio <= GOAL and not tripwire.touched else 1


if __name__ == "__main__":
    sys.exit(main())
