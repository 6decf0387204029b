"""Movies (H.264 MP4, ProRes 4444 MOV) per shot and OpenEXR frames, from the same one render per frame."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import cast

import bpy
import numpy as np
from PIL import Image
from render_kit import TINY, log_events, render, shot_frames

EXTRA_OUTPUTS = """
    - {name: movie, path: output/movie/, resolution: [96, 54], container: mp4}
    - {name: prores, path: output/prores/, resolution: [96, 54], container: mov}
    - {name: linear, path: output/exr/, resolution: [48, 27], container: exr, color_depth: "32"}
"""


def test_movies_and_exr(clean_blender: None, tmp_path: Path) -> None:
    shutil.copytree(TINY, tmp_path / "tiny")
    spec = tmp_path / "tiny" / "production.yaml"
    spec.write_text(spec.read_text() + EXTRA_OUTPUTS)
    render(spec, "--outputs", "movie,prores,linear,preview")
    root = spec.parent
    frames = shot_frames()
    for shot, numbers in frames.items():
        for folder, ext in (("movie", "mp4"), ("prores", "mov")):
            clip = bpy.data.movieclips.load(str(root / "output" / folder / f"{shot}.{ext}"))
            assert clip.frame_duration == len(numbers) and tuple(clip.size) == (96, 54)
        for frame in numbers:
            image = bpy.data.images.load(str(root / "output" / "exr" / shot / f"{frame:04d}.exr"))
            assert image.file_format == "OPEN_EXR" and image.is_float and tuple(image.size) == (48, 27)
            pixels = np.empty(48 * 27 * 4, np.float32)
            cast("bpy.types.bpy_prop_array[float]", image.pixels).foreach_get(pixels)  # the stub: one float
            assert pixels.reshape(-1, 4)[:, :3].max() > 0.0  # an image, not an empty buffer
    manifest = {f["path"] for f in json.loads((root / "manifest.json").read_text())["files"]}
    assert {f"output/movie/{shot}.mp4" for shot in frames} <= manifest
    assert not any(".backlot" in path for path in manifest)  # movie frames are scratch, not outputs
    assert len(log_events(root, "rendered")) == sum(len(n) for n in frames.values())


def test_burn_in_marks_only_its_own_output(clean_blender: None, tmp_path: Path) -> None:
    shutil.copytree(TINY, tmp_path / "tiny")
    spec = tmp_path / "tiny" / "production.yaml"
    spec.write_text(
        spec.read_text() + "    - {name: slate, path: output/slate/, resolution: [96, 54], burn_in: true}\n"
    )
    render(spec, "--outputs", "preview,slate", "--shots", "1B")
    root = spec.parent
    with (
        Image.open(root / "output/preview/1B/0004.png") as clean,
        Image.open(root / "output/slate/1B/0004.png") as slate,
    ):
        plain, marked = np.asarray(clean.convert("RGB")), np.asarray(slate.convert("RGB"))
    changed_rows = np.flatnonzero(np.any(plain != marked, axis=(1, 2)))
    assert changed_rows.size and changed_rows.min() >= 54 - 16  # only the band at the bottom
    assert (marked[54 - 16 :] > 200).all(axis=2).sum() > 10  # light text drawn on it
