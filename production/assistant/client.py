"""Streaming chat client for local language-model servers (Ollama native and OpenAI-compatible).

Pure stdlib (``http.client``) so it runs inside Blender without extra wheels. Model output is treated
strictly as data: text, or JSON parsed with ``json.loads`` and checked by a small schema validator; it is
never executed. Every network wait is bounded (connect and read timeouts), retries are few and only for
transient failures, and a request can be cancelled between chunks or interrupted while the server is silent.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

DEFAULT_OLLAMA_URL = "http://localhost:11434"
API_KINDS = ("ollama", "openai")
OPENAI_OPTION_KEYS = frozenset(
    {"temperature", "top_p", "seed", "stop", "max_tokens", "presence_penalty", "frequency_penalty"}
)
SCHEMA_KEYWORDS = frozenset({"type", "properties", "required", "items", "enum", "additionalProperties"})
SCHEMA_ANNOTATIONS = frozenset({"title", "description", "default", "examples", "$schema"})
JSON_TYPES = frozenset({"object", "array", "string", "integer", "number", "boolean", "null"})
READ_CHUNK_BYTES = 65536
MAX_LINE_BYTES = 1 << 20
MAX_BODY_BYTES = 4 << 20
SLOT_POLL_SECONDS = 0.05

Message = Mapping[str, str]
TokenCallback = Callable[[str], None]


class LLMError(Exception):
    """A failure the user can act on; ``str(error)`` is the message to show (what, where, how to fix)."""


class ModelNotFoundError(LLMError):
    """The server answered but does not have the requested model."""


class LLMTimeoutError(LLMError):
    """The server stayed silent longer than the configured timeout."""


class LLMCancelledError(LLMError):
    """The caller cancelled the request; ``partial_text`` holds what had arrived."""

    def __init__(self, message: str, partial_text: str = "") -> None:
        super().__init__(message)
        self.partial_text = partial_text


class LLMOutputError(LLMError):
    """The model's answer was not valid JSON for the requested schema, even after one corrective retry."""

    def __init__(self, message: str, problems: Sequence[str], text: str) -> None:
        super().__init__(message)
        self.problems = list(problems)
        self.text = text


@dataclass(frozen=True)
class ChatResult:
    """A finished answer.

    ``tokens_per_second`` is the server's own figure when it reports one (Ollama's eval_count over
    eval_duration), otherwise tokens over the wall-clock time from the first to the last chunk.
    """

    text: str
    tokens: int
    tokens_per_second: float
    model: str
    seconds: float
    done_reason: str = ""


@dataclass(frozen=True)
class ServerStatus:
    """What a status light needs: reachable or not, the server version if it has one, a readable detail."""

    online: bool
    version: str
    detail: str


class _SchemaFormatRejected(Exception):
    """Internal: the server refused OpenAI's ``json_schema`` response format (llama-cpp-python wants
    ``json_object`` with a ``schema``); the request is sent once more in that form."""


class _RetryableFailure(Exception):
    """Internal: a transient failure worth another attempt (connection refused/reset, 429, 5xx)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def is_local_url(url: str) -> bool:
    """True when ``url`` points at this machine (localhost, 127.0.0.0/8, ::1) without a DNS lookup.

    Blender asks users to allow online access before add-ons talk to other hosts; a name that merely resolves
    to a loopback address is treated as remote, which errs on the side of asking.
    """
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return False
    if not host:
        return False
    if host.rstrip(".").lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


# -- JSON schema subset


def check_schema(schema: Mapping[str, Any], where: str = "$") -> None:
    """Reject schema keywords the built-in validator does not understand, so nothing is silently unchecked."""
    if not isinstance(schema, Mapping):
        raise ValueError(f"schema at {where} must be an object, got {type(schema).__name__}")
    unknown = set(schema) - SCHEMA_KEYWORDS - SCHEMA_ANNOTATIONS
    if unknown:
        raise ValueError(
            f"schema at {where} uses {', '.join(sorted(unknown))}, "
            "which the built-in validator does not support; "
            f"use only {', '.join(sorted(SCHEMA_KEYWORDS))}"
        )
    declared = schema.get("type")
    for name in [declared] if isinstance(declared, str) else declared or []:
        if name not in JSON_TYPES:
            raise ValueError(
                f"schema at {where} has unknown type {name!r}; use one of {', '.join(sorted(JSON_TYPES))}"
            )
    for key, child in (schema.get("properties") or {}).items():
        check_schema(child, f"{where}.{key}")
    if "items" in schema:
        check_schema(schema["items"], f"{where}[]")


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _matches_type(value: Any, name: str) -> bool:
    kind = _json_kind(value)
    if name == "number":
        return kind in ("integer", "number")
    if name == "integer":
        return kind == "integer" or (kind == "number" and float(value).is_integer())
    return kind == name


def _json_equal(left: Any, right: Any) -> bool:
    """Equality as JSON sees it: ``true`` is not ``1``, although Python says so."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(_json_equal(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_json_equal(left[k], right[k]) for k in left)
    return bool(left == right)


