"""Every file a render writes: named by safe names, inside the production folder, never through a symbolic
link leaving it, and complete before it takes its final name. A write that fails (a full disk, a read-only
folder) is a ProductionError saying what could not be written and what to do, never a traceback.

Pure, so the names a spec may use and the paths a render may write are decided in one place.
"""

from __future__ import annotations

import errno
import os
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..diagnostics import ProductionError

MAX_NAME_BYTES = 200  # file systems allow 255; a temporary `.<name>.<ext>.partial` sibling needs the rest
NAME_FIX = "use letters, digits, spaces, '-', '_' or '.': no '/', '\\', '..' or control characters"
SPACE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


# -- names ---------------------------------------------------------------------------------------------------
def name_problem(name: str) -> str:
    """'' when `name` can be one file or folder name on its own, else why not (completes "it ...")."""
    if not name:
        return "is empty"
    if name in (".", ".."):
        return f"is '{name}', which names a folder that already exists"
    if "/" in name or "\\" in name:
        return "holds a slash, which would make it a path"
    if any(ord(char) < 32 or ord(char) == 127 for char in name):
        return "holds a control character (NUL, tab, newline...)"
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        return f"is longer than {MAX_NAME_BYTES} bytes"
    return ""


def safe_name(name: str, what: str) -> str:
    """`name` when it is one safe file or folder name; `what` says whose name it is (e.g. "shot id")."""
    problem = name_problem(name)
    if problem:
        raise ProductionError(
            f"{what} {name!r} cannot be a file or folder name: it {problem}", f"rename it: {NAME_FIX}"
        )
    return name


# -- inside the production folder ----------------------------------------------------------------------------
def relative_inside(path: Path, root: Path) -> str | None:
    """The real path of `path` (every link followed) relative to `root`'s real path, as POSIX text; None
    when it is not below it."""
    real, real_root = Path(os.path.realpath(path)), Path(os.path.realpath(root))
    return real.relative_to(real_root).as_posix() if real.is_relative_to(real_root) else None


def is_inside(path: Path, root: Path) -> bool:
    """Whether the real path of `path` is `root`'s real path or below it."""
    return relative_inside(path, root) is not None


def link_leaving(path: Path, root: Path) -> Path | None:
    """The first symbolic link on the way from `root` down to `path` that leads out of `root`, if any."""
    top = Path(os.path.abspath(root))
    here = Path(os.path.abspath(path))
    for step in (*reversed(here.parents), here):
        if step != top and step.is_relative_to(top) and step.is_symlink() and not is_inside(step, root):
            return step
    return None


def writable(path: Path, root: Path) -> Path:
    """`path` when writing it stays inside `root` (the production folder), whatever links lie on the way;
    else a ProductionError naming the link to remove."""
    if is_inside(path, root):
        return path
    link = link_leaving(path, root)
    if link is not None:
        raise ProductionError(
            f"{link} is a symbolic link to {os.path.realpath(link)}, which leads out of {root}: Backlot "
            f"will not write {path} through it",
            f"remove the link (rm '{link}') and run the same command again; Backlot makes the "
            "folder or file itself",
            code="link_escape",
        )
    raise ProductionError(
        f"{path} is outside {root}: Backlot writes only inside the production folder",
        "keep every name and output path inside the production folder",
        code="path_escape",
    )


def join(root: Path, folder: Path, *names: str, what: str) -> Path:
    """`folder/name/...`, each name one safe file or folder name (`what` says whose), refused unless its real
    path stays inside `root`: every path a render writes to is built here or checked by `writable`."""
    return writable(folder.joinpath(*(safe_name(name, what) for name in names)), root)


