"""What a render reads back and undoes before it renders anything, so that no frame of a resumed render
differs from one never interrupted, whatever happened in between.

The checkpoint's durable copy is a sidecar file beside the .blend (`<name>.checkpoint.json`): written (fsync,
atomic rename) before every .blend save and whenever the render fixes state later frames depend on (a retro
palette), before any frame made with it is on disk. So it is never behind the .blend and is read back first.

Then the spec: what each take's files were made from is a digest (fingerprints.py), recorded before any of
them is written. A take whose digest changed loses its files (deleted, rendered again); files the plan no
longer has (a shot shortened or removed, an output removed) are deleted; so are the masters of a changed or
removed take.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..diagnostics import ProductionError
from ..files import FileProblem, read_text
from ..model import Output, Production
from ..plan import Plan
from .checkpoint import Checkpoint, commit_frame, frame_path, temp_path
from .fingerprints import Fingerprints
from .request import IMAGE_EXTENSIONS, MOVIE_CONTAINERS, frames_root, is_movie

SIDECAR_SUFFIX = ".checkpoint.json"
MAX_SIDECAR_BYTES = 256 << 20  # a checkpoint of 100,000 frames in 3 outputs is about 30 MB
FRAME_NAME = re.compile(r"\d{4,}\.(?:" + "|".join(sorted(set(IMAGE_EXTENSIONS.values()))) + ")")


def sidecar_path(blend: Path) -> Path:
    """The checkpoint's sidecar: `production.blend` -> `production.checkpoint.json`."""
    return blend.with_suffix(SIDECAR_SUFFIX)


def write_sidecar(path: Path, text: str) -> None:
    """Write the checkpoint JSON durably: a new temporary file (never through a link left at its name), forced
    to disk, renamed into place."""
    temp = temp_path(path)
    try:
        temp.unlink(missing_ok=True)
        handle = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        commit_frame(temp, path)
    except OSError as error:
        raise ProductionError(
            f"cannot save the render checkpoint to {path}: {error.strerror or error}",
            "free some disk space or make the folder writable, then run the render again with --resume",
        ) from None


def read_back(saved: str, sidecar: Path) -> str:
    """The checkpoint JSON to go on from: the sidecar when it belongs to the same render as `saved` (the one
    in the .blend) and is at least as far on, else `saved`. A --restart or a new render (another identity)
    never picks up the sidecar of an old one."""
    text = _read_regular(sidecar)
    if text is None:
        return saved
    mine, theirs = Checkpoint.from_json(saved), Checkpoint.from_json(text)
    return text if theirs.identity == mine.identity and theirs.revision >= mine.revision else saved


def _read_regular(path: Path) -> str | None:
    """A regular file's text; None for anything else (missing, a pipe, a device, too large, not UTF-8)."""
    try:
        return read_text(path, path.name, MAX_SIDECAR_BYTES, "checkpoints")
    except FileProblem:
        return None


def share_of(checkpoint: Checkpoint, takes: Collection[str]) -> Checkpoint:
    """What a parallel worker hands its parent: its own takes only, so the copy of another worker's take it
    started from can never undo what that worker did (re-rendered it for a changed spec, say) in the merge."""

    def own(per_take: dict[str, Any]) -> dict[str, Any]:
        return {take: value for take, value in per_take.items() if take in takes}

    return replace(
        checkpoint,
        frames={output: own(per_take) for output, per_take in checkpoint.frames.items()},
        timings=own(checkpoint.timings),
        failures=own(checkpoint.failures),
        take_digests=own(checkpoint.take_digests),
        output_digests={output: own(per_take) for output, per_take in checkpoint.output_digests.items()},
        palettes={output: own(per_take) for output, per_take in checkpoint.palettes.items()},
        warnings=[],
    )


@dataclass
class SpecChanges:
    """What an edit of the spec since the last run undid."""

    changed: dict[str, set[str]] = field(default_factory=dict)  # take -> outputs whose frames were stale
    unrecorded: dict[str, set[str]] = field(default_factory=dict)  # the same, found with no digest recorded
    orphans: int = 0  # frame files deleted that the plan no longer has
    stale_masters: set[str] = field(default_factory=set)  # takes whose masters no longer hold

    def message(self, order: list[str], takes: Collection[str] | None, outputs: Collection[str]) -> str:
        """One line: which shots changed (in plan `order`) and whether this run renders them again, how many
        orphan frames went; '' when nothing changed."""
        parts = []
        for found, what in ((self.changed, "changed since the last run"), (self.unrecorded, _UNRECORDED)):
            if found:
                listing = _listing([t for t in order if t in found], found, takes, outputs)
                parts.append(f"{len(found)} shot(s) {what}: {listing}")
        if self.orphans:
            parts.append(f"{self.orphans} orphan frame(s) removed")
        return "; ".join(parts)


_UNRECORDED = "had frames on disk from a render this checkpoint has no record of"


def _listing(
    ids: list[str], found: dict[str, set[str]], takes: Collection[str] | None, outputs: Collection[str]
) -> str:
    now = [t for t in ids if (takes is None or t in takes) and found[t] <= set(outputs)]
    later = [t for t in ids if t not in now]
    text = f"{', '.join(now)} (re-rendering)" if now else ""
    if later:
        text += f"{', ' if text else ''}{', '.join(later)} (old frames removed; not rendered this run)"
    return text


