"""Pure-Python core of Backlot: spec loading, presets, validation, model, planning, Fountain, LLM client.

Nothing in this package imports ``bpy``; a test enforces it.
"""
