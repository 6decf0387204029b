"""Load + validate + plan a generated 1,000-shot production, against a bare YAML parse of the same file.

Run: ``python benchmarks/spec_1000_shots.py [--shots N] [--repeat R] [--profile]``. The production (100
scenes, 20 characters with wardrobe ranges, 10 locations, 1,000 shots, 3 outputs) is written as a production
*folder* into a temporary directory, so the folder merge is timed too. Prints the best-of-R time of
``load_production`` + ``make_plan`` + ``estimate`` and the ratio against ``yaml.load(CSafeLoader)`` of the
same text (the least any YAML-based tool must spend). The goal is under 1 s here.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
GOAL_SECONDS = 1.0


def _load_backlot() -> None:
    """Import the repository as the package ``backlot``, as Blender and the tests do."""
    sys.path.insert(0, str(ROOT))
    import run

    run.import_package()


SIZES = ["EWS", "WS", "MS", "MCU", "CU", "ECU", "TWO", "OTS"]
TEMPLATES = ["establishing_wide", "close_up", "medium", "over_the_shoulder", "two_shot", "insert", "master"]
LOCATION_PRESETS = ["urban_alley", "warehouse", "office", "street", "forest_clearing", "desert", "stage"]
TIMES = ["day", "night", "dawn", "dusk", "golden_hour", "2026-03-14T23:30"]


def generate(
    folder: Path,
    shots: int = 1000,
    scenes: int = 100,
    characters: int = 20,
    locations: int = 10,
    seed: int = 7,
) -> Path:
    """Write a production folder; returns it. Everything references something that exists, so it validates."""
    rng = random.Random(seed)
    names = [f"Char{i:02d}" for i in range(characters)]
    places = [f"Place{i:02d}" for i in range(locations)]
    per_scene = shots // scenes
    cast_of: dict[int, list[str]] = {s: rng.sample(names, rng.randint(2, 4)) for s in range(1, scenes + 1)}
    production: dict[str, Any] = {
        "title": "Benchmark Epic",
        "version": "1.0",
        "fps": 24,
        "aspect_ratio": "2.39:1",
        "style": {"preset": "natural"},
        "render": {"engine": "eevee", "samples": 16},
        "outputs": [
            {"name": "preview", "format": "preview_540p", "path": "output/preview/"},
            {"name": "cinema", "format": "streaming_1080p", "path": "output/cinema/", "container": "png"},
            {
                "name": "retro",
                "path": "output/retro/",
                "retro": {"colors": 16, "dither": "bayer4", "pixel_size": 4, "resolution": [256, 224]},
            },
        ],
    }
    (folder / "characters").mkdir(parents=True)
    costumes: dict[str, Any] = {}
    for i, name in enumerate(names):
        # four wardrobe ranges of 25 scenes each
        wardrobe = []
        for block in range(4):
            costume = f"{name.lower()}_look{block}"
            costumes[costume] = {
                "pieces": ["jacket", "trousers"],
                "colors": ["#1b2a3a", "#c8102e"],
                "condition": rng.choice(["pristine", "worn", "wet"]),
            }
            wardrobe.append({"scenes": f"{block * 25 + 1}-{block * 25 + 25}", "costume": costume})
        character = {
            "name": name,
            "height": round(1.55 + rng.random() * 0.4, 2),
            "build": rng.choice(["slim", "average", "athletic", "heavy"]),
            "wardrobe": wardrobe,
        }
        _dump(folder / "characters" / f"{i:02d}_{name.lower()}.yaml", character)
    (folder / "locations").mkdir()
    _dump(
        folder / "locations" / "all.yaml",
        [
            {
                "name": place,
                "preset": LOCATION_PRESETS[i % len(LOCATION_PRESETS)],
                "interior": i % 2 == 0,
                "geo": {"latitude": 35.68, "longitude": 139.69, "utc_offset": 9},
            }
            for i, place in enumerate(places)
        ],
    )
    (folder / "costumes").mkdir()
    _dump(folder / "costumes" / "all.yaml", costumes)
    (folder / "scenes").mkdir()
    _dump(
        folder / "scenes" / "scenes.yaml",
        [
            {
                "id": s,
                "heading": f"INT. {places[s % locations].upper()} - DAY",
                "location": places[s % locations],
                "time": rng.choice(TIMES),
                "characters": cast_of[s],
                "lighting": {"preset": rng.choice(["three_point", "low_key_noir", "rembrandt"])},
            }
            for s in range(1, scenes + 1)
        ],
    )
    (folder / "shots").mkdir()
    for block in range(10):
        rows = []
        for s in range(block * scenes // 10 + 1, (block + 1) * scenes // 10 + 1):
            cast = cast_of[s]
            for k in range(per_scene):
                shot: dict[str, Any] = {"scene": s, "duration": rng.choice(["2s", "3s", "48f", 60, "1.5s"])}
                if k % 3 == 0:
                    shot["template"] = rng.choice(TEMPLATES)
                else:
                    shot["size"] = rng.choice(SIZES)
                    shot["camera"] = {"lens": rng.choice([24, 35, 50, 85]), "rig": "dolly", "move": "push_in"}
                if shot.get("size") in ("TWO", "OTS") or shot.get("template") in (
                    "two_shot",
                    "over_the_shoulder",
                ):
                    shot["subjects"] = cast[:2]
                else:
                    shot["subject"] = rng.choice(cast)
                if k == 4:
                    shot["focus"] = {"pull": cast[:2], "at": [0.0, 0.8]}
                rows.append(shot)
        _dump(folder / "shots" / f"block_{block:02d}.yaml", rows)
    _dump(folder / "production.yaml", {"production": production})
    return folder


def _dump(path: Path, value: Any) -> None:
    path.write_text(
        yaml.dump(value, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False),
        encoding="utf-8",
    )


def best_of(repeat: int, work: Callable[[], Any]) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="print the top functions of one run")
    args = parser.parse_args(argv)
    _load_backlot()
    from backlot.production.plan import estimate, make_plan
    from backlot.production.spec.api import load_production

    with tempfile.TemporaryDirectory() as tmp:
        folder = generate(Path(tmp) / "epic", shots=args.shots)
        files = sorted(folder.rglob("*.yaml"))
        size = sum(f.stat().st_size for f in files)

        def backlot() -> Any:
            result = load_production(folder)
            if not result.valid or result.production is None:
                raise SystemExit(
                    "generated production is invalid:\n" + "\n".join(i.format() for i in result.issues)
                )
            plan = make_plan(result.production)
            estimate(result.production, plan)
            return result

        def baseline() -> None:
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
            for file in files:
                yaml.load(file.read_text(encoding="utf-8"), Loader=loader)

        result = backlot()
        assert result.production is not None
        shots, scenes = len(result.production.shots), len(result.production.scenes)
        ours = best_of(args.repeat, backlot)
        base = best_of(args.repeat, baseline)
        print(
            f"production: {shots} shots, {scenes} scenes, {len(result.production.characters)} characters, "
            f"{len(result.production.locations)} locations, {len(files)} files, {size / 1024:.0f} KiB"
        )
        print(
            f"load + validate + plan + estimate: {ours * 1000:.0f} ms (best of {args.repeat}); "
            f"goal < {GOAL_SECONDS * 1000:.0f} ms: {'met' if ours < GOAL_SECONDS else 'MISSED'}"
        )
        print(
            f"baseline yaml.load(CSafeLoader) of the same files: {base * 1000:.0f} ms; "
            f"ratio {ours / base:.1f}x the bare parse"
        )
        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(backlot)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return 0 if ours < GOAL_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
