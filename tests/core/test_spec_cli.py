"""`python run.py ...` as a user runs it (a subprocess with this venv's Python): exit codes 0/1/2, `--json`
prints one JSON document and nothing else on stdout, `create` scaffolds each template into a folder that
validates, `list`, `info`, `estimate`, `schema`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import test_spec_common as kit
import yaml

RUN = kit.ROOT / "run.py"


@pytest.fixture(scope="module")
def stubs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return kit.write_stub_presets(tmp_path_factory.mktemp("stub_presets"))


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    return subprocess.run(
        [sys.executable, str(RUN), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd or kit.ROOT,
        env=env,
        timeout=120,
    )


def only_json(stdout: str) -> Any:
    """stdout must be exactly one JSON document (json.loads rejects anything before or after it)."""
    return json.loads(stdout)


def test_validate_example_exits_0(stubs: Path) -> None:
    done = run("--presets", stubs, "validate", kit.EXAMPLE)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "valid" in done.stdout
    assert "\033[" not in done.stdout  # piped: no colour codes


def test_validate_example_json_is_exactly_valid_and_no_issues(stubs: Path) -> None:
    done = run("--json", "--presets", stubs, "validate", "examples/neon_alley/production.yaml")
    assert done.returncode == 0, done.stderr
    assert only_json(done.stdout) == {"valid": True, "issues": []}


def test_invalid_spec_exits_1_with_issues_in_json(tmp_path: Path, stubs: Path) -> None:
    spec = kit.base_spec()
    spec["production"]["shots"][1]["camera"]["lens"] = "85mm"
    path = kit.write_spec(tmp_path, spec)
    done = run("--json", "--presets", stubs, "validate", path)
    assert done.returncode == 1
    payload = only_json(done.stdout)
    assert payload["valid"] is False
    assert [(i["path"], i["severity"]) for i in payload["issues"]] == [("shots[1].camera.lens", "error")]
    human = run("--presets", stubs, "validate", path)
    assert human.returncode == 1
    assert (
        "production.yaml:" in human.stdout
        and "shots[1].camera.lens" in human.stdout
        and "fix:" in human.stdout
    )


def test_a_valid_spec_with_a_warning_lists_it_with_its_path_and_fix(tmp_path: Path, stubs: Path) -> None:
    """A warning leaves the spec valid, but `validate` still shows it (and counts it) as it shows an error:
    a count of warnings without them is no use to the person who has to fix them."""
    spec = kit.base_spec()
    spec["production"]["shots"][1]["camera"]["lenz_note"] = "long"
    path = kit.write_spec(tmp_path, spec)
    done = run("--json", "--presets", stubs, "validate", path)
    assert done.returncode == 0, done.stderr
    [issue] = only_json(done.stdout)["issues"]
    assert (issue["path"], issue["severity"]) == ("shots[1].camera.lenz_note", "warning")
    assert "lenz_note" in issue["message"] and issue["suggestion"]
    human = run("--presets", stubs, "validate", path)
    assert human.returncode == 0, human.stderr
    assert f"warning: shots[1].camera.lenz_note: {issue['message']}" in human.stdout
    assert f"    fix: {issue['suggestion']}" in human.stdout
    assert "valid (0 error(s), 1 warning(s), 0 info)" in human.stdout


def test_hostile_spec_exits_1_without_traceback(tmp_path: Path) -> None:
    path = kit.write_spec(tmp_path, "production:\n  title: !!python/object/apply:os.system [echo pwned]\n")
    done = run("--json", "validate", path)
    assert done.returncode == 1
    assert "pwned" not in done.stdout and "Traceback" not in done.stderr
    assert only_json(done.stdout)["valid"] is False


@pytest.mark.parametrize("args", [(), ("frobnicate",), ("validate",), ("create", "x", "--template", "opera")])
def test_usage_errors_exit_2(args: tuple[str, ...], tmp_path: Path) -> None:
    done = run(*args, cwd=tmp_path) if args[:1] == ("create",) else run(*args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    machine = run("--json", *args, cwd=tmp_path)
    assert machine.returncode == 2
    payload = only_json(machine.stdout)
    assert set(payload) == {"error", "message", "suggestion"} and payload["error"] == "usage"


def test_missing_spec_file_is_invalid_not_a_crash(tmp_path: Path) -> None:
    done = run("--json", "validate", tmp_path / "nope.yaml")
    assert done.returncode == 1
    assert only_json(done.stdout)["valid"] is False


@pytest.mark.parametrize("template", kit.TEMPLATE_NAMES)
def test_create_each_template_then_validate(template: str, tmp_path: Path, stubs: Path) -> None:
    target = tmp_path / f"my_{template}"
    done = run("--json", "--presets", stubs, "create", target, "--template", template)
    assert done.returncode == 0, done.stdout + done.stderr
    assert only_json(done.stdout) == {"created": str(target), "template": template, "valid": True}
    spec_text = (target / "production.yaml").read_text(encoding="utf-8")
    assert "{{title}}" not in spec_text
    assert yaml.safe_load(spec_text)["production"]["title"] == f"My {template.replace('_', ' ')}".title()
    check = run("--json", "--presets", stubs, "validate", target / "production.yaml")
    assert check.returncode == 0 and only_json(check.stdout) == {"valid": True, "issues": []}
    again = run("--json", "create", target, "--template", template)  # not over an existing production
    assert again.returncode == 2


def test_list_finds_productions(tmp_path: Path, stubs: Path) -> None:
    kit.write_spec(tmp_path / "a", kit.base_spec())
    broken = kit.base_spec()
    del broken["production"]["title"]
    kit.write_spec(tmp_path / "deep" / "b", broken)
    (tmp_path / "notes.yaml").write_text("shopping: [milk]\n", encoding="utf-8")
    done = run("--json", "--presets", stubs, "list", tmp_path)
    assert done.returncode == 0, done.stderr
    rows = {Path(r["spec"]).parent.name: r for r in only_json(done.stdout)["productions"]}
    assert set(rows) == {"a", "b"}
    assert rows["a"]["valid"] is True and rows["a"]["title"] == "Test Short" and rows["a"]["shots"] == 5
    assert rows["b"]["valid"] is False and rows["b"]["errors"] == 1


def test_info_json_counts(stubs: Path) -> None:
    done = run("--json", "--presets", stubs, "info", kit.EXAMPLE)
    assert done.returncode == 0, done.stderr
    info = only_json(done.stdout)
    # counted by hand in examples/neon_alley/production.yaml
    assert info["counts"] == {
        "characters": 2,
        "costumes": 3,
        "locations": 2,
        "scenes": 4,
        "shots": 13,
        "outputs": 3,
    }
    scene2 = next(s for s in info["scenes"] if s["id"] == "2")
    assert scene2["cast"] == ["Courier", "Pursuer"] and scene2["shots"] == ["2A", "2B", "2C", "2D"]
    # scene 2: 2s + 2s + 72f + 1s at 24 fps = 48 + 48 + 72 + 24 = 192 frames
    assert scene2["frames"] == 192


def test_estimate_json(tmp_path: Path, stubs: Path) -> None:
    done = run("--json", "--presets", stubs, "estimate", kit.write_spec(tmp_path, kit.base_spec()))
    assert done.returncode == 0, done.stderr
    payload = only_json(done.stdout)
    # see test_spec_positive: 288 frames x 0.25 s at 960x540, eevee, 16 samples
    assert payload["resolution"] == [960, 540]
    assert payload["total_seconds"] == pytest.approx(72.0)
    assert [s["shot"] for s in payload["shots"]] == ["1A", "1B", "2A", "3A", "4A"]


def test_estimate_of_invalid_spec_exits_1(tmp_path: Path, stubs: Path) -> None:
    spec = kit.base_spec()
    spec["production"]["fps"] = "fast"
    done = run("--json", "--presets", stubs, "estimate", kit.write_spec(tmp_path, spec))
    assert done.returncode == 1
    payload = only_json(done.stdout)
    assert payload["error"] == "invalid_spec" and payload["message"] and "suggestion" in payload


def test_schema_prints_json_schema() -> None:
    done = run("schema")
    assert done.returncode == 0
    schema = only_json(done.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
