"""The script helper's actions: draft a screenplay from a brief, revise a scene, propose a scene's shots.

Each action is a *task*: a generator that yields the model requests it needs (:class:`ModelRequest`) and is
sent each answer back, so the same steps run headless (:func:`run_task`, blocking) and in Blender (a timer
pumps the job runner and sends answers in as they finish). Model output is data: it is read as Fountain
(:func:`extract_fountain`) or as schema-checked JSON, never run. Pure Python (no bpy); see docs/llm.md.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..screenplay import breakdown as bd
from ..screenplay import fountain, script_to_spec
from ..spec.schema import SHOT_SIZES
from ..values import shot_letter
from .client import LLMClient, Message
from .dialects import ChatResult
from .errors import LLMOutputError
from .jobs import EventHandler, JobRunner

RUNTIME_TOLERANCE = 0.10
"""A draft more than 10 % off the brief's target runtime gets a warning."""
MAX_SHOT_SECONDS = 600
"""The validator calls shots over ten minutes absurd; a proposal beyond that is not used."""
DRAFT_NAME = re.compile(r"draft-(\d+)\.fountain")
_FENCE = re.compile(r"```[^\n`]*\n(.*?)(?:```|\Z)", re.DOTALL)


class ScriptHelperError(ValueError):
    """An action that cannot go on; the text says what happened and what to do."""


# --------------------------------------------------------------------------------------------------- tasks


@dataclass(frozen=True)
class ModelRequest:
    """One request a task needs. ``show``: stream its text to the writer (a screenplay, not JSON)."""

    label: str
    messages: tuple[Message, ...]
    schema: Mapping[str, Any] | None = None
    json_output: bool = False
    show: bool = True


Task = Generator[ModelRequest, Any, Any]
"""Yields requests, is sent each answer (a ChatResult, or the parsed JSON), returns the action's outcome.

A failed request is thrown into the task as its LLMError, so a task may fall back instead of failing."""


def run_task(
    task: Task,
    runner: JobRunner,
    client: LLMClient,
    on_event: EventHandler | None = None,
    timeout: float | None = None,
) -> Any:
    """Headless: drive a task to its outcome, one blocking request at a time (timers never fire there)."""
    request = next(task)
    step: Callable[[Any], ModelRequest]  # the task's send (an answer) or throw (the request's error)
    while True:
        try:
            answer = runner.run_sync(
                client,
                request.messages,
                schema=request.schema,
                json_output=request.json_output,
                on_event=on_event,
                timeout=timeout,
            )
        except Exception as error:  # the task decides: fall back, or re-raise
            step = task.throw
            value: Any = error
        else:
            step, value = task.send, answer
        try:
            request = step(value)
        except StopIteration as finished:
            return finished.value


# --------------------------------------------------------------------------------------------------- brief


@dataclass(frozen=True)
class Brief:
    """What the writer wants. ``runtime_minutes`` is the target screen time."""

    title: str = ""
    logline: str = ""
    runtime_minutes: float = 0.0
    audience: str = ""
    key_messages: tuple[str, ...] = ()
    tone: str = ""

    def clarifying_questions(self) -> list[str]:
        """What must be answered before drafting: a draft without these would be a guess."""
        questions = []
        if not self.logline.strip():
            questions.append(
                "What happens? Give a one-sentence logline: who wants what, and what stands in the way."
            )
        if self.runtime_minutes <= 0:
            questions.append("How long should it run on screen (target runtime in minutes)?")
        if not self.audience.strip():
            questions.append("Who is it for (the audience: age, setting, where it will be shown)?")
        return questions

    def summary(self) -> str:
        lines = [
            f"Title: {self.title.strip() or 'Untitled'}",
            f"Logline: {self.logline.strip()}",
            f"Target runtime: {self.runtime_minutes:g} minutes (about {self.runtime_minutes:g} pages)",
            f"Audience: {self.audience.strip()}",
        ]
        if self.key_messages:
            lines.append("Key messages: " + "; ".join(message.strip() for message in self.key_messages))
        if self.tone.strip():
            lines.append(f"Tone: {self.tone.strip()}")
        return "\n".join(lines)


BEATS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "beats": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "summary": {"type": "string"}},
                "required": ["name", "summary"],
                "additionalProperties": False,
            },
        }
    },
    "required": ["beats"],
    "additionalProperties": False,
}

