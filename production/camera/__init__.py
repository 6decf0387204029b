"""Camera maths: sensors and lenses, the framing solver, camera moves as poses over time, and a shot's start,
move and rig geometry as plain numbers."""
