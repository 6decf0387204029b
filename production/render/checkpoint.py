"""The render checkpoint: which frames of which output are on disk, what each take was rendered from and the
palettes it locked, kept in the .blend as a JSON string and, written first, in a sidecar file beside it.

Nothing here trusts a flag: a shot's status is derived from the frames recorded, and on resume every recorded
frame is re-checked on disk (exists, size, decodable) before it counts as done. Frames are written to a hidden
temporary name and renamed into place only when complete, so a file with a final name is a finished frame.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import struct
import uuid
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from ..plan import Plan
from .safe_files import exr_problem, is_inside, join, safe_name

CHECKPOINT_VERSION = 2

PENDING = "pending"
RENDERING = "rendering"  # some frames on disk, not all: an interrupted or running shot
DONE = "done"
FAILED = "failed"

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BLEND_MAGIC = b"BLENDER"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_SEEKABLE_MAGIC = 0x8F92EAB1
ZSTD_SKIPPABLE_SEEK_TABLE_MAGIC = 0x184D2A5E
PARTIAL_SUFFIX = ".partial"
HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class FrameRecord:
    path: str  # as given to record_frame: relative paths are relative to the output's root
    size: int
    sha256: str


class DroppedFrame(NamedTuple):
    output: str
    shot: str
    frame: int
    path: str
    reason: str


@dataclass
class Checkpoint:
    spec_hash: str = ""
    # Which render this is (a sidecar of another render is never read back) and how far on: of two copies of
    # one render, the one with more changes is the newer.
    identity: str = field(default_factory=lambda: uuid.uuid4().hex)
    revision: int = 0
    # output -> shot -> frame -> record
    frames: dict[str, dict[str, dict[int, FrameRecord]]] = field(default_factory=dict)
    timings: dict[str, dict[int, float]] = field(default_factory=dict)  # shot -> frame -> seconds
    failures: dict[str, str] = field(default_factory=dict)  # shot -> last error message
    # What the files on disk were made from (fingerprints.py), set before any of them is written: take ->
    # digest of its masters, output -> take -> digest of its frames.
    take_digests: dict[str, str] = field(default_factory=dict)
    output_digests: dict[str, dict[str, str]] = field(default_factory=dict)
    palettes: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # output -> take -> colours
    # output -> (its frames folder, its movies folder or ""), relative to the production folder: where to find
    # the files of an output the spec no longer has.
    folders: dict[str, tuple[str, str]] = field(default_factory=dict)
    renders_done: int = 0
    started: str = field(default_factory=utc_now)
    updated: str = field(default_factory=utc_now)
    # Not serialised: what from_json had to repair (garbage text, an older version...).
    warnings: list[str] = field(default_factory=list, compare=False)

    # -- recording -------------------------------------------------------------------------------------------
    def record_frame(
        self, output: str, shot: str, frame: int, path: str | Path, size: int, sha256: str
    ) -> None:
        """A frame file is complete on disk (after commit_frame)."""
        self.frames.setdefault(output, {}).setdefault(shot, {})[int(frame)] = FrameRecord(
            str(path), int(size), str(sha256)
        )
        self.failures.pop(shot, None)
        self.touch()

    def record_render(self, shot: str, frame: int, seconds: float) -> None:
        """One render.render() call finished (one per frame, whatever the number of outputs fed from it)."""
        self.timings.setdefault(shot, {})[int(frame)] = float(seconds)
        self.renders_done += 1
        self.touch()

    def record_failure(self, shot: str, error: str) -> None:
        self.failures[shot] = str(error)
        self.touch()

    def lock_palette(self, output: str, shot: str, colours: list[str]) -> None:
        self.palettes.setdefault(output, {})[shot] = list(colours)
        self.touch()

    def forget(self, output: str, shot: str) -> None:
        """The shot's frames, digest and palette for this output no longer hold (the shot changed or left)."""
        for per_output in (self.frames, self.output_digests, self.palettes):
            per_output.get(output, {}).pop(shot, None)
        self.touch()

    def merge(self, other: Checkpoint, renders_before: int = 0) -> None:
        """Take in what another process recorded (a parallel worker started from a copy of this checkpoint
        holding `renders_before` renders): its frames, timings, digests, palettes and new renders; a shot it
        found changed (another digest) takes its frames instead of adding to them. verify() afterwards
        decides what is really on disk."""
        for output, digests in other.output_digests.items():
            for shot, made_from in digests.items():
                if self.output_digests.get(output, {}).get(shot) != made_from:
                    self.forget(output, shot)
            self.output_digests.setdefault(output, {}).update(digests)
        for output, per_shot in other.frames.items():
            for shot, per_frame in per_shot.items():
                self.frames.setdefault(output, {}).setdefault(shot, {}).update(per_frame)
        for output, colours in other.palettes.items():
            self.palettes.setdefault(output, {}).update(colours)
        self.take_digests.update(other.take_digests)
        self.folders.update(other.folders)
        for shot, seconds_per_frame in other.timings.items():
            self.timings.setdefault(shot, {}).update(seconds_per_frame)
        for shot, error in other.failures.items():
            self.failures.setdefault(shot, error)
        self.renders_done += max(0, other.renders_done - renders_before)
        self.revision = max(self.revision, other.revision)
        self.touch()

    def touch(self) -> None:
        self.updated = utc_now()
        self.revision += 1

    # -- queries ---------------------------------------------------------------------------------------------
    def is_done(self, output: str, shot: str, frame: int) -> bool:
        return int(frame) in self.frames.get(output, {}).get(shot, {})

    def frame_count(self) -> int:
        """Frame files recorded, over every output and shot."""
        return sum(len(per_frame) for per_shot in self.frames.values() for per_frame in per_shot.values())

    def record(self, output: str, shot: str, frame: int) -> FrameRecord | None:
        return self.frames.get(output, {}).get(shot, {}).get(int(frame))

    def missing_frames(
        self, plan: Plan, outputs: Iterable[str] | None = None, shots: Iterable[str] | None = None
    ) -> list[tuple[str, int, list[str]]]:
        """The work list in plan order: (shot id, frame, outputs lacking that frame), one entry per render."""
        wanted_outputs = None if outputs is None else set(outputs)
        wanted_shots = None if shots is None else set(shots)
        work: list[tuple[str, int, list[str]]] = []
        for shot_plan in plan.shots:
            if wanted_shots is not None and shot_plan.shot_id not in wanted_shots:
                continue
            requested = [o for o in shot_plan.outputs if wanted_outputs is None or o in wanted_outputs]
            if not requested:
                continue
            for frame in shot_plan.frame_numbers():
                lacking = [o for o in requested if not self.is_done(o, shot_plan.shot_id, frame)]
                if lacking:
                    work.append((shot_plan.shot_id, frame, lacking))
        return work

    def shot_status(self, plan: Plan, shot: str, outputs: Iterable[str] | None = None) -> str:
        """Derived from the frames recorded (never from a flag): done, rendering (some), failed or pending."""
        shot_plan = plan.shot(shot)
        wanted = None if outputs is None else set(outputs)
        requested = [o for o in shot_plan.outputs if wanted is None or o in wanted]
        total = shot_plan.frames * len(requested)
        have = sum(1 for o in requested for f in shot_plan.frame_numbers() if self.is_done(o, shot, f))
        if total and have == total:
            return DONE
        if shot in self.failures:
            return FAILED
        return RENDERING if have else PENDING

    def seconds_per_frame(self, shot: str) -> float | None:
        """Mean measured render time of the shot's frames, or None before the first one."""
        times = self.timings.get(shot)
        return sum(times.values()) / len(times) if times else None

    # -- resume ----------------------------------------------------------------------------------------------
    def verify(self, output_paths: Mapping[str, str | Path]) -> list[DroppedFrame]:
        """Re-check every recorded frame of the outputs given (name -> output root); drop those not usable."""
        dropped: list[DroppedFrame] = []
        for output, root in output_paths.items():
            root_path = Path(root)
            per_shot = self.frames.get(output, {})
            for shot, per_frame in per_shot.items():
                for frame, rec in list(per_frame.items()):
                    reason = _frame_problem(root_path, rec)
                    if reason:
                        del per_frame[frame]
                        dropped.append(DroppedFrame(output, shot, frame, rec.path, reason))
        if dropped:
            self.touch()
        return dropped

    # -- JSON ------------------------------------------------------------------------------------------------
    def to_json(self) -> str:
        data = {
            "version": CHECKPOINT_VERSION,
            "spec_hash": self.spec_hash,
            "identity": self.identity,
            "revision": self.revision,
            "started": self.started,
            "updated": self.updated,
            "renders_done": self.renders_done,
            "frames": {
                output: {
                    shot: {str(f): [r.path, r.size, r.sha256] for f, r in sorted(per_frame.items())}
                    for shot, per_frame in per_shot.items()
                }
                for output, per_shot in self.frames.items()
            },
            "timings": {
                shot: {str(f): s for f, s in sorted(per_frame.items())}
                for shot, per_frame in self.timings.items()
            },
            "failures": dict(self.failures),
            "take_digests": self.take_digests,
            "output_digests": self.output_digests,
            "palettes": self.palettes,
            "folders": {output: list(pair) for output, pair in self.folders.items()},
        }
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | None, spec_hash: str | None = None) -> Checkpoint:
        """Never raises: garbage gives a fresh checkpoint (for `spec_hash`); problems go to `.warnings`. What
        an edit of the spec changed is found per take, from the digests (`resume.undo_changes`)."""
        fresh = cls(spec_hash=spec_hash or "")
        if not text or not text.strip():
            return fresh  # no checkpoint yet: not a problem
        try:
            data = json.loads(text)
        except (ValueError, RecursionError) as error:
            fresh.warnings.append(
                f"render checkpoint is not valid JSON ({error}); starting a fresh checkpoint"
            )
            return fresh
        if not isinstance(data, dict):
            fresh.warnings.append("render checkpoint is not a JSON object; starting a fresh checkpoint")
            return fresh
        version = data.get("version")
        if version != CHECKPOINT_VERSION:
            fresh.warnings.append(
                f"render checkpoint has version {version!r}, this Backlot reads {CHECKPOINT_VERSION}; "
                "starting a fresh checkpoint"
            )
            return fresh
        cp = cls()
        cp.spec_hash = _text(data.get("spec_hash"))
        cp.identity = _text(data.get("identity")) or cp.identity
        cp.started = _text(data.get("started")) or cp.started
        cp.updated = _text(data.get("updated")) or cp.updated
        cp.renders_done = _count(data.get("renders_done"))
        cp.revision = _count(data.get("revision"))
        bad = cp._read_made_from(data)
        for output, per_shot in _items(data.get("frames")):
            for shot, per_frame in _items(per_shot):
                for key, value in _items(per_frame):
                    frame = _int_key(key)
                    rec = _frame_record(value)
                    if frame is None or rec is None:
                        bad += 1
                        continue
                    cp.frames.setdefault(output, {}).setdefault(shot, {})[frame] = rec
        for shot, per_frame in _items(data.get("timings")):
            for key, value in _items(per_frame):
                frame = _int_key(key)
                if frame is None or not _is_number(value):
                    bad += 1
                    continue
                cp.timings.setdefault(shot, {})[frame] = float(value)
        for shot, message in _items(data.get("failures")):
            cp.failures[shot] = _text(message)
        if bad:
            cp.warnings.append(
                f"render checkpoint had {bad} unreadable entries; those frames will be rendered again"
            )
        return cp

    def _read_made_from(self, data: dict[str, Any]) -> int:
        """Digests, palettes and folders from checkpoint JSON; returns how many entries were unreadable. A
        take without its digest or its palette (not a list of #rrggbb) renders again, as if it had changed."""
        bad = 0
        for shot, made_from in _items(data.get("take_digests")):
            self.take_digests[shot] = _text(made_from)
        for output, per_shot in _items(data.get("output_digests")):
            for shot, made_from in _items(per_shot):
                self.output_digests.setdefault(output, {})[shot] = _text(made_from)
        for output, per_shot in _items(data.get("palettes")):
            for shot, colours in _items(per_shot):
                if isinstance(colours, list) and colours and all(_is_colour(c) for c in colours):
                    self.palettes.setdefault(output, {})[shot] = colours
                else:
                    self.output_digests.get(output, {}).pop(shot, None)
                    bad += 1
        for output, pair in _items(data.get("folders")):
            if isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair):
                self.folders[output] = (pair[0], pair[1])
            else:
                bad += 1
        return bad


