"""Render checkpoint: JSON round trip, work list, on-disk verification, atomic frames, .blend leftovers."""

from __future__ import annotations

import json
import os
import struct
import zlib
from pathlib import Path

import pytest
from backlot.production.diagnostics import ProductionError
from backlot.production.plan import OutputPlan, Plan, ShotPlan
from backlot.production.render import checkpoint as cp
from file_kit import exr_bytes


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A minimal valid 8-bit RGB PNG, built from the PNG specification (not from the code under test)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    raw = b"".join(b"\x00" + b"\x80\x40\x20" * width for _ in range(height))
    body = chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def small_plan() -> Plan:
    shots = (
        ShotPlan("1A", "s1", 1, 3, "workbench", 1, ("cinema", "snes")),
        ShotPlan("1B", "s1", 4, 5, "workbench", 1, ("cinema",)),
        ShotPlan("2A", "s2", 1, 2, "workbench", 1, ("cinema", "snes")),
    )
    outputs = (
        OutputPlan("cinema", ("1A", "1B", "2A"), 7, 7 / 24),
        OutputPlan("snes", ("1A", "2A"), 5, 5 / 24),
    )
    return Plan(24.0, shots, outputs)


# -- JSON ----------------------------------------------------------------------------------------------------
def test_round_trip_keeps_everything() -> None:
    c = cp.Checkpoint(spec_hash="abc123")
    c.record_frame("cinema", "1A", 1, "1A/0001.png", 1234, "f" * 64)
    c.record_frame("snes", "1A", 2, "1A/0002.png", 99, "e" * 64)
    c.record_render("1A", 1, 2.5)
    c.record_render("1A", 2, 3.5)
    c.record_failure("2A", "GPU out of memory")
    c.take_digests["1A"] = "d1"
    c.output_digests["snes"] = {"1A": "d2"}
    c.lock_palette("snes", "1A", ["#000000", "#8bac0f"])
    c.folders["snes"] = ("output/snes", "")
    back = cp.Checkpoint.from_json(c.to_json(), spec_hash="abc123")
    assert back == c
    assert back.warnings == []
    assert back.identity == c.identity and back.revision == c.revision > 0
    assert back.palettes == {"snes": {"1A": ["#000000", "#8bac0f"]}}
    assert back.record("cinema", "1A", 1) == cp.FrameRecord("1A/0001.png", 1234, "f" * 64)
    assert back.renders_done == 2
    assert back.seconds_per_frame("1A") == pytest.approx(3.0)
    assert back.failures == {"2A": "GPU out of memory"}


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty_text_is_a_fresh_checkpoint_without_warning(text: str | None) -> None:
    c = cp.Checkpoint.from_json(text, spec_hash="h")
    assert c.frames == {} and c.renders_done == 0 and c.spec_hash == "h" and c.warnings == []


@pytest.mark.parametrize(
    "text", ["{not json", "[1, 2]", '"a string"', '{"version": 99}', "\x00\xff" * 5, "[" * 100000]
)
def test_garbage_gives_a_fresh_checkpoint_and_a_warning(text: str) -> None:
    c = cp.Checkpoint.from_json(text, spec_hash="h")
    assert c.frames == {} and c.spec_hash == "h"
    assert len(c.warnings) == 1 and "fresh checkpoint" in c.warnings[0]


def test_bad_entries_are_dropped_and_the_good_kept() -> None:
    text = json.dumps(
        {
            "version": cp.CHECKPOINT_VERSION,
            "spec_hash": "h",
            "renders_done": "many",
            "frames": {
                "cinema": {
                    "1A": {
                        "1": ["1A/0001.png", 10, "aa"],
                        "x": ["p", 1, "b"],
                        "2": ["p", -5, "c"],
                        "3": "nonsense",
                    }
                },
                "snes": 7,
            },
            "timings": {"1A": {"1": 1.5, "2": "slow"}},
        }
    )
    c = cp.Checkpoint.from_json(text, spec_hash="h")
    assert c.frames == {"cinema": {"1A": {1: cp.FrameRecord("1A/0001.png", 10, "aa")}}}
    assert c.timings == {"1A": {1: 1.5}}
    assert c.renders_done == 0
    assert len(c.warnings) == 1 and "4 unreadable" in c.warnings[0]


def test_a_take_with_an_unreadable_palette_loses_its_digest_so_it_renders_again() -> None:
    c = cp.Checkpoint()
    c.output_digests["snes"] = {"1A": "d1", "2A": "d2"}
    c.lock_palette("snes", "1A", ["#000000"])
    c.lock_palette("snes", "2A", ["#000000"])
    data = json.loads(c.to_json())
    data["palettes"]["snes"]["2A"] = ["not a colour"]
    back = cp.Checkpoint.from_json(json.dumps(data))
    assert back.output_digests == {"snes": {"1A": "d1"}} and back.palettes == {"snes": {"1A": ["#000000"]}}
    assert len(back.warnings) == 1 and "1 unreadable" in back.warnings[0]