# -- failed writes -------------------------------------------------------------------------------------------
def write_failed(path: Path, reason: str, number: int | None = None) -> ProductionError:
    """The error for a file that could not be written: what, why, and how to go on. `number` is the errno;
    None when Blender did not say why (it does not tell a full disk from a read-only folder)."""
    then = "then run the same command with --resume (finished frames are kept)"
    if number in SPACE_ERRORS:
        fix = f"free some disk space, {then}"
    elif number is None:
        fix = f"check that the disk has free space and that {path.parent} can be written to, {then}"
    else:
        fix = f"check that {path.parent} can be written to, {then}"
    return ProductionError(f"could not write {path}: {reason}", fix, code="write_failed")


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Turn an OSError while writing `path` (full disk, no permission, a file where a folder should be)
    into the ProductionError the CLI reports with exit code 3."""
    try:
        yield
    except OSError as error:
        raise write_failed(path, error.strerror or str(error), error.errno) from None


# -- complete files ------------------------------------------------------------------------------------------
# OpenEXR scanlines per chunk, by compression (OpenEXR file layout, "Scan Lines" table).
EXR_LINES_PER_CHUNK = {0: 1, 1: 1, 2: 1, 3: 16, 4: 32, 5: 16, 6: 32, 7: 32, 8: 32, 9: 256, 10: 256, 11: 32}
EXR_NOT_CHECKED = 0x200 | 0x800 | 0x1000  # version flags: tiled, deep, multi-part (never written by Backlot)
EXR_HEADER_READ = 1 << 16  # Blender's headers take a few hundred bytes


def exr_problem(path: Path) -> str:
    """'' when a single-part scanline OpenEXR file holds every chunk its header promises, else why not.
    Blender writes a file cut short by a full disk without an error; its offset table tells. Reads the header,
    the table and each chunk's 8-byte head, not the pixels."""
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            layout = _exr_layout(handle.read(EXR_HEADER_READ))
            if isinstance(layout, str):
                return layout
            table, chunks = layout
            if table + 8 * chunks > size:
                return "truncated OpenEXR file (no complete offset table)"
            handle.seek(table)
            for offset in struct.unpack(f"<{chunks}Q", handle.read(8 * chunks)):
                if offset < table + 8 * chunks or offset + 8 > size:
                    return "truncated OpenEXR file (a chunk is missing)"
                handle.seek(offset + 4)
                if not 0 <= struct.unpack("<i", handle.read(4))[0] <= size - offset - 8:
                    return "truncated OpenEXR file (a chunk runs past the end)"
    except OSError as error:
        return f"cannot read: {error}"
    return ""


def _exr_layout(head: bytes) -> tuple[int, int] | str:
    """(where the offset table starts, how many chunks it lists) from the start of an OpenEXR file; a file
    of a kind Backlot does not write lists none; else why the header cannot be read."""
    if len(head) < 8 or head[:4] != b"\x76\x2f\x31\x01":
        return "not an OpenEXR file (bad magic number)"
    if struct.unpack_from("<I", head, 4)[0] & EXR_NOT_CHECKED:
        return 8, 0
    position, window, compression = 8, None, None
    while position < len(head) and head[position] != 0:
        name_end = head.find(b"\0", position)
        type_end = head.find(b"\0", name_end + 1)
        if name_end < 0 or type_end < 0 or type_end + 5 > len(head):
            return "truncated OpenEXR header"
        name = head[position:name_end]
        (size,) = struct.unpack_from("<i", head, type_end + 1)
        if size < 0:
            return "corrupt OpenEXR header (an attribute of negative size)"
        value = head[type_end + 5 : type_end + 5 + size]
        if name == b"dataWindow" and len(value) == 16:
            window = struct.unpack("<4i", value)
        elif name == b"compression" and len(value) == 1:
            compression = value[0]
        position = type_end + 5 + size
    if window is None or compression not in EXR_LINES_PER_CHUNK or position >= len(head):
        return "truncated OpenEXR header"
    lines = EXR_LINES_PER_CHUNK[compression]
    return position + 1, max(0, (window[3] - window[1] + lines) // lines)


def movie_problem(path: Path) -> str:
    """'' when an MP4/MOV file's top-level boxes fill it exactly and include the movie header (`moov`),
    which the encoder writes last; a file cut short lacks it or ends inside a box."""
    try:
        size = path.stat().st_size
        boxes = set()
        with path.open("rb") as handle:
            position = 0
            while position < size:
                handle.seek(position)
                header = handle.read(16)
                if len(header) < 8:
                    return "truncated movie (a box header is cut)"
                length, kind = struct.unpack_from(">I4s", header)
                if length == 1 and len(header) == 16:
                    (length,) = struct.unpack_from(">Q", header, 8)
                elif length == 0:
                    length = size - position
                if length < 8 or position + length > size:
                    return "truncated movie (a box runs past the end)"
                boxes.add(kind)
                position += length
    except OSError as error:
        return f"cannot read: {error}"
    return "" if b"moov" in boxes else "truncated movie (no movie header)"
