"""Script helper operators: draft, revise, propose shots, script -> production, cancel, check the server.

Blender never waits on a model: a task's requests run on the JobRunner's worker thread and :func:`pump`, a
``bpy.app.timers`` function, hands their events to the main thread under a 4 ms budget (text streams into a
Text datablock, the status line shows model and tokens/s). Headless, where timers never fire, the operator
drives the same pump until the task ends. State stays on ``scene.backlot.script``; what is in flight lives
in the one :class:`ScriptSession` here only, so no "busy" flag can outlive a crash.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import bpy
import yaml

from ..pipeline.steps import validate_into
from ..production.assistant import script_helper
from ..production.assistant.client import LLMClient, is_local_url
from ..production.assistant.errors import LLMError
from ..production.assistant.jobs import JobEvent, JobRunner
from ..production.screenplay import breakdown, fountain, script_to_spec
from ..runtime.properties import active_scene, preferences, preset_folders, production_state

if TYPE_CHECKING:
    from bpy.stub_internal.rna_enums import OperatorReturnItems

TIMER_SECONDS = 0.05
HEADLESS_TIMEOUT_SECONDS = 900.0
Finisher = Callable[[Any, Any], str]
"""Called on the main thread with (script state, task outcome); returns the status line to show."""


@dataclass
class _Run:
    """The one helper action in flight: its task, the request being answered and where text streams."""

    task: script_helper.Task
    client: LLMClient
    request: script_helper.ModelRequest
    scene_name: str
    text_name: str
    finish: Finisher
    job: int = 0


class ScriptSession:
    """The panel's script helper session: the job runner, the one action in flight, pending server checks.

    One instance, ``session``; the operators only prepare a task and hand it over.
    """

    def __init__(self) -> None:
        self.runner = JobRunner()
        self.active: _Run | None = None
        self._server_checks: queue.Queue[tuple[str, str, list[str]]] = queue.Queue()
        self._checks_pending = 0

    def pump(self) -> float | None:
        """Timer body: deliver waiting events within the budget; keep ticking while anything is in flight."""
        self.runner.pump()
        while not self._server_checks.empty():
            scene_name, status, models = self._server_checks.get_nowait()
            self._checks_pending -= 1
            state = _state(scene_name)
            if state is not None:
                state.server_status = status + (f" - models: {', '.join(models)}" if models else "")
        return TIMER_SECONDS if self.active is not None or self._checks_pending else None

    def start(
        self, context: bpy.types.Context, task: script_helper.Task, text_name: str, finish: Finisher
    ) -> str:
        """Begin a task; returns '' or why it cannot start. Headless, it runs to the end before returning."""
        if self.active is not None:
            return "The script helper is busy: wait for it or press Cancel"
        state = production_state(active_scene(context)).script
        try:
            client = make_client(context, state)
            request = next(task)
        except (ValueError, script_helper.ScriptHelperError) as error:
            return str(error)
        self.active = _Run(task, client, request, state.id_data.name, text_name, finish)
        state.tokens, state.tokens_per_second = 0, 0.0
        self._submit(self.active, request)
        if headless():
            self._drive_headless()
        else:
            _ensure_timer()
        return ""

    def cancel(self) -> None:
        if self.active is not None:
            self.runner.cancel(self.active.job)
            state = _state(self.active.scene_name)
            if state is not None:
                state.status = "Cancelled"
        self.active = None

    def check_server(self, client: LLMClient, scene_name: str) -> None:
        """Ask the server on a worker thread; ``pump`` writes the answer into the scene's status."""

        def check() -> None:
            status = client.check_server()
            models = []
            if status.online:
                try:
                    models = client.list_models()
                except LLMError:
                    models = []
            label = f"Online {status.version}".strip() if status.online else f"Offline: {status.detail}"
            self._server_checks.put((scene_name, label, models))

        worker = threading.Thread(target=check, name="backlot-llm-check", daemon=True)
        self._checks_pending += 1
        worker.start()
        if headless():
            worker.join(client.connect_timeout * 3)
            self.pump()
        else:
            _ensure_timer()

    def _on_event(self, event: JobEvent) -> None:
        run = self.active
        if run is None or event.job != run.job:
            return
        state = _state(run.scene_name)
        if event.kind == "token":
            text = bpy.data.texts.get(run.text_name)
            if run.request.show and text is not None:
                append_text(text, event.text)
            return
        if event.kind == "progress":
            if state is not None:
                state.tokens, state.tokens_per_second = event.tokens, event.tokens_per_second
                state.status = f"{run.client.model}: {run.request.label}, {event.tokens} tokens, "
                state.status += f"{event.tokens_per_second:.1f} tokens/s"
            return
        if event.kind == "cancelled":
            self.active = None
            if state is not None:
                state.status = "Cancelled"
            return
        self._advance(run, event, state)

    def _advance(self, run: _Run, event: JobEvent, state: Any | None) -> None:
        """Hand a finished request's answer (or error) to the task: its next request, or its end."""
        try:
            if event.kind == "done":
                request = run.task.send(event.result)
            else:
                request = run.task.throw(event.error or LLMError(event.text))
        except StopIteration as finished:
            self.active = None
            if state is not None:
                state.status = run.finish(state, finished.value)
            return
        except (LLMError, script_helper.ScriptHelperError, fountain.FountainError) as error:
            self.active = None
            if state is not None:
                state.status = f"Failed: {error}"
            return
        self._submit(run, request)

    def _submit(self, run: _Run, request: script_helper.ModelRequest) -> None:
        run.request = request
        run.job = self.runner.submit(
            run.client,
            request.messages,
            schema=request.schema,
            json_output=request.json_output,
            on_event=self._on_event,
        )
        state = _state(run.scene_name)
        if state is not None:
            state.status = f"{run.client.model}: {request.label}..."

    def _drive_headless(self) -> None:
        deadline = time.monotonic() + HEADLESS_TIMEOUT_SECONDS
        while self.active is not None:
            if time.monotonic() > deadline:
                self.cancel()
                break
            if not self.runner.pump(max_seconds=0.05):
                time.sleep(0.01)
        self.runner.pump()


