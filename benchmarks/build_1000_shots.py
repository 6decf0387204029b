"""Build a generated 1,000-shot production in Blender and compare with raw bpy.data calls.

Run: ``.venv/b52/bin/python benchmarks/build_1000_shots.py`` (any venv with bpy). The baseline creates, in the
same process, exactly the datablocks the build created (same kinds and counts, objects linked into
collections), with plain ``bpy.data.*.new`` calls and nothing else. The ratio is build time / baseline time;
the goal is <= 2x. A rebuild (nothing changed) is timed too, since that is what artists do most.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
import run  # noqa: E402

run.import_package()

import bpy  # noqa: E402
from backlot import properties  # noqa: E402
from backlot.departments import build_production  # noqa: E402
from backlot.production.api import load_production  # noqa: E402
from spec_1000_shots import generate  # noqa: E402

GOAL = 2.0
KINDS = ("scenes", "collections", "objects", "meshes", "cameras", "lights", "materials", "worlds")


def created_counts() -> Counter[str]:
    return Counter({kind: sum(1 for b in getattr(bpy.data, kind) if b.get("backlot_key")) for kind in KINDS})


def raw_baseline(counts: Counter[str]) -> float:
    """The same datablocks with bare bpy.data calls: the floor any builder pays."""
    bpy.ops.wm.read_factory_settings(use_empty=True)
    start = time.perf_counter()
    scenes = [bpy.data.scenes.new(f"s{i}") for i in range(counts["scenes"])]
    collections = []
    for i in range(counts["collections"]):
        coll = bpy.data.collections.new(f"c{i}")
        scenes[i % len(scenes)].collection.children.link(coll)
        collections.append(coll)
    data: list[object] = [bpy.data.meshes.new(f"m{i}") for i in range(counts["meshes"])]
    data += [bpy.data.cameras.new(f"cam{i}") for i in range(counts["cameras"])]
    data += [bpy.data.lights.new(f"l{i}", "AREA") for i in range(counts["lights"])]
    for i in range(counts["materials"]):
        bpy.data.materials.new(f"mat{i}")
    for i in range(counts["worlds"]):
        bpy.data.worlds.new(f"w{i}")
    for i in range(counts["objects"]):
        obj = bpy.data.objects.new(f"o{i}", data[i % len(data)])
        collections[i % len(collections)].objects.link(obj)
    return time.perf_counter() - start


def main() -> int:
    properties.register()
    with tempfile.TemporaryDirectory() as tmp:
        spec = generate(Path(tmp), shots=1000)
        result = load_production(spec)
        assert result.production is not None, [i.format() for i in result.issues[:5]]
        bpy.ops.wm.read_factory_settings(use_empty=True)
        root = bpy.context.scene
        start = time.perf_counter()
        build_production(result.production, root)
        build_seconds = time.perf_counter() - start
        counts = created_counts()
        start = time.perf_counter()
        build_production(result.production, root)
        rebuild_seconds = time.perf_counter() - start
    baseline = raw_baseline(counts)
    ratio = build_seconds / baseline
    print(f"Blender {bpy.app.version_string}: 1000 shots -> {sum(counts.values())} datablocks {dict(counts)}")
    print(
        f"build {build_seconds * 1000:.0f} ms, rebuild {rebuild_seconds * 1000:.0f} ms, "
        f"raw bpy.data baseline {baseline * 1000:.0f} ms"
    )
    print(f"build / baseline = {ratio:.2f}x (goal <= {GOAL:g}x): {'met' if ratio <= GOAL else 'NOT met'}")
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
