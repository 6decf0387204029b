"""Backlot: turn a production spec into built, lit, dressed and rendered Blender scenes.

This file only registers the extension. Importing it must stay free of ``bpy`` so that
``run.py`` and the pure-Python tests can import the package outside Blender.
"""

from __future__ import annotations

from types import ModuleType


def _modules() -> tuple[ModuleType, ...]:
    """What Backlot adds to Blender, in dependency order: the state first, then operators, then panels."""
    from . import operators, panels
    from .runtime import properties

    return (properties, operators, panels)


def register() -> None:
    for module in _modules():
        module.register()


def unregister() -> None:
    for module in reversed(_modules()):
        module.unregister()