session = ScriptSession()


def pump() -> float | None:
    """The ``bpy.app.timers`` function (timers need a plain function to find it again): the session's pump."""
    return session.pump()


def active_run() -> _Run | None:
    return session.active


def cancel() -> None:
    session.cancel()


def _state(scene_name: str) -> Any | None:
    scene = bpy.data.scenes.get(scene_name)
    return production_state(scene).script if scene is not None else None


def _ensure_timer() -> None:
    if not bpy.app.timers.is_registered(pump):
        bpy.app.timers.register(pump, first_interval=TIMER_SECONDS)


def headless() -> bool:
    """Background Blender: timers never fire there, so actions run to the end in the operator."""
    return bool(bpy.app.background)


def append_text(text: bpy.types.Text, chunk: str) -> None:
    """Add streamed text at the end, wherever the user left the cursor."""
    last = len(text.lines) - 1
    text.cursor_set(last, character=len(text.lines[last].body))
    text.write(chunk)


def make_client(context: bpy.types.Context, state: Any) -> LLMClient:
    """The configured client; a server off this machine needs Blender's online access permission."""
    prefs = preferences(context)
    url = state.server_url.strip() or (prefs.llm_url if prefs else "") or "http://localhost:11434"
    model = state.model.strip() or (prefs.llm_model if prefs else "")
    if not is_local_url(url) and not bpy.app.online_access:
        raise ValueError(
            f"{url} is not on this machine: allow online access (Preferences > System > Network) to use it"
        )
    return LLMClient(url, model, state.api)


def production_folder(context: bpy.types.Context) -> Path:
    """Where drafts go (its scripts/): the production spec's folder, else the saved .blend's folder."""
    spec_path = production_state(active_scene(context)).spec_path
    if spec_path:
        path = Path(bpy.path.abspath(spec_path))
        return path if path.is_dir() else path.parent
    if bpy.data.filepath:
        return Path(bpy.data.filepath).parent
    raise ValueError(
        "Choose a production spec or save the .blend first: drafts are saved in its scripts/ folder"
    )


def _text_named(name: str, content: str = "") -> bpy.types.Text:
    text = bpy.data.texts.get(name) or bpy.data.texts.new(name)
    text.from_string(content)
    return text


