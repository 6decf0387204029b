"""Files a spec names are checked before they are used: a NUL in a path, a symbolic link that loops, a pipe
instead of a file and a screenplay far too large are each one issue at the key that names them, never a
traceback, a hang or minutes of work."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
import test_spec_common as kit
from backlot.production.files import MAX_SCREENPLAY_BYTES


@pytest.fixture(scope="module")
def stubs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return kit.write_stub_presets(tmp_path_factory.mktemp("stub_presets"))


def _with(**keys: object) -> dict[str, object]:
    spec = kit.base_spec()
    spec["production"].update(keys)
    return spec


def _errors_at(result: kit.ValidationResult, path: str) -> list[str]:
    return [i.message for i in result.issues if i.is_error and i.path == path]


def test_a_nul_in_a_path_is_one_error_at_its_key(tmp_path: Path, stubs: Path) -> None:
    result = kit.validate_spec(tmp_path, _with(script="draft\x00.fountain"), stubs)
    assert any("NUL" in message for message in _errors_at(result, "script")), kit.describe(result.issues)


def test_a_nul_in_an_output_path_is_one_error_at_its_key(tmp_path: Path, stubs: Path) -> None:
    spec = kit.base_spec()
    spec["production"]["outputs"][0]["path"] = "out\x00put/"
    result = kit.validate_spec(tmp_path, spec, stubs)
    assert _errors_at(result, "outputs[0].path"), kit.describe(result.issues)


def test_a_symlink_loop_is_an_error_not_a_traceback(tmp_path: Path, stubs: Path) -> None:
    (tmp_path / "loop.fountain").symlink_to(tmp_path / "loop.fountain")
    result = kit.validate_spec(tmp_path, _with(script="loop.fountain"), stubs)
    assert _errors_at(result, "script"), kit.describe(result.issues)
    assert not result.valid


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this platform")
def test_a_pipe_named_as_the_screenplay_does_not_block(tmp_path: Path, stubs: Path) -> None:
    os.mkfifo(tmp_path / "draft.fountain")
    done: list[kit.ValidationResult] = []
    worker = threading.Thread(
        target=lambda: done.append(kit.validate_spec(tmp_path, _with(script="draft.fountain"), stubs)),
        daemon=True,
    )
    worker.start()
    worker.join(20)
    if worker.is_alive():  # unblock the reader before failing, so the test process can end
        with open(tmp_path / "draft.fountain", "w"):
            pass
        pytest.fail("validation blocked on a named pipe")
    assert any("not a regular file" in m for m in _errors_at(done[0], "script")), kit.describe(done[0].issues)


def test_a_huge_screenplay_is_refused_by_its_size_without_reading_it(tmp_path: Path, stubs: Path) -> None:
    with open(tmp_path / "draft.fountain", "wb") as handle:
        handle.truncate(MAX_SCREENPLAY_BYTES * 64)  # sparse: 256 MiB that take no disk
    started = time.perf_counter()
    result = kit.validate_spec(tmp_path, _with(script="draft.fountain"), stubs)
    errors = _errors_at(result, "script")
    assert any("screenplays are limited" in m for m in errors), kit.describe(result.issues)
    assert time.perf_counter() - started < 10  # a benchmark it is not: only "not minutes"
