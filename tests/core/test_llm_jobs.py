"""JobRunner: requests on a worker thread, events drained on the main thread by a pump that never blocks."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest
from backlot.production.assistant.client import LLMClient, Message
from backlot.production.assistant.dialects import ChatResult, TokenCallback
from backlot.production.assistant.errors import LLMTimeoutError, ModelNotFoundError
from backlot.production.assistant.jobs import JobEvent, JobRunner

from tests.support.fake_llm_server import FakeLLMServer, Reply

HELLO = [{"role": "user", "content": "Write a scene."}]
PUMP_BUDGET_SECONDS = 0.005  # the acceptance bound for one main-thread pump call


@pytest.fixture
def runner() -> Iterator[JobRunner]:
    jobs = JobRunner(progress_interval=0.05)
    yield jobs
    jobs.shutdown()


def make_client(server: FakeLLMServer, read_timeout: float = 2.0) -> LLMClient:
    """Short timeouts and no real backoff sleeps, so no test can hang."""
    return LLMClient(
        server.url, "llama3.2", connect_timeout=2.0, read_timeout=read_timeout, sleep=lambda _: None
    )


def pump_until_idle(runner: JobRunner, limit_seconds: float = 10.0) -> list[JobEvent]:
    """Drive the pump like a Blender timer would, failing instead of hanging if jobs never finish."""
    events: list[JobEvent] = []
    deadline = time.monotonic() + limit_seconds
    while runner.busy:
        assert time.monotonic() < deadline, "jobs did not finish in time"
        events += runner.pump()
        time.sleep(0.002)
    return events


def test_tokens_then_done_reach_the_handler_in_order(server: FakeLLMServer, runner: JobRunner) -> None:
    server.script("/api/chat", Reply(tokens=("INT.", " ROOF", " - DAY"), token_delay=0.02))
    seen: list[JobEvent] = []
    job = runner.submit(make_client(server), HELLO, on_event=seen.append)
    events = pump_until_idle(runner)
    assert seen == events
    assert {event.job for event in events} == {job}
    assert "".join(event.text for event in events if event.kind == "token") == "INT. ROOF - DAY"
    assert events[-1].kind == "done"
    assert isinstance(events[-1].result, ChatResult)
    assert events[-1].result.text == "INT. ROOF - DAY"


def test_every_pump_returns_within_5_ms_while_a_slow_server_streams(
    server: FakeLLMServer, runner: JobRunner
) -> None:
    tokens = tuple(f" word{index}" for index in range(60))
    server.script("/api/chat", Reply(tokens=tokens, token_delay=0.02))
    text: list[str] = []
    runner.submit(make_client(server), HELLO, on_event=lambda event: text.append(event.text))
    durations: list[float] = []
    deadline = time.monotonic() + 15
    while runner.busy and time.monotonic() < deadline:
        started = time.perf_counter()
        runner.pump()
        durations.append(time.perf_counter() - started)
        time.sleep(0.001)
    assert not runner.busy
    assert "".join(text).startswith("".join(tokens))
    assert len(durations) > 200  # the stream lasts > 1 s, so the pump really ran while tokens arrived
    print(f"slowest of {len(durations)} pumps: {max(durations) * 1000:.2f} ms")  # the figure, with -rP
    assert max(durations) < PUMP_BUDGET_SECONDS, f"slowest pump {max(durations) * 1000:.2f} ms"


def test_progress_reports_a_plausible_live_rate(server: FakeLLMServer, runner: JobRunner) -> None:
    server.script("/api/chat", Reply(tokens=tuple("abcdefghijklmnop"), token_delay=0.03))
    runner.submit(make_client(server), HELLO)
    progress = [event for event in pump_until_idle(runner) if event.kind == "progress"]
    assert progress
    for event in progress:
        # n chunks arrive over at least (n - 1) gaps of 0.03 s, so the rate is at most n / ((n - 1) * 0.03)
        assert event.tokens >= 2
        assert 0 < event.tokens_per_second <= event.tokens / ((event.tokens - 1) * 0.03)


def test_consecutive_token_chunks_are_merged(server: FakeLLMServer, runner: JobRunner) -> None:
    tokens = tuple(f"{index} " for index in range(100))
    server.script("/api/chat", Reply(tokens=tokens))
    runner.submit(make_client(server), HELLO)
    time.sleep(0.5)  # let the whole fast stream land in the queue
    events = pump_until_idle(runner)
    token_events = [event for event in events if event.kind == "token"]
    assert "".join(event.text for event in token_events) == "".join(tokens)
    assert len(token_events) < len(tokens)


def test_cancel_cuts_off_a_running_job_at_once(server: FakeLLMServer, runner: JobRunner) -> None:
    server.script("/api/chat", Reply(tokens=("FADE IN:",), hang_after_tokens=60))
    job = runner.submit(make_client(server, read_timeout=30), HELLO)
    events: list[JobEvent] = []
    deadline = time.monotonic() + 5
    while not any(event.kind == "token" for event in events):
        assert time.monotonic() < deadline
        events += runner.pump()
        time.sleep(0.002)
    started = time.monotonic()
    runner.cancel(job)
    events += pump_until_idle(runner, limit_seconds=5)
    assert time.monotonic() - started < 5  # not the 30 s read timeout
    assert events[-1].kind == "cancelled"
    assert events[-1].result == "FADE IN:"


def test_a_cancelled_queued_job_never_reaches_the_server(server: FakeLLMServer, runner: JobRunner) -> None:
    server.script("/api/chat", Reply(tokens=tuple("abcde"), token_delay=0.05))
    client = make_client(server)
    first = runner.submit(client, HELLO)
    second = runner.submit(client, HELLO)
    runner.cancel(second)
    events = pump_until_idle(runner)
    final = {event.job: event.kind for event in events if event.kind in ("done", "error", "cancelled")}
    assert final == {first: "done", second: "cancelled"}
    assert server.count("/api/chat") == 1


def test_errors_arrive_as_events_with_the_clear_message(server: FakeLLMServer, runner: JobRunner) -> None:
    runner.submit(LLMClient(server.url, "mistral"), HELLO)
    (event,) = pump_until_idle(runner)
    assert event.kind == "error"
    assert "run `ollama pull mistral`" in event.text
    assert isinstance(event.error, ModelNotFoundError)


class BrokenClient(LLMClient):
    """A client with a bug, to show the worker turns it into a message and keeps serving."""

    def chat(
        self,
        messages: Sequence[Message],
        *,
        schema: Mapping[str, Any] | None = None,
        on_token: TokenCallback | None = None,
        cancel: Any = None,
        options: Mapping[str, Any] | None = None,
    ) -> ChatResult:
        raise KeyError("oops")


def test_an_unexpected_bug_becomes_an_error_event_and_the_worker_survives(
    server: FakeLLMServer, runner: JobRunner
) -> None:
    runner.submit(BrokenClient(server.url, "llama3.2"), HELLO)
    runner.submit(make_client(server), HELLO)
    events = pump_until_idle(runner)
    final = [event for event in events if event.kind in ("done", "error")]
    assert [event.kind for event in final] == ["error", "done"]
    assert final[0].text.startswith("internal error in the script helper (KeyError: 'oops')")
    assert isinstance(final[0].error, Exception) and isinstance(final[0].error.__cause__, KeyError)


def test_run_sync_returns_results_and_raises_errors(server: FakeLLMServer, runner: JobRunner) -> None:
    assert runner.run_sync(make_client(server), HELLO, timeout=10).text == "Hello, world"
    schema = {"type": "object", "properties": {"title": {"type": "string"}}, "required": ["title"]}
    server.script("/api/chat", Reply(tokens=(json.dumps({"title": "Night Shift"}),)))
    answer = runner.run_sync(make_client(server), HELLO, schema=schema, json_output=True, timeout=10)
    assert answer == {"title": "Night Shift"}
    with pytest.raises(ModelNotFoundError):
        runner.run_sync(LLMClient(server.url, "mistral"), HELLO, timeout=10)
    assert not runner.busy


def test_run_sync_gives_up_at_its_timeout(server: FakeLLMServer, runner: JobRunner) -> None:
    server.script("/api/chat", Reply(tokens=tuple("ab"), hang_after_tokens=60))
    started = time.monotonic()
    with pytest.raises(LLMTimeoutError, match=r"no complete answer within 0\.3 s"):
        runner.run_sync(make_client(server, read_timeout=30), HELLO, timeout=0.3)
    assert time.monotonic() - started < 5


def test_json_output_needs_a_schema(server: FakeLLMServer, runner: JobRunner) -> None:
    with pytest.raises(ValueError, match="json_output needs a schema"):
        runner.submit(make_client(server), HELLO, json_output=True)