def _script_source(state: Any) -> str:
    if state.script_text is None:
        raise ValueError("Pick the script (a Text with the screenplay) first, or draft one")
    return str(state.script_text.as_string())


def _keep_draft(state: Any, text_name: str, folder: Path, content: str) -> Path:
    """Save as the next draft file and show it in its own Text, linked to that file."""
    path = script_helper.save_draft(folder / "scripts", content)
    text = _text_named(path.name, content)
    text.filepath = str(path)
    state.script_text, state.last_file = text, str(path)
    streamed = bpy.data.texts.get(text_name)
    if streamed is not None and streamed != text:
        bpy.data.texts.remove(streamed)
    return path


class _ScriptOperator:
    """Reports a start failure; subclasses give the task, the Text to stream into and the finisher."""

    def prepare(self, context: bpy.types.Context, state: Any) -> tuple[script_helper.Task, str, Finisher]:
        raise NotImplementedError

    def execute(self, context: bpy.types.Context) -> set[OperatorReturnItems]:
        assert isinstance(self, bpy.types.Operator)
        state = production_state(active_scene(context)).script
        try:
            task, text_name, finish = self.prepare(context, state)
        except (ValueError, script_helper.ScriptHelperError) as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        problem = session.start(context, task, text_name, finish)
        if problem:
            self.report({"ERROR"}, problem)
            return {"CANCELLED"}
        return {"FINISHED"}


class BACKLOT_OT_script_draft(_ScriptOperator, bpy.types.Operator):
    """Draft a screenplay from the brief: a beat sheet first, then the scenes, streamed into a Text"""

    bl_idname = "backlot.script_draft"
    bl_label = "Draft Screenplay"
    bl_options = {"REGISTER"}

    def prepare(self, context: bpy.types.Context, state: Any) -> tuple[script_helper.Task, str, Finisher]:
        brief = script_helper.Brief(
            state.title,
            state.logline,
            state.runtime_minutes,
            state.audience,
            tuple(part.strip() for part in state.key_messages.split(";") if part.strip()),
            state.tone,
        )
        questions = brief.clarifying_questions()
        state.questions = " ".join(questions)
        if questions:
            raise ValueError("The brief needs answers first (see the questions in the panel)")
        folder = production_folder(context)
        text_name = "Backlot draft (streaming)"
        _text_named(text_name)

        def finish(state: Any, draft: script_helper.Draft) -> str:
            path = _keep_draft(state, text_name, folder, draft.text)
            state.runtime_label = draft.runtime.label()
            warning = f" - warning: {draft.runtime.warning}" if draft.runtime.warning else ""
            return f"Saved {path.name}: {len(draft.screenplay.scenes)} scene(s){warning}"

        return script_helper.draft_task(brief), text_name, finish


class BACKLOT_OT_script_revise(_ScriptOperator, bpy.types.Operator):
    """Rewrite the selected scene by the instruction; the result is saved as a new draft"""

    bl_idname = "backlot.script_revise"
    bl_label = "Revise Scene"
    bl_options = {"REGISTER"}

    def prepare(self, context: bpy.types.Context, state: Any) -> tuple[script_helper.Task, str, Finisher]:
        source, folder = _script_source(state), production_folder(context)
        text_name = "Backlot revision (streaming)"
        _text_named(text_name)

        def finish(state: Any, revised: str) -> str:
            path = _keep_draft(state, text_name, folder, revised)
            return f"Scene {state.scene_index} revised: saved {path.name}"

        return script_helper.revise_task(source, state.scene_index, state.instruction), text_name, finish


class BACKLOT_OT_script_shots(_ScriptOperator, bpy.types.Operator):
    """Ask the model for the selected scene's shot list (coverage rules step in if it is unusable)"""

    bl_idname = "backlot.script_shots"
    bl_label = "Propose Shots"
    bl_options = {"REGISTER"}

    def prepare(self, context: bpy.types.Context, state: Any) -> tuple[script_helper.Task, str, Finisher]:
        source = _script_source(state)
        text_name = f"Backlot shots - scene {state.scene_index}"

        def finish(state: Any, proposal: script_helper.ShotProposal) -> str:
            listing = yaml.safe_dump({"shots": proposal.shots}, sort_keys=False, allow_unicode=True)
            _text_named(text_name, listing)
            origin = "the model" if proposal.source == "model" else f"the coverage rules ({proposal.note})"
            return f"{len(proposal.shots)} shot(s) from {origin} in Text '{text_name}'"

        return script_helper.shots_task(source, state.scene_index), text_name, finish


