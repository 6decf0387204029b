"""The house plan holds: each package imports only what docs/development.md says it may, no module imports
itself back through others (no circle, lazy imports included), and no module, class or function outgrows the
size limits. Read with ast, so nothing is imported or run."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOT_PACKAGE_CODE = ("tests", "benchmarks", "tools", ".venv", "dist", "build", "wheels")
PRODUCTION_DOMAINS = (
    "spec",
    "screenplay",
    "assistant",
    "camera",
    "light",
    "staging",
    "render",
    "image",
    "retro",
)
VOCABULARY = "production"
MAX_MODULE_LINES, MAX_CLASS_LINES, MAX_FUNCTION_LINES = 600, 300, 80


def development_table() -> dict[str, set[str]]:
    """The layout table at the top of docs/development.md: unit -> the units it may import."""
    table: dict[str, set[str]] = {}
    text = (ROOT / "docs" / "development.md").read_text(encoding="utf-8")
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        unit = cells[0].strip("`").rstrip("/").replace("/", ".")
        table[unit] = {name.rstrip("/").replace("/", ".") for name in re.findall(r"`([\w./*]+)`", cells[2])}
    return table


def unit_of(module: str) -> str:
    """'backlot.production.spec.validate' -> 'production.spec'; 'backlot.production.model' -> 'production'."""
    parts = module.split(".")[1:]
    if not parts:
        return "__init__.py"
    if parts[0] == "production" and len(parts) > 1 and parts[1] in PRODUCTION_DOMAINS:
        return f"production.{parts[1]}"
    if parts == ["run"]:
        return "run.py"
    return parts[0]


def package_files() -> Iterator[Path]:
    for file in sorted(ROOT.rglob("*.py")):
        relative = file.relative_to(ROOT)
        if relative.parts[0] not in NOT_PACKAGE_CODE:
            yield file


def module_name(file: Path) -> str:
    parts = file.relative_to(ROOT).with_suffix("").parts
    return ".".join(("backlot", *parts)).removesuffix(".__init__") if parts != ("__init__",) else "backlot"


def imports_of(file: Path, known: set[str]) -> set[str]:
    """Backlot modules `file` imports, at module level or inside a function."""
    name = module_name(file)
    package = name if file.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("backlot"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            elif (node.module or "").startswith("backlot"):
                target = str(node.module)
            else:
                continue
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                found.add(submodule if submodule in known else target)
    return found - {name}


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    files = list(package_files())
    known = {module_name(file) for file in files}
    return {module_name(file): imports_of(file, known) for file in files}


def test_units_are_top_level_folders_and_production_domains() -> None:
    assert unit_of("backlot.production.spec.validate") == "production.spec"
    assert unit_of("backlot.production.plan") == "production"
    assert unit_of("backlot.rendering.loop") == "rendering"


def test_every_unit_is_in_the_table(graph: dict[str, set[str]]) -> None:
    table = development_table()
    assert {unit_of(module) for module in graph} - set(table) == set()


def allowed(unit: str, target: str, table: dict[str, set[str]]) -> bool:
    """`production.*` in the table stands for the vocabulary and every production subpackage."""
    may = table.get(unit, set())
    return unit == target or target in may or ("production.*" in may and target.split(".")[0] == "production")


def test_each_unit_imports_only_what_the_table_allows(graph: dict[str, set[str]]) -> None:
    table = development_table()
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in graph.items()
        for target in targets
        if not allowed(unit_of(module), unit_of(target), table)
    )
    assert wrong == []


def test_the_table_check_refuses_an_upward_import() -> None:
    table = {"production.render": {"production", "production.image"}, "cli": {"production.*"}}
    assert allowed("production.render", "production.image", table)
    assert not allowed("production.render", "rendering", table)
    assert allowed("cli", "production.spec", table)
    assert not allowed("cli", "runtime", table)


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: every group of modules that import each other, directly or round a loop."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_the_circle_finder_finds_a_circle() -> None:
    assert [
        g for g in strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) if len(g) > 1
    ] == [["a", "b", "c"]]


def test_no_import_circle_between_modules(graph: dict[str, set[str]]) -> None:
    # a package's __init__ importing its own modules is not a circle back to it: count module -> module only
    edges = {
        module: {t for t in targets if not module.startswith(t + ".")} for module, targets in graph.items()
    }
    assert [group for group in strongly_connected(edges) if len(group) > 1] == []


def test_no_circle_between_units(graph: dict[str, set[str]]) -> None:
    edges: dict[str, set[str]] = {}
    for module, targets in graph.items():
        edges.setdefault(unit_of(module), set()).update(
            unit_of(t) for t in targets if unit_of(t) != unit_of(module)
        )
    assert [group for group in strongly_connected(edges) if len(group) > 1] == []


def oversized(file: Path) -> Iterator[str]:
    text = file.read_text(encoding="utf-8")
    where = file.relative_to(ROOT)
    if text.count("\n") > MAX_MODULE_LINES:
        yield f"{where}: {text.count(chr(10))} lines"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            assert node.end_lineno is not None
            length = node.end_lineno - node.lineno + 1
            limit = MAX_CLASS_LINES if isinstance(node, ast.ClassDef) else MAX_FUNCTION_LINES
            if length > limit:
                yield f"{where}:{node.lineno} {node.name}: {length} lines"


def test_no_module_class_or_function_outgrows_its_limit() -> None:
    assert [problem for file in package_files() for problem in oversized(file)] == []
