"""A render writes nothing outside the production folder, through a name or a symbolic link, and a killed or
failed save (a full disk) never costs the finished frames: exit code 3 with what to do, then --resume.

Each render runs `run.py render` in its own process (scripts/render_under_stress.py for a file-size limit, the
kernel's stand-in for a full disk, or for a model that carries a name validation would refuse)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from render_kit import ROOT, TINY, expected_files, files_on_disk, render

STRESS = ROOT / "tests" / "blender" / "scripts" / "render_under_stress.py"
# Above every frame, master and log line of the tiny production (the largest, a 96x54 RGBA TGA master, is
# about 20 kB), below any .blend Blender saves (an empty one is about 95 kB compressed).
FILE_LIMIT = 60_000


@pytest.fixture
def production(tmp_path: Path) -> Path:
    """A private copy of the tiny production inside its own folder; returns the spec."""
    shutil.copytree(TINY, tmp_path / "production")
    return tmp_path / "production" / "production.yaml"


def stressed(spec: Path, *options: str, resume: bool = False) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(STRESS), *options, "--", "render", str(spec)]
    return subprocess.run(
        [*command, *(["--resume"] if resume else [])], capture_output=True, text=True, timeout=300
    )


def error_of(done: subprocess.CompletedProcess[str]) -> str:
    """The `error:` and `fix:` lines the CLI printed (never a traceback)."""
    assert "Traceback" not in done.stderr, done.stderr
    return "\n".join(line for line in done.stderr.splitlines() if line.startswith(("error:", "  fix:")))


@pytest.mark.parametrize(
    ("link", "target"),
    [
        (".backlot", "folder"),
        (".backlot/master", "folder"),
        ("output/preview/1A", "folder"),
        ("production.log", "file.log"),
        ("production.blend@", "not-yet.blend"),  # a file a write would create
    ],
)
def test_a_link_out_of_the_production_stops_the_render_before_it_writes_through_it(
    production: Path, tmp_path: Path, link: str, target: str
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    if target == "folder":
        (outside / target).mkdir()
    elif target == "file.log":
        (outside / target).write_text("keep me\n")
    placed = production.parent / link
    placed.parent.mkdir(parents=True, exist_ok=True)
    placed.symlink_to(outside / target)
    before = {p: p.read_bytes() if p.is_file() else None for p in outside.rglob("*")}

    done = render(production, check=False)

    assert done.returncode == 3, done.stdout + done.stderr
    error = error_of(done)
    assert f"{placed} is a symbolic link" in error
    assert f"remove the link (rm '{placed}')" in error
    assert {p: p.read_bytes() if p.is_file() else None for p in outside.rglob("*")} == before


def with_movie_output(spec: Path) -> None:
    data = yaml.safe_load(spec.read_text())
    movie = {"name": "movie", "path": "output/movie/", "resolution": [96, 54], "container": "mp4"}
    data["production"]["outputs"].append(movie)
    spec.write_text(yaml.safe_dump(data, sort_keys=False))


@pytest.mark.parametrize(
    ("kind", "old", "new", "message"),
    [
        ("output", "movie", "../x", "output '../x' cannot be a file or folder name"),
        ("output", "movie", "../../escaped", "output '../../escaped' cannot be a file or folder name"),
        ("shot", "1A", "../x", "shot id '../x' cannot be a file or folder name"),
        ("shot", "1B", "a\\b", "shot id 'a\\\\b' cannot be a file or folder name"),
    ],
)
def test_a_name_that_would_leave_the_folder_is_refused_even_past_validation(
    production: Path, tmp_path: Path, kind: str, old: str, new: str, message: str
) -> None:
    with_movie_output(production)
    before = set(tmp_path.rglob("*"))

    done = stressed(production, "--rename", kind, old, new)

    assert done.returncode == 3, done.stdout + done.stderr
    assert message in error_of(done)
    assert {p for p in set(tmp_path.rglob("*")) - before if not p.is_relative_to(production.parent)} == set()


def kill_in_first_save(spec: Path) -> None:
    """SIGKILL a render once its first .blend save has begun writing (a temporary `...@` file holds bytes);
    the ballast makes that save last long enough to land inside it."""
    folder = spec.parent
    process = subprocess.Popen(
        [sys.executable, str(STRESS), "--ballast", "50", "--", "render", str(spec)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if any(p.name.endswith("@") and p.stat().st_size > 0 for p in folder.glob("*.blend*")):
                process.kill()
                process.wait()
                return
            time.sleep(0.001)
        pytest.fail("the render never began a .blend save, or finished it first")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_render_killed_in_its_first_save_resumes(production: Path) -> None:
    kill_in_first_save(production)
    assert not (production.parent / "production.blend").exists()

    render(production, "--resume")

    assert files_on_disk(production.parent) == expected_files(production.parent)


def test_a_full_disk_stops_with_what_to_do_and_resume_finishes(production: Path) -> None:
    full = stressed(production, "--file-limit", str(FILE_LIMIT))

    assert full.returncode == 3, full.stdout + full.stderr
    error = error_of(full)
    assert f"error: could not write {production.parent / 'production.blend'}" in error
    assert "free space" in error and "--resume" in error
    assert not (production.parent / "manifest.json").exists()

    render(production, "--resume")

    assert files_on_disk(production.parent) == expected_files(production.parent)
    assert not list(production.parent.glob(".production.blend*"))


def test_an_empty_blend_at_left_by_an_older_killed_first_save_is_cleared_on_resume(production: Path) -> None:
    """The state the attack left (a 0-byte `production.blend@`, no `production.blend`): resume starts anew."""
    (production.parent / "production.blend@").write_bytes(b"")

    done = render(production, "--resume")

    assert "production.blend@" in done.stdout + done.stderr
    assert not (production.parent / "production.blend@").exists()
    assert files_on_disk(production.parent) == expected_files(production.parent)
