"""LLM client against a loopback server speaking Ollama's and OpenAI's streaming protocols (tests/support)."""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from typing import Any

import jsonschema
import pytest
from backlot.production.assistant import client as llm
from backlot.production.assistant import json_check
from backlot.production.assistant.client import LLMClient
from backlot.production.assistant.errors import (
    LLMCancelledError,
    LLMError,
    LLMOutputError,
    LLMTimeoutError,
    ModelNotFoundError,
)

from tests.support.fake_llm_server import OLLAMA_VERSION, FakeLLMServer, Reply

HELLO = [{"role": "user", "content": "Say hello."}]
SHOT_LIST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "scene": {"type": "integer"},
        "shots": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "size": {"type": "string", "enum": ["wide", "medium", "close"]},
                    "subject": {"type": "string"},
                    "seconds": {"type": "number"},
                    "handheld": {"type": "boolean"},
                    "note": {"type": ["string", "null"]},
                },
                "required": ["size", "subject"],
                "additionalProperties": False,
            },
        },
    },
    "required": ["scene", "shots"],
}
VALID_SHOT_LIST = {
    "scene": 3,
    "shots": [{"size": "wide", "subject": "diner"}, {"size": "close", "subject": "AVA"}],
}


class SleepRecorder:
    """Stands in for time.sleep so backoff delays are checked without waiting them out."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def make_client(url: str, api: str = "ollama", **settings: Any) -> LLMClient:
    """A client with short timeouts and recorded (not slept) backoff, so no test can hang or idle."""
    defaults: dict[str, Any] = {"connect_timeout": 2.0, "read_timeout": 2.0, "sleep": SleepRecorder()}
    return LLMClient(url, "llama3.2", api, **{**defaults, **settings})


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# -- Ollama native


def test_ollama_streams_chunks_in_order_and_sends_documented_fields(server: FakeLLMServer) -> None:
    server.script("/api/chat", Reply(tokens=("INT.", " DINER", " - NIGHT")))
    client = make_client(server.url, options={"temperature": 0.3}, keep_alive="10m")
    received: list[str] = []
    result = client.chat(HELLO, on_token=received.append)
    assert received == ["INT.", " DINER", " - NIGHT"]
    assert result.text == "INT. DINER - NIGHT"
    assert result.model == "llama3.2"
    body = server.requests[-1].body
    assert body == {
        "model": "llama3.2",
        "messages": HELLO,
        "stream": True,
        "options": {"temperature": 0.3},
        "keep_alive": "10m",
    }


def test_done_line_durations_give_tokens_per_second(server: FakeLLMServer) -> None:
    # 40 tokens in 2 s of eval time (nanoseconds on the wire, per docs.ollama.com/api/usage) is 20 tokens/s.
    server.script("/api/chat", Reply(eval_count=40, eval_duration_ns=2_000_000_000))
    result = make_client(server.url).chat(HELLO)
    assert result.tokens == 40
    assert result.tokens_per_second == pytest.approx(20.0)
    assert result.done_reason == "stop"


def test_missing_model_says_how_to_pull_it_and_is_not_retried(server: FakeLLMServer) -> None:
    client = LLMClient(server.url, "mistral", sleep=SleepRecorder())
    expected = r"model mistral is not installed on the server: run `ollama pull mistral`"
    with pytest.raises(ModelNotFoundError, match=expected):
        client.chat(HELLO)
    assert server.count("/api/chat") == 1


def test_wrong_endpoint_suggests_the_other_api_kind(server: FakeLLMServer) -> None:
    with pytest.raises(LLMError, match=r"does not exist on this server.*try 'openai'"):
        make_client(server.url + "/not-ollama").chat(HELLO)


def test_500_then_success_is_retried_after_one_backoff(server: FakeLLMServer) -> None:
    server.script("/api/chat", Reply(status=500, body={"error": "llama runner crashed"}))
    sleep = SleepRecorder()
    result = make_client(server.url, sleep=sleep, backoff=0.5).chat(HELLO)
    assert result.text == "Hello, world"
    assert sleep.delays == [0.5]
    assert server.count("/api/chat") == 2


def test_500_forever_gives_up_after_bounded_attempts_with_the_server_message(server: FakeLLMServer) -> None:
    server.script("/api/chat", *[Reply(status=500, body={"error": "llama runner crashed"})] * 6)
    sleep = SleepRecorder()
    client = make_client(server.url, sleep=sleep, retries=2, backoff=0.5, backoff_max=8.0)
    with pytest.raises(LLMError, match=r"HTTP 500: llama runner crashed \(gave up after 3 attempts\)"):
        client.chat(HELLO)
    assert sleep.delays == [0.5, 1.0]  # 0.5 * 2**0, 0.5 * 2**1
    assert server.count("/api/chat") == 3


def test_backoff_is_capped(server: FakeLLMServer) -> None:
    server.script("/api/chat", *[Reply(status=503, body={"error": "busy"})] * 6)
    sleep = SleepRecorder()
    with pytest.raises(LLMError, match="gave up after 5 attempts"):
        make_client(server.url, sleep=sleep, retries=4, backoff=1.0, backoff_max=3.0).chat(HELLO)
    assert sleep.delays == [1.0, 2.0, 3.0, 3.0]


def test_429_is_retried_honouring_retry_after(server: FakeLLMServer) -> None:
    busy = Reply(status=429, body={"error": "too many requests"}, headers={"Retry-After": "3"})
    server.script("/api/chat", busy)
    sleep = SleepRecorder()
    assert make_client(server.url, sleep=sleep, backoff=0.5).chat(HELLO).text == "Hello, world"
    assert sleep.delays == [3.0]


def test_other_4xx_is_not_retried(server: FakeLLMServer) -> None:
    server.script("/api/chat", Reply(status=400, body={"error": "invalid options"}))
    sleep = SleepRecorder()
    with pytest.raises(LLMError, match=r"rejected the request \(HTTP 400: invalid options\)"):
        make_client(server.url, sleep=sleep).chat(HELLO)
    assert sleep.delays == []
    assert server.count("/api/chat") == 1


def test_refused_connection_is_retried_then_reported() -> None:
    sleep = SleepRecorder()
    client = make_client(f"http://127.0.0.1:{closed_port()}", sleep=sleep, retries=1, backoff=0.25)
    with pytest.raises(LLMError, match=r"could not connect to .*\(gave up after 2 attempts\)"):
        client.chat(HELLO)
    assert sleep.delays == [0.25]


def test_mid_stream_error_line_raises_with_the_server_message(server: FakeLLMServer) -> None:
    failing = Reply(tokens=("A", "B"), error_line="the model failed to generate", finish=False)
    server.script("/api/chat", failing)
    received: list[str] = []
    with pytest.raises(LLMError, match="error in the middle of an answer: the model failed to generate"):
        make_client(server.url).chat(HELLO, on_token=received.append)
    assert received == ["A", "B"]
    assert server.count("/api/chat") == 1


def test_slow_trickle_longer_than_the_read_timeout_in_total_still_completes(server: FakeLLMServer) -> None:
    tokens = tuple(f" w{index}" for index in range(8))
    server.script("/api/chat", Reply(tokens=tokens, token_delay=0.15))
    started = time.monotonic()
    result = make_client(server.url, read_timeout=0.6).chat(HELLO)
    assert result.text == "".join(tokens)
    assert time.monotonic() - started > 0.6  # the whole answer took longer than one read timeout


def test_server_that_never_answers_times_out_without_retrying(server: FakeLLMServer) -> None:
    server.script("/api/chat", Reply(hang_before_headers=60))
    started = time.monotonic()
    with pytest.raises(LLMTimeoutError, match=r"sent nothing for 0\.3 s"):
        make_client(server.url, read_timeout=0.3).chat(HELLO)
    assert time.monotonic() - started < 5
    assert server.count("/api/chat") == 1


def test_stream_that_stalls_times_out(server: FakeLLMServer) -> None:
    server.script("/api/chat", Reply(tokens=("A",), hang_after_tokens=60))
    with pytest.raises(LLMTimeoutError, match=r"stopped sending for 0\.3 s in the middle of an answer"):
        make_client(server.url, read_timeout=0.3).chat(HELLO)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", r"streamed line 2 that is not JSON \('\{not json'\)"),
        ("[1, 2]", "streamed line 2 that is not a JSON object"),
    ],
)
def test_malformed_lines_are_reported(server: FakeLLMServer, line: str, message: str) -> None:
    server.script("/api/chat", Reply(tokens=("A",), raw_lines=(line,)))
    with pytest.raises(LLMError, match=message):
        make_client(server.url).chat(HELLO)


def test_stream_closed_before_done_is_reported_as_cut_off(server: FakeLLMServer) -> None:
    server.script("/api/chat", Reply(finish=False))
    with pytest.raises(LLMError, match="before its final 'done' line; the answer is cut off"):
        make_client(server.url).chat(HELLO)


def test_model_list_and_status_light(server: FakeLLMServer) -> None:
    server.models.append("qwen2.5:0.5b")
    client = make_client(server.url)
    assert client.list_models() == ["llama3.2", "qwen2.5:0.5b"]
    status = client.check_server()
    assert status.online
    assert status.version == OLLAMA_VERSION


def test_status_light_reports_an_offline_server_at_once() -> None:
    sleep = SleepRecorder()
    status = make_client(f"http://127.0.0.1:{closed_port()}", sleep=sleep).check_server()
    assert not status.online
    assert "could not connect" in status.detail
    assert sleep.delays == []


def test_bad_settings_and_messages_are_explained() -> None:
    with pytest.raises(ValueError, match="api must be one of ollama, openai"):
        LLMClient(api="anthropic")
    with pytest.raises(ValueError, match="must look like http://host:port"):
        LLMClient("localhost:11434")
    with pytest.raises(ValueError, match="message 0 must be"):
        LLMClient(model="m").chat([{"role": "narrator", "content": "x"}])
    with pytest.raises(LLMError, match="no model is selected"):
        LLMClient().chat(HELLO)


# -- OpenAI-compatible


def test_a_server_refusing_json_schema_gets_json_object_with_the_schema(server: FakeLLMServer) -> None:
    """llama-cpp-python's server (0.3.x) only knows response_format json_object (+ schema): it answers 500
    with a validation error naming response_format. Seen against the real server in the slow tier."""
    refusal = {"error": {"message": "1 validation error: {'loc': ('body', 'response_format', 'type')}"}}
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    server.script(
        "/v1/chat/completions",
        Reply(status=500, body=refusal),
        Reply(tokens=('{"n"', ": 3}")),
        Reply(tokens=("{}",)),
    )
    client = make_client(server.url, api="openai")
    assert client.chat_json(HELLO, schema) == {"n": 3}
    formats = [request.body["response_format"] for request in server.requests]
    assert formats[0]["type"] == "json_schema" and formats[1] == {"type": "json_object", "schema": schema}
    client.chat(HELLO, schema=schema)  # remembered: no second refusal needed
    assert server.requests[-1].body["response_format"] == {"type": "json_object", "schema": schema}


def test_openai_sse_stream_with_usage(server: FakeLLMServer) -> None:
    server.script("/v1/chat/completions", Reply(tokens=("FADE", " IN:"), usage_tokens=5))
    received: list[str] = []
    result = make_client(server.url, api="openai").chat(HELLO, on_token=received.append)
    assert received == ["FADE", " IN:"]
    assert (result.text, result.tokens, result.done_reason) == ("FADE IN:", 5, "stop")
    body = server.requests[-1].body
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert "response_format" not in body


def test_openai_rate_without_usage_counts_chunks_over_wall_time(server: FakeLLMServer) -> None:
    server.script("/v1/chat/completions", Reply(tokens=tuple("abcdef"), token_delay=0.05))
    result = make_client(server.url, api="openai").chat(HELLO)
    assert result.tokens == 6
    # six chunks at least 0.05 s apart span >= 0.25 s, so the rate cannot exceed 6 / 0.25 = 24 tokens/s
    assert 0 < result.tokens_per_second <= 24


@pytest.mark.parametrize("suffix", ["", "/v1", "/v1/"])
def test_openai_base_url_with_or_without_v1(server: FakeLLMServer, suffix: str) -> None:
    make_client(server.url + suffix, api="openai").chat(HELLO)
    assert server.requests[-1].path == "/v1/chat/completions"


def test_openai_missing_model_and_mid_stream_error(server: FakeLLMServer) -> None:
    with pytest.raises(
        ModelNotFoundError, match=r"model gpt-x is not installed.*pick one from the model list"
    ):
        LLMClient(server.url, "gpt-x", "openai").chat(HELLO)
    server.script("/v1/chat/completions", Reply(error_line="context overflow", finish=False))
    with pytest.raises(LLMError, match="error in the middle of an answer: context overflow"):
        make_client(server.url, api="openai").chat(HELLO)


def test_openai_stream_without_done_is_cut_off(server: FakeLLMServer) -> None:
    server.script("/v1/chat/completions", Reply(finish=False))
    with pytest.raises(LLMError, match=r"before \[DONE\]"):
        make_client(server.url, api="openai").chat(HELLO)


def test_openai_options_are_mapped_and_unknown_ones_refused(server: FakeLLMServer) -> None:
    make_client(server.url, api="openai").chat(HELLO, options={"temperature": 0.2, "num_predict": 50})
    body = server.requests[-1].body
    assert (body["temperature"], body["max_tokens"]) == (0.2, 50)
    with pytest.raises(ValueError, match="mirostat are not supported by the OpenAI-compatible API"):
        make_client(server.url, api="openai").chat(HELLO, options={"mirostat": 1})


def test_openai_model_list_and_status(server: FakeLLMServer) -> None:
    client = make_client(server.url, api="openai")
    assert client.list_models() == ["llama3.2"]
    assert client.check_server().online


# -- structured output


@pytest.mark.parametrize("api", ["ollama", "openai"])
def test_chat_json_retries_once_with_the_validation_errors(server: FakeLLMServer, api: str) -> None:
    path = "/api/chat" if api == "ollama" else "/v1/chat/completions"
    invalid = json.dumps({"scene": 3, "shots": [{"size": "huge", "subject": "diner"}]})
    server.script(path, Reply(tokens=(invalid,)), Reply(tokens=(json.dumps(VALID_SHOT_LIST),)))
    assert make_client(server.url, api=api).chat_json(HELLO, SHOT_LIST_SCHEMA) == VALID_SHOT_LIST
    first, second = (request.body for request in server.requests if request.path == path)
    if api == "ollama":
        assert first["format"] == SHOT_LIST_SCHEMA
    else:
        assert first["response_format"]["type"] == "json_schema"
        assert first["response_format"]["json_schema"]["schema"] == SHOT_LIST_SCHEMA
    assert second["messages"][:-2] == HELLO
    assert second["messages"][-2] == {"role": "assistant", "content": invalid}
    correction = second["messages"][-1]
    assert correction["role"] == "user"
    assert '$.shots[0].size: "huge" is not one of "wide", "medium", "close"' in correction["content"]


def test_chat_json_gives_up_after_one_corrective_retry(server: FakeLLMServer) -> None:
    server.script(
        "/api/chat", Reply(tokens=("Sure! Here is the shot list:",)), Reply(tokens=('{"scene": 1}',))
    )
    expected = "did not return valid JSON after one corrective retry"
    with pytest.raises(LLMOutputError, match=expected) as caught:
        make_client(server.url).chat_json(HELLO, SHOT_LIST_SCHEMA)
    assert caught.value.problems == ["$: missing required key 'shots'"]
    assert server.count("/api/chat") == 2


def test_chat_json_refuses_schemas_it_cannot_check(server: FakeLLMServer) -> None:
    with pytest.raises(ValueError, match=r"schema at \$.shots uses minItems"):
        make_client(server.url).chat_json(HELLO, {"properties": {"shots": {"type": "array", "minItems": 1}}})
    assert server.count("/api/chat") == 0


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('```json\n{"scene": 1, "shots": []}\n```', None),
        ('{"scene": 1, "shots": []}', None),
        ('{"scene": NaN, "shots": []}', "not valid JSON: NaN is not valid JSON"),
        ("scene one", "not valid JSON: Expecting value at line 1 column 1"),
        ("[" * 100_000, "not valid JSON"),
    ],
)
def test_parse_json_answer(text: str, problem: str | None) -> None:
    value, problems = json_check.parse_json_answer(text, SHOT_LIST_SCHEMA)
    if problem is None:
        assert (value, problems) == ({"scene": 1, "shots": []}, [])
    else:
        assert len(problems) == 1 and problem in problems[0]


def test_validator_messages_name_the_path() -> None:
    instance = {"scene": True, "shots": [{"size": "wide"}, {"size": "close", "subject": "AVA", "lens": 50}]}
    assert json_check.validate_json(instance, SHOT_LIST_SCHEMA) == [
        "$.scene: expected integer, got boolean",
        "$.shots[0]: missing required key 'subject'",
        "$.shots[1]: unexpected key 'lens'",
    ]


def _mutations(rng: random.Random, value: Any) -> Any:
    """A random near-miss of a valid document: JSON values of the wrong kind, dropped or extra keys."""
    replacements: list[Any] = [None, True, False, 0, 1, 1.0, 2.5, "", "wide", "x", [], {}, [1], {"a": 1}]
    if rng.random() < 0.15:
        return rng.choice(replacements)
    if isinstance(value, dict):
        mutated = {key: _mutations(rng, item) for key, item in value.items()}
        if mutated and rng.random() < 0.2:
            del mutated[rng.choice(list(mutated))]
        if rng.random() < 0.1:
            mutated["extra"] = 1
        return mutated
    if isinstance(value, list):
        return [_mutations(rng, item) for item in value]
    return value


def test_validator_agrees_with_jsonschema_on_random_near_misses() -> None:
    reference = jsonschema.Draft202012Validator(SHOT_LIST_SCHEMA)
    rng = random.Random(9)
    base = {
        "scene": 3,
        "shots": [
            {"size": "wide", "subject": "diner", "seconds": 4.5, "handheld": False, "note": None},
            {"size": "close", "subject": "AVA", "seconds": 2, "note": "rack focus"},
        ],
    }
    verdicts = set()
    for _ in range(600):
        instance = _mutations(rng, base)
        expected_valid = reference.is_valid(instance)
        verdicts.add(expected_valid)
        assert (json_check.validate_json(instance, SHOT_LIST_SCHEMA) == []) == expected_valid, instance
    assert verdicts == {True, False}  # the sample exercised both outcomes


# -- safety helpers


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://localhost:11434", True),
        ("http://LOCALHOST:1234/v1", True),
        ("http://127.0.0.1:11434", True),
        ("http://127.8.9.10", True),  # all of 127.0.0.0/8 is loopback (RFC 1122 3.2.1.3)
        ("http://[::1]:11434", True),  # RFC 4291 2.5.3
        ("http://[::ffff:127.0.0.1]:8080", True),  # IPv4-mapped loopback
        ("http://128.0.0.1", False),
        ("http://0.0.0.0:11434", False),
        ("http://192.168.1.20:11434", False),
        ("https://api.example.com", False),
        ("http://localhost.example.com", False),
        ("http://[::2]", False),
        ("not a url", False),
        ("http://[::1", False),
    ],
)
def test_is_local_url(url: str, local: bool) -> None:
    assert llm.is_local_url(url) is local


# -- cancellation and the per-server queue


def test_cancel_between_chunks_keeps_the_partial_text(server: FakeLLMServer) -> None:
    tokens = tuple(f" t{index}" for index in range(20))
    server.script("/api/chat", Reply(tokens=tokens, token_delay=0.05))
    cancel = threading.Event()
    received: list[str] = []

    def on_token(chunk: str) -> None:
        received.append(chunk)
        if len(received) == 3:
            cancel.set()

    with pytest.raises(LLMCancelledError) as caught:
        make_client(server.url).chat(HELLO, on_token=on_token, cancel=cancel)
    assert caught.value.partial_text.startswith(" t0 t1 t2")
    assert len(received) < len(tokens)


def test_interrupt_cuts_off_a_silent_server_at_once(server: FakeLLMServer) -> None:
    server.script("/api/chat", Reply(tokens=("A",), hang_after_tokens=60))
    client = make_client(server.url, read_timeout=30)
    cancel = threading.Event()
    timer = threading.Timer(0.3, client.interrupt, args=(cancel,))
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(LLMCancelledError) as caught:
            client.chat(HELLO, cancel=cancel)
    finally:
        timer.cancel()
    assert caught.value.partial_text == "A"
    assert time.monotonic() - started < 5  # far below the 30 s read timeout


def test_one_request_in_flight_per_server(server: FakeLLMServer) -> None:
    server.script("/api/chat", *[Reply(tokens=tuple("abcd"), token_delay=0.05)] * 3)
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(make_client(server.url).chat(HELLO).text))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert results == ["abcd"] * 3
    assert server.max_concurrent_streams == 1


def test_cancelled_waiter_leaves_the_queue_without_reaching_the_server(server: FakeLLMServer) -> None:
    server.script("/api/chat", Reply(tokens=tuple("abcd"), token_delay=0.1))
    first = threading.Thread(target=make_client(server.url).chat, args=(HELLO,))
    first.start()
    deadline = time.monotonic() + 5
    while server.count("/api/chat") == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    cancel = threading.Event()
    threading.Timer(0.1, cancel.set).start()
    with pytest.raises(LLMCancelledError, match="while waiting for the server"):
        make_client(server.url).chat(HELLO, cancel=cancel)
    first.join(timeout=10)
    assert server.count("/api/chat") == 1
