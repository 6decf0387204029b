"""Retro palettes locked per take: an adaptive palette is chosen from a take's first frame and kept in the
.blend with the checkpoint, so a resumed take goes on in the same colours."""

from __future__ import annotations

import json
from collections.abc import Hashable
from pathlib import Path

import numpy as np

from ..production.image import codecs
from ..production.model import Output
from ..production.retro.palettes import Palette, PaletteLock
from ..production.retro.pipeline import RetroSettings, palette_preset_for, settings_from_spec


class PaletteLocker:
    """The retro look of each (output, take) of one render, locked on first use."""

    def __init__(self, preset_dirs: list[Path], seed: int, saved: str):
        self.preset_dirs = preset_dirs
        self.seed = seed
        self._locks: dict[str, PaletteLock] = {}
        self._settings: dict[tuple[str, str], RetroSettings] = {}
        self._pinned = _read_palettes(saved)

    def is_locked(self, output_name: str, take_id: str) -> bool:
        return (output_name, take_id) in self._settings

    def settings_for(self, output: Output, take_id: str, codes: np.ndarray | None) -> RetroSettings:
        """The retro look of this output for this take: an adaptive palette is locked from the take's first
        frame (`codes`) and kept in the .blend, so a resumed take uses the same colours."""
        key = (output.name, take_id)
        if key not in self._settings:
            assert codes is not None and output.retro is not None, "a take's first retro frame locks it"
            lock = self._locks.get(output.name)
            if lock is None:
                preset = palette_preset_for(output.retro, self.preset_dirs)
                lock = PaletteLock(preset, self.seed, self._pinned.get(output.name, {}))
                self._locks[output.name] = lock
            palette = lock.palette_for(take_id, [codecs.decode_display(codes)])
            self._settings[key] = settings_from_spec(output.retro, palette, self.preset_dirs)
        return self._settings[key]

    def to_json(self) -> str:
        """The palettes locked so far (output -> shot -> colours), as the checkpoint saves them."""
        return json.dumps(
            {
                name: {str(s): p.to_hex() for s, p in lock.palettes.items()}
                for name, lock in self._locks.items()
            }
        )


def _read_palettes(text: str) -> dict[str, dict[Hashable, Palette]]:
    """Locked palettes saved with the checkpoint (output -> shot -> colours, shots keyed as `PaletteLock` keys
    them); unreadable ones are dropped."""
    try:
        data = json.loads(text)
        return {o: {s: Palette.from_hex(p) for s, p in per.items()} for o, per in data.items()}
    except (ValueError, AttributeError, TypeError, IndexError):
        return {}
