"""Safe file names, the joiner that keeps every render path in the production folder, symlink-safe writes,
failed writes as ProductionErrors, and the checks that a file Blender wrote is complete."""

from __future__ import annotations

import errno
from dataclasses import replace
from pathlib import Path

import pytest
from backlot.production.diagnostics import ProductionError
from backlot.production.model import Production
from backlot.production.render import outputs, request
from backlot.production.render.safe_files import (
    exr_problem,
    join,
    movie_problem,
    name_problem,
    safe_name,
    writable,
    writing,
)
from backlot.production.spec.api import load_production
from file_kit import exr_bytes, mp4_bytes

HOSTILE_NAMES = [
    "",
    ".",
    "..",
    "/abs",
    "a/b",
    "a\\b",
    "../x",
    "a\0b",
    "a\nb",
    "tab\there",
    "bell\x07",
    "del\x7f",
]
GOOD_NAMES = ["1A", "1A_B", "cinema 4k", "snes.v2", "..hidden", "Ünïcode-名前", "x" * 200]


@pytest.mark.parametrize("name", [*HOSTILE_NAMES, "x" * 201, "é" * 101])
def test_a_hostile_name_is_refused_with_the_whole_story(name: str) -> None:
    assert name_problem(name)
    with pytest.raises(ProductionError) as error:
        safe_name(name, "shot id")
    assert error.value.stage == "render"  # exit code 3
    assert "shot id" in error.value.message and repr(name) in error.value.message
    assert "rename" in error.value.suggestion


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_an_ordinary_name_is_kept_as_it_is(name: str) -> None:
    assert name_problem(name) == ""
    assert safe_name(name, "output") == name


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_the_joiner_refuses_every_hostile_name(tmp_path: Path, name: str) -> None:
    with pytest.raises(ProductionError):
        join(tmp_path, tmp_path / "out", "1A", name, what="frame file")
    assert not any(tmp_path.iterdir())


def test_the_joiner_builds_one_level_per_name(tmp_path: Path) -> None:
    assert join(tmp_path, tmp_path / "out", "1A", "0001.png", what="frame") == tmp_path / "out/1A/0001.png"


def symlink(link: Path, target: Path) -> None:
    try:
        link.symlink_to(target, target_is_directory=target.is_dir())
    except OSError:
        pytest.skip("no symlinks here")


def test_a_link_out_of_the_production_folder_is_named_with_the_fix(tmp_path: Path) -> None:
    root, outside = tmp_path / "production", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    symlink(root / ".backlot", outside)
    with pytest.raises(ProductionError) as error:
        join(root, root / ".backlot", "master", "1A", what="take")
    assert f"{root / '.backlot'} is a symbolic link" in error.value.message
    assert "remove the link" in error.value.suggestion and str(root / ".backlot") in error.value.suggestion
    assert error.value.stage == "render"
    assert not any(outside.iterdir())


def test_a_dangling_link_out_of_the_folder_is_refused_too(tmp_path: Path) -> None:
    symlink(tmp_path / "production.log", tmp_path.parent / f"{tmp_path.name}-not-yet.log")
    with pytest.raises(ProductionError, match="symbolic link"):
        writable(tmp_path / "production.log", tmp_path)


def test_links_that_stay_inside_are_fine(tmp_path: Path) -> None:
    (tmp_path / "renders").mkdir()
    symlink(tmp_path / "output", tmp_path / "renders")
    assert join(tmp_path, tmp_path / "output", "1A", what="take") == tmp_path / "output" / "1A"


def test_a_path_climbing_out_without_a_link_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "production"
    root.mkdir()
    with pytest.raises(ProductionError, match="outside"):
        writable(root / ".." / "elsewhere", root)


@pytest.mark.parametrize("number", [errno.ENOSPC, errno.EDQUOT, errno.EFBIG])
def test_a_full_disk_says_free_space_then_resume(tmp_path: Path, number: int) -> None:
    target = tmp_path / "production.blend"
    with pytest.raises(ProductionError) as error, writing(target):
        raise OSError(number, "No space left on device")
    assert str(target) in error.value.message and "No space left" in error.value.message
    assert "free some disk space" in error.value.suggestion and "--resume" in error.value.suggestion
    assert error.value.stage == "render"


def test_another_failed_write_says_to_check_the_folder(tmp_path: Path) -> None:
    with pytest.raises(ProductionError) as error, writing(tmp_path / "a" / "b.png"):
        raise PermissionError(errno.EACCES, "Permission denied")
    assert str(tmp_path / "a") in error.value.suggestion and "--resume" in error.value.suggestion


