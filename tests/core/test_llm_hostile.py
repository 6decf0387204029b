"""Servers that never finish: the client's overall deadline ends every request, whatever the server does, and
a server that is not an OpenAI-compatible one is named as such. A raw socket server on loopback plays each
misbehaviour; every test is bounded in time and stops its server."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from backlot.production.assistant.client import LLMClient
from backlot.production.assistant.errors import LLMError, LLMTimeoutError

Behaviour = Callable[[socket.socket, threading.Event], None]
TICK = 0.1


def trickle_headers(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    while not stop.wait(TICK):
        conn.sendall(b"X-Wait: 1\r\n")


def keep_alive_forever(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n")
    while not stop.wait(TICK):
        conn.sendall(b": keep-alive\n\n")


def endless_answer(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n")
    while not stop.wait(TICK):
        conn.sendall(b'data: {"choices": [{"delta": {"content": "la "}}]}\n\n')


def html_page(conn: socket.socket, stop: threading.Event) -> None:
    page = b"<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>\n"
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(page) + page
    )


def trickle_model_list(conn: socket.socket, stop: threading.Event) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{")
    while not stop.wait(TICK):
        conn.sendall(b" ")


@pytest.fixture
def hostile() -> Iterator[Callable[[Behaviour], str]]:
    stop = threading.Event()
    threads: list[threading.Thread] = []
    listeners: list[socket.socket] = []

    def serve(behaviour: Behaviour) -> str:
        listener = socket.create_server(("127.0.0.1", 0))
        listener.settimeout(5)
        listeners.append(listener)

        def run() -> None:
            with listener:
                while not stop.is_set():
                    try:
                        conn, _ = listener.accept()
                    except OSError:
                        return
                    with conn:
                        conn.recv(65536)  # the request; its body is not needed
                        with contextlib.suppress(OSError):  # the client shut the socket: the deadline
                            behaviour(conn, stop)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        threads.append(thread)
        return f"http://127.0.0.1:{listener.getsockname()[1]}"

    yield serve
    stop.set()
    for listener in listeners:
        listener.close()
    for thread in threads:
        thread.join(5)


def _client(url: str, api: str = "openai") -> LLMClient:
    return LLMClient(url, "model", api, read_timeout=5.0, total_timeout=1.0, retries=0)


@pytest.mark.parametrize("behaviour", [trickle_headers, keep_alive_forever, endless_answer])
def test_the_overall_deadline_ends_a_request_that_never_finishes(
    hostile: Callable[[Behaviour], str], behaviour: Behaviour
) -> None:
    client = _client(hostile(behaviour))
    started = time.monotonic()
    with pytest.raises(LLMTimeoutError, match="within 1 s"):
        client.chat([{"role": "user", "content": "hi"}])
    assert time.monotonic() - started < 4.0


def test_the_deadline_bounds_the_model_list_too(hostile: Callable[[Behaviour], str]) -> None:
    client = _client(hostile(trickle_model_list), api="ollama")
    started = time.monotonic()
    with pytest.raises(LLMTimeoutError, match="overall limit"):
        client.list_models()
    assert time.monotonic() - started < 4.0


def test_an_html_page_is_named_as_not_an_openai_compatible_server(
    hostile: Callable[[Behaviour], str],
) -> None:
    client = _client(hostile(html_page))
    with pytest.raises(LLMError, match="not an OpenAI-compatible server") as caught:
        client.chat([{"role": "user", "content": "hi"}])
    assert "[DONE]" not in str(caught.value)


def test_a_deadline_must_be_positive() -> None:
    with pytest.raises(ValueError, match="timeouts must be positive"):
        LLMClient("http://127.0.0.1:9", "m", total_timeout=0)
