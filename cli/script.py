"""`run.py script draft|revise|parse|breakdown|shots`: the script helper without Blender.

The same tasks the N-panel runs (production/assistant/script_helper.py), driven to the end here because
nothing needs to stay responsive. Exit codes: 0 ok, 1 the script, the model or the server could not give a
usable result (the message says why), 2 usage (including a brief that needs answers first).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

import yaml

from ..production.assistant import script_helper
from ..production.assistant.client import API_KINDS, DEFAULT_OLLAMA_URL, LLMClient, is_local_url
from ..production.assistant.errors import LLMError
from ..production.assistant.jobs import JobEvent, JobRunner
from ..production.screenplay import breakdown as bd
from ..production.screenplay import fountain, script_to_spec
from ..production.spec.api import load_production
from .console import EXIT_INVALID, EXIT_OK, EXIT_SERVER, Console, UsageError, fail, print_issues


def add_script_parser(sub: Any) -> None:
    """Declare `script` and its actions on the main parser's subparsers."""
    script = sub.add_parser("script", help="screenplay helper: draft, revise, parse, breakdown, shots")
    actions = script.add_subparsers(dest="action", parser_class=type(script), required=True)

    def with_script(name: str, help_text: str) -> argparse.ArgumentParser:
        action = actions.add_parser(name, help=help_text)
        action.add_argument("script", help="a .fountain screenplay")
        action.add_argument("--paper", choices=sorted(fountain.PAPERS), default="letter")
        return action

    with_script("parse", "pages, scenes, page eighths and cast")
    sheets = with_script("breakdown", "breakdown sheets (CSV on stdout, or --csv/--html files)")
    sheets.add_argument("--csv", metavar="FILE", help="write the sheets as CSV")
    sheets.add_argument("--html", metavar="FILE", help="write the sheets as HTML")
    shots = with_script("shots", "a draft spec with rule-based coverage, or one scene's shots")
    shots.add_argument("--scene", type=int, metavar="N", help="only scene N (1-based); with --model, ask it")
    shots.add_argument("--output", metavar="FILE.yaml", help="write the draft spec here and validate it")
    _model_options(shots, required=False)
    revise = with_script("revise", "rewrite one scene; saved as the next draft-N.fountain beside it")
    revise.add_argument("--scene", type=int, required=True, metavar="N", help="scene number (1-based)")
    revise.add_argument("--instruction", required=True, help="how to change it")
    _model_options(revise, required=True)
    draft = actions.add_parser("draft", help="draft a screenplay from a brief (beats first, then scenes)")
    draft.add_argument("--folder", default=".", help="production folder; drafts go to its scripts/")
    draft.add_argument("--title", default="")
    draft.add_argument("--logline", default="", help="who wants what, and what stands in the way")
    draft.add_argument("--runtime", type=float, default=0.0, metavar="MINUTES", help="target runtime")
    draft.add_argument("--audience", default="")
    draft.add_argument("--message", action="append", default=[], help="a key message (repeatable)")
    draft.add_argument("--tone", default="")
    _model_options(draft, required=True)


def _model_options(parser: argparse.ArgumentParser, required: bool) -> None:
    parser.add_argument("--model", required=required, help="model name on the server")
    parser.add_argument("--server", default=DEFAULT_OLLAMA_URL, help="server base URL")
    parser.add_argument("--api", choices=API_KINDS, default="ollama")
    parser.add_argument("--timeout", type=float, default=120.0, help="longest silence from the server (s)")
    parser.add_argument(
        "--deadline", type=float, default=900.0, help="longest time for one whole request and answer (s)"
    )
    parser.add_argument(
        "--allow-remote", action="store_true", help="allow a server that is not on this machine"
    )


def run_script(args: argparse.Namespace, console: Console) -> int:
    """Dispatch one `script` action; failures the user can act on become one clear message."""
    try:
        return _ACTIONS[args.action](args, console)
    except LLMError as exc:
        suggestion = "check that the server runs and has the model (`ollama list`), or try --api openai"
        return fail(console, "script", str(exc), suggestion, EXIT_SERVER)
    except (script_helper.ScriptHelperError, fountain.FountainError) as exc:
        return fail(console, "script", str(exc), "see docs/fountain.md and docs/llm.md", EXIT_INVALID)


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}", "give the path of a .fountain file") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not UTF-8 text", "save the screenplay as UTF-8") from None


def _screenplay(args: argparse.Namespace) -> fountain.Screenplay:
    return fountain.parse(_read(args.script), source=args.script)


def _client(args: argparse.Namespace) -> LLMClient:
    if not is_local_url(args.server) and not args.allow_remote:
        raise UsageError(
            f"{args.server} is not on this machine; script text would leave it",
            "use a local server, or pass --allow-remote to send it there on purpose",
        )
    try:
        return LLMClient(
            args.server, args.model, args.api, read_timeout=args.timeout, total_timeout=args.deadline
        )
    except ValueError as exc:
        raise UsageError(str(exc), "e.g. --server http://localhost:11434") from None


def _run(task: script_helper.Task, args: argparse.Namespace, console: Console) -> Any:
    """Drive a task headless; streamed text goes to stderr (stdout keeps the result only)."""

    def show(event: JobEvent) -> None:
        if event.kind == "token" and not console.json_mode:
            console.err.write(event.text)
            console.err.flush()

    runner = JobRunner()
    try:
        return script_helper.run_task(task, runner, _client(args), on_event=show)
    finally:
        runner.shutdown()
        if not console.json_mode:
            console.err.write("\n")


