"""Make the repository importable as the package ``backlot`` (as Blender imports the extension)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
import run  # noqa: E402

sys.path.remove(str(ROOT))
run.import_package()
# shared test kits import by name: test_spec_common, script_kit (tests/core); render_kit, build_kit,
# example_kit (tests/blender)
sys.path.insert(0, str(ROOT / "tests" / "core"))
sys.path.insert(0, str(ROOT / "tests" / "blender"))

from tests.support.fake_llm_server import FakeLLMServer  # noqa: E402


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    """The loopback stand-in for a local model server (Ollama's API) offering llama3.2, for the LLM tests."""
    with FakeLLMServer(models=["llama3.2"]) as fake:
        yield fake
