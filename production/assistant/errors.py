"""What can go wrong talking to a model, as exceptions the user can act on: ``str(error)`` is the message."""

from __future__ import annotations

import threading
from collections.abc import Sequence


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


def raise_if_cancelled(cancel: threading.Event) -> None:
    """Stop at a cancel; a read that failed after one failed because of it, so it reports the cancel."""
    if cancel.is_set():
        raise LLMCancelledError("cancelled")