def cmd_parse(args: argparse.Namespace, console: Console) -> int:
    summary = script_helper.summarise(_screenplay(args), args.paper)
    if console.json_mode:
        console.emit_json(vars(summary))
        return EXIT_OK
    minutes, seconds = divmod(round(summary.runtime_seconds), 60)
    console.print(f"{summary.title or args.script}: {summary.pages} page(s), about {minutes}:{seconds:02d}")
    for scene in summary.scenes:
        cast = ", ".join(scene["cast"]) or "-"
        console.print(
            f"{scene['number']:>4}  {scene['length']:>6}  p{scene['page']:<3} {scene['heading']}  [{cast}]"
        )
    return EXIT_OK


def cmd_breakdown(args: argparse.Namespace, console: Console) -> int:
    screenplay = _screenplay(args)
    sheets = bd.breakdown(screenplay, args.paper)
    written = []
    for path, text in ((args.csv, bd.to_csv(sheets)), (args.html, bd.to_html(sheets, screenplay.title))):
        if path:
            Path(path).write_text(text, encoding="utf-8")
            written.append(path)
    if console.json_mode:
        console.emit_json({"written": written, "scenes": [vars(sheet) for sheet in sheets]})
    elif written:
        console.print(f"{len(sheets)} scene(s): wrote {', '.join(written)}")
    else:
        console.out.write(bd.to_csv(sheets))
    return EXIT_OK


def cmd_shots(args: argparse.Namespace, console: Console) -> int:
    if args.scene is not None:
        return _scene_shots(args, console)
    screenplay = _screenplay(args)
    output = Path(args.output) if args.output else None
    script_path = os.path.relpath(args.script, output.parent) if output else args.script
    spec = script_to_spec.to_spec(screenplay, script_path, paper=args.paper)
    if output is None:
        if console.json_mode:
            console.emit_json(spec)
        else:
            console.out.write(script_to_spec.spec_yaml(spec))
        return EXIT_OK
    if output.exists() or output.is_symlink():
        raise UsageError(f"{output} exists; drafts never overwrite a spec", "choose another --output")
    if not output.parent.is_dir():
        raise UsageError(
            f"cannot write {output}: the folder {output.parent} does not exist",
            "create the folder first, or choose another --output",
        )
    try:
        output.write_text(script_to_spec.spec_yaml(spec), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror}", "choose another --output") from None
    result = load_production(output, args.presets)
    if console.json_mode:
        console.emit_json({"written": str(output), **result.to_json()})
    else:
        print_issues(result.issues, console)
        verdict = "valid" if result.valid else "invalid"
        console.print(f"wrote {output}: {len(spec['production']['shots'])} shot(s), {verdict}")
    return EXIT_OK if result.valid else EXIT_INVALID


def _scene_shots(args: argparse.Namespace, console: Console) -> int:
    text = _read(args.script)
    if args.model:
        proposal = _run(script_helper.shots_task(text, args.scene), args, console)
    else:
        script_helper.scene_line_span(text, args.scene)
        shots = script_helper.rule_based_shots(fountain.parse(text), args.scene)
        proposal = script_helper.ShotProposal(args.scene, shots, "rules", "no --model given")
    if console.json_mode:
        console.emit_json(vars(proposal))
        return EXIT_OK
    if proposal.note:
        print(f"rule-based coverage: {proposal.note}", file=console.err)
    console.out.write(yaml.safe_dump({"shots": proposal.shots}, sort_keys=False, allow_unicode=True))
    return EXIT_OK


def cmd_revise(args: argparse.Namespace, console: Console) -> int:
    text = _read(args.script)
    revised = _run(script_helper.revise_task(text, args.scene, args.instruction), args, console)
    path = script_helper.save_draft(Path(args.script).parent, revised)
    if console.json_mode:
        console.emit_json({"path": str(path), "scene": args.scene})
    else:
        console.print(f"scene {args.scene} revised: {path}")
    return EXIT_OK


def cmd_draft(args: argparse.Namespace, console: Console) -> int:
    brief = script_helper.Brief(
        args.title, args.logline, args.runtime, args.audience, tuple(args.message), args.tone
    )
    questions = brief.clarifying_questions()
    if questions:
        raise UsageError(
            "the brief needs answers first: " + " ".join(questions), "add --logline, --runtime, --audience"
        )
    draft: script_helper.Draft = _run(script_helper.draft_task(brief), args, console)
    path = script_helper.save_draft(Path(args.folder) / "scripts", draft.text)
    runtime = draft.runtime
    if console.json_mode:
        console.emit_json(
            {
                "path": str(path),
                "beats": draft.beats,
                "scenes": len(draft.screenplay.scenes),
                "runtime_seconds": round(runtime.estimate_seconds, 1),
                "target_seconds": runtime.target_seconds,
                "deviation": round(runtime.deviation, 3),
                "warning": runtime.warning,
            }
        )
        return EXIT_OK
    console.print(f"{path}: {len(draft.screenplay.scenes)} scene(s), runtime {runtime.label()}")
    if runtime.warning:
        print(f"warning: {runtime.warning}", file=console.err)
    return EXIT_OK


_ACTIONS = {
    "parse": cmd_parse,
    "breakdown": cmd_breakdown,
    "shots": cmd_shots,
    "revise": cmd_revise,
    "draft": cmd_draft,
}
