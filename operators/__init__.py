"""Operators, all `backlot.<verb_noun>`, discoverable with F3."""

from __future__ import annotations

import bpy

from . import production, render, script, shots

CLASSES: tuple[type, ...] = (*production.CLASSES, *shots.CLASSES, *render.CLASSES, *script.CLASSES)


register, unregister = bpy.utils.register_classes_factory(CLASSES)
