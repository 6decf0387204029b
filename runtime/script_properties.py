"""`scene.backlot.script`: the script helper's brief, selection and live status (see operators/script.py)."""

from __future__ import annotations

import bpy
from bpy.props import EnumProperty, FloatProperty, IntProperty, PointerProperty, StringProperty

from ..production.assistant.client import API_KINDS


class BACKLOT_PG_script(bpy.types.PropertyGroup):
    server_url: StringProperty(  # type: ignore[valid-type]
        name="Server",
        description="Model server URL; empty uses the add-on preferences (default: local Ollama)",
    )
    api: EnumProperty(  # type: ignore[valid-type]
        name="API",
        items=[(kind, kind.title() if kind == "ollama" else "OpenAI-compatible", "") for kind in API_KINDS],
    )
    model: StringProperty(name="Model", description="Model name; empty uses the add-on preferences")  # type: ignore[valid-type]
    title: StringProperty(name="Title")  # type: ignore[valid-type]
    logline: StringProperty(name="Logline", description="Who wants what, and what stands in the way")  # type: ignore[valid-type]
    runtime_minutes: FloatProperty(name="Runtime (min)", min=0.0, max=300.0, default=3.0)  # type: ignore[valid-type]
    audience: StringProperty(name="Audience")  # type: ignore[valid-type]
    key_messages: StringProperty(name="Key messages", description="Separated by ';'")  # type: ignore[valid-type]
    tone: StringProperty(name="Tone")  # type: ignore[valid-type]
    questions: StringProperty(name="Questions", description="What the brief still needs")  # type: ignore[valid-type]
    script_text: PointerProperty(  # type: ignore[valid-type]
        type=bpy.types.Text, name="Script", description="The screenplay (Fountain) the actions work on"
    )
    scene_index: IntProperty(name="Scene", min=1, default=1, description="Scene to revise or cover (1-based)")  # type: ignore[valid-type]
    instruction: StringProperty(name="Instruction", description="How to revise the scene")  # type: ignore[valid-type]
    status: StringProperty(name="Status")  # type: ignore[valid-type]
    tokens: IntProperty(name="Tokens")  # type: ignore[valid-type]
    tokens_per_second: FloatProperty(name="Tokens/s")  # type: ignore[valid-type]
    runtime_label: StringProperty(name="Runtime estimate")  # type: ignore[valid-type]
    last_file: StringProperty(name="Last saved", subtype="FILE_PATH")  # type: ignore[valid-type]
    server_status: StringProperty(name="Server status")  # type: ignore[valid-type]