# -- JSON helpers --------------------------------------------------------------------------------------------
def _items(value: Any) -> list[tuple[str, Any]]:
    return [(k, v) for k, v in value.items() if isinstance(k, str)] if isinstance(value, dict) else []


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _is_colour(value: Any) -> bool:
    return isinstance(value, str) and HEX_COLOUR.fullmatch(value) is not None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value  # not NaN


def _int_key(key: str) -> int | None:
    try:
        return int(key)
    except ValueError:
        return None


def _frame_record(value: Any) -> FrameRecord | None:
    if not (isinstance(value, list) and len(value) == 3):
        return None
    path, size, digest = value
    if not (
        isinstance(path, str)
        and path
        and isinstance(size, int)
        and not isinstance(size, bool)
        and size >= 0
        and isinstance(digest, str)
    ):
        return None
    return FrameRecord(path, size, digest)


# -- file checks ---------------------------------------------------------------------------------------------
def _frame_problem(root: Path, rec: FrameRecord) -> str:
    """Why a recorded frame cannot be trusted, or '' when it can."""
    path = Path(rec.path)
    if not path.is_absolute():
        path = root / path
    if not is_inside(path, root):
        return f"{rec.path} is outside the output folder {root}"
    try:
        size = path.stat().st_size
    except OSError:
        return "file missing"
    if not path.is_file():
        return "not a regular file"
    if size != rec.size:
        return f"size {size} bytes, {rec.size} recorded"
    return check_image(path)


