"""Pure-Python core of Backlot: everything that knows what a production is, without Blender.

The root modules (`model`, `values`, `plan`, `diagnostics`) are the shared vocabulary and import no
subpackage; each subpackage is one domain (see docs/development.md). Nothing in this package imports ``bpy``;
a test enforces it.
"""
