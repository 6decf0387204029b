"""Reading a streamed answer: one loop for both APIs, with a small decoder for each API's events.

Ollama streams NDJSON (one JSON object a line, the last one ``"done": true``); OpenAI-compatible servers
stream server-sent events (``data: {...}`` lines, then ``data: [DONE]``). Everything else (bounded waits,
cancellation, counting tokens, the partial text of a cancelled answer) is the same, so it lives once in
:func:`read_answer` and a decoder only says what one line means.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .errors import LLMCancelledError, LLMError, LLMTimeoutError, raise_if_cancelled

READ_CHUNK_BYTES = 65536
MAX_LINE_BYTES = 1 << 20

TokenCallback = Callable[[str], None]


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


class StreamDecoder:
    """What one API's streamed lines mean. ``stop`` is set when its end-of-answer mark arrives."""

    api = ""
    cut_off = ""
    """How the error names a stream that ended before the answer was complete."""

    def __init__(self, base_url: str, model: str) -> None:
        self.base_url = base_url
        self.model = model
        self.done_reason = ""
        self.stop = False

    def pieces(self, line: str, number: int) -> list[str]:
        """The answer text in streamed line ``number`` (none for blank lines, comments and end marks)."""
        raise NotImplementedError

    def complete(self) -> bool:
        """Whether the answer arrived whole (checked when the stream ends)."""
        return self.stop

    def totals(self, clock: TokenClock) -> tuple[int, float]:
        """Tokens and tokens per second: the server's own figures where it sends them, else the clock's."""
        raise NotImplementedError

    def _event(self, line: str, number: int) -> dict[str, Any]:
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

    def _server_error(self, detail: Any) -> LLMError:
        return LLMError(f"{self.base_url} reported an error in the middle of an answer: {detail}")


class OllamaDecoder(StreamDecoder):
    """Ollama's ``/api/chat`` NDJSON: ``message.content`` pieces, then a ``done`` line with the counts."""

    api = "ollama"
    cut_off = "closed the stream before its final 'done' line; the answer is cut off"

    def __init__(self, base_url: str, model: str) -> None:
        super().__init__(base_url, model)
        self._final: dict[str, Any] = {}

    def pieces(self, line: str, number: int) -> list[str]:
        if not line.strip():
            return []
        event = self._event(line, number)
        if "error" in event:
            raise self._server_error(event["error"])
        message = event.get("message")
        content = message.get("content") if isinstance(message, dict) else None
        if event.get("done") is True:
            self.stop, self._final = True, event
            self.model = str(event.get("model", self.model))
            self.done_reason = str(event.get("done_reason", ""))
        return [content] if isinstance(content, str) and content else []

    def totals(self, clock: TokenClock) -> tuple[int, float]:
        count = self._final.get("eval_count")
        duration = self._final.get("eval_duration")
        tokens = count if isinstance(count, int) and not isinstance(count, bool) else clock.count
        if isinstance(duration, int | float) and duration > 0 and isinstance(count, int):
            return tokens, count / (duration / 1e9)
        return tokens, clock.rate()


class OpenAIDecoder(StreamDecoder):
    """OpenAI-compatible SSE: ``choices[].delta.content`` pieces, usage at the end, then ``[DONE]``."""

    api = "openai"

    def __init__(self, base_url: str, model: str) -> None:
        super().__init__(base_url, model)
        self._usage_tokens: int | None = None
        self._events = 0

    @property
    def cut_off(self) -> str:  # type: ignore[override]
        if self._events == 0:
            return (
                "answered without a single server-sent event ('data:' line): it is not an OpenAI-compatible "
                "server, or the URL points at something else (it should end in /v1)"
            )
        return "closed the stream before [DONE]; the answer is cut off"

    def pieces(self, line: str, number: int) -> list[str]:
        if not line.startswith("data:"):
            return []  # blank separators, ": keep-alive" comments, event:/id: fields
        self._events += 1
        data = line[5:].strip()
        if data == "[DONE]":
            self.stop = True
            return []
        event = self._event(data, number)
        error = event.get("error")
        if error is not None:
            raise self._server_error(error.get("message", error) if isinstance(error, dict) else error)
        self.model = str(event.get("model") or self.model)
        usage = event.get("usage")
        if isinstance(usage, dict) and isinstance(usage.get("completion_tokens"), int):
            self._usage_tokens = usage["completion_tokens"]
        found: list[str] = []
        for choice in event.get("choices") or []:
            delta = choice.get("delta") if isinstance(choice, dict) else None
            content = delta.get("content") if isinstance(delta, dict) else None
            if isinstance(content, str) and content:
                found.append(content)
            if isinstance(choice, dict) and choice.get("finish_reason"):
                self.done_reason = str(choice["finish_reason"])
        return found

    def complete(self) -> bool:
        return self.stop or bool(self.done_reason)

    def totals(self, clock: TokenClock) -> tuple[int, float]:
        tokens = self._usage_tokens if self._usage_tokens is not None else clock.count
        return tokens, clock.rate(tokens)


DECODERS: dict[str, type[StreamDecoder]] = {"ollama": OllamaDecoder, "openai": OpenAIDecoder}


def read_answer(
    response: http.client.HTTPResponse,
    decoder: StreamDecoder,
    *,
    read_timeout: float,
    on_token: TokenCallback | None,
    cancel: threading.Event,
    started: float,
) -> ChatResult:
    """Read a streamed answer to its end mark, calling ``on_token`` per piece; a cancel keeps the partial."""
    pieces: list[str] = []
    clock = TokenClock()
    try:
        for number, line in enumerate(_lines(response, cancel, decoder.base_url, read_timeout), 1):
            for piece in decoder.pieces(line, number):
                clock.tick()
                pieces.append(piece)
                if on_token is not None:
                    on_token(piece)
            if decoder.stop:
                break
    except LLMCancelledError:
        raise LLMCancelledError("cancelled", "".join(pieces)) from None
    if not decoder.complete():
        raise LLMError(f"{decoder.base_url} {decoder.cut_off}")
    tokens, rate = decoder.totals(clock)
    return ChatResult(
        text="".join(pieces),
        tokens=tokens,
        tokens_per_second=rate,
        model=decoder.model,
        seconds=time.monotonic() - started,
        done_reason=decoder.done_reason,
    )


def _lines(
    response: http.client.HTTPResponse, cancel: threading.Event, base_url: str, read_timeout: float
) -> Iterator[str]:
    """Lines of a streamed body as they arrive; the read timeout bounds each wait for more bytes."""
    pending = b""
    while True:
        try:
            data = response.read1(READ_CHUNK_BYTES)
        except TimeoutError:
            raise_if_cancelled(cancel)
            raise LLMTimeoutError(
                f"{base_url} stopped sending for {read_timeout:g} s in the middle of an answer; "
                "try again, or raise the read timeout if the machine is very slow"
            ) from None
        except (OSError, http.client.HTTPException) as exc:
            raise_if_cancelled(cancel)
            raise LLMError(f"{base_url} dropped the connection in the middle of an answer ({exc})") from None
        raise_if_cancelled(cancel)
        if not data:
            break
        pending += data
        *lines, pending = pending.split(b"\n")
        if len(pending) > MAX_LINE_BYTES:
            raise LLMError(f"{base_url} sent a line longer than {MAX_LINE_BYTES} bytes; is it a chat server?")
        for line in lines:
            yield line.decode("utf-8", errors="replace").rstrip("\r")
    if pending.strip():
        yield pending.decode("utf-8", errors="replace")
