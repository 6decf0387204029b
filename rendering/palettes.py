"""Retro palettes locked per take: a palette is chosen from a take's first frame and kept in the checkpoint,
committed to disk before any frame made with it, so a resumed take goes on in the same colours."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..production.image import codecs
from ..production.model import Output
from ..production.render.checkpoint import Checkpoint
from ..production.retro.palettes import Palette, PaletteLock
from ..production.retro.pipeline import RetroSettings, palette_preset_for, settings_from_spec


class PaletteLocker:
    """The retro look of each (output, take) of one render, locked on first use into `checkpoint`;
    `on_lock(output, take)` makes the checkpoint durable, before the frame that locked it is written."""

    def __init__(
        self, preset_dirs: list[Path], seed: int, checkpoint: Checkpoint, on_lock: Callable[[str, str], None]
    ) -> None:
        self.preset_dirs = preset_dirs
        self.seed = seed
        self.checkpoint = checkpoint
        self.on_lock = on_lock
        self._locks: dict[str, PaletteLock] = {}  # per output: its palette preset, loaded once
        self._settings: dict[tuple[str, str], RetroSettings] = {}

    def is_locked(self, output_name: str, take_id: str) -> bool:
        return (output_name, take_id) in self._settings

    def settings_for(self, output: Output, take_id: str, codes: np.ndarray | None) -> RetroSettings:
        """The retro look of this output for this take: the palette the checkpoint holds for it, else one
        locked from this frame (`codes`, the take's first) and committed before this frame is written."""
        key = (output.name, take_id)
        if key not in self._settings:
            assert output.retro is not None, "only a retro output has a palette"
            saved = self.checkpoint.palettes.get(output.name, {}).get(take_id)
            if saved is not None:
                palette = Palette.from_hex(saved)
            else:
                assert codes is not None, "a take's first retro frame locks its palette"
                lock = self._locks.get(output.name)
                if lock is None:
                    preset = palette_preset_for(output.retro, self.preset_dirs)
                    lock = self._locks[output.name] = PaletteLock(preset, self.seed)
                palette = lock.palette_for(take_id, [codecs.decode_display(codes)])
                self.checkpoint.lock_palette(output.name, take_id, palette.to_hex())
                self.on_lock(output.name, take_id)
            self._settings[key] = settings_from_spec(output.retro, palette, self.preset_dirs)
        return self._settings[key]