def validate_json(value: Any, schema: Mapping[str, Any], where: str = "$") -> list[str]:
    """Every way ``value`` breaks ``schema`` (type, properties, required, items, enum, additionalProperties).

    Returning all problems, not the first, lets a corrective retry tell the model everything at once.
    """
    declared = schema.get("type")
    if declared is not None:
        names = [declared] if isinstance(declared, str) else list(declared)
        if not any(_matches_type(value, name) for name in names):
            return [f"{where}: expected {' or '.join(names)}, got {_json_kind(value)}"]
    problems: list[str] = []
    if "enum" in schema and not any(_json_equal(value, option) for option in schema["enum"]):
        allowed = ", ".join(json.dumps(option) for option in schema["enum"])
        problems.append(f"{where}: {json.dumps(value)} is not one of {allowed}")
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        problems += [
            f"{where}: missing required key {key!r}" for key in schema.get("required", ()) if key not in value
        ]
        for key, child in properties.items():
            if key in value:
                problems += validate_json(value[key], child, f"{where}.{key}")
        if schema.get("additionalProperties") is False:
            problems += [f"{where}: unexpected key {key!r}" for key in value if key not in properties]
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            problems += validate_json(item, schema["items"], f"{where}[{index}]")
    return problems


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_json_answer(text: str, schema: Mapping[str, Any]) -> tuple[Any, list[str]]:
    """Parse a model's answer as JSON only (a surrounding Markdown code fence is tolerated), then validate."""
    body = text.strip()
    if body.startswith("```") and body.endswith("```") and len(body) >= 6:
        body = body[3:-3]
        first_line, _, rest = body.partition("\n")
        body = rest if first_line.strip().lower() in ("", "json") else body
    try:
        value = json.loads(body, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        return None, [f"the answer is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"]
    except (ValueError, RecursionError) as exc:
        return None, [f"the answer is not valid JSON: {exc}"]
    return value, validate_json(value, schema)


# -- one request a server


class _ServerSlot:
    """First come, first served: one generation at a time per server; a cancelled waiter leaves the line."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._queue: deque[object] = deque()

    @contextmanager
    def turn(self, cancel: threading.Event | None) -> Iterator[None]:
        ticket = object()
        with self._condition:
            self._queue.append(ticket)
            while self._queue[0] is not ticket:
                if cancel is not None and cancel.is_set():
                    self._queue.remove(ticket)
                    self._condition.notify_all()
                    raise LLMCancelledError(
                        "cancelled while waiting for the server to finish another request"
                    )
                self._condition.wait(SLOT_POLL_SECONDS)
        try:
            yield
        finally:
            with self._condition:
                self._queue.popleft()
                self._condition.notify_all()


_slots: dict[str, _ServerSlot] = {}
_slots_lock = threading.Lock()


def _slot_for(server_key: str) -> _ServerSlot:
    with _slots_lock:
        return _slots.setdefault(server_key, _ServerSlot())


# -- client


class LLMClient:
    """One model on one server, spoken to through Ollama's native API or the OpenAI-compatible one."""

    def __init__(
        self,
        base_url: str = DEFAULT_OLLAMA_URL,
        model: str = "",
        api: str = "ollama",
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 120.0,
        retries: int = 2,
        backoff: float = 0.5,
        backoff_max: float = 8.0,
        sleep: Callable[[float], None] | None = None,
        api_key: str = "",
        options: Mapping[str, Any] | None = None,
        keep_alive: str | int | None = None,
    ) -> None:
        if api not in API_KINDS:
            raise ValueError(f"api must be one of {', '.join(API_KINDS)}, got {api!r}")
        parts = urlsplit(base_url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"server URL {base_url!r} must look like http://host:port (e.g. {DEFAULT_OLLAMA_URL})"
            )
        if min(connect_timeout, read_timeout) <= 0 or retries < 0 or backoff < 0:
            raise ValueError("timeouts must be positive and retries/backoff not negative")
        self.api = api
        self.model = model
        self.base_url = base_url.strip().rstrip("/")
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.retries = retries
        self.backoff = backoff
        self.backoff_max = backoff_max
        self.options = dict(options or {})
        self.keep_alive = keep_alive
        self._schema_in_json_object = False  # learnt from the server: see _SchemaFormatRejected
        self._sleep = sleep
        self._api_key = api_key
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        self._port = parts.port or (443 if self._https else 80)
        prefix = parts.path.rstrip("/")
        self._prefix = prefix.removesuffix("/v1") if api == "openai" else prefix
        self._server_key = f"{parts.scheme}://{self._host}:{self._port}"
        self._live: dict[threading.Event, socket.socket] = {}
        self._live_lock = threading.Lock()

    # -- public API

    def chat(
        self,
        messages: Sequence[Message],
        *,
        schema: Mapping[str, Any] | None = None,
        on_token: TokenCallback | None = None,
        cancel: threading.Event | None = None,
        options: Mapping[str, Any] | None = None,
    ) -> ChatResult:
        """Stream one answer calling ``on_token`` per text chunk; waits its turn if the server is busy."""
        if not self.model:
            raise LLMError(
                "no model is selected: pick one from the server's model list in the script settings"
            )
        checked, merged = _checked_messages(messages), {**self.options, **(options or {})}
        cancel = cancel if cancel is not None else threading.Event()
        path = "/api/chat" if self.api == "ollama" else "/v1/chat/completions"
        with _slot_for(self._server_key).turn(cancel):
            started = time.monotonic()
            try:
                payload = self._chat_payload(checked, schema, merged)
                response = self._request("POST", path, payload, cancel, self.read_timeout, self.retries + 1)
            except _SchemaFormatRejected:
                self._schema_in_json_object = True
                payload = self._chat_payload(checked, schema, merged)
                response = self._request("POST", path, payload, cancel, self.read_timeout, self.retries + 1)
            reader = self._read_ollama if self.api == "ollama" else self._read_openai
            try:
                return reader(response, on_token, cancel, started)
            finally:
                self._release(cancel, response)

    def chat_json(
        self,
        messages: Sequence[Message],
        schema: Mapping[str, Any],
        *,
        on_token: TokenCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> Any:
        """Ask for JSON matching ``schema``: one corrective retry listing the problems, then LLMOutputError.

        Callers fall back to their rule-based answer on LLMOutputError.
        """
        check_schema(schema)
        conversation = list(messages)
        result = self.chat(conversation, schema=schema, on_token=on_token, cancel=cancel)
        value, problems = parse_json_answer(result.text, schema)
        if not problems:
            return value
        correction = (
            "Your previous answer did not match the required JSON schema:\n- "
            + "\n- ".join(problems)
            + "\nReply again with only the corrected JSON, no commentary."
        )
        conversation += [
            {"role": "assistant", "content": result.text},
            {"role": "user", "content": correction},
        ]
        result = self.chat(conversation, schema=schema, on_token=on_token, cancel=cancel)
        value, problems = parse_json_answer(result.text, schema)
        if not problems:
            return value
        raise LLMOutputError(
            f"model {self.model} did not return valid JSON after one corrective retry ({problems[0]})",
            problems,
            result.text,
        )

    def list_models(self) -> list[str]:
        """Model names the server offers (Ollama ``/api/tags``, OpenAI ``/v1/models``)."""
        path = "/api/tags" if self.api == "ollama" else "/v1/models"
        body = self._get_json(path, self.retries + 1)
        entries = body.get("models" if self.api == "ollama" else "data")
        if not isinstance(entries, list):
            raise LLMError(
                f"{self.base_url}{path} answered without a model list; is this an {self.api} server?"
            )
        key = "name" if self.api == "ollama" else "id"
        return [str(entry[key]) for entry in entries if isinstance(entry, dict) and key in entry]

    def check_server(self) -> ServerStatus:
        """Status light: one quick request, no retries, never raises."""
        try:
            if self.api == "ollama":
                version = str(self._get_json("/api/version", 1).get("version", ""))
                return ServerStatus(True, version, f"Ollama {version} at {self.base_url}")
            self._get_json("/v1/models", 1)
            return ServerStatus(True, "", f"OpenAI-compatible server at {self.base_url}")
        except LLMError as exc:
            return ServerStatus(False, "", str(exc))

    def interrupt(self, cancel: threading.Event) -> None:
        """Cancel the request tied to ``cancel`` now, even while the server is silent: shut its socket."""
        cancel.set()
        with self._live_lock:
            live_socket = self._live.get(cancel)
        if live_socket is not None:
            with suppress(OSError):
                live_socket.shutdown(socket.SHUT_RDWR)

    # -- request building

    def _chat_payload(
        self, messages: list[dict[str, str]], schema: Mapping[str, Any] | None, options: dict[str, Any]
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {"model": self.model, "messages": messages, "stream": True}
        if self.api == "ollama":
            if schema is not None:
                payload["format"] = dict(schema)
            if options:
                payload["options"] = options
            if self.keep_alive is not None:
                payload["keep_alive"] = self.keep_alive
            return payload
        if "num_predict" in options:
            options = {**options, "max_tokens": options["num_predict"]}
            del options["num_predict"]
        unknown = set(options) - OPENAI_OPTION_KEYS
        if unknown:
            raise ValueError(
                f"option(s) {', '.join(sorted(unknown))} are not supported by the OpenAI-compatible API; "
                f"use {', '.join(sorted(OPENAI_OPTION_KEYS))}"
            )
        payload.update(options)
        payload["stream_options"] = {"include_usage": True}
        if schema is not None and self._schema_in_json_object:
            payload["response_format"] = {"type": "json_object", "schema": dict(schema)}
        elif schema is not None:
            payload["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "backlot_answer", "schema": dict(schema)},
            }
        return payload

    # -- transport

    def _get_json(self, path: str, attempts: int) -> dict[str, Any]:
        cancel = threading.Event()
        response = self._request("GET", path, None, cancel, self.connect_timeout, attempts)
        try:
            raw = response.read(MAX_BODY_BYTES)
        except (OSError, http.client.HTTPException) as exc:
            raise LLMError(
                f"{self.base_url}{path}: connection lost while reading the answer ({exc})"
            ) from None
        finally:
            self._release(cancel, response)
        try:
            body = json.loads(raw)
        except ValueError:
            raise LLMError(
                f"{self.base_url}{path} did not answer with JSON; is this an {self.api} server?"
            ) from None
        if not isinstance(body, dict):
            raise LLMError(
                f"{self.base_url}{path} answered with unexpected JSON; is this an {self.api} server?"
            )
        return body

    def _request(
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

    def _pause(self, seconds: float, cancel: threading.Event) -> None:
        if self._sleep is not None:
            self._sleep(seconds)
        else:
            cancel.wait(seconds)

    def _send_once(
        self,
        method: str,
        path: str,
        payload: Mapping[str, Any] | None,
        cancel: threading.Event,
        read_timeout: float,
    ) -> http.client.HTTPResponse:
        where = f"{self.base_url}{path}"
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
            self._live[cancel] = (
                connection.sock
            )  # kept apart: http.client drops conn.sock on Connection: close
        if cancel.is_set():
            self._release(cancel)
            raise LLMCancelledError("cancelled before the request was sent")
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
            self._release(cancel)
            self._raise_if_cancelled(cancel, "")
            raise LLMTimeoutError(
                f"{where} accepted the request but sent nothing for {read_timeout:g} s; "
                "the model may still be loading: raise the read timeout in the script settings or try again"
            ) from None
        except (OSError, http.client.HTTPException) as exc:
            self._release(cancel)
            self._raise_if_cancelled(cancel, "")
            raise _RetryableFailure(f"{where} dropped the connection before answering ({exc})") from None
        if response.status == 200:
            return response
        detail = _error_text(response)
        self._release(cancel, response)
        format_sent = (payload or {}).get("response_format", {}).get("type")
        if (
            format_sent == "json_schema"
            and "response_format" in detail
            and response.status in (400, 422, 500)
        ):
            raise _SchemaFormatRejected(detail)
        if response.status == 429 or 500 <= response.status <= 599:
            raise _RetryableFailure(
                f"{where} answered HTTP {response.status}: {detail}",
                _retry_after(response.getheader("Retry-After")),
            )
        raise self._client_error(response.status, detail, where)

    def _client_error(self, status: int, detail: str, where: str) -> LLMError:
        if status == 404 and "model" in detail.lower():
            hint = (
                f"run `ollama pull {self.model}`" if self.api == "ollama" else "pick one from the model list"
            )
            return ModelNotFoundError(f"model {self.model} is not installed on the server: {hint} ({detail})")
        if status == 404:
            other = "openai" if self.api == "ollama" else "ollama"
            return LLMError(
                f"{where} does not exist on this server ({detail}); is the API kind right? try '{other}'"
            )
        if status in (401, 403):
            return LLMError(f"{where} refused access (HTTP {status}: {detail}); check the API key")
        return LLMError(f"{where} rejected the request (HTTP {status}: {detail})")

    def _release(self, cancel: threading.Event, response: http.client.HTTPResponse | None = None) -> None:
        """Close the response and socket and forget them, so ``interrupt`` cannot reach a later request."""
        with self._live_lock:
            live_socket = self._live.pop(cancel, None)
        if response is not None:
            response.close()
        if live_socket is not None:
            live_socket.close()

    @staticmethod
    def _raise_if_cancelled(cancel: threading.Event, partial_text: str) -> None:
        if cancel.is_set():
            raise LLMCancelledError("cancelled", partial_text)

    # -- streaming

    def _lines(self, response: http.client.HTTPResponse, cancel: threading.Event) -> Iterator[str]:
        """Lines of a streamed body as they arrive; the read timeout bounds each wait for more bytes."""
        pending = b""
        while True:
            try:
                data = response.read1(READ_CHUNK_BYTES)
            except TimeoutError:
                self._raise_if_cancelled(cancel, "")
                raise LLMTimeoutError(
                    f"{self.base_url} stopped sending for {self.read_timeout:g} s "
                    "in the middle of an answer; "
                    "try again, or raise the read timeout if the machine is very slow"
                ) from None
            except (OSError, http.client.HTTPException) as exc:
                self._raise_if_cancelled(cancel, "")
                raise LLMError(
                    f"{self.base_url} dropped the connection in the middle of an answer ({exc})"
                ) from None
            self._raise_if_cancelled(cancel, "")
            if not data:
                break
            pending += data
            *lines, pending = pending.split(b"\n")
            if len(pending) > MAX_LINE_BYTES:
                raise LLMError(
                    f"{self.base_url} sent a line longer than {MAX_LINE_BYTES} bytes; is it a chat server?"
                )
            for line in lines:
                yield line.decode("utf-8", errors="replace").rstrip("\r")
        if pending.strip():
            yield pending.decode("utf-8", errors="replace")

    def _json_line(self, line: str, number: int) -> dict[str, Any]:
        try:
            event = json.loads(line)
        except ValueError:
            excerpt = line if len(line) <= 80 else line[:77] + "..."
            raise LLMError(
                f"{self.base_url} sent a streamed line {number} that is not JSON ({excerpt!r}); "
                f"is this an {self.api} server?"
            ) from None
        if not isinstance(event, dict):
            raise LLMError(f"{self.base_url} sent a streamed line {number} that is not a JSON object")
        return event

    def _read_ollama(
        self,
        response: http.client.HTTPResponse,
        on_token: TokenCallback | None,
        cancel: threading.Event,
        started: float,
    ) -> ChatResult:
        pieces: list[str] = []
        clock = TokenClock()
        final: dict[str, Any] | None = None
        try:
            for number, line in enumerate(self._lines(response, cancel), 1):
                if not line.strip():
                    continue
                event = self._json_line(line, number)
                if "error" in event:
                    raise LLMError(
                        f"{self.base_url} reported an error in the middle of an answer: {event['error']}"
                    )
                message = event.get("message")
                content = message.get("content") if isinstance(message, dict) else None
                if isinstance(content, str) and content:
                    clock.tick()
                    pieces.append(content)
                    if on_token is not None:
                        on_token(content)
                if event.get("done") is True:
                    final = event
                    break
        except LLMCancelledError:
            raise LLMCancelledError("cancelled", "".join(pieces)) from None
        if final is None:
            raise LLMError(
                f"{self.base_url} closed the stream before its final 'done' line; the answer is cut off"
            )
        count = final.get("eval_count")
        duration = final.get("eval_duration")
        tokens = count if isinstance(count, int) and not isinstance(count, bool) else clock.count
        if isinstance(duration, int | float) and duration > 0 and isinstance(count, int):
            rate = count / (duration / 1e9)
        else:
            rate = clock.rate()
        return ChatResult(
            text="".join(pieces),
            tokens=tokens,
            tokens_per_second=rate,
            model=str(final.get("model", self.model)),
            seconds=time.monotonic() - started,
            done_reason=str(final.get("done_reason", "")),
        )

    def _read_openai(
        self,
        response: http.client.HTTPResponse,
        on_token: TokenCallback | None,
        cancel: threading.Event,
        started: float,
    ) -> ChatResult:
        pieces: list[str] = []
        clock = TokenClock()
        model = self.model
        finish_reason = ""
        usage_tokens: int | None = None
        finished = False
        try:
            for number, line in enumerate(self._lines(response, cancel), 1):
                if not line.startswith("data:"):
                    continue  # blank separators, ": keep-alive" comments, event:/id: fields
                data = line[5:].strip()
                if data == "[DONE]":
                    finished = True
                    break
                event = self._json_line(data, number)
                error = event.get("error")
                if error is not None:
                    detail = error.get("message", error) if isinstance(error, dict) else error
                    raise LLMError(f"{self.base_url} reported an error in the middle of an answer: {detail}")
                model = str(event.get("model") or model)
                usage = event.get("usage")
                if isinstance(usage, dict) and isinstance(usage.get("completion_tokens"), int):
                    usage_tokens = usage["completion_tokens"]
                for choice in event.get("choices") or []:
                    delta = choice.get("delta") if isinstance(choice, dict) else None
                    content = delta.get("content") if isinstance(delta, dict) else None
                    if isinstance(content, str) and content:
                        clock.tick()
                        pieces.append(content)
                        if on_token is not None:
                            on_token(content)
                    if isinstance(choice, dict) and choice.get("finish_reason"):
                        finish_reason = str(choice["finish_reason"])
        except LLMCancelledError:
            raise LLMCancelledError("cancelled", "".join(pieces)) from None
        if not finished and not finish_reason:
            raise LLMError(f"{self.base_url} closed the stream before [DONE]; the answer is cut off")
        tokens = usage_tokens if usage_tokens is not None else clock.count
        return ChatResult(
            text="".join(pieces),
            tokens=tokens,
            tokens_per_second=clock.rate(tokens),
            model=model,
            seconds=time.monotonic() - started,
            done_reason=finish_reason,
        )


class TokenClock:
    """Counts streamed chunks (about one token each on Ollama and llama.cpp) and times them."""

    def __init__(self) -> None:
        self.count = 0
        self._first = 0.0
        self._last = 0.0

    def tick(self) -> None:
        now = time.monotonic()
        if self.count == 0:
            self._first = now
        self._last = now
        self.count += 1

    def rate(self, tokens: int | None = None) -> float:
        elapsed = self._last - self._first
        return (self.count if tokens is None else tokens) / elapsed if elapsed > 0 else 0.0


def _checked_messages(messages: Sequence[Message]) -> list[dict[str, str]]:
    checked = []
    for index, message in enumerate(messages):
        role = message.get("role") if isinstance(message, Mapping) else None
        content = message.get("content") if isinstance(message, Mapping) else None
        if role not in ("system", "user", "assistant") or not isinstance(content, str):
            raise ValueError(
                f"message {index} must be {{'role': 'system'|'user'|'assistant', 'content': str}}, "
                f"got {message!r}"
            )
        checked.append({"role": role, "content": content})
    if not checked:
        raise ValueError("messages is empty: give at least one user message")
    return checked


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