def check_image(path: Path) -> str:
    """'' when the file looks decodable for its type (PNG: chunks, IHDR CRC, IEND; EXR: every chunk there),
    else why."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".png":
            return _png_problem(path)
        if suffix == ".exr":
            return exr_problem(path)
    except OSError as error:
        return f"cannot read: {error}"
    return ""


def _png_problem(path: Path) -> str:
    size = path.stat().st_size
    with path.open("rb") as handle:
        if handle.read(8) != PNG_SIGNATURE:
            return "not a PNG file (bad signature)"
        first = True
        while True:
            header = handle.read(8)
            if len(header) < 8:
                return "truncated PNG (no IEND chunk)"
            length, kind = struct.unpack(">I4s", header)
            if first:
                if kind != b"IHDR" or length != 13:
                    return "PNG does not start with an IHDR chunk"
                data = handle.read(13)
                crc = handle.read(4)
                if len(crc) < 4 or struct.unpack(">I", crc)[0] != zlib.crc32(kind + data):
                    return "PNG IHDR chunk is corrupt (CRC mismatch)"
                first = False
                continue
            if kind == b"IEND":
                crc = handle.read(4)
                if len(crc) < 4 or struct.unpack(">I", crc)[0] != zlib.crc32(b"IEND"):
                    return "PNG IEND chunk is corrupt"
                return ""
            end = handle.tell() + length + 4
            if end > size:
                return f"truncated PNG ({kind.decode('latin-1')!r} chunk runs past the end of the file)"
            handle.seek(end)


# -- frame files ---------------------------------------------------------------------------------------------
def frame_path(output_root: Path, shot_id: str, frame: int, ext: str) -> Path:
    """`<output root>/<shot id>/<frame:04d>.<ext>`; a ProductionError for a shot id that is no safe name or a
    link that would carry the file out of the output root."""
    name = f"{int(frame):04d}.{ext.lstrip('.')}"
    return join(Path(output_root), Path(output_root), safe_name(shot_id, "shot id"), name, what="frame file")


def temp_path(final: Path) -> Path:
    """Hidden sibling `.<name>.partial`: same folder, so the final rename is atomic."""
    return final.parent / f".{final.name}{PARTIAL_SUFFIX}"


def commit_frame(temp: Path, final: Path, durable: bool = True) -> Path:
    """Make a complete temporary file the final one by an atomic rename. `durable` first forces the data to
    disk, so a power cut cannot leave a final name on a hole; scratch files skip it (a killed process loses
    nothing either way, and scratch is re-verified before use)."""
    if Path(os.path.realpath(temp.parent)) != Path(os.path.realpath(final.parent)):
        raise ValueError(f"{temp} and {final} must be in the same folder for an atomic rename")
    if durable:
        with temp.open("rb+") as handle:
            os.fsync(handle.fileno())
    os.replace(temp, final)
    if durable:
        _fsync_dir(final.parent)
    return final


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def cleanup_partials(root: Path) -> list[Path]:
    """Remove `.partial` files a killed render left under root (regular files only; symlinks not followed)."""
    removed: list[Path] = []
    root = Path(root)
    if not root.is_dir():
        return removed
    for folder, _dirs, files in os.walk(root, followlinks=False):
        for name in files:
            if not (name.startswith(".") and name.endswith(PARTIAL_SUFFIX)):
                continue
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file() or not is_inside(path, root):
                continue
            path.unlink()
            removed.append(path)
    return sorted(removed)


# -- .blend save leftovers -----------------------------------------------------------------------------------
def blend_candidates(path: Path) -> list[Path]:
    """The file, Blender's in-progress save `file.blend@` and its backup `file.blend1`, preferred in order."""
    path = Path(path)
    return [path, path.with_name(path.name + "@"), path.with_name(path.name + "1")]


