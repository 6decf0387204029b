"""Continuity in the N-panel: per character, screen time, costume per scene and changes, and the warnings a
script supervisor acts on; the same report as `run.py info --continuity`, stored by validation."""

from __future__ import annotations

import functools
import json
from typing import Any

import bpy

from ..runtime.properties import active_scene, production_state
from .base import BacklotPanel


@functools.lru_cache(maxsize=4)
def _report(text: str) -> dict[str, Any]:
    """Parsed once per report, not on every redraw."""
    return json.loads(text) if text else {}


class BACKLOT_PT_continuity(BacklotPanel):
    bl_idname = "BACKLOT_PT_continuity"
    bl_label = "Continuity"
    bl_parent_id = "BACKLOT_PT_production"
    bl_options = {"DEFAULT_CLOSED"}

    def draw(self, context: bpy.types.Context) -> None:
        layout = self.layout
        report = _report(production_state(active_scene(context)).continuity)
        if not report:
            layout.label(text="Validate a spec to see its continuity")
            return
        for warning in report["warnings"]:
            layout.label(text=warning, icon="ERROR")
        for entry in report["characters"]:
            box = layout.box()
            if not entry["scenes"]:
                box.label(text=f"{entry['name']}: not in any scene", icon="GHOST_DISABLED")
                continue
            seen = f"{entry['screen_seconds']:g} s on screen in {len(entry['shots'])} shot(s)"
            box.label(text=f"{entry['name']}: {seen}", icon="USER")
            column = box.column(align=True)
            for scene_id, costume in entry["costumes"].items():
                column.label(text=f"Scene {scene_id}: {costume or '(no costume)'}", icon="MATCLOTH")
            for change in entry["changes"]:
                column.label(
                    text=f"After scene {change['from_scene']}: {change['from']} -> {change['to']}",
                    icon="FORWARD",
                )


CLASSES = (BACKLOT_PT_continuity,)
