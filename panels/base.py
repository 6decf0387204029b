"""What every Backlot panel shares: the "Backlot" tab of the 3D viewport's sidebar."""

from __future__ import annotations

import bpy


class BacklotPanel(bpy.types.Panel):
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "Backlot"