def undo_changes(
    checkpoint: Checkpoint,
    production: Production,
    plan: Plan,
    made: Fingerprints,
    takes: Collection[str] | None = None,
    outputs: Collection[str] | None = None,
    orphans: bool = True,
) -> SpecChanges:
    """Bring the checkpoint and the files on disk in line with what the spec makes now, for the `takes` and
    `outputs` given (None: all) of `plan` (one entry per take): the files of a take whose digest changed are
    deleted and forgotten, and the new digest recorded; with `orphans`, so are those of takes and outputs the
    plan no longer has. The caller saves the checkpoint before rendering and deletes the stale masters."""
    changes = SpecChanges()
    for take, made_from in made.takes.items():
        if (takes is None or take in takes) and checkpoint.take_digests.get(take) != made_from:
            checkpoint.take_digests[take] = made_from
            changes.stale_masters.add(take)
    frames = {p.shot_id: p.frame_numbers() for p in plan.shots}
    for output in production.outputs:
        if outputs is not None and output.name not in outputs:
            continue
        folders = output_folders(production, output)
        for take, made_from in made.outputs[output.name].items():
            recorded = checkpoint.output_digests.get(output.name, {}).get(take)
            locked = output.retro is None or take in checkpoint.palettes.get(output.name, {})
            if (takes is not None and take not in takes) or (recorded == made_from and locked):
                continue
            had_frames = bool(checkpoint.frames.get(output.name, {}).get(take))
            deleted = _delete_take(production.base_dir, take, (folders, checkpoint.folders.get(output.name)))
            checkpoint.forget(output.name, take)
            checkpoint.output_digests.setdefault(output.name, {})[take] = made_from
            changes.orphans += len(deleted - set(frames[take]))
            if had_frames or deleted:
                found = changes.changed if recorded else changes.unrecorded
                found.setdefault(take, set()).add(output.name)
        checkpoint.folders[output.name] = folders
    if orphans:
        _undo_orphans(checkpoint, production, made, changes)
    return changes


def _undo_orphans(
    checkpoint: Checkpoint, production: Production, made: Fingerprints, changes: SpecChanges
) -> None:
    """Delete and forget the files of takes and outputs the plan no longer has, and their masters."""
    current = {o.name: o for o in production.outputs}
    per_output = (checkpoint.frames, checkpoint.output_digests, checkpoint.palettes)
    for name in {*checkpoint.folders, *(n for known in per_output for n in known)}:
        output = current.get(name)
        folders = (checkpoint.folders.get(name), output_folders(production, output) if output else None)
        known_takes = {take for known in per_output for take in known.get(name, {})}
        for take in known_takes - set(made.outputs.get(name, {})):
            changes.orphans += len(_delete_take(production.base_dir, take, folders))
            checkpoint.forget(name, take)
        if output is None:
            for known in (*per_output, checkpoint.folders):
                known.pop(name, None)
    for take in set(checkpoint.take_digests) - set(made.takes):
        del checkpoint.take_digests[take]
        changes.stale_masters.add(take)


def output_folders(production: Production, output: Output) -> tuple[str, str]:
    """(frames folder, movies folder or '') of an output, relative to the production folder."""
    base = production.base_dir
    frames = Path(os.path.relpath(frames_root(production, output), base)).as_posix()
    movies = Path(os.path.relpath(output.path, base)).as_posix() if is_movie(output) else ""
    return frames, movies


def _delete_take(base: Path, take: str, folders: Iterable[tuple[str, str] | None]) -> set[int]:
    """Delete a take's frame files (`NNNN.png|exr`) and movies from each (frames, movies) folder pair given;
    the frame numbers deleted. Only inside the production folder, never through a link."""
    deleted: set[int] = set()
    for pair in {pair for pair in folders if pair}:
        frames, movies = (_within(base, rel) if rel else None for rel in pair)
        if frames is not None:
            deleted |= _delete_frames(frames, take)
        if movies is not None:
            for container in MOVIE_CONTAINERS:
                _delete(movies / f"{take}.{container}", movies)
    return deleted


def _within(base: Path, relative: str) -> Path | None:
    path = Path(os.path.normpath(base / relative))
    return path if path.is_relative_to(base) else None


def _delete_frames(root: Path, take: str) -> set[int]:
    try:
        folder = frame_path(root, take, 0, "png").parent
    except (ValueError, ProductionError):
        return set()  # not a take id that names a folder inside root: nothing of ours is there
    if folder.is_symlink() or not folder.is_dir():
        return set()
    try:
        names = [entry.name for entry in os.scandir(folder)]
    except OSError as error:
        raise _cannot_remove(folder, error) from None
    ours = [name for name in names if FRAME_NAME.fullmatch(name)]
    deleted = {int(name.partition(".")[0]) for name in ours if _delete(folder / name, folder)}
    with contextlib.suppress(OSError):
        folder.rmdir()  # only when nothing else is left in it
    return deleted


def _delete(path: Path, folder: Path) -> bool:
    """Remove a file or a link (never what it points to) that sits right in `folder`; False when none does."""
    if path.parent != folder or not (path.is_symlink() or path.is_file()):
        return False
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError as error:
        raise _cannot_remove(path, error) from None
    return True


def _cannot_remove(path: Path, error: OSError) -> ProductionError:
    return ProductionError(
        f"cannot remove {path}, made from an older version of the spec: {error.strerror or error}",
        "make the output folder writable (or delete it by hand), then run the render again with --resume",
    )
