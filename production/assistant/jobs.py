"""Run LLM requests off the main thread and hand their events back through a queue.

Blender must never wait on a model: a worker thread does the network I/O, and the main thread drains events
with ``pump()`` under a small time budget (called from ``bpy.app.timers`` in the UI). Headless runs, where
timers never fire, use ``run_sync()``, which drives the same queue until the job ends. ``submit``, ``pump``,
``cancel`` and ``run_sync`` belong to one thread (Blender's main thread); only the worker touches the network.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .client import LLMClient, Message
from .dialects import TokenClock
from .errors import LLMCancelledError, LLMError, LLMTimeoutError

EventKind = Literal["token", "progress", "done", "error", "cancelled"]
TERMINAL_KINDS = frozenset({"done", "error", "cancelled"})
EventHandler = Callable[["JobEvent"], None]


@dataclass(frozen=True)
class JobEvent:
    """Something that happened to job ``job``.

    token: ``text`` is new answer text (consecutive chunks merged). progress: ``tokens`` so far and the live
    ``tokens_per_second``. done: ``result`` is a ChatResult, or the parsed JSON for JSON jobs.
    error/cancelled: ``text`` is the message to show and ``error`` the exception (an unexpected one is kept as
    its ``__cause__``); a cancelled event's ``result`` is the partial text that had arrived.
    """

    job: int
    kind: EventKind
    text: str = ""
    tokens: int = 0
    tokens_per_second: float = 0.0
    result: Any = None
    error: BaseException | None = None


@dataclass(frozen=True)
class _Job:
    number: int
    client: LLMClient
    messages: Sequence[Message]
    schema: Mapping[str, Any] | None
    json_output: bool
    cancel: threading.Event


class JobRunner:
    """One worker thread, a FIFO of jobs, and an event queue drained on the main thread."""

    def __init__(self, progress_interval: float = 0.25) -> None:
        self.progress_interval = progress_interval
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._events: queue.Queue[JobEvent] = queue.Queue()
        self._held: JobEvent | None = None
        self._handlers: dict[int, EventHandler] = {}
        self._open: dict[int, _Job] = {}
        self._next_number = 1
        self._thread: threading.Thread | None = None

    @property
    def busy(self) -> bool:
        """True while a submitted job has not had its final event delivered by ``pump``."""
        return bool(self._open)

    def submit(
        self,
        client: LLMClient,
        messages: Sequence[Message],
        *,
        schema: Mapping[str, Any] | None = None,
        json_output: bool = False,
        on_event: EventHandler | None = None,
    ) -> int:
        """Queue a chat (or, with ``json_output``, a schema-checked JSON answer); returns the job number."""
        if json_output and schema is None:
            raise ValueError("json_output needs a schema describing the JSON to ask for")
        job = _Job(self._next_number, client, list(messages), schema, json_output, threading.Event())
        self._next_number += 1
        self._open[job.number] = job
        if on_event is not None:
            self._handlers[job.number] = on_event
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._work, name="backlot-llm", daemon=True)
            self._thread.start()
        self._jobs.put(job)
        return job.number

    def cancel(self, job: int | None = None) -> None:
        """Cancel one job (or all): a running request is cut off at once, a queued one never starts."""
        targets = list(self._open.values()) if job is None else [self._open[job]] if job in self._open else []
        for target in targets:
            target.client.interrupt(target.cancel)

    def pump(self, max_seconds: float = 0.004) -> list[JobEvent]:
        """Deliver waiting events to their handlers until ``max_seconds`` have passed; never blocks."""
        deadline = time.perf_counter() + max_seconds
        delivered: list[JobEvent] = []
        while time.perf_counter() < deadline:
            event = self._next_event(deadline)
            if event is None:
                break
            delivered.append(event)
            handler = self._handlers.get(event.job)
            if event.kind in TERMINAL_KINDS:
                self._handlers.pop(event.job, None)
                self._open.pop(event.job, None)
            if handler is not None:
                handler(event)
        return delivered

    def run_sync(
        self,
        client: LLMClient,
        messages: Sequence[Message],
        *,
        schema: Mapping[str, Any] | None = None,
        json_output: bool = False,
        on_event: EventHandler | None = None,
        timeout: float | None = None,
    ) -> Any:
        """Headless: run one job to its end on the worker and return its result; failures raise LLMError."""
        number = self.submit(client, messages, schema=schema, json_output=json_output, on_event=on_event)
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            for event in self.pump(max_seconds=0.05):
                if event.job == number and event.kind == "done":
                    return event.result
                if event.job == number and event.kind in TERMINAL_KINDS:
                    raise event.error if isinstance(event.error, LLMError) else LLMError(event.text)
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                self.cancel(number)
                raise LLMTimeoutError(f"no complete answer within {timeout:g} s; the request was cancelled")
            self._wait_for_event(0.25 if remaining is None else min(0.25, remaining))

    def shutdown(self, timeout: float = 2.0) -> None:
        """Cancel everything and stop the worker (it is a daemon thread, so a stuck one cannot block exit)."""
        self.cancel()
        self._jobs.put(None)
        if self._thread is not None:
            self._thread.join(timeout)

    # -- main thread

    def _wait_for_event(self, seconds: float) -> None:
        if self._held is None:
            with contextlib.suppress(queue.Empty):
                self._held = self._events.get(timeout=seconds)

    def _take(self) -> JobEvent | None:
        if self._held is not None:
            event, self._held = self._held, None
            return event
        try:
            return self._events.get_nowait()
        except queue.Empty:
            return None

    def _next_event(self, deadline: float) -> JobEvent | None:
        """The next event; consecutive token chunks of a job are merged so a slow handler runs less often."""
        event = self._take()
        if event is None or event.kind != "token":
            return event
        parts = [event.text]
        while time.perf_counter() < deadline:
            following = self._take()
            if following is None:
                break
            if following.kind != "token" or following.job != event.job:
                self._held = following
                break
            parts.append(following.text)
        return JobEvent(event.job, "token", text="".join(parts))

    # -- worker thread

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            self._run(job)

    def _run(self, job: _Job) -> None:
        emit = self._events.put
        if job.cancel.is_set():
            emit(JobEvent(job.number, "cancelled", text="cancelled before it started"))
            return
        clock = TokenClock()
        last_progress = time.monotonic()

        def on_token(chunk: str) -> None:
            nonlocal last_progress
            clock.tick()
            emit(JobEvent(job.number, "token", text=chunk))
            now = time.monotonic()
            if now - last_progress >= self.progress_interval:
                last_progress = now
                emit(JobEvent(job.number, "progress", tokens=clock.count, tokens_per_second=clock.rate()))

        try:
            if job.json_output:
                assert job.schema is not None
                value = job.client.chat_json(job.messages, job.schema, on_token=on_token, cancel=job.cancel)
                emit(
                    JobEvent(
                        job.number, "done", tokens=clock.count, tokens_per_second=clock.rate(), result=value
                    )
                )
            else:
                result = job.client.chat(
                    job.messages, schema=job.schema, on_token=on_token, cancel=job.cancel
                )
                emit(
                    JobEvent(
                        job.number,
                        "done",
                        tokens=result.tokens,
                        tokens_per_second=result.tokens_per_second,
                        result=result,
                    )
                )
        except LLMCancelledError as exc:
            emit(JobEvent(job.number, "cancelled", text=str(exc), result=exc.partial_text, error=exc))
        except (LLMError, ValueError) as exc:
            emit(JobEvent(job.number, "error", text=str(exc), error=exc))
        except Exception as exc:  # a bug must reach the user as a message, and must not kill the worker
            error = LLMError(
                f"internal error in the script helper ({type(exc).__name__}: {exc}); please report it"
            )
            error.__cause__ = exc
            emit(JobEvent(job.number, "error", text=str(error), error=error))
