"""Derived frames: one master render per frame becomes every image output (resize, letterbox or crop, bit
depth, retro look); `production.image.codecs` writes them as PNG.

Pure numpy. The master is display-referred (the view transform already applied by Blender) and 16 bits per
channel; resizing averages linear light, as a camera sensor would.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from ..retro.pipeline import area_downscale


def picture_box(source: tuple[float, float], aspect: float | None) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) of the production's picture inside a (w, h) frame: the frame cut to `aspect`."""
    width, height = source
    if aspect is None or abs(width / height - aspect) < 1e-3:
        return (0.0, 0.0, float(width), float(height))
    if width / height > aspect:
        inner = height * aspect
        return ((width - inner) / 2, 0.0, (width + inner) / 2, float(height))
    inner = width / aspect
    return (0.0, (height - inner) / 2, float(width), (height + inner) / 2)


def fit_frame(
    image: npt.NDArray,
    size: tuple[int, int],
    aspect: float | None,
    letterbox: bool,
    to_linear: Callable[[npt.NDArray], npt.NDArray] | None = None,
    from_linear: Callable[[npt.NDArray], npt.NDArray] | None = None,
    pixel_aspect: float = 1.0,
) -> npt.NDArray:
    """The master's picture (its `aspect` part) in a frame of `size` (w, h), same value type as `image`.

    letterbox: the whole picture fits inside `size`, with black bars; crop: the picture fills `size` and the
    overflow is cut. Resampling is by exact area averages of linear light (`to_linear` / `from_linear` convert
    when the values are encoded), so edges and fine detail keep their brightness; a picture that maps 1:1 onto
    output pixels is copied untouched. `pixel_aspect` (width / height of a master pixel, 2 for a 2x anamorphic
    master) desqueezes: boxes are laid out on the displayed picture, then mapped back to master columns.
    """
    height, width = image.shape[:2]
    box = picture_box((width * pixel_aspect, height), aspect)
    picture_aspect = (box[2] - box[0]) / (box[3] - box[1])
    out_w, out_h = size
    if letterbox:
        if out_w / out_h > picture_aspect:
            inner = (max(1, round(out_h * picture_aspect)), out_h)
        else:
            inner = (out_w, max(1, round(out_w / picture_aspect)))
        box = _snap(box, inner)
    else:
        inner = size
        box = _crop_box(box, out_w / out_h)
    box = (box[0] / pixel_aspect, box[1], box[2] / pixel_aspect, box[3])  # displayed -> master columns
    x0, y0, x1, y1 = box
    if (round(x1 - x0), round(y1 - y0)) == inner and all(float(v).is_integer() for v in box):
        picture = image[int(y0) : int(y1), int(x0) : int(x1)]
    else:
        linear = to_linear(image) if to_linear else image
        resized = area_downscale(linear, inner, box).astype(np.float32)
        picture = from_linear(resized) if from_linear else resized
    if inner == size:
        return picture
    canvas = np.zeros((out_h, out_w, image.shape[2]), picture.dtype)
    top, left = (out_h - inner[1]) // 2, (out_w - inner[0]) // 2
    canvas[top : top + inner[1], left : left + inner[0]] = picture
    return canvas


def _snap(
    box: tuple[float, float, float, float], inner: tuple[int, int]
) -> tuple[float, float, float, float]:
    """A box within half a pixel of `inner`'s size is that size: a letterboxed picture at the master's own
    resolution is then copied, not resampled by a fraction of a pixel."""
    x0, y0, x1, y1 = box
    width, height = x1 - x0, y1 - y0
    if abs(width - inner[0]) <= 0.5 and abs(height - inner[1]) <= 0.5:
        x0, y0 = float(round(x0 + (width - inner[0]) / 2)), float(round(y0 + (height - inner[1]) / 2))
        return (x0, y0, x0 + inner[0], y0 + inner[1])
    return box


def _crop_box(box: tuple[float, float, float, float], aspect: float) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = box
    width, height = x1 - x0, y1 - y0
    if width / height > aspect:
        inner = height * aspect
        return (x0 + (width - inner) / 2, y0, x0 + (width + inner) / 2, y1)
    inner = width / aspect
    return (x0, y0 + (height - inner) / 2, x1, y0 + (height + inner) / 2)
