"""What every department builds with: keyed datablocks and tweak-aware assignment.

Every datablock Backlot creates carries `backlot_key` (stable across rebuilds) and `backlot_written` (the
values Backlot last wrote). On rebuild a value is compared three ways: what Backlot wrote last time, what the
scene holds now, and what the spec asks for now. If the scene differs from what was written, the artist
changed it: keep it, unless the spec itself changed that value (then the spec wins). "Reset to spec" always
writes. Nothing without a `backlot_key` is ever modified or removed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import bpy

from ..production.model import Production
from ..production.plan import Plan

KEY = "backlot_key"
DEPARTMENT = "backlot_department"
WRITTEN = "backlot_written"
TOLERANCE = 1e-5


@dataclass
class BuildReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # artist tweaks kept: "<datablock>: <property>"
    spec_won: list[str] = field(default_factory=list)  # artist tweaks overwritten because the spec changed
    reset: list[str] = field(default_factory=list)  # artist tweaks overwritten by reset to spec
    removed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, {len(self.kept)} tweak(s) kept, "
            f"{len(self.spec_won)} overridden by the spec, {len(self.reset)} reset, "
            f"{len(self.removed)} removed"
        )

    def to_dict(self) -> dict[str, list[str]]:
        return {k: list(v) for k, v in self.__dict__.items()}


def _plain(value: Any) -> Any:
    """Blender values (vectors, colours, matrices) -> JSON-able lists, for storing and comparing."""
    if isinstance(value, str | bool | int | float) or value is None:
        return value
    if hasattr(value, "__len__") and not isinstance(value, str | bytes):
        return [_plain(v) for v in value]
    if isinstance(value, bpy.types.ID):
        return value.name
    return value


def same(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=TOLERANCE, abs_tol=TOLERANCE)
    return bool(a == b)


def _resolve(owner: Any, attr_path: str) -> tuple[Any, str]:
    *parents, leaf = attr_path.split(".")
    for name in parents:
        owner = getattr(owner, name)
    return owner, leaf


_COLLECTIONS: dict[str, Callable[[], Any]] = {
    "objects": lambda: bpy.data.objects,
    "cameras": lambda: bpy.data.cameras,
    "lights": lambda: bpy.data.lights,
    "meshes": lambda: bpy.data.meshes,
    "curves": lambda: bpy.data.curves,
    "materials": lambda: bpy.data.materials,
    "collections": lambda: bpy.data.collections,
    "worlds": lambda: bpy.data.worlds,
    "scenes": lambda: bpy.data.scenes,
    "node_groups": lambda: bpy.data.node_groups,
    "armatures": lambda: bpy.data.armatures,
    "actions": lambda: bpy.data.actions,
}


class BuildContext:
    """Shared by the departments of one build; owns the key index and the report."""

    def __init__(self, production: Production, plan: Plan, root: bpy.types.Scene, reset: bool = False):
        self.production = production
        self.plan = plan
        self.root = root
        self.reset = reset
        self.report = BuildReport()
        self.department = ""
        self.seen: set[tuple[str, str]] = set()  # (collection kind, key)
        self._index: dict[str, dict[str, Any]] = {}
        self._written: dict[int, tuple[Any, dict[str, Any]]] = {}  # pointer -> (block, last written values)

    # -- keyed datablocks ---------------------------------------------------------------------------
    def _kind_index(self, kind: str) -> dict[str, Any]:
        if kind not in self._index:
            self._index[kind] = {
                block[KEY]: block for block in _COLLECTIONS[kind]() if isinstance(block.get(KEY), str)
            }
        return self._index[kind]

    def find(self, kind: str, key: str) -> Any:
        block = self._kind_index(kind).get(key)
        if block is not None:
            try:
                block.name  # noqa: B018 - a removed datablock raises ReferenceError here
            except ReferenceError:
                return None
        return block

    def ensure(self, kind: str, key: str, name: str, create: Callable[[str], Any]) -> Any:
        """The datablock with `key`, created with `create(name)` when missing. Marks it as still wanted."""
        self.seen.add((kind, key))
        block = self.find(kind, key)
        if block is None:
            block = create(name)
            block[KEY] = key
            block[DEPARTMENT] = self.department
            self._kind_index(kind)[key] = block
            self.report.created.append(f"{kind}: {block.name}")
        return block

    def ensure_object(
        self, key: str, name: str, data: Any, collection: bpy.types.Collection
    ) -> bpy.types.Object:
        obj = self.ensure("objects", key, name, lambda n: bpy.data.objects.new(n, data))
        if obj.data is not data and data is not None and obj.type != "EMPTY":
            obj.data = data
        if collection.objects.get(obj.name) is None:  # obj.users_collection scans every collection
            collection.objects.link(obj)
        return obj

    def ensure_collection(self, key: str, name: str, parent: bpy.types.Collection) -> bpy.types.Collection:
        coll = self.ensure("collections", key, name, lambda n: bpy.data.collections.new(n))
        if coll.name not in parent.children:
            parent.children.link(coll)
        return coll

    # -- tweak-aware values -------------------------------------------------------------------------
    def assign(self, block: Any, attr_path: str, value: Any) -> None:
        """Write `value` unless the artist changed this property and the spec did not."""
        owner, leaf = _resolve(block, attr_path)
        spec_value = _plain(value)
        current = _plain(getattr(owner, leaf))
        written_map = self._written_values(block)
        label = f"{block.name}: {attr_path}"
        if attr_path not in written_map:
            self._write(block, owner, leaf, attr_path, value, written_map)
            return
        written = written_map[attr_path]
        artist_changed = not same(current, written)
        spec_changed = not same(spec_value, written)
        if not artist_changed:
            if spec_changed:
                self._write(block, owner, leaf, attr_path, value, written_map)
                self.report.updated.append(label)
            return
        if self.reset:
            self._write(block, owner, leaf, attr_path, value, written_map)
            self.report.reset.append(label)
        elif spec_changed:
            self._write(block, owner, leaf, attr_path, value, written_map)
            self.report.spec_won.append(f"{label} (yours {_short(current)}, spec now {_short(spec_value)})")
        else:
            self.report.kept.append(f"{label} = {_short(current)} (spec {_short(spec_value)})")

    def assign_all(self, block: Any, values: dict[str, Any]) -> None:
        for attr_path, value in values.items():
            self.assign(block, attr_path, value)

    def _written_values(self, block: Any) -> dict[str, Any]:
        """The values Backlot last wrote on `block`, parsed once per build; `flush` stores them back."""
        pointer = block.as_pointer()
        if pointer not in self._written:
            self._written[pointer] = (block, json.loads(block.get(WRITTEN, "{}")))
        return self._written[pointer][1]

    def _write(
        self, block: Any, owner: Any, leaf: str, attr_path: str, value: Any, written_map: dict[str, Any]
    ) -> None:
        setattr(owner, leaf, value)
        written_map[attr_path] = _plain(getattr(owner, leaf))  # what Blender stored (clamped, converted)

    def flush(self) -> None:
        """Store the written-values records on their datablocks (once per build, not per property)."""
        for block, values in self._written.values():
            try:
                block[WRITTEN] = json.dumps(values)
            except ReferenceError:
                continue  # removed during this build
        self._written.clear()

    # -- clean-up -----------------------------------------------------------------------------------
    def remove_unseen(self, departments: Iterable[str]) -> None:
        """Delete Backlot datablocks of the rebuilt departments that the spec no longer asks for."""
        wanted_departments = set(departments)
        for kind in (
            "objects",
            "cameras",
            "lights",
            "meshes",
            "curves",
            "materials",
            "collections",
            "worlds",
            "node_groups",
            "actions",
            "scenes",
        ):
            collection = _COLLECTIONS[kind]()
            for block in list(collection):
                key = block.get(KEY)
                if not isinstance(key, str) or block.get(DEPARTMENT) not in wanted_departments:
                    continue
                if (kind, key) in self.seen:
                    continue
                self.report.removed.append(f"{kind}: {block.name}")
                collection.remove(block)
            self._index.pop(kind, None)


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return "(" + ", ".join(_short(v) for v in value) + ")"
    return str(value)
