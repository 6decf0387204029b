"""Who stands where, in what, on which set: blocking, stand-in figure, set geometry, costumes, continuity."""
