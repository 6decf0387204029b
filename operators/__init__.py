"""Operators, all `backlot.<verb_noun>`, discoverable with F3."""

from __future__ import annotations

import bpy

from . import production, shots

CLASSES: tuple[type, ...] = (*production.CLASSES, *shots.CLASSES)


def register() -> None:
    for cls in CLASSES:
        bpy.utils.register_class(cls)


def unregister() -> None:
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
