"""Flamenco farm submission: job planning (pure) and the client against a schema-checking fake Manager."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from backlot.production.render import flamenco
from backlot.production.render.flamenco import FarmShot, FlamencoClient, FlamencoError

from tests.support.fake_flamenco import (
    SIMPLE_BLENDER_RENDER_SETTINGS,
    FakeFlamencoManager,
    OpenApiSchemas,
    openapi_document,
)

BLEND_1 = "/farm/neon_alley/scene_1.flamenco.blend"
BLEND_2 = "/farm/neon_alley/scene_2.flamenco.blend"
OUTPUT_ROOT = "/farm/neon_alley/output/cinema"
SHOTS = [
    FarmShot("1A", 1, 96, BLEND_1, "Scene 1"),
    FarmShot("1B", 97, 168, BLEND_1, "Scene 1"),
    FarmShot("2A", 169, 240, BLEND_2, "Scene 2"),
]


@pytest.fixture
def manager() -> Iterator[FakeFlamencoManager]:
    with FakeFlamencoManager() as fake:
        yield fake
    assert fake.faults == [], "the fake Manager answered outside the OpenAPI schema"


def plan(**overrides: Any) -> list[dict[str, Any]]:
    arguments: dict[str, Any] = {
        "production_title": "Neon Alley",
        "shots": SHOTS,
        "output_root": OUTPUT_ROOT + "/",
        "fps": 24,
        "image_format": "png",
        "priority": 60,
        "chunk_size": 8,
        "type_etag": "etag-1",
        "spec_hash": "abc123",
        "platform": "linux",
    }
    arguments.update(overrides)
    return flamenco.plan_jobs(**arguments)


def refusal(error: pytest.ExceptionInfo[FlamencoError]) -> str:
    return error.value.message


# Planning (pure).


def test_plan_gives_one_submitted_job_per_shot_in_flamenco_layout() -> None:
    jobs = plan()
    assert [job["name"] for job in jobs] == ["Neon Alley 1A", "Neon Alley 1B", "Neon Alley 2A"]
    assert jobs[1] == {
        "name": "Neon Alley 1B",
        "type": "simple-blender-render",
        "priority": 60,
        "submitter_platform": "linux",
        "type_etag": "etag-1",
        "settings": {
            "blendfile": BLEND_1,
            "render_output_root": OUTPUT_ROOT,
            "add_path_components": 0,
            "render_output_path": "/farm/neon_alley/output/cinema/1B/######",
            "frames": "97-168",
            "chunk_size": 8,
            "fps": 24.0,
            "format": "PNG",
            "image_file_extension": ".png",
            "has_previews": False,
        },
        "metadata": {
            "backlot.production": "Neon Alley",
            "backlot.shot": "1B",
            "backlot.scene": "Scene 1",
            "backlot.spec_hash": "abc123",
        },
    }
    assert [job["settings"]["frames"] for job in jobs] == ["1-96", "97-168", "169-240"]
    assert jobs[2]["settings"]["blendfile"] == BLEND_2


def test_planned_jobs_match_flamencos_submitted_job_schema() -> None:
    schemas = OpenApiSchemas(openapi_document())
    for job in plan(worker_tag="gpu"):
        assert schemas.component_errors("SubmittedJob", job) == []


def test_plan_leaves_out_optional_fields_it_was_not_given() -> None:
    job = plan(type_etag="", spec_hash="")[0]
    assert "type_etag" not in job and "worker_tag" not in job
    assert "backlot.spec_hash" not in job["metadata"]


def test_exr_output_uses_blenders_open_exr_id() -> None:
    settings = plan(image_format="exr")[0]["settings"]
    assert (settings["format"], settings["image_file_extension"]) == ("OPEN_EXR", ".exr")


@pytest.mark.parametrize("movie", ["mp4", "mov", "FFMPEG"])
def test_movie_output_is_refused_with_the_reason(movie: str) -> None:
    with pytest.raises(FlamencoError) as error:
        plan(image_format=movie)
    assert "renders image sequences only" in refusal(error)


@pytest.mark.parametrize(
    ("platform", "goos"),
    [
        ("linux", "linux"),
        ("win32", "windows"),
        ("cygwin", "windows"),
        ("darwin", "darwin"),
        ("freebsd14", "freebsd"),
        ("openbsd7", "openbsd"),
    ],
)
def test_submitter_platform_uses_go_os_names(platform: str, goos: str) -> None:
    assert flamenco.submitter_platform(platform) == goos


def test_windows_and_variable_paths_count_as_absolute() -> None:
    jobs = plan(
        output_root="R:\\renders\\neon", shots=[FarmShot("1A", 1, 2, "{jobs}/neon/scene_1.blend", "S")]
    )
    assert jobs[0]["settings"]["render_output_path"] == "R:\\renders\\neon/1A/######"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"output_root": "output/cinema"}, "output root 'output/cinema' is not an absolute path"),
        ({"output_root": "/"}, "output root '/' is the filesystem root"),
        ({"chunk_size": 0}, "chunk size 0 must be a whole number of frames, at least 1"),
        ({"priority": 101}, "priority 101 must be a whole number from 0 to 100"),
        ({"fps": 0}, "fps 0 must be a number above 0"),
        ({"production_title": "  "}, "the production title is empty"),
        ({"shots": []}, "no shots to submit"),
        ({"shots": [FarmShot("1A", 10, 9, BLEND_1, "S")]}, "frame range 10-9 must start at 0 or later"),
        (
            {"shots": [FarmShot("1/A", 1, 9, BLEND_1, "S")]},
            "shot '1/A': the id names the shot's output folder",
        ),
        (
            {"shots": [FarmShot("1A", 1, 9, "scene.blend", "S")]},
            "blend file 'scene.blend' is not an absolute",
        ),
        ({"shots": [SHOTS[0], SHOTS[0]]}, "shot '1A' appears twice"),
        ({"image_format": "gif"}, "image format 'gif' is not one Backlot sends to Flamenco"),
    ],
)
def test_bad_plan_input_is_explained(overrides: dict[str, Any], expected: str) -> None:
    with pytest.raises(FlamencoError) as error:
        plan(**overrides)
    assert expected in refusal(error)
    assert error.value.suggestion


def test_one_blend_file_cannot_serve_two_scenes() -> None:
    shots = [FarmShot("1A", 1, 9, BLEND_1, "Scene 1"), FarmShot("2A", 10, 19, BLEND_1, "Scene 2")]
    with pytest.raises(FlamencoError) as error:
        plan(shots=shots)
    assert "save one farm copy per scene" in refusal(error)


def test_all_plan_problems_are_reported_at_once() -> None:
    with pytest.raises(FlamencoError) as error:
        plan(output_root="relative", chunk_size=-1, shots=[FarmShot("1A", 5, 1, BLEND_1, "S")])
    assert refusal(error).count("\n  - ") == 3


# Status mapping.


def test_every_flamenco_job_status_maps_to_a_backlot_state() -> None:
    document = openapi_document()
    statuses = document["components"]["schemas"]["JobStatus"]["enum"]
    assert len(statuses) == 10
    for status in statuses:
        assert flamenco.backlot_state(status) in flamenco.BACKLOT_STATES


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("queued", "queued"),
        ("active", "rendering"),
        ("completed", "done"),
        ("failed", "failed"),
        ("canceled", "cancelled"),
        ("cancel-requested", "cancelled"),
        ("paused", "queued"),
    ],
)
def test_status_meanings(status: str, state: str) -> None:
    assert flamenco.backlot_state(status) == state


def test_unknown_status_is_explained() -> None:
    with pytest.raises(FlamencoError) as error:
        flamenco.backlot_state("exploded")
    assert "'exploded', which Backlot does not know" in refusal(error)


# The client against the fake Manager.


def submit(client: FlamencoClient, **overrides: Any) -> flamenco.Submission:
    arguments: dict[str, Any] = {
        "production_title": "Neon Alley",
        "shots": SHOTS,
        "output_root": OUTPUT_ROOT,
        "fps": 24,
        "image_format": "png",
        "priority": 60,
        "chunk_size": 8,
        "spec_hash": "abc123",
    }
    arguments.update(overrides)
    return client.submit_production(**arguments)


def test_submit_three_shot_production(manager: FakeFlamencoManager) -> None:
    submission = submit(FlamencoClient(manager.url, timeout=5))

    assert submission.manager == flamenco.ManagerInfo("Fake Manager", "3.7")
    assert [(r.method, r.path) for r in manager.requests] == [
        ("GET", "/api/v3/version"),
        ("GET", "/api/v3/jobs/types"),
        *[("POST", "/api/v3/jobs/check")] * 3,
        *[("POST", "/api/v3/jobs")] * 3,
    ]
    checked = manager.bodies("POST", "/api/v3/jobs/check")
    queued = manager.bodies("POST", "/api/v3/jobs")
    assert checked == queued
    assert [body["settings"]["frames"] for body in queued] == ["1-96", "97-168", "169-240"]
    assert [body["settings"]["render_output_path"] for body in queued] == [
        f"{OUTPUT_ROOT}/{shot}/######" for shot in ("1A", "1B", "2A")
    ]
    assert {body["type_etag"] for body in queued} == {manager.etag("simple-blender-render")}
    assert [(job.shot_id, job.name, job.state) for job in submission.jobs] == [
        ("1A", "Neon Alley 1A", "queued"),
        ("1B", "Neon Alley 1B", "queued"),
        ("2A", "Neon Alley 2A", "queued"),
    ]
    assert sorted(job.job_id for job in submission.jobs) == sorted(manager.jobs)


def test_poll_job_states(manager: FakeFlamencoManager) -> None:
    client = FlamencoClient(manager.url, timeout=5)
    first, second, third = submit(client).jobs
    manager.set_status(first.job_id, "completed", steps_completed=96)
    manager.set_status(second.job_id, "active", steps_completed=30)
    manager.set_status(third.job_id, "failed")

    states = [client.job_status(job.job_id) for job in (first, second, third)]
    assert [(s.shot_id, s.flamenco_status, s.state) for s in states] == [
        ("1A", "completed", "done"),
        ("1B", "active", "rendering"),
        ("2A", "failed", "failed"),
    ]
    assert (states[1].steps_completed, states[1].steps_total) == (30, 168 - 97 + 1)


def test_manager_down_is_explained() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = FlamencoClient(f"http://127.0.0.1:{port}", timeout=2)
    with pytest.raises(FlamencoError) as error:
        submit(client)
    assert refusal(error).startswith(
        f"cannot reach Flamenco Manager at http://127.0.0.1:{port}: is it running?"
    )
    assert error.value.code == "flamenco_unreachable"


def test_silent_manager_times_out_with_a_message() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        client = FlamencoClient(f"http://127.0.0.1:{silent.getsockname()[1]}", timeout=0.3)
        with pytest.raises(FlamencoError) as error:
            client.manager_info()
    assert "did not answer within 0.3 s" in refusal(error)


def test_managers_error_message_is_surfaced_and_nothing_is_queued(manager: FakeFlamencoManager) -> None:
    manager.inject_error("POST", "/api/v3/jobs/check", 422, "blend file /farm/x.blend does not exist")
    with pytest.raises(FlamencoError) as error:
        submit(FlamencoClient(manager.url, timeout=5))
    assert (
        "refused to accept job 'Neon Alley 1A' (HTTP 422): blend file /farm/x.blend does not exist"
        in refusal(error)
    )
    assert manager.bodies("POST", "/api/v3/jobs") == []
    assert manager.jobs == {}


def test_missing_job_type_is_explained(manager: FakeFlamencoManager) -> None:
    manager.set_job_type("simple-blender-render", None)
    with pytest.raises(FlamencoError) as error:
        submit(FlamencoClient(manager.url, timeout=5))
    assert refusal(error) == "this Manager has no simple-blender-render job type (it offers: echo-sleep-test)"
    assert error.value.code == "flamenco_job_type_missing"


def test_customised_job_type_with_unknown_required_setting_is_refused(manager: FakeFlamencoManager) -> None:
    settings = [*SIMPLE_BLENDER_RENDER_SETTINGS, {"key": "camera", "type": "string", "required": True}]
    manager.set_job_type("simple-blender-render", settings)
    with pytest.raises(FlamencoError) as error:
        submit(FlamencoClient(manager.url, timeout=5))
    assert "requires settings Backlot does not fill: camera" in refusal(error)


def test_stale_job_type_etag_is_explained(manager: FakeFlamencoManager) -> None:
    job = plan(type_etag="stale")[0]
    with pytest.raises(FlamencoError) as error:
        FlamencoClient(manager.url, timeout=5).check_job(job)
    assert "(HTTP 412)" in refusal(error)
    assert "changed on the Manager" in error.value.suggestion


def test_failure_part_way_names_the_jobs_already_queued(manager: FakeFlamencoManager) -> None:
    manager.inject_error("POST", "/api/v3/jobs", 503, "database is busy", after=1)
    with pytest.raises(flamenco.PartialSubmissionError) as error:
        submit(FlamencoClient(manager.url, timeout=5))
    [queued] = manager.jobs
    assert [(job.shot_id, job.job_id) for job in error.value.submitted] == [("1A", queued)]
    assert f"already submitted before this failure: 1A (job {queued})" in refusal(error)
    assert "database is busy" in refusal(error)


def test_unknown_job_id_is_explained(manager: FakeFlamencoManager) -> None:
    with pytest.raises(FlamencoError) as error:
        FlamencoClient(manager.url, timeout=5).job_status("no-such-job")
    assert "refused to report job no-such-job (HTTP 404): no job with ID no-such-job" in refusal(error)


def test_url_with_a_path_that_is_not_the_api_is_explained(manager: FakeFlamencoManager) -> None:
    with pytest.raises(FlamencoError) as error:
        FlamencoClient(manager.url + "/flamenco", timeout=5).manager_info()
    assert refusal(error) == f"no Flamenco API at {manager.url}/flamenco (HTTP 404 for /api/v3/version)"


@pytest.mark.parametrize("url", ["localhost:8080", "ftp://farm", "http://", ""])
def test_bad_manager_url_is_explained(url: str) -> None:
    with pytest.raises(FlamencoError) as error:
        FlamencoClient(url)
    assert "is not an http(s) address" in refusal(error)


# The fake itself: its validation is real.


def post(manager: FakeFlamencoManager, path: str, body: object) -> tuple[int, dict[str, Any] | None]:
    request = urllib.request.Request(
        manager.url + path,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
            request, timeout=5
        ) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_fake_accepts_a_valid_job(manager: FakeFlamencoManager) -> None:
    assert post(manager, "/api/v3/jobs/check", plan(type_etag="")[0]) == (204, None)


@pytest.mark.parametrize(
    ("broken", "named"),
    [
        (lambda job: job.pop("type"), "'type' is a required property"),
        (lambda job: job.update(priority="high"), "priority: 'high' is not of type 'integer'"),
        (lambda job: job["metadata"].update({"backlot.shot": 96}), "96 is not of type 'string'"),
        (lambda job: job.update(initial_status="started"), "initial_status: 'started' is not one of"),
    ],
)
def test_fake_rejects_bodies_outside_the_schema(
    manager: FakeFlamencoManager, broken: Any, named: str
) -> None:
    job = plan(type_etag="")[0]
    broken(job)
    status, answer = post(manager, "/api/v3/jobs", job)
    assert status == 400
    assert answer is not None and named in answer["message"]
    assert manager.jobs == {}


def test_fake_catches_its_own_answers_outside_the_schema(manager: FakeFlamencoManager) -> None:
    job_id = submit(FlamencoClient(manager.url, timeout=5)).jobs[0].job_id
    manager.set_status(job_id, "rendering")  # not a Flamenco JobStatus
    with pytest.raises(FlamencoError) as error:
        FlamencoClient(manager.url, timeout=5).job_status(job_id)
    assert "(HTTP 500)" in refusal(error)
    assert len(manager.faults) == 1 and "'rendering' is not one of" in manager.faults[0]
    manager.faults.clear()
