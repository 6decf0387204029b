"""Render one small Workbench frame per shot of a built .blend, to look at what each camera sees.

    python tools/render_shot_frames.py BUILT.blend OUTDIR [--shots 2B,2C] [--size 480x200]

Needs a Python with bpy (.venv/b52/bin/python). For every camera-bound timeline marker (one per shot) it
renders the shot's middle frame through that marker's camera and writes OUTDIR/<shot>.png. Walls pulled from
the render for a shot stay pulled, as in the real render. The default size is 480 pixels wide at the scene's
master aspect (the frame the staging measure judges); `--size 480x200` shows the band a 2.39:1 production is
framed for.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import run  # noqa: E402

run.import_package()

import bpy  # noqa: E402
from backlot.cli.console import stdout_to_stderr  # noqa: E402
from backlot.rendering.settings import (  # noqa: E402
    apply_settings,
    render_current_frame,
    workbench_antialiasing,
)
from backlot.runtime import compat  # noqa: E402

DEFAULT_WIDTH = 480


def shot_markers(scene: bpy.types.Scene) -> Iterator[tuple[bpy.types.TimelineMarker, int]]:
    """Each camera-bound marker with its shot's middle frame (a shot runs to the next marker, or the end)."""
    markers = sorted((m for m in scene.timeline_markers if m.camera), key=lambda m: m.frame)
    for i, marker in enumerate(markers):
        end = markers[i + 1].frame - 1 if i + 1 < len(markers) else scene.frame_end
        yield marker, (marker.frame + end) // 2


def frame_size(scene: bpy.types.Scene, size: tuple[int, int] | None) -> tuple[int, int]:
    if size is not None:
        return size
    render = scene.render
    aspect = (render.resolution_x * render.pixel_aspect_x) / (render.resolution_y * render.pixel_aspect_y)
    return DEFAULT_WIDTH, max(1, round(DEFAULT_WIDTH / aspect))


def render_shot(
    scene: bpy.types.Scene, marker: bpy.types.TimelineMarker, frame: int, size: tuple[int, int], out: Path
) -> Path | None:
    """Workbench, small, 8-bit PNG, through the marker's camera at `frame`; the file written."""
    settings = {
        "render.engine": compat.engine_id("workbench"),
        "render.resolution_x": size[0],
        "render.resolution_y": size[1],
        "render.resolution_percentage": 100,
        "render.image_settings.color_mode": "RGB",
        "render.image_settings.color_depth": "8",
        "display.render_aa": workbench_antialiasing(1),
    }
    apply_settings(scene, settings)  # the file is not saved: nothing to put back
    scene.camera = marker.camera
    scene.frame_set(frame)
    return render_current_frame(scene, out / marker.name)


def parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT, e.g. 480x200") from None
    if not (1 <= width <= 8192 and 1 <= height <= 8192):
        raise argparse.ArgumentTypeError(f"{text!r}: width and height must be 1..8192 pixels")
    return width, height


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("blend", type=Path, help="a .blend written by `run.py build --save`")
    parser.add_argument("outdir", type=Path, help="folder for <shot>.png (created if missing)")
    parser.add_argument("--shots", help="comma-separated shot ids (default: every shot)")
    parser.add_argument("--size", type=parse_size, help="WIDTHxHEIGHT in pixels (default: 480 wide)")
    args = parser.parse_args()
    if not args.blend.is_file():
        parser.error(f"{args.blend} is not a file; build one with `run.py build SPEC --save {args.blend}`")
    with stdout_to_stderr():
        bpy.ops.wm.open_mainfile(filepath=str(args.blend.resolve()))
    shots = [(scene, marker, frame) for scene in bpy.data.scenes for marker, frame in shot_markers(scene)]
    wanted = set(args.shots.split(",")) if args.shots else {marker.name for _, marker, _ in shots}
    unknown = wanted - {marker.name for _, marker, _ in shots}
    if unknown:
        known = ", ".join(marker.name for _, marker, _ in shots) or "none"
        parser.error(f"no shot {', '.join(sorted(unknown))} in {args.blend.name}; its shots: {known}")
    args.outdir.mkdir(parents=True, exist_ok=True)
    for scene, marker, frame in shots:
        if marker.name in wanted:
            with stdout_to_stderr():
                written = render_shot(scene, marker, frame, frame_size(scene, args.size), args.outdir)
            print(f"shot {marker.name}: frame {frame} -> {written}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