class BACKLOT_OT_script_to_production(bpy.types.Operator):
    """Turn the script into a draft production spec with breakdown sheets, and validate it"""

    bl_idname = "backlot.script_to_production"
    bl_label = "Script to Production"
    bl_options = {"REGISTER"}

    def execute(self, context: bpy.types.Context) -> set[OperatorReturnItems]:
        state = production_state(active_scene(context))
        try:
            source, folder = _script_source(state.script), production_folder(context)
        except ValueError as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        screenplay = fountain.parse(source)
        script_file = _saved_copy(state.script.script_text, folder, source)
        spec_file = _unused(folder, "production", ".yaml")
        spec = script_to_spec.to_spec(screenplay, script_file.relative_to(folder))
        spec_file.write_text(script_to_spec.spec_yaml(spec), encoding="utf-8")
        sheets = breakdown.breakdown(screenplay)
        (folder / f"{spec_file.stem}-breakdown.csv").write_text(breakdown.to_csv(sheets), encoding="utf-8")
        html = breakdown.to_html(sheets, screenplay.title or "Breakdown")
        (folder / f"{spec_file.stem}-breakdown.html").write_text(html, encoding="utf-8")
        state.spec_path = str(spec_file)
        production_scene = state.id_data  # the scene holding the production state, maybe not the active one
        assert isinstance(production_scene, bpy.types.Scene)
        result = validate_into(production_scene, str(spec_file), preset_folders(context))
        counts = result.counts()
        self.report(
            {"INFO"}, f"Wrote {spec_file.name}: {counts['error']} error(s), {counts['warning']} warning(s)"
        )
        return {"FINISHED"}


def _saved_copy(text: bpy.types.Text, folder: Path, source: str) -> Path:
    """The script's file inside the production folder, or a new draft there when it has none (or differs)."""
    if text.filepath:
        path = Path(bpy.path.abspath(text.filepath))
        inside = path.is_file() and path.is_relative_to(folder)
        if inside and path.read_text(encoding="utf-8", errors="replace") == source:
            return path
    return script_helper.save_draft(folder / "scripts", source)


def _unused(folder: Path, stem: str, suffix: str) -> Path:
    """folder/stem.suffix, or stem-2, stem-3... when taken: a draft never replaces a spec."""
    candidate, number = folder / f"{stem}{suffix}", 1
    while candidate.exists():
        number += 1
        candidate = folder / f"{stem}-{number}{suffix}"
    return candidate


class BACKLOT_OT_script_cancel(bpy.types.Operator):
    """Stop the script helper's request now (text that arrived stays)"""

    bl_idname = "backlot.script_cancel"
    bl_label = "Cancel"
    bl_options = {"REGISTER"}

    def execute(self, context: bpy.types.Context) -> set[OperatorReturnItems]:
        cancel()
        return {"FINISHED"}


class BACKLOT_OT_script_check_server(bpy.types.Operator):
    """Ask the model server whether it is up and which models it has (in the background)"""

    bl_idname = "backlot.script_check_server"
    bl_label = "Check Server"
    bl_options = {"REGISTER"}

    def execute(self, context: bpy.types.Context) -> set[OperatorReturnItems]:
        state = production_state(active_scene(context)).script
        try:
            client = make_client(context, state)
        except ValueError as error:
            self.report({"ERROR"}, str(error))
            return {"CANCELLED"}
        state.server_status = "Checking..."
        session.check_server(client, state.id_data.name)
        return {"FINISHED"}


CLASSES = (
    BACKLOT_OT_script_draft,
    BACKLOT_OT_script_revise,
    BACKLOT_OT_script_shots,
    BACKLOT_OT_script_to_production,
    BACKLOT_OT_script_cancel,
    BACKLOT_OT_script_check_server,
)
