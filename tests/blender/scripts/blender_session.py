"""Run a list of Blender steps in a fresh bpy process and write what each step observed as JSON.

    python blender_session.py STEPS.json RESULT.json

Tests run this in a subprocess so each session has its own bpy state and Blender user folders (set through
BLENDER_USER_* by the caller), and so a hang at exit shows up as a timeout instead of freezing pytest.
STEPS.json: ``{"hide_host_modules": ["yaml"], "steps": [{"op": "add_repo", ...}, ...]}``. The result is
rewritten after every step, so a crash or hang still tells which steps finished. Add a step by adding a
function to ``STEPS``.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import json
import site
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, cast


class HostModuleHider(importlib.abc.MetaPathFinder):
    """Find the given top-level modules anywhere but in this interpreter's site-packages.

    The venvs have PyYAML installed for the pure tests; hiding it proves Blender imports the bundled wheel.
    """

    def __init__(self, module_names: Sequence[str]) -> None:
        self.module_names = set(module_names)
        host_site_dirs = [*site.getsitepackages(), site.getusersitepackages()]
        self.host_dirs = {str(Path(path).resolve()) for path in host_site_dirs}

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if path is not None or fullname not in self.module_names:
            return None
        search_path = [entry for entry in sys.path if str(Path(entry or ".").resolve()) not in self.host_dirs]
        spec = importlib.machinery.PathFinder.find_spec(fullname, search_path)
        if spec is None:
            # Returning None would let the next finder import the host copy.
            raise ModuleNotFoundError(f"{fullname!r} is only in the host site-packages", name=fullname)
        return spec


def add_repo(name: str, directory: str) -> dict[str, Any]:
    import bpy

    repo = bpy.context.preferences.extensions.repos.new(
        name=name, module=name, custom_directory=directory, source="USER"
    )
    return {"module": repo.module, "directory": repo.directory}


def install(repo: str, filepath: str) -> dict[str, Any]:
    import bpy

    result = bpy.ops.extensions.package_install_files(repo=repo, filepath=filepath, enable_on_install=True)
    return {"result": _sorted_result(result)}


def _sorted_result(result: object) -> list[str]:
    """An operator's result set, sorted; the stubs type operator calls as returning None."""
    return sorted(cast(set[str], result))


def addons() -> dict[str, Any]:
    import bpy

    return {"enabled": sorted(bpy.context.preferences.addons.keys())}


def import_module(module: str, attributes: Sequence[str] = ()) -> dict[str, Any]:
    imported = importlib.import_module(module)
    return {
        "file": imported.__file__,
        "attributes": {name: repr(getattr(imported, name, None)) for name in attributes},
    }


def disable(module: str) -> dict[str, Any]:
    import bpy

    return {"result": _sorted_result(bpy.ops.preferences.addon_disable(module=module))}


def build_production(spec_path: str) -> dict[str, Any]:
    """Run the installed extension's Build Production operator on the spec, as the N-panel button does."""
    import bpy

    scene = bpy.context.scene
    scene.backlot.spec_path = spec_path
    result = bpy.ops.backlot.build_production()  # type: ignore[attr-defined]  # registered at run time
    operator_class = bpy.types.Operator.bl_rna_get_subclass_py("BACKLOT_OT_build_production")
    return {
        "result": _sorted_result(result),
        "operator_module": operator_class.__module__,
        "build_report": scene.backlot.build_report,
    }


def save(filepath: str) -> dict[str, Any]:
    import bpy

    return {"result": _sorted_result(bpy.ops.wm.save_as_mainfile(filepath=filepath))}


def open_file(filepath: str) -> dict[str, Any]:
    import bpy

    return {"result": _sorted_result(bpy.ops.wm.open_mainfile(filepath=filepath)), "file": bpy.data.filepath}


def inventory(key_property: str) -> dict[str, Any]:
    """Keyed scenes with their markers (name, frame, key of the bound camera) and keyed camera objects."""
    import bpy

    def key_of(block: Any) -> str | None:
        return None if block is None else block.get(key_property)

    return {
        "scenes": {
            scene[key_property]: [
                {"name": marker.name, "frame": marker.frame, "camera": key_of(marker.camera)}
                for marker in scene.timeline_markers
            ]
            for scene in bpy.data.scenes
            if key_of(scene)
        },
        "camera_objects": sorted(
            key_of(obj) for obj in bpy.data.objects if obj.type == "CAMERA" and key_of(obj)
        ),
    }


def registered(module_prefix: str, class_prefix: str, operator_namespace: str) -> dict[str, Any]:
    """What the add-on left in Blender: RNA classes, operators and Scene properties."""
    import bpy

    classes = sorted(
        name
        for name in dir(bpy.types)
        if name.startswith(class_prefix)
        or str(getattr(getattr(bpy.types, name), "__module__", "")).startswith(module_prefix)
    )
    return {
        "classes": classes,
        "operators": sorted(dir(getattr(bpy.ops, operator_namespace))),
        "scene_properties": sorted(
            prop.identifier
            for prop in bpy.types.Scene.bl_rna.properties
            if prop.identifier.startswith(operator_namespace)
        ),
    }


STEPS: dict[str, Callable[..., dict[str, Any]]] = {
    "add_repo": add_repo,
    "install": install,
    "addons": addons,
    "import": import_module,
    "disable": disable,
    "registered": registered,
    "build_production": build_production,
    "save": save,
    "open": open_file,
    "inventory": inventory,
}


def main(steps_path: str, result_path: str) -> int:
    config = json.loads(Path(steps_path).read_text())
    sys.meta_path.insert(0, HostModuleHider(config.get("hide_host_modules", [])))
    import bpy

    results: list[dict[str, Any]] = []
    report = {"blender": bpy.app.version_string, "python": list(sys.version_info[:2]), "steps": results}
    for step in config["steps"]:
        arguments = {key: value for key, value in step.items() if key != "op"}
        try:
            results.append({"op": step["op"], "output": STEPS[step["op"]](**arguments)})
        except Exception:
            results.append({"op": step["op"], "error": traceback.format_exc()})
        Path(result_path).write_text(json.dumps(report, indent=2))
        if "error" in results[-1]:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
