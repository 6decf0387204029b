"""What every department builds with: keyed datablocks and tweak-aware assignment.

Every datablock Backlot creates carries `backlot_key` (stable across rebuilds) and `backlot_written` (the
values Backlot last wrote). On rebuild a value is compared three ways: what Backlot wrote last time, what the
scene holds now, and what the spec asks for now. If the scene differs from what was written, the artist
changed it: keep it, unless the spec itself changed that value (then the spec wins). "Reset to spec" always
writes. Nothing without a `backlot_key` is ever modified or removed.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

import bpy

from ..production.diagnostics import ProductionError
from ..production.model import Production
from ..production.plan import Plan
from ..production.spec.presets import PresetLibrary
from ..runtime.built import KEY

DEPARTMENT = "backlot_department"
WRITTEN = "backlot_written"
TOLERANCE = 1e-5
_SCALAR_TYPES = (str, bool, int, float, type(None))
_NOT_WRITTEN = object()


@dataclass(frozen=True)
class StagingNote:
    """What the camera department did or could not do for one camera of one shot."""

    shot: str
    camera: str
    kind: str
    """"cheat" (what the crew did to get the shot: a wild wall pulled, the angle, lens or subjects cheated) or
    "warning" (what still falls short, with the fix)."""
    text: str

    def line(self) -> str:
        return f"shot {self.shot}, camera {self.camera}: {self.kind}: {self.text}"


@dataclass
class BuildReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # artist tweaks kept: "<datablock>: <property>"
    spec_won: list[str] = field(default_factory=list)  # artist tweaks overwritten because the spec changed
    reset: list[str] = field(default_factory=list)  # artist tweaks overwritten by reset to spec
    removed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # what could not be built as asked, and why
    staging: list[StagingNote] = field(default_factory=list)  # per shot: cheats made and framing warnings

    def summary(self) -> str:
        staging = self.staging_counts()
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, {len(self.kept)} tweak(s) kept, "
            f"{len(self.spec_won)} overridden by the spec, {len(self.reset)} reset, "
            f"{len(self.removed)} removed"
            + (f", {len(self.problems)} problem(s)" if self.problems else "")
            + (f", {staging['cheats']} cheat(s)" if staging["cheats"] else "")
            + (f", {staging['warnings']} staging warning(s)" if staging["warnings"] else "")
        )

    def staging_counts(self) -> dict[str, int]:
        """How many cheats and staging warnings: the summary line and `build --json` count them."""
        kinds = [note.kind for note in self.staging]
        return {"cheats": kinds.count("cheat"), "warnings": kinds.count("warning")}

    def to_dict(self) -> dict[str, list[Any]]:
        plain: dict[str, list[Any]] = {k: list(v) for k, v in self.__dict__.items()}
        plain["staging"] = [asdict(note) for note in self.staging]
        return plain


def _plain(value: Any) -> Any:
    """Blender values (vectors, colours, matrices) -> JSON-able lists, for storing and comparing."""
    if isinstance(value, _SCALAR_TYPES):
        return value
    if isinstance(value, bpy.types.ID):
        return value.name
    if hasattr(value, "__len__") and not isinstance(value, bytes):
        # Vectors and colours hold scalars: convert those inline, recurse only for rows of a matrix.
        return [item if isinstance(item, _SCALAR_TYPES) else _plain(item) for item in value]
    return value


def same(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=TOLERANCE, abs_tol=TOLERANCE)
    return bool(a == b)


_SUBSCRIPT = re.compile(r'^(\w+)\[(\d+|"[^"]*")\]$')


@functools.cache
def _parse_path(attr_path: str) -> tuple[tuple[tuple[str, int | str | None], ...], str]:
    """`a.b[2].c["Name"].d` -> ((a, None), (b, 2), (c, "Name")), "d": parsed once per distinct path."""
    *parents, leaf = attr_path.split(".")
    steps: list[tuple[str, int | str | None]] = []
    for name in parents:
        match = _SUBSCRIPT.match(name)
        if match is None:
            steps.append((name, None))
        else:
            attr, index = match.groups()
            steps.append((attr, int(index) if index.isdigit() else index[1:-1]))
    return tuple(steps), leaf


def _resolve(owner: Any, attr_path: str) -> tuple[Any, str]:
    """`a.b["Name"].c` (node sockets, material slots) -> (owner of c, "c"); quoted names hold no dots."""
    steps, leaf = _parse_path(attr_path)
    for attr, index in steps:
        owner = getattr(owner, attr)
        if index is not None:
            owner = owner[index]
    return owner, leaf


@dataclass(slots=True)
class _WrittenRecord:
    """The values Backlot last wrote on one datablock; stored back only when this build changed them."""

    block: Any
    values: dict[str, Any]
    changed: bool = False


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

    def __init__(
        self,
        production: Production,
        plan: Plan,
        root: bpy.types.Scene,
        reset: bool = False,
        presets: PresetLibrary | None = None,
    ):
        self.production = production
        self.plan = plan
        self.root = root
        self.reset = reset
        self.presets = presets or PresetLibrary()  # one library per build: each preset file is read once
        self.report = BuildReport()
        self.department = ""
        self.seen: set[tuple[str, str]] = set()  # (collection kind, key)
        self._index: dict[str, dict[str, Any]] = {}
        self._written: dict[int, _WrittenRecord] = {}  # by datablock pointer
        self._collection_objects: dict[int, set[int]] = {}  # collection pointer -> pointers of its objects
        self._kinds_new_this_build: set[str] = set()  # kinds with no keyed block before this build

    def broken_preset(self, kind: str, name: str, problem: str) -> ProductionError:
        """The error for a preset the build cannot use: validation reads only the presets a spec's keys
        take, so a user's light rig, weather, fabric or palette file is first read here."""
        where = self.presets.path(kind, name) or f"presets/{kind}/{name}.yaml"
        return ProductionError(
            f"{where}: {problem}",
            f"fix the preset file (the built-in ones in presets/{kind}/ show the keys), or remove it",
            stage="spec",
            code="preset",
        )

    # -- keyed datablocks ---------------------------------------------------------------------------
    def _kind_index(self, kind: str) -> dict[str, Any]:
        if kind not in self._index:
            self._index[kind] = {
                block[KEY]: block for block in _COLLECTIONS[kind]() if isinstance(block.get(KEY), str)
            }
            if not self._index[kind]:
                self._kinds_new_this_build.add(kind)
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
        return self._ensure(kind, key, name, create)[0]

    def _ensure(self, kind: str, key: str, name: str, create: Callable[[str], Any]) -> tuple[Any, bool]:
        """`ensure`, also saying whether the block is new: a new block has nothing to compare or unlink."""
        self.seen.add((kind, key))
        block = self.find(kind, key)
        if block is not None:
            return block, False
        block = create(name)
        block[KEY] = key
        block[DEPARTMENT] = self.department
        self._kind_index(kind)[key] = block
        self._written[block.as_pointer()] = _WrittenRecord(block, {}, changed=True)
        self.report.created.append(f"{kind}: {block.name}")
        return block, True

    def ensure_object(
        self, key: str, name: str, data: Any, collection: bpy.types.Collection
    ) -> bpy.types.Object:
        obj, created = self._ensure("objects", key, name, lambda n: bpy.data.objects.new(n, data))
        if created:
            collection.objects.link(obj)
            self._linked_objects(collection).add(obj.as_pointer())
            return obj
        if obj.data is not data and data is not None and obj.type != "EMPTY":
            obj.data = data
        linked = self._linked_objects(collection)
        # collection.objects.get() is a linear scan (O(n^2) over a build): only ask it when the set says no.
        if obj.as_pointer() not in linked:
            if collection.objects.get(obj.name) is None:
                collection.objects.link(obj)
            linked.add(obj.as_pointer())
        return obj

    def _linked_objects(self, collection: bpy.types.Collection) -> set[int]:
        """Pointers of the objects in `collection`, read once per build and kept up to date by our links."""
        pointer = collection.as_pointer()
        if pointer not in self._collection_objects:
            self._collection_objects[pointer] = {obj.as_pointer() for obj in collection.objects}
        return self._collection_objects[pointer]

    def ensure_collection(self, key: str, name: str, parent: bpy.types.Collection) -> bpy.types.Collection:
        coll, created = self._ensure("collections", key, name, bpy.data.collections.new)
        if created or coll.name not in parent.children:
            parent.children.link(coll)
        return coll

    # -- tweak-aware values -------------------------------------------------------------------------
    def assign(self, block: Any, attr_path: str, value: Any) -> None:
        """Write `value` unless the artist changed this property and the spec did not."""
        self._assign(self._written_record(block), attr_path, value)

    def assign_all(self, block: Any, values: dict[str, Any]) -> None:
        record = self._written_record(block)
        for attr_path, value in values.items():
            self._assign(record, attr_path, value)

    def _assign(self, record: _WrittenRecord, attr_path: str, value: Any) -> None:
        owner, leaf = _resolve(record.block, attr_path)
        written = record.values.get(attr_path, _NOT_WRITTEN)
        spec_value = _plain(value)
        current = _plain(getattr(owner, leaf))
        if written is _NOT_WRITTEN:  # first write (always on a fresh build): nothing to compare
            if current == spec_value and not isinstance(value, bpy.types.ID):
                # Already so (a new block's default): record it, skip the write and its update tagging.
                record.values[attr_path] = current
                record.changed = True
            else:
                self._write(record, owner, leaf, attr_path, value)
            return
        artist_changed = not same(current, written)
        spec_changed = not same(spec_value, written)
        if not artist_changed:
            if spec_changed:
                self._write(record, owner, leaf, attr_path, value)
                self.report.updated.append(f"{record.block.name}: {attr_path}")
            return
        label = f"{record.block.name}: {attr_path}"
        if self.reset:
            self._write(record, owner, leaf, attr_path, value)
            self.report.reset.append(label)
        elif spec_changed:
            self._write(record, owner, leaf, attr_path, value)
            self.report.spec_won.append(f"{label} (yours {_short(current)}, spec now {_short(spec_value)})")
        else:
            self.report.kept.append(f"{label} = {_short(current)} (spec {_short(spec_value)})")

    def _written_record(self, block: Any) -> _WrittenRecord:
        """The values Backlot last wrote on `block`, parsed once per build; `flush` stores them back."""
        pointer = block.as_pointer()
        record = self._written.get(pointer)
        if record is None:
            record = self._written[pointer] = _WrittenRecord(block, json.loads(block.get(WRITTEN, "{}")))
        return record

    def _write(self, record: _WrittenRecord, owner: Any, leaf: str, attr_path: str, value: Any) -> None:
        setattr(owner, leaf, value)
        record.values[attr_path] = _plain(getattr(owner, leaf))  # what Blender stored (clamped, converted)
        record.changed = True

    def flush(self) -> None:
        """Store the changed written-values records on their datablocks (once per build, not per property)."""
        for record in self._written.values():
            if not record.changed:
                continue
            try:
                record.block[WRITTEN] = json.dumps(record.values)
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
            if kind in self._kinds_new_this_build:
                continue  # every keyed block of this kind was made, so seen, in this build
            collection = _COLLECTIONS[kind]()
            for block in list(collection):
                key = block.get(KEY)
                if not isinstance(key, str) or (kind, key) in self.seen:
                    continue
                if block.get(DEPARTMENT) not in wanted_departments:
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
