"""Backlot: turn a production spec into built, lit, dressed and rendered Blender scenes.

This file only registers the extension. Importing it must stay free of ``bpy`` so that
``run.py`` and the pure-Python tests can import the package outside Blender.
"""

from __future__ import annotations


def register() -> None:
    from . import blender_registration

    blender_registration.register()


def unregister() -> None:
    from . import blender_registration

    blender_registration.unregister()
