"""run.py's top-level guard: a broken pipe ends quietly, an unexpected error is one message and exit code 5,
never a traceback (after which Blender 4.5 hangs at exit)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
import run  # noqa: E402

sys.path.remove(str(ROOT))


def _raise(error: BaseException) -> None:
    raise error


def test_an_unexpected_error_is_one_message_and_exit_5(capsys: pytest.CaptureFixture[str]) -> None:
    code = run.guarded(lambda: _raise(ZeroDivisionError("division by zero")), ["build", "x.yaml"])
    captured = capsys.readouterr()
    assert code == 5
    assert "Traceback" not in captured.err
    assert "internal error: ZeroDivisionError: division by zero" in captured.err
    assert "BACKLOT_TRACEBACK=1" in captured.err
    assert captured.out == ""


def test_an_unexpected_error_in_json_mode_is_one_json_document(capsys: pytest.CaptureFixture[str]) -> None:
    code = run.guarded(lambda: _raise(KeyError("x")), ["--json", "validate", "x.yaml"])
    assert code == 5
    assert '"error": "internal"' in capsys.readouterr().out


def test_interrupt_is_exit_4_with_the_resume_hint(capsys: pytest.CaptureFixture[str]) -> None:
    assert run.guarded(lambda: _raise(KeyboardInterrupt()), ["render", "x.yaml"]) == 4
    assert "--resume" in capsys.readouterr().err


def test_the_guard_passes_a_command_s_own_exit_code_through() -> None:
    assert run.guarded(lambda: 3, []) == 3
    assert run.guarded(lambda: None, []) == 0


def test_schema_piped_into_a_reader_that_leaves_early_prints_no_traceback() -> None:
    command = f"{sys.executable} run.py schema | head -c 10"
    done = subprocess.run(["sh", "-c", command], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.stdout.startswith("{")
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr


@pytest.mark.parametrize(("stage", "code"), [("spec", 1), ("usage", 2), ("render", 3)])
def test_a_production_error_is_its_message_and_its_documented_exit_code(
    stage: str, code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    from backlot.cli import main as cli
    from backlot.production.diagnostics import ProductionError

    def fails(args: object, console: object) -> int:
        raise ProductionError("the disk is full writing shot 1A", "free some space", stage)  # type: ignore[arg-type]

    assert cli.main(["build", "spec.yaml"], fails) == code
    err = capsys.readouterr().err
    assert "the disk is full writing shot 1A" in err and "free some space" in err and "Traceback" not in err
