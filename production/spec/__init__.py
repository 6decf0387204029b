"""Read a spec (file or folder), resolve presets, validate with every issue at once, build the model."""
