"""What a render must write and what it did: the render request, checkpoint, derived frames and outputs,
manifest and report, farm jobs. Pure: the Blender half lives in the top-level `rendering` package.
"""