def recover_blend(path: Path) -> Path | None:
    """The newest complete .blend among file.blend, file.blend@ and file.blend1; None when none is valid."""
    best: tuple[float, int, Path] | None = None
    for rank, candidate in enumerate(blend_candidates(path)):
        try:
            mtime = candidate.stat().st_mtime
        except OSError:
            continue
        if not candidate.is_file() or check_blend(candidate):
            continue
        key = (mtime, -rank, candidate)  # newest wins; on a tie, the earlier candidate
        if best is None or key[:2] > best[:2]:
            best = key
    return best[2] if best else None


def check_blend(path: Path) -> str:
    """'' when the file is a complete .blend (uncompressed: ends with ENDB; zstd: seek table intact; gzip)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
            if head.startswith(BLEND_MAGIC):
                return _blend_tail_problem(path)
            if head.startswith(ZSTD_MAGIC):
                return _zstd_problem(path)
            if head.startswith(GZIP_MAGIC):
                return _gzip_blend_problem(path)
    except OSError as error:
        return f"cannot read: {error}"
    return "not a .blend file"


def _ends_with_endb(tail: bytes) -> bool:
    # The last block is ENDB with no data: its header is 20, 24 (4.x, 32/64-bit pointers) or 32 bytes (5.x).
    return any(len(tail) >= n and tail[-n : -n + 4] == b"ENDB" for n in (20, 24, 32))


def _blend_tail_problem(path: Path) -> str:
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - 32))
        tail = handle.read()
    return "" if _ends_with_endb(tail) else "truncated .blend (no ENDB block at the end)"


def _zstd_problem(path: Path) -> str:
    """Blender writes zstd in the seekable format: a truncated file has lost its seek table at the end."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        if size < 17:
            return "truncated zstd .blend"
        handle.seek(size - 9)
        frames, descriptor, magic = struct.unpack("<IBI", handle.read(9))
        if magic != ZSTD_SEEKABLE_MAGIC:
            return "truncated zstd .blend (no seek table at the end)"
        entry = 12 if descriptor & 0x80 else 8
        table = frames * entry + 9
        start = size - table - 8
        if start < 0:
            return "corrupt zstd .blend (seek table larger than the file)"
        handle.seek(start)
        skip_magic, frame_size = struct.unpack("<II", handle.read(8))
        if skip_magic != ZSTD_SKIPPABLE_SEEK_TABLE_MAGIC or frame_size != table:
            return "corrupt zstd .blend (bad seek table frame)"
        entries = handle.read(frames * entry)
        compressed = sum(struct.unpack_from("<I", entries, i * entry)[0] for i in range(frames))
    if compressed != start:
        return f"truncated zstd .blend (frames hold {compressed} bytes, {start} on disk)"
    return ""


def _gzip_blend_problem(path: Path) -> str:
    head = b""
    tail = b""
    try:
        with gzip.open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                if len(head) < 8:
                    head += chunk[:8]
                tail = (tail + chunk)[-32:]
    except (OSError, EOFError, zlib.error) as error:
        return f"corrupt gzip .blend ({error})"
    if not head.startswith(BLEND_MAGIC):
        return "gzip file does not hold a .blend"
    return "" if _ends_with_endb(tail) else "truncated .blend (no ENDB block at the end)"
