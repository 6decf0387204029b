"""`run.py submit --flamenco` and `run.py status` against a loopback Manager that checks every request and
answer against Flamenco's published OpenAPI schema."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import bpy
import pytest
from render_kit import ROOT, TINY, shot_frames

from tests.support.fake_flamenco import FakeFlamencoManager


@pytest.fixture
def manager() -> Iterator[FakeFlamencoManager]:
    with FakeFlamencoManager() as fake:
        yield fake
    assert fake.faults == [], "the fake Manager answered outside the OpenAPI schema"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "run.py"), *args], capture_output=True, text=True, timeout=300
    )


def test_submit_queues_one_job_per_shot_and_status_polls_them(
    clean_blender: None, manager: FakeFlamencoManager, tmp_path: Path
) -> None:
    shutil.copytree(TINY, tmp_path / "tiny")
    spec = tmp_path / "tiny" / "production.yaml"
    done = run("submit", str(spec), "--flamenco", manager.url, "--output", "half", "--json")
    assert done.returncode == 0, done.stderr
    submitted = json.loads(done.stdout)["submitted"]
    assert [job["shot"] for job in submitted] == ["1A", "1B", "2A"]
    assert len(manager.bodies("POST", "/api/v3/jobs/check")) == 3  # every job checked before any is queued
    jobs = manager.bodies("POST", "/api/v3/jobs")
    frames = shot_frames()
    for job, (shot, numbers) in zip(jobs, frames.items(), strict=True):
        settings = job["settings"]
        assert settings["frames"] == f"{numbers[0]}-{numbers[-1]}"
        assert settings["render_output_path"].endswith(f"/output/half/{shot}/######")
        bpy.ops.wm.open_mainfile(filepath=settings["blendfile"])
        scene = bpy.context.scene
        assert len(bpy.data.scenes) == 1 and scene.name.startswith(
            shot[0]
        )  # only its story scene: it renders
        assert not scene.render.use_overwrite and not scene.render.use_placeholder
        assert (scene.render.resolution_x, scene.render.resolution_y) == (48, 27)
        assert scene.render.image_settings.file_format == "PNG"

    manager.set_status(submitted[0]["job"], "completed")
    manager.set_status(submitted[1]["job"], "active")
    manager.set_status(submitted[2]["job"], "failed")
    polled = run("status", str(spec), "--json")
    assert polled.returncode == 3  # a failed job is a render failure
    states = {job["shot"]: job["state"] for job in json.loads(polled.stdout)["jobs"]}
    assert states == {"1A": "done", "1B": "rendering", "2A": "failed"}


def test_submit_refuses_an_output_the_farm_cannot_render(
    manager: FakeFlamencoManager, tmp_path: Path
) -> None:
    shutil.copytree(TINY, tmp_path / "tiny")
    done = run(
        "submit", str(tmp_path / "tiny" / "production.yaml"), "--flamenco", manager.url, "--output", "gb"
    )
    assert done.returncode == 2 and "retro" in done.stderr
    assert manager.bodies("POST", "/api/v3/jobs") == []
