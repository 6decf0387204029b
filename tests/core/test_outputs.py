"""Finalize artefacts: manifest.json, production.log, report.html, ProductionResult."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from html.parser import HTMLParser
from pathlib import Path

import pytest
from backlot.production.diagnostics import ProductionError
from backlot.production.render import outputs


def test_sha256_file_streams_in_chunks(tmp_path: Path) -> None:
    data = bytes(range(256)) * 1000
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    assert outputs.sha256_file(path, chunk_size=1000) == hashlib.sha256(data).hexdigest()


def test_manifest_lists_exactly_the_files_with_correct_checksums(tmp_path: Path) -> None:
    files = {
        ("cinema", "1A", 2): tmp_path / "out" / "cinema" / "1A" / "0002.png",
        ("cinema", "1A", 1): tmp_path / "out" / "cinema" / "1A" / "0001.png",
        ("snes", "1A", 1): tmp_path / "out" / "snes" / "1A" / "0001.png",
        ("cinema", "2B", 10): tmp_path / "out" / "cinema" / "2B" / "0010.png",
    }
    for i, path in enumerate(files.values()):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"frame %d " % i * (i + 1))
    root = tmp_path / "out"
    entries = [outputs.ManifestEntry(o, s, f, p) for (o, s, f), p in files.items()]
    entries.append(outputs.ManifestEntry("cinema", "2B", None, Path("cinema/2B.mp4"), size=3, sha256="ab"))
    (root / "cinema" / "2B.mp4").write_bytes(b"mp4")
    manifest_path = outputs.write_manifest(root, "The <Title>", entries)
    assert manifest_path == root / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    assert manifest["title"] == "The <Title>"
    listed = [(f["output"], f["shot"], f["frame"], f["path"]) for f in manifest["files"]]
    assert listed == [
        ("cinema", "1A", 1, "cinema/1A/0001.png"),
        ("cinema", "1A", 2, "cinema/1A/0002.png"),
        ("cinema", "2B", 10, "cinema/2B/0010.png"),
        ("cinema", "2B", None, "cinema/2B.mp4"),
        ("snes", "1A", 1, "snes/1A/0001.png"),
    ]
    for f in manifest["files"][:3] + manifest["files"][4:]:
        data = (root / f["path"]).read_bytes()
        assert f["size"] == len(data)
        assert f["sha256"] == hashlib.sha256(data).hexdigest()
    assert manifest["files"][3]["sha256"] == "ab"  # given values are trusted (they come from the checkpoint)
    assert manifest["count"] == 5
    assert not list(root.glob(".*partial"))


def test_manifest_refuses_a_file_outside_the_root(tmp_path: Path) -> None:
    (tmp_path / "root").mkdir()
    outside = tmp_path / "x.png"
    outside.write_bytes(b"x")
    with pytest.raises(ProductionError, match="outside"):
        outputs.write_manifest(tmp_path / "root", "t", [outputs.ManifestEntry("o", "s", 1, outside)])
    assert not (tmp_path / "root" / "manifest.json").exists()


def test_log_lines_and_a_truncated_last_line(tmp_path: Path) -> None:
    path = tmp_path / "production.log"
    with outputs.ProductionLog(path) as log:
        log.info("render_start", shots=3)
        log.warning("slow_frame", shot="1A", frame=4, seconds=12.5, event="clash")
        log.error("shot_failed", shot="2B", path=Path("/x"))
    # a kill in the middle of writing the next line
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"ts": "2025-01-01T00:00:00+00:00", "level": "info", "event": "ren')
    events = outputs.read_events(path)
    assert [e["event"] for e in events] == ["render_start", "slow_frame", "shot_failed"]
    assert [e["level"] for e in events] == ["info", "warning", "error"]
    assert events[1]["shot"] == "1A" and events[1]["frame"] == 4 and events[1]["field_event"] == "clash"
    assert events[2]["path"] == "/x"
    assert all(e["ts"].endswith("+00:00") for e in events)
    # reopening after the kill does not glue the next event to the broken line
    with outputs.ProductionLog(path) as log:
        log.info("render_resume")
    assert [e["event"] for e in outputs.read_events(path)][-1] == "render_resume"
    assert len(outputs.read_events(path, event="render_resume")) == 1
    assert outputs.read_events(tmp_path / "absent.log") == []


def test_log_is_flushed_per_line(tmp_path: Path) -> None:
    path = tmp_path / "production.log"
    log = outputs.ProductionLog(path)
    log.info("frame_done", frame=1)
    assert json.loads(path.read_text(encoding="utf-8"))["event"] == "frame_done"  # visible before close
    log.close()


def test_log_refuses_a_path_outside_its_root(tmp_path: Path) -> None:
    with pytest.raises(ProductionError):
        outputs.ProductionLog(tmp_path / "elsewhere.log", root=tmp_path / "root")


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.imgs: list[dict[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "img":
            self.imgs.append(dict(attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_report_escapes_text_and_shows_contact_sheet_and_timings(tmp_path: Path) -> None:
    shots = [
        {
            "shot": "<script>alert(1)</script>",
            "scene": "s&1",
            "frames": 10,
            "seconds_per_frame": 3.0,
            "estimate": 2.0,
            "status": "done",
            "contact": "cinema/<script>/0001.png",
        },
        {
            "shot": "2A",
            "scene": "s2",
            "frames": 4,
            "seconds_per_frame": None,
            "estimate": 1.5,
            "status": "failed",
            "contact": "../../etc/passwd",
        },
        {
            "shot": "3A",
            "scene": "s3",
            "frames": 2,
            "seconds_per_frame": 1.0,
            "estimate": 1.0,
            "status": "done",
            "contact": "javascript:alert(1)",
        },
    ]
    path = outputs.write_report(tmp_path, 'Title "<b>"', shots, ["lens <50mm> & more"])
    assert path == tmp_path / "report.html"
    page = path.read_text(encoding="utf-8")
    parser = _Collect()
    parser.feed(page)
    assert "script" not in parser.tags and "b" not in parser.tags
    text = "".join(parser.text)
    assert "<script>alert(1)</script>" in text  # shown as text
    assert 'Title "<b>"' in text and "lens <50mm> & more" in text
    srcs = [img["src"] for img in parser.imgs]
    assert srcs == ["cinema/%3Cscript%3E/0001.png", "javascript%3Aalert%281%29"]  # '..' path refused
    # timings: actual 10 x 3.0 + 2 x 1.0 = 32 s, estimates 10 x 2 + 4 x 1.5 + 2 x 1 = 28 s,
    # actual/estimate of the first shot 3.0 / 2.0 = 1.50
    assert "32.0 s" in text and "28.0 s" in text and "1.50" in text
    assert "http" not in page and "<link" not in page  # self-contained


def test_production_result_to_dict_is_json() -> None:
    result = outputs.ProductionResult(["1A"], ["2B"], 12.5, [Path("/out/cinema")], ["2B: crash"], ["w"])
    data = json.loads(json.dumps(result.to_dict()))
    assert data == {
        "shots_completed": ["1A"],
        "shots_failed": ["2B"],
        "total_seconds": 12.5,
        "output_paths": ["/out/cinema"],
        "errors": ["2B: crash"],
        "warnings": ["w"],
        "ok": False,
    }
    assert outputs.ProductionResult(["1A"]).ok


def test_report_links_absolute_frames_inside_its_folder_and_refuses_others(tmp_path: Path) -> None:
    """The render hands over absolute frame paths (str or Path): inside the root they become relative links"""
    (tmp_path / "cinema" / "1A").mkdir(parents=True)
    outside = tmp_path.parent / f"{tmp_path.name}-elsewhere.png"
    shots: list[dict[str, object]] = [
        {"shot": "1A", "scene": "s1", "contact": tmp_path / "cinema" / "1A" / "0001.png"},
        {"shot": "1B", "scene": "s1", "contact": str(tmp_path / "cinema" / "1A" / "0002.png")},
        {"shot": "1C", "scene": "s1", "contact": outside},
        {"shot": "1D", "scene": "s1", "contact": "cinema\\1A\\0003.png"},
    ]
    parser = _Collect()
    parser.feed(outputs.write_report(tmp_path, "T", shots).read_text(encoding="utf-8"))
    assert [img["src"] for img in parser.imgs] == ["cinema/1A/0001.png", "cinema/1A/0002.png"]
    assert "".join(parser.text).count("(no frame)") == 2


def test_manifest_and_report_are_readable_by_others_as_new_files_are(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        report = outputs.write_report(tmp_path, "T", [])
        manifest = outputs.write_manifest(tmp_path, "T", [])
    finally:
        os.umask(umask)
    assert stat.S_IMODE(report.stat().st_mode) == 0o644
    assert stat.S_IMODE(manifest.stat().st_mode) == 0o644
