"""Pixels without Blender: PNG/TGA codecs, display codes and colour spaces (sRGB, OKLab)."""
