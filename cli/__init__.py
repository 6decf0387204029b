"""The terminal front door behind `run.py`: argument parsing, the console, exit codes and the commands that
need no Blender. Importable without bpy; Blender commands are handed to a callback (`pipeline.headless`).
"""
