"""Blender runtime plumbing under every Blender-side package: `scene.backlot` state and preferences, and the
one module for differences between Blender versions.
"""
