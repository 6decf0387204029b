"""production/ (the pure core) and cli/ (the terminal face) are pure: no module in them imports bpy (read with
ast, so a lazy import inside a function counts too), and every module imports where `import bpy` fails."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PURE_PACKAGES = (ROOT / "production", ROOT / "cli")
BLENDER_MODULES = {
    "bpy",
    "bmesh",
    "mathutils",
    "bgl",
    "gpu",
    "blf",
    "aud",
    "bpy_extras",
    "idprop",
    "freestyle",
}


def core_files() -> list[Path]:
    return sorted(file for package in PURE_PACKAGES for file in package.rglob("*.py"))


def imported_roots(tree: ast.AST) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
            # importlib.import_module("bpy") / __import__("bpy")
            name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            if (
                name in ("import_module", "__import__")
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                roots.add(str(node.args[0].value).split(".")[0])
    return roots


def test_the_scan_sees_imports() -> None:
    sample = (
        "import bpy\nfrom mathutils import Vector\n"
        "def f():\n    import bmesh\nimportlib.import_module('gpu')\n"
    )
    assert imported_roots(ast.parse(sample)) >= {"bpy", "mathutils", "bmesh", "gpu"}


def test_no_core_module_imports_blender() -> None:
    files = core_files()
    assert len(files) >= 10
    offenders = {}
    for file in files:
        found = imported_roots(ast.parse(file.read_text(encoding="utf-8"), str(file))) & BLENDER_MODULES
        if found:
            offenders[str(file.relative_to(ROOT))] = sorted(found)
    assert offenders == {}


def test_core_modules_import_without_bpy() -> None:
    modules = sorted(
        ".".join(("backlot", *file.relative_to(ROOT).with_suffix("").parts)).removesuffix(".__init__")
        for file in core_files()
    )
    script = textwrap.dedent(f"""
        import importlib, importlib.abc, importlib.util, sys

        class NoBlender(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {sorted(BLENDER_MODULES)!r}:
                    raise ImportError(f"{{name}} is not importable in this test")
                return None

        sys.meta_path.insert(0, NoBlender())
        for name in [m for m in list(sys.modules) if m.split(".")[0] in {sorted(BLENDER_MODULES)!r}]:
            del sys.modules[name]
        spec = importlib.util.spec_from_file_location(
            "backlot", {str(ROOT / "__init__.py")!r}, submodule_search_locations=[{str(ROOT)!r}])
        package = importlib.util.module_from_spec(spec)
        sys.modules["backlot"] = package
        spec.loader.exec_module(package)
        for name in {modules!r}:
            importlib.import_module(name)
        from backlot.production.spec.api import load_production
        result = load_production({str(ROOT / "examples" / "neon_alley" / "production.yaml")!r})
        assert isinstance(result.issues, list)
        leaked = sorted(m for m in sys.modules if m.split(".")[0] in {sorted(BLENDER_MODULES)!r})
        assert not leaked, leaked
        print("ok", len({modules!r}))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok")
