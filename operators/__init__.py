"""Operators, all `backlot.<verb_noun>`, discoverable with F3."""

from __future__ import annotations

import bpy

from . import production, render, script, shots

CLASSES: tuple[type, ...] = (*production.CLASSES, *shots.CLASSES, *render.CLASSES, *script.CLASSES)


# the stub declares register_classes_factory as returning None
register, unregister = bpy.utils.register_classes_factory(CLASSES)  # type: ignore[func-returns-value,misc]
