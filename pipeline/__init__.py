"""What a production goes through inside Blender (validate into the scene, build, render, submit), written
once and shared by the N-panel's operators and the headless commands of `run.py`.
"""
