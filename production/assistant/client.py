"""Streaming chat client for local language-model servers (Ollama native and OpenAI-compatible).

Pure stdlib (``http.client``) so it runs inside Blender without extra wheels. Model output is treated
strictly as data: text, or JSON parsed with ``json.loads`` and checked by a small schema validator
(json_check); it is never executed. Every network wait is bounded (connect and read timeouts) and so is every
request as a whole (``total_timeout``: a server that trickles headers, keep-alive lines or an endless answer
is cut off); retries are few and only for transient failures (transport), and a request can be cancelled
between chunks or interrupted while the server is silent. Reading the two APIs' streams is in dialects.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .dialects import DECODERS, ChatResult, TokenCallback, read_answer
from .errors import (
    LLMCancelledError,
    LLMError,
    LLMOutputError,
    LLMTimeoutError,
    ModelNotFoundError,
    raise_if_cancelled,
)
from .json_check import check_schema, parse_json_answer
from .transport import MAX_BODY_BYTES, SchemaFormatRejected, Transport

DEFAULT_OLLAMA_URL = "http://localhost:11434"
API_KINDS = ("ollama", "openai")
OPENAI_OPTION_KEYS = frozenset(
    {"temperature", "top_p", "seed", "stop", "max_tokens", "presence_penalty", "frequency_penalty"}
)
SLOT_POLL_SECONDS = 0.05

Message = Mapping[str, str]


@dataclass(frozen=True)
class ServerStatus:
    """What a status light needs: reachable or not, the server version if it has one, a readable detail."""

    online: bool
    version: str
    detail: str


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
        total_timeout: float = 900.0,
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
        if min(connect_timeout, read_timeout, total_timeout) <= 0 or retries < 0 or backoff < 0:
            raise ValueError("timeouts must be positive and retries/backoff not negative")
        self.api = api
        self.model = model
        self.base_url = base_url.strip().rstrip("/")
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.total_timeout = total_timeout
        self.retries = retries
        self.options = dict(options or {})
        self.keep_alive = keep_alive
        self._schema_in_json_object = False  # learnt from the server: see SchemaFormatRejected
        prefix = parts.path.rstrip("/")
        self._transport = Transport(
            parts,
            self.base_url,
            prefix.removesuffix("/v1") if api == "openai" else prefix,
            connect_timeout=connect_timeout,
            backoff=backoff,
            backoff_max=backoff_max,
            sleep=sleep,
            api_key=api_key,
            refusal=self._refusal,
        )

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
        transport = self._transport
        with _slot_for(transport.server_key).turn(cancel), self._deadline(cancel):
            started = time.monotonic()
            try:
                response = self._send_chat(checked, schema, merged, cancel)
            except SchemaFormatRejected:
                self._schema_in_json_object = True
                response = self._send_chat(checked, schema, merged, cancel)
            decoder = DECODERS[self.api](self.base_url, self.model)
            try:
                return read_answer(
                    response,
                    decoder,
                    read_timeout=self.read_timeout,
                    on_token=on_token,
                    cancel=cancel,
                    started=started,
                )
            finally:
                transport.release(cancel, response)

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
        self._transport.interrupt(cancel)

    # -- request building

    def _send_chat(
        self,
        messages: list[dict[str, str]],
        schema: Mapping[str, Any] | None,
        options: dict[str, Any],
        cancel: threading.Event,
    ) -> http.client.HTTPResponse:
        path = "/api/chat" if self.api == "ollama" else "/v1/chat/completions"
        payload = self._chat_payload(messages, schema, options)
        return self._transport.request("POST", path, payload, cancel, self.read_timeout, self.retries + 1)

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

    @contextmanager
    def _deadline(self, cancel: threading.Event) -> Iterator[None]:
        """Bound a whole request, not only each silence: at ``total_timeout`` its socket is shut (which sets
        ``cancel``), and what the cut-off read raises becomes one timeout error that says so."""
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            self._transport.interrupt(cancel)

        timer = threading.Timer(self.total_timeout, expire)
        timer.daemon = True
        timer.start()
        try:
            yield
        except LLMError:
            if not expired.is_set():
                raise
            raise LLMTimeoutError(
                f"{self.base_url} gave no complete answer within {self.total_timeout:g} s (the overall limit "
                "of one request); try again, ask for less, or raise the overall timeout"
            ) from None
        finally:
            timer.cancel()

    def _get_json(self, path: str, attempts: int) -> dict[str, Any]:
        cancel = threading.Event()
        with self._deadline(cancel):
            response = self._transport.request("GET", path, None, cancel, self.connect_timeout, attempts)
            try:
                raw = response.read(MAX_BODY_BYTES)
                raise_if_cancelled(cancel)  # a body cut short by the deadline is not the server's answer
            except (OSError, http.client.HTTPException) as exc:
                raise_if_cancelled(cancel)
                raise LLMError(
                    f"{self.base_url}{path}: connection lost while reading the answer ({exc})"
                ) from None
            finally:
                self._transport.release(cancel, response)
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

    def _refusal(self, status: int, detail: str, where: str) -> LLMError:
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