def test_a_checkpoint_of_the_previous_version_starts_fresh() -> None:
    old = json.loads(cp.Checkpoint().to_json())
    old["version"] = 1  # made before digests: which spec its frames came from is unknown
    back = cp.Checkpoint.from_json(json.dumps(old))
    assert back.frames == {} and "version 1" in back.warnings[0]


def test_no_rendering_flag_is_serialised() -> None:
    c = cp.Checkpoint(spec_hash="h")
    c.record_frame("cinema", "1A", 1, "1A/0001.png", 10, "aa")
    data = json.loads(c.to_json())
    assert not any("rendering" in key or "status" in key for key in data)


# -- work list and status ------------------------------------------------------------------------------------
def test_missing_frames_in_plan_order_with_the_outputs_lacking_each_frame() -> None:
    plan = small_plan()
    c = cp.Checkpoint()
    c.record_frame("cinema", "1A", 1, "a", 1, "x")
    c.record_frame("snes", "1A", 1, "a", 1, "x")
    c.record_frame("cinema", "1A", 2, "a", 1, "x")
    c.record_frame("cinema", "1B", 4, "a", 1, "x")
    c.record_frame("cinema", "1B", 5, "a", 1, "x")
    assert c.missing_frames(plan) == [
        ("1A", 2, ["snes"]),
        ("1A", 3, ["cinema", "snes"]),
        ("2A", 1, ["cinema", "snes"]),
        ("2A", 2, ["cinema", "snes"]),
    ]
    assert c.missing_frames(plan, outputs=["cinema"]) == [
        ("1A", 3, ["cinema"]),
        ("2A", 1, ["cinema"]),
        ("2A", 2, ["cinema"]),
    ]
    assert c.missing_frames(plan, shots=["1B"]) == []
    assert c.missing_frames(plan, outputs=["snes"], shots=["1B", "2A"]) == [
        ("2A", 1, ["snes"]),
        ("2A", 2, ["snes"]),
    ]


def test_shot_status_is_derived_from_frames() -> None:
    plan = small_plan()
    c = cp.Checkpoint()
    assert c.shot_status(plan, "1B") == cp.PENDING
    c.record_frame("cinema", "1B", 4, "a", 1, "x")
    assert c.shot_status(plan, "1B") == cp.RENDERING
    c.record_failure("1B", "boom")
    assert c.shot_status(plan, "1B") == cp.FAILED
    c.record_frame("cinema", "1B", 5, "a", 1, "x")
    assert c.shot_status(plan, "1B") == cp.DONE
    c.record_frame("cinema", "1A", 1, "a", 1, "x")
    assert c.shot_status(plan, "1A", outputs=["snes"]) == cp.PENDING


# -- verify --------------------------------------------------------------------------------------------------
def _record_file(c: cp.Checkpoint, root: Path, shot: str, frame: int, data: bytes, ext: str = "png") -> Path:
    path = cp.frame_path(root, shot, frame, ext)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    c.record_frame("cinema", shot, frame, path.relative_to(root).as_posix(), len(data), "x")
    return path


def test_verify_keeps_good_frames_and_drops_bad_ones(tmp_path: Path) -> None:
    root = tmp_path / "cinema"
    good = png_bytes()
    c = cp.Checkpoint()
    _record_file(c, root, "1A", 1, good)
    truncated = _record_file(c, root, "1A", 2, good)
    truncated.write_bytes(good[:-12])  # cut inside IEND, and the size changes
    cut_same_size = _record_file(c, root, "1A", 3, good)
    cut_same_size.write_bytes(good[:-12] + b"\x00" * 12)  # same size, IEND gone
    bad_crc = bytearray(good)
    bad_crc[20] ^= 0xFF  # a byte of the IHDR height (8 signature + 4 length + 4 type + 4 width)
    _record_file(c, root, "1A", 4, bytes(bad_crc))
    missing = _record_file(c, root, "1A", 5, good)
    missing.unlink()
    _record_file(c, root, "1A", 6, exr_bytes(), ext="exr")
    _record_file(c, root, "1A", 7, b"\x00\x00\x00\x00" + exr_bytes()[4:], ext="exr")
    _record_file(c, root, "1A", 8, b"not a png at all", ext="png")
    _record_file(c, root, "1B", 1, b"anything goes for a movie", ext="mp4")
    c.record_frame("snes", "1A", 1, "1A/0001.png", 5, "x")  # output not asked about: untouched

    dropped = c.verify({"cinema": root})
    reasons = {(d.shot, d.frame): d.reason for d in dropped}
    assert set(reasons) == {("1A", 2), ("1A", 3), ("1A", 4), ("1A", 5), ("1A", 7), ("1A", 8)}
    assert "size" in reasons[("1A", 2)]
    assert "IEND" in reasons[("1A", 3)]
    assert "CRC" in reasons[("1A", 4)]
    assert "missing" in reasons[("1A", 5)]
    assert sorted(c.frames["cinema"]["1A"]) == [1, 6]
    assert c.is_done("cinema", "1B", 1)
    assert c.is_done("snes", "1A", 1)


