"""Camera maths: sensors and lenses, the framing solver, and camera moves as poses over time."""