_WRITER_RULES = (
    "You are a screenwriter. Answer with the screenplay in Fountain format only (https://fountain.io): "
    "scene headings like 'INT. KITCHEN - NIGHT', character names in capitals on their own line above "
    "their dialogue, action in plain paragraphs, one blank line between elements. No commentary, no Markdown."
)


def beat_count(runtime_minutes: float) -> int:
    """About one beat a minute of screen time, at least 3 and at most 15."""
    return max(3, min(15, round(runtime_minutes)))


def default_beats(brief: Brief) -> list[dict[str, str]]:
    """The three-act shape, used when the model's beat sheet is unusable: the draft still has a plan."""
    return [
        {"name": "Setup", "summary": f"Meet the world and the hero of: {brief.logline.strip()}"},
        {
            "name": "Confrontation",
            "summary": "The hero pursues the goal and the obstacle pushes back hardest.",
        },
        {"name": "Resolution", "summary": "The conflict is decided; show what changed."},
    ]


def draft_task(brief: Brief) -> Task:
    """Beat sheet first (JSON), then the screenplay written from it (streamed Fountain)."""
    questions = brief.clarifying_questions()
    if questions:
        raise ScriptHelperError("the brief needs answers first: " + " ".join(questions))
    count = beat_count(brief.runtime_minutes)
    beat_messages = (
        {"role": "system", "content": "You plan short films. Answer with JSON only."},
        {
            "role": "user",
            "content": f"{brief.summary()}\n\nWrite a beat sheet of {count} beats for this film as "
            '{"beats": [{"name": ..., "summary": ...}]}.',
        },
    )
    try:
        answer = yield ModelRequest("beat sheet", beat_messages, BEATS_SCHEMA, json_output=True, show=False)
        beats = [beat for beat in answer["beats"] if beat["summary"].strip()] or default_beats(brief)
    except LLMOutputError:
        beats = default_beats(brief)
    beat_lines = "\n".join(
        f"{number}. {beat['name']}: {beat['summary']}" for number, beat in enumerate(beats, 1)
    )
    script_messages = (
        {"role": "system", "content": _WRITER_RULES},
        {
            "role": "user",
            "content": f"{brief.summary()}\n\nBeat sheet:\n{beat_lines}\n\n"
            "Write the screenplay scene by scene, following the beats, "
            f"about {brief.runtime_minutes:g} pages long.",
        },
    )
    result: ChatResult = yield ModelRequest("screenplay", script_messages)
    text = extract_fountain(result.text)
    screenplay = fountain.parse(text)
    if not screenplay.title_page:
        text = f"Title: {brief.title.strip() or 'Untitled'}\n\n{text}"
        screenplay = fountain.parse(text)
    return Draft(text, screenplay, beats, runtime_check(screenplay, brief.runtime_minutes * 60))


@dataclass(frozen=True)
class RuntimeCheck:
    estimate_seconds: float
    target_seconds: float

    @property
    def deviation(self) -> float:
        """(estimate - target) / target; 0 without a target."""
        return (
            (self.estimate_seconds - self.target_seconds) / self.target_seconds
            if self.target_seconds
            else 0.0
        )

    @property
    def warning(self) -> str:
        if abs(self.deviation) <= RUNTIME_TOLERANCE:
            return ""
        direction = "longer" if self.deviation > 0 else "shorter"
        change = "cut" if self.deviation > 0 else "add"
        gap = _minutes(abs(self.estimate_seconds - self.target_seconds))
        return (
            f"the draft runs about {_minutes(self.estimate_seconds)}, {abs(self.deviation):.0%} {direction} "
            f"than the {_minutes(self.target_seconds)} target: revise scenes to {change} about {gap}"
        )

    def label(self) -> str:
        estimate, target = _minutes(self.estimate_seconds), _minutes(self.target_seconds)
        return f"{estimate} (target {target}, {self.deviation:+.0%})"