def test_verify_drops_a_record_pointing_outside_the_output_root(tmp_path: Path) -> None:
    root = tmp_path / "out"
    root.mkdir()
    outside = tmp_path / "elsewhere.png"
    outside.write_bytes(png_bytes())
    c = cp.Checkpoint()
    c.record_frame("cinema", "1A", 1, "../elsewhere.png", outside.stat().st_size, "x")
    dropped = c.verify({"cinema": root})
    assert [(d.frame, "outside" in d.reason) for d in dropped] == [(1, True)]


# -- frame files ---------------------------------------------------------------------------------------------
def test_frame_and_temp_names(tmp_path: Path) -> None:
    final = cp.frame_path(tmp_path, "1A", 7, ".png")
    assert final == tmp_path / "1A" / "0007.png"
    assert cp.temp_path(final) == tmp_path / "1A" / ".0007.png.partial"
    for shot in ("..", "../x", "a/b", ""):
        with pytest.raises(ProductionError):
            cp.frame_path(tmp_path, shot, 1, "png")


def test_commit_frame_replaces_atomically(tmp_path: Path) -> None:
    final = cp.frame_path(tmp_path, "1A", 1, "png")
    final.parent.mkdir()
    final.write_bytes(b"old")
    temp = cp.temp_path(final)
    temp.write_bytes(b"new frame")
    assert cp.commit_frame(temp, final) == final
    assert final.read_bytes() == b"new frame"
    assert not temp.exists()
    other = tmp_path / "other"
    other.mkdir()
    (other / "t.partial").write_bytes(b"x")
    with pytest.raises(ValueError):
        cp.commit_frame(other / "t.partial", final)


def test_cleanup_partials_removes_only_partials(tmp_path: Path) -> None:
    (tmp_path / "1A").mkdir()
    (tmp_path / "1B" / "deep").mkdir(parents=True)
    partials = [tmp_path / "1A" / ".0001.png.partial", tmp_path / "1B" / "deep" / ".0003.exr.partial"]
    keep = [tmp_path / "1A" / "0001.png", tmp_path / "1A" / "notes.partial", tmp_path / "1A" / ".hidden"]
    for p in partials + keep:
        p.write_bytes(b"x")
    assert cp.cleanup_partials(tmp_path) == sorted(partials)
    assert all(p.exists() for p in keep)
    assert not any(p.exists() for p in partials)
    assert cp.cleanup_partials(tmp_path / "absent") == []


