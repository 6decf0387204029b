"""The Blender half of rendering: the shot-by-shot loop, per-shot render settings, master I/O, parallel
workers and farm .blend files. What to render and what was rendered is decided in the pure
`production.render`.
"""