def _minutes(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def estimate_runtime(pagination: fountain.Pagination) -> float:
    """Screen seconds by the one-page-one-minute rule on the documented page model (docs/fountain.md)."""
    return pagination.line_count * script_to_spec.SECONDS_PER_PAGE / pagination.paper.lines_per_page


def runtime_check(screenplay: fountain.Screenplay, target_seconds: float) -> RuntimeCheck:
    return RuntimeCheck(estimate_runtime(fountain.paginate(screenplay)), target_seconds)


@dataclass(frozen=True)
class Draft:
    text: str
    screenplay: fountain.Screenplay
    beats: list[dict[str, str]]
    runtime: RuntimeCheck


# ------------------------------------------------------------------------------------------------ fountain in


def extract_fountain(answer: str) -> str:
    """The screenplay in a model's answer: the longest fenced block if there is one, else the whole answer.

    Checked by parsing: an answer without a single scene heading is refused (a small model sometimes answers
    with prose), so nothing but Fountain ever reaches the script.
    """
    blocks = _FENCE.findall(answer)
    text = max(blocks, key=len) if blocks else answer
    text = text.strip("\n") + "\n"
    if not fountain.parse(text).scenes:
        raise ScriptHelperError(
            "the model's answer has no scene heading (a line like 'INT. KITCHEN - NIGHT'), so it is not a "
            "screenplay: try again, or pick a larger model"
        )
    return text


def scene_line_span(text: str, scene_index: int) -> tuple[int, int]:
    """0-based [start, end) source lines of scene ``scene_index`` (1-based): its heading to the next one."""
    scenes = fountain.parse(text).scenes
    if not 1 <= scene_index <= len(scenes):
        raise ScriptHelperError(f"scene {scene_index} does not exist: the script has {len(scenes)} scene(s)")
    start = scenes[scene_index - 1].line - 1
    end = scenes[scene_index].line - 1 if scene_index < len(scenes) else len(text.split("\n"))
    return start, end


def scene_text(text: str, scene_index: int) -> str:
    start, end = scene_line_span(text, scene_index)
    return "\n".join(text.split("\n")[start:end]).strip("\n") + "\n"


def replace_scene(text: str, scene_index: int, revised: str) -> str:
    """``text`` with scene ``scene_index`` replaced; a revision without a heading keeps the old one."""
    lines = text.split("\n")
    start, end = scene_line_span(text, scene_index)
    if not fountain.parse(revised).scenes:
        revised = f"{lines[start]}\n\n{revised}"
    block = revised.strip("\n").split("\n")
    if end < len(lines):
        return "\n".join([*lines[:start], *block, "", *lines[end:]])
    return "\n".join([*lines[:start], *block]) + ("\n" if text.endswith("\n") else "")


def revise_task(text: str, scene_index: int, instruction: str) -> Task:
    """Rewrite one scene by an instruction; returns the whole script with that scene replaced."""
    if not instruction.strip():
        raise ScriptHelperError("say how to revise the scene (e.g. 'make it shorter, end on a laugh')")
    original = scene_text(text, scene_index)
    messages = (
        {"role": "system", "content": _WRITER_RULES},
        {
            "role": "user",
            "content": f"Here is one scene of a screenplay:\n\n{original}\nRevise it: {instruction.strip()}\n"
            "Answer with the revised scene only, starting with its scene heading.",
        },
    )
    result: ChatResult = yield ModelRequest("revised scene", messages)
    return replace_scene(text, scene_index, extract_fountain(result.text))


# --------------------------------------------------------------------------------------------------- shots


def shot_list_schema(cast: Sequence[str]) -> dict[str, Any]:
    """The JSON a model must give: sizes from the spec's list, subjects from the scene's cast (or none)."""
    shot = {
        "type": "object",
        "properties": {
            "size": {"type": "string", "enum": list(SHOT_SIZES)},
            "subject": {"type": "string", "enum": [*cast, ""]},
            "description": {"type": "string"},
            "seconds": {"type": "number"},
        },
        "required": ["size", "subject", "description", "seconds"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {"shots": {"type": "array", "items": shot}},
        "required": ["shots"],
        "additionalProperties": False,
    }


@dataclass(frozen=True)
class ShotProposal:
    """Spec shots for one scene; ``source`` is "model" or "rules" and ``note`` says why rules were used."""

    scene_index: int
    shots: list[dict[str, Any]]
    source: str
    note: str = ""


def rule_based_shots(screenplay: fountain.Screenplay, scene_index: int) -> list[dict[str, Any]]:
    """The documented coverage (docs/fountain.md) for one scene, as in the draft spec."""
    spec = script_to_spec.to_spec(screenplay)["production"]
    return [shot for shot in spec["shots"] if shot["scene"] == scene_index]


def shots_task(text: str, scene_index: int) -> Task:
    """Ask for a scene's shot list as JSON; invalid twice (or unusable) -> the rule-based coverage."""
    scene_line_span(text, scene_index)  # a clear error for a scene that is not there
    screenplay = fountain.parse(text)
    sheet = bd.breakdown(screenplay)[scene_index - 1]
    cast = sheet.categories["cast"]
    schema = shot_list_schema(cast)
    messages = (
        {"role": "system", "content": "You are a director planning coverage. Answer with JSON only."},
        {
            "role": "user",
            "content": f"Scene:\n\n{scene_text(text, scene_index)}\nPropose the shots to film this scene as "
            '{"shots": [{"size": ..., "subject": ..., "description": ..., "seconds": ...}]}. '
            f'size is one of {", ".join(SHOT_SIZES)}; subject is one of {", ".join(cast) or "nobody"} or "".',
        },
    )
    try:
        answer = yield ModelRequest("shot list", messages, schema, json_output=True, show=False)
    except LLMOutputError as error:
        note = f"the model's shot list did not match the schema twice ({'; '.join(error.problems[:3])})"
        return ShotProposal(scene_index, rule_based_shots(screenplay, scene_index), "rules", note)
    shots, problem = _spec_shots(answer["shots"], scene_index)
    if problem:
        return ShotProposal(scene_index, rule_based_shots(screenplay, scene_index), "rules", problem)
    return ShotProposal(scene_index, shots, "model")


def _spec_shots(proposed: list[dict[str, Any]], scene_index: int) -> tuple[list[dict[str, Any]], str]:
    """Model shots in the spec's shape, or a reason they cannot be used."""
    if not proposed:
        return [], "the model proposed no shots"
    shots = []
    for position, item in enumerate(proposed):
        seconds = item["seconds"]
        if not 0 < seconds <= MAX_SHOT_SECONDS:
            return [], f"the model gave shot {position + 1} a duration of {seconds} s"
        shot: dict[str, Any] = {
            "id": f"{scene_index}{shot_letter(position)}",
            "scene": scene_index,
            "size": item["size"],
        }
        if item["subject"]:
            shot["subject"] = item["subject"]
        shot["duration"] = f"{max(1, round(seconds))}s"
        if item["description"].strip():
            shot["description"] = " ".join(item["description"].split())
        shots.append(shot)
    return shots, ""


# --------------------------------------------------------------------------------------------------- files


def next_draft_path(scripts_dir: Path) -> Path:
    """``draft-N.fountain`` with N one past the highest draft there (gaps are never refilled)."""
    numbers = [int(match.group(1)) for path in _listing(scripts_dir) if (match := DRAFT_NAME.fullmatch(path))]
    return scripts_dir / f"draft-{max(numbers, default=0) + 1}.fountain"


def _listing(folder: Path) -> list[str]:
    return os.listdir(folder) if folder.is_dir() else []


def save_draft(scripts_dir: Path, text: str) -> Path:
    """Write a new draft; an existing file is never overwritten (exclusive create, next number on a race)."""
    scripts_dir.mkdir(parents=True, exist_ok=True)
    while True:
        path = next_draft_path(scripts_dir)
        try:
            with path.open("x", encoding="utf-8", newline="\n") as file:
                file.write(text)
        except FileExistsError:
            continue
        return path


@dataclass
class ScriptSummary:
    """What `script parse` reports: pages and each scene's length and cast."""

    title: str
    pages: int
    runtime_seconds: float
    scenes: list[dict[str, Any]] = field(default_factory=list)


def summarise(screenplay: fountain.Screenplay, paper: str = "letter") -> ScriptSummary:
    pagination = fountain.paginate(screenplay, paper)
    sheets = bd.breakdown(screenplay, paper, pagination)
    scenes = [
        {
            "scene": sheet.index,
            "number": sheet.number,
            "heading": fountain.plain_text(sheet.heading),
            "line": sheet.line,
            "page": sheet.page,
            "length": sheet.pages_label,
            "eighths": sheet.eighths,
            "cast": sheet.categories["cast"],
        }
        for sheet in sheets
    ]
    return ScriptSummary(screenplay.title, pagination.page_count, estimate_runtime(pagination), scenes)