def test_cleanup_partials_does_not_follow_a_symlink_out_of_the_root(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / ".0001.png.partial"
    victim.write_bytes(b"x")
    root = tmp_path / "root"
    root.mkdir()
    try:
        (root / "link").symlink_to(outside, target_is_directory=True)
    except OSError:
        pytest.skip("no symlinks here")
    assert cp.cleanup_partials(root) == []
    assert victim.exists()


# -- .blend save leftovers -----------------------------------------------------------------------------------
# A complete uncompressed .blend ends with an ENDB block header: 24 bytes in 4.x (64-bit pointers), 32 in 5.x
# (seen in files saved by bpy 4.5 and 5.2).
BLEND_45 = b"BLENDER-v405REND" + b"\x01" * 200 + b"ENDB" + b"\x00" * 20
BLEND_52 = b"BLENDER17-01v0502REND" + b"\x01" * 300 + b"ENDB" + b"\x00" * 28


def _write(path: Path, data: bytes, mtime: float) -> Path:
    path.write_bytes(data)
    os.utime(path, (mtime, mtime))
    return path


def test_recover_blend_only_the_in_progress_save_is_valid(tmp_path: Path) -> None:
    blend = tmp_path / "prod.blend"
    at = _write(tmp_path / "prod.blend@", BLEND_52, 2000)
    assert cp.recover_blend(blend) == at  # crash between the two renames: prod.blend is missing


def test_recover_blend_skips_a_truncated_file(tmp_path: Path) -> None:
    blend = _write(tmp_path / "prod.blend", BLEND_45[:150], 3000)
    backup = _write(tmp_path / "prod.blend1", BLEND_45, 1000)
    assert cp.check_blend(blend) != ""
    assert cp.recover_blend(blend) == backup


def test_recover_blend_takes_the_newest_valid(tmp_path: Path) -> None:
    blend = _write(tmp_path / "prod.blend", BLEND_52, 1000)
    backup = _write(tmp_path / "prod.blend1", BLEND_45, 2000)
    assert cp.recover_blend(blend) == backup
    os.utime(blend, (3000, 3000))
    assert cp.recover_blend(blend) == blend


def test_recover_blend_none_valid(tmp_path: Path) -> None:
    blend = _write(tmp_path / "prod.blend", b"BLENDER-v405 then cut", 1000)
    _write(tmp_path / "prod.blend@", b"", 2000)
    _write(tmp_path / "prod.blend1", b"PK\x03\x04 a zip, not a blend", 3000)
    assert cp.recover_blend(blend) is None
    assert cp.recover_blend(tmp_path / "nothing.blend") is None


def test_check_blend_gzip_and_zstd(tmp_path: Path) -> None:
    import gzip

    gz = tmp_path / "g.blend"
    data = gzip.compress(BLEND_45)
    gz.write_bytes(data)
    assert cp.check_blend(gz) == ""
    gz.write_bytes(data[:-10])
    assert cp.check_blend(gz) != ""
    # A zstd seekable-format file laid out by hand: one 20-byte frame (content not decoded), then the seek
    # table
    # skippable frame (magic 0x184D2A5E, size) holding one entry (compressed 20, decompressed 100) and the
    # footer (1 frame, descriptor 0, seekable magic 0x8F92EAB1).
    frame = b"\x28\xb5\x2f\xfd" + b"\x00" * 16
    table = struct.pack("<II", 20, 100) + struct.pack("<IBI", 1, 0, 0x8F92EAB1)
    zst = tmp_path / "z.blend"
    zst.write_bytes(frame + struct.pack("<II", 0x184D2A5E, len(table)) + table)
    assert cp.check_blend(zst) == ""
    zst.write_bytes(frame[:-4] + struct.pack("<II", 0x184D2A5E, len(table)) + table)
    assert "truncated" in cp.check_blend(zst)
    zst.write_bytes(frame + struct.pack("<II", 0x184D2A5E, len(table)) + table[:-3])
    assert cp.check_blend(zst) != ""


def test_merge_takes_a_workers_frames_timings_and_new_renders() -> None:
    parent = cp.Checkpoint(spec_hash="h")
    parent.record_frame("cinema", "1A", 1, "1A/0001.png", 10, "a" * 64)
    parent.record_render("1A", 1, 2.0)
    worker = cp.Checkpoint.from_json(parent.to_json())  # a worker starts from a copy of the parent's
    worker.record_frame("cinema", "2A", 5, "2A/0005.png", 12, "b" * 64)
    worker.record_render("2A", 5, 3.0)
    worker.record_failure("3A", "boom")
    parent.merge(worker, renders_before=1)
    assert parent.is_done("cinema", "1A", 1) and parent.is_done("cinema", "2A", 5)
    assert parent.renders_done == 2  # the copied render is not counted twice
    assert parent.seconds_per_frame("2A") == 3.0
    assert parent.failures == {"3A": "boom"}


def test_merge_replaces_the_frames_of_a_take_the_worker_found_changed() -> None:
    parent = cp.Checkpoint()
    parent.output_digests["cinema"] = {"1A": "old", "2A": "same"}
    parent.record_frame("cinema", "1A", 1, "1A/0001.png", 10, "a" * 64)
    parent.record_frame("cinema", "1A", 2, "1A/0002.png", 10, "a" * 64)
    parent.record_frame("cinema", "2A", 1, "2A/0001.png", 10, "a" * 64)
    worker = cp.Checkpoint.from_json(parent.to_json())
    worker.forget("cinema", "1A")  # the spec changed 1A: the worker deleted its frames, rendered one again
    worker.output_digests["cinema"]["1A"] = "new"
    worker.record_frame("cinema", "1A", 1, "1A/0001.png", 11, "b" * 64)
    worker.lock_palette("snes", "1A", ["#102030"])
    parent.merge(worker)
    assert parent.frames["cinema"]["1A"] == {1: cp.FrameRecord("1A/0001.png", 11, "b" * 64)}
    assert parent.is_done("cinema", "2A", 1) and parent.output_digests["cinema"] == {
        "1A": "new",
        "2A": "same",
    }
    assert parent.palettes == {"snes": {"1A": ["#102030"]}}
    assert parent.revision > worker.revision  # the merged copy is the newest of them
