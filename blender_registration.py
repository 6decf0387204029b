"""Register and unregister everything Backlot adds to Blender, in dependency order."""

from __future__ import annotations

from . import operators, panels, properties

_MODULES = (properties, operators, panels)


def register() -> None:
    for module in _MODULES:
        module.register()


def unregister() -> None:
    for module in reversed(_MODULES):
        module.unregister()
