"""Requests to one model server over ``http.client``: bounded retries, and sockets a cancel can cut.

Only transient failures (connection refused or reset, HTTP 429 and 5xx) are retried, with capped exponential
backoff that honours Retry-After; a refusal is turned into the caller's error (see ``RefusalReport``).
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections.abc import Callable, Mapping
from contextlib import suppress
from typing import Any
from urllib.parse import SplitResult

from .errors import LLMCancelledError, LLMError, LLMTimeoutError, raise_if_cancelled

MAX_BODY_BYTES = 4 << 20

RefusalReport = Callable[[int, str, str], LLMError]
"""Turns a refused request (HTTP status, the server's message, the URL) into the error to raise."""


class SchemaFormatRejected(Exception):
    """The server refused OpenAI's ``json_schema`` response format (llama-cpp-python wants
    ``json_object`` with a ``schema``); the request is sent once more in that form."""


class _RetryableFailure(Exception):
    """Internal: a transient failure worth another attempt (connection refused/reset, 429, 5xx)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Transport:
    """Requests to one server: bounded retries on transient failures, and open sockets a cancel can cut."""

    def __init__(
        self,
        parts: SplitResult,
        base_url: str,
        prefix: str,
        *,
        connect_timeout: float,
        backoff: float,
        backoff_max: float,
        sleep: Callable[[float], None] | None,
        api_key: str,
        refusal: RefusalReport,
    ) -> None:
        self.base_url = base_url
        self.connect_timeout = connect_timeout
        self.backoff = backoff
        self.backoff_max = backoff_max
        self._sleep = sleep
        self._api_key = api_key
        self._refusal = refusal
        self._prefix = prefix
        self._https = parts.scheme == "https"
        self._host = parts.hostname or ""
        self._port = parts.port or (443 if self._https else 80)
        self.server_key = f"{parts.scheme}://{self._host}:{self._port}"
        self._live: dict[threading.Event, socket.socket] = {}
        self._live_lock = threading.Lock()

    def request(
        self,
        method: str,
        path: str,
        payload: Mapping[str, Any] | None,
        cancel: threading.Event,
        read_timeout: float,
        attempts: int,
    ) -> http.client.HTTPResponse:
        """Send with bounded retries on transient failures; return a 200 response with its connection open."""
        failure = ""
        for attempt in range(attempts):
            if cancel.is_set():
                raise LLMCancelledError("cancelled before the request was sent")
            try:
                return self._send_once(method, path, payload, cancel, read_timeout)
            except _RetryableFailure as exc:
                failure = str(exc)
                if attempt + 1 < attempts:
                    delay = min(self.backoff_max, self.backoff * 2**attempt)
                    if exc.retry_after is not None:
                        delay = min(self.backoff_max, max(delay, exc.retry_after))
                    self._pause(delay, cancel)
        plural = "attempt" if attempts == 1 else "attempts"
        raise LLMError(
            f"{failure} (gave up after {attempts} {plural}); check that the server is running and healthy"
        )

    def interrupt(self, cancel: threading.Event) -> None:
        """Set ``cancel`` and shut its request's socket, which wakes a read waiting on a silent server."""
        cancel.set()
        with self._live_lock:
            live_socket = self._live.get(cancel)
        if live_socket is not None:
            with suppress(OSError):
                live_socket.shutdown(socket.SHUT_RDWR)

    def release(self, cancel: threading.Event, response: http.client.HTTPResponse | None = None) -> None:
        """Close the response and socket and forget them, so ``interrupt`` cannot reach a later request."""
        with self._live_lock:
            live_socket = self._live.pop(cancel, None)
        if response is not None:
            response.close()
        if live_socket is not None:
            live_socket.close()

    def _pause(self, seconds: float, cancel: threading.Event) -> None:
        if self._sleep is not None:
            self._sleep(seconds)
        else:
            cancel.wait(seconds)

    def _connect(self, cancel: threading.Event, read_timeout: float) -> http.client.HTTPConnection:
        """An open connection whose socket ``interrupt`` can reach until ``release``."""
        factory = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        connection = factory(self._host, self._port, timeout=self.connect_timeout)
        try:
            connection.connect()
        except TimeoutError:
            raise _RetryableFailure(
                f"could not connect to {self.base_url} within {self.connect_timeout:g} s"
            ) from None
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise _RetryableFailure(f"could not connect to {self.base_url}: {reason}") from None
        assert connection.sock is not None
        connection.sock.settimeout(read_timeout)
        with self._live_lock:
            # kept apart: http.client drops conn.sock on Connection: close
            self._live[cancel] = connection.sock
        if cancel.is_set():
            self.release(cancel)
            raise LLMCancelledError("cancelled before the request was sent")
        return connection

    def _send_once(
        self,
        method: str,
        path: str,
        payload: Mapping[str, Any] | None,
        cancel: threading.Event,
        read_timeout: float,
    ) -> http.client.HTTPResponse:
        where = f"{self.base_url}{path}"
        connection = self._connect(cancel, read_timeout)
        body = None if payload is None else json.dumps(payload).encode("utf-8")
        headers = {
            "Accept": "application/x-ndjson, text/event-stream, application/json",
            "User-Agent": "backlot",
        }
        if body is not None:
            headers["Content-Type"] = "application/json"
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        try:
            connection.request(method, self._prefix + path, body=body, headers=headers)
            response = connection.getresponse()
        except TimeoutError:
            self.release(cancel)
            raise_if_cancelled(cancel)
            raise LLMTimeoutError(
                f"{where} accepted the request but sent nothing for {read_timeout:g} s; "
                "the model may still be loading: raise the read timeout in the script settings or try again"
            ) from None
        except (OSError, http.client.HTTPException) as exc:
            self.release(cancel)
            raise_if_cancelled(cancel)
            raise _RetryableFailure(f"{where} dropped the connection before answering ({exc})") from None
        if response.status == 200:
            return response
        raise self._failure(response, payload, cancel, where)

    def _failure(
        self,
        response: http.client.HTTPResponse,
        payload: Mapping[str, Any] | None,
        cancel: threading.Event,
        where: str,
    ) -> Exception:
        """What a non-200 answer means: a refused schema format, a transient failure or a refusal."""
        detail = _error_text(response)
        self.release(cancel, response)
        format_sent = (payload or {}).get("response_format", {}).get("type")
        if (
            format_sent == "json_schema"
            and "response_format" in detail
            and response.status in (400, 422, 500)
        ):
            return SchemaFormatRejected(detail)
        if response.status == 429 or 500 <= response.status <= 599:
            return _RetryableFailure(
                f"{where} answered HTTP {response.status}: {detail}",
                _retry_after(response.getheader("Retry-After")),
            )
        return self._refusal(response.status, detail, where)


def _error_text(response: http.client.HTTPResponse) -> str:
    """The server's own error message (Ollama ``{"error": str}``, OpenAI ``{"error": {"message": str}}``)."""
    try:
        raw = response.read(MAX_BODY_BYTES)
    except (OSError, http.client.HTTPException):
        return response.reason or f"HTTP {response.status}"
    try:
        body = json.loads(raw)
    except ValueError:
        text = raw.decode("utf-8", errors="replace").strip()
        return text[:200] or response.reason or f"HTTP {response.status}"
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        error = error.get("message")
    return str(error) if error else (response.reason or f"HTTP {response.status}")


def _retry_after(header: str | None) -> float | None:
    try:
        return max(0.0, float(header)) if header else None
    except ValueError:
        return None
