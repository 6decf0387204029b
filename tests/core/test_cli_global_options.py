"""Global options (`--json`, `--presets`) are taken before the command and after it, as most tools take them:
the answer is the same wherever they stand, and a usage error is JSON when `--json` stands anywhere."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest
import test_spec_common as kit
from backlot.cli.console import Console
from backlot.cli.main import main

SCREENPLAY = "INT. YARD - DAY\n\nAda waits.\n\nADA\nWell?\n"
SHOT_PRESET = "size: WS\ncamera: {lens: 28, rig: tripod, move: static}\nduration: 2s\n"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    spec = kit.write_spec(tmp_path, kit.base_spec())
    script = tmp_path / "yard.fountain"
    script.write_text(SCREENPLAY, encoding="utf-8")
    return {"spec": str(spec), "script": str(script), "folder": str(tmp_path)}


@pytest.mark.parametrize(
    "command",
    [
        ["validate", "{spec}"],
        ["info", "{spec}"],
        ["estimate", "{spec}"],
        ["list", "{folder}"],
        ["schema"],
        ["script", "parse", "{script}"],
    ],
)
def test_json_after_the_command_answers_as_json_before_it(
    command: list[str], files: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [part.format(**files) for part in command]
    before = run(["--json", *argv], capsys)
    after = run([*argv, "--json"], capsys)
    assert before[0] == after[0] == 0, after
    assert json.loads(after[1]) == json.loads(before[1])  # stdout is one JSON document either way


def test_create_takes_json_after_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["create", str(tmp_path / "film"), "--json"], capsys)
    assert code == 0 and json.loads(out)["created"] == str(tmp_path / "film")


def test_a_usage_error_is_json_when_json_comes_after_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["validate", "--json"], capsys)  # the spec is missing
    assert code == 2 and json.loads(out)["error"] == "usage"
    code, out, _ = run(["script", "parse", "--json"], capsys)
    assert code == 2 and "run.py script parse --help" in json.loads(out)["suggestion"]


def preset_folder(root: Path, name: str) -> Path:
    (root / name / "shots").mkdir(parents=True)
    (root / name / "shots" / f"{name}_wide.yaml").write_text(SHOT_PRESET, encoding="utf-8")
    return root / name


def test_presets_after_the_command_count_with_those_before_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = preset_folder(tmp_path, "first"), preset_folder(tmp_path, "second")
    spec = kit.base_spec()
    spec["production"]["shots"][0]["template"] = "first_wide"
    spec["production"]["shots"][1]["template"] = "second_wide"
    path = str(kit.write_spec(tmp_path, spec))
    assert run(["validate", path, "--json"], capsys)[0] == 1  # the templates are in the folders only
    for argv in (
        ["--presets", str(first), "validate", path, "--presets", str(second), "--json"],
        ["validate", path, "--presets", str(first), "--json", "--presets", str(second)],
        ["--json", "--presets", str(first), "--presets", str(second), "validate", path],
    ):
        code, out, _ = run(argv, capsys)
        assert code == 0 and json.loads(out)["valid"], argv


def test_blender_commands_get_the_global_options_from_either_place() -> None:
    seen: list[argparse.Namespace] = []

    def blender_command(args: argparse.Namespace, console: Console) -> int:
        seen.append(args)
        assert console.json_mode
        return 0

    main(["render", "x.yaml", "--presets", "B", "--parallel", "2", "--json"], blender_command)
    main(["--presets", "A", "build", "x.yaml", "--json", "--presets", "B"], blender_command)
    found: list[Any] = [(a.command, a.json, a.presets) for a in seen]
    assert found == [("render", True, ["B"]), ("build", True, ["A", "B"])]