# -- the finalize files --------------------------------------------------------------------------------------
def test_a_symlinked_log_is_refused_and_nothing_is_written_outside(tmp_path: Path) -> None:
    root, victim = tmp_path / "production", tmp_path / "victim.txt"
    root.mkdir()
    victim.write_text("keep me")
    symlink(root / "production.log", victim)
    with pytest.raises(ProductionError, match="symbolic link"):
        outputs.ProductionLog(root / "production.log", root)
    assert victim.read_text() == "keep me"


def test_a_symlinked_manifest_is_refused(tmp_path: Path) -> None:
    root, victim = tmp_path / "production", tmp_path / "victim.json"
    root.mkdir()
    victim.write_text("keep me")
    symlink(root / "manifest.json", victim)
    with pytest.raises(ProductionError, match=r"manifest\.json is a symbolic link"):
        outputs.write_manifest(root, "t", [])
    assert victim.read_text() == "keep me"


# -- render paths from a model that skipped validation -------------------------------------------------------
SPEC = """
production:
  title: Paths
  version: "1"
  characters: [{name: Ada, height: 1.7}]
  locations: [{name: Yard, preset: stage}]
  scenes: [{id: 1, location: Yard, characters: [Ada]}]
  shots: [{id: 1A, scene: 1, size: WS, duration: 3f, cameras: [{name: wide, lens: 18}]}]
  outputs:
    - {name: preview, path: output/preview/, container: png}
    - {name: movie, path: output/movie/, container: mp4}
"""


@pytest.fixture
def production(tmp_path: Path) -> Production:
    (tmp_path / "production.yaml").write_text(SPEC)
    result = load_production(str(tmp_path / "production.yaml"))
    assert result.valid and result.production is not None, [i.message for i in result.issues]
    return result.production


@pytest.mark.parametrize("name", ["../x", "../../escaped", "/abs", "a\\b", "..", "a\0b"])
def test_a_movie_output_named_out_of_the_folder_is_refused(production: Production, name: str) -> None:
    movie = replace(production.outputs[1], name=name)
    with pytest.raises(ProductionError, match="output"):
        request.frames_root(production, movie)


def test_movie_frames_and_movies_stay_in_the_production_folder(production: Production) -> None:
    base = production.base_dir
    assert request.frames_root(production, production.outputs[1]) == base / ".backlot/movie_frames/movie"
    assert request.movie_path(production, production.outputs[1], "1A") == base / "output/movie/1A.mp4"
    with pytest.raises(ProductionError):
        request.movie_path(production, production.outputs[1], "../1A")


@pytest.mark.parametrize("shot_id", ["a/b", "..", "a\\b", "a\0b", ""])
def test_a_shot_id_that_is_no_file_name_is_refused(production: Production, shot_id: str) -> None:
    shot = replace(production.shots[0], id=shot_id)
    with pytest.raises(ProductionError, match="shot id"):
        request.shot_takes(shot)


def test_a_camera_name_that_makes_a_bad_take_id_is_refused(production: Production) -> None:
    shot = production.shots[0]
    shot = replace(shot, cameras=(replace(shot.cameras[0], name="../x"),))
    with pytest.raises(ProductionError, match="take id"):
        request.shot_takes(shot)


def test_a_scratch_folder_linked_out_is_refused(production: Production, tmp_path: Path) -> None:
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    symlink(production.base_dir / ".backlot", outside)
    with pytest.raises(ProductionError, match=r"\.backlot is a symbolic link"):
        request.scratch_root(production)


# -- complete files ------------------------------------------------------------------------------------------
def test_a_complete_exr_passes_and_every_cut_is_found(tmp_path: Path) -> None:
    data = exr_bytes(5, 4)
    path = tmp_path / "f.exr"
    path.write_bytes(data)
    assert exr_problem(path) == ""
    for cut in range(len(data)):
        path.write_bytes(data[:cut])
        assert exr_problem(path), f"a file cut at byte {cut} of {len(data)} passed"


def test_an_exr_whose_offset_table_was_never_filled_in_is_incomplete(tmp_path: Path) -> None:
    data = bytearray(exr_bytes(2, 3))
    table = len(data) - 3 * (8 + 2 * 3 * 2) - 3 * 8  # three chunks of two pixels of three halves
    data[table : table + 24] = bytes(24)
    path = tmp_path / "f.exr"
    path.write_bytes(bytes(data))
    assert "chunk is missing" in exr_problem(path)


def test_a_complete_movie_passes_and_every_cut_is_found(tmp_path: Path) -> None:
    data = mp4_bytes()
    path = tmp_path / "m.mp4"
    path.write_bytes(data)
    assert movie_problem(path) == ""
    for cut in range(len(data)):
        path.write_bytes(data[:cut])
        assert movie_problem(path), f"a movie cut at byte {cut} of {len(data)} passed"
