"""Command line: `python run.py <command> ...` or `blender -b -P run.py -- <command> ...`.

Pure commands live here. Commands that need Blender (build, render, ...) are passed in by run.py, so this
module never imports bpy. `--json` prints exactly one JSON document on stdout; errors are
`{"error", "message", "suggestion"}`. Exit codes: 0 ok, 1 invalid spec, 2 usage, 3 render failure,
4 interrupted (resumable).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..production.diagnostics import ProductionError
from ..production.plan import Estimate, estimate, make_plan
from ..production.render.request import RenderRequest
from ..production.spec.api import load_production
from ..production.spec.json_schema import spec_json_schema
from ..production.spec.presets import PresetLibrary
from ..production.spec.validate import ValidationResult
from . import script as script_cli
from .console import (
    EXIT_BY_STAGE,
    EXIT_INTERRUPTED,
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    Console,
    UsageError,
    fail,
    print_issues,
)

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "examples" / "templates"
TEMPLATES = ("short_film", "commercial", "game_assets")


AFTER_COMMAND = "after command: "
"""Prefix of the attributes that hold a global option given after the command (see `_add_global_options`)."""


class _Parser(argparse.ArgumentParser):
    """Usage errors raise UsageError (answered in JSON when asked); every command, at any depth, takes the
    global options too, so `run.py validate spec.yaml --json` works as `run.py --json validate spec.yaml`."""

    def __init__(self, *args: Any, top: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _add_global_options(self, top)

    def error(self, message: str) -> Any:  # argparse would print and exit; we answer in JSON when asked
        raise UsageError(message, f"see `{self.prog} --help`")  # e.g. `run.py script parse --help`


def _add_global_options(parser: argparse.ArgumentParser, top: bool) -> None:
    """--json and --presets, before the command or after it. After it, each parser keeps them under its own
    attribute with no default: argparse copies a command's attributes over the ones parsed before it, so
    sharing one would lose `--presets A` of `run.py --presets A validate x --presets B`."""
    json_dest, presets_dest = (
        ("json", "presets")
        if top
        else (
            f"{AFTER_COMMAND}json {parser.prog}",
            f"{AFTER_COMMAND}presets {parser.prog}",
        )
    )
    parser.add_argument(
        "--json",
        dest=json_dest,
        action="store_true",
        default=False if top else argparse.SUPPRESS,
        help="machine output on stdout: one JSON document",
    )
    parser.add_argument(
        "--presets",
        dest=presets_dest,
        action="append",
        default=[] if top else argparse.SUPPRESS,
        metavar="DIR",
        help="extra preset folder (repeatable)",
    )


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    """The command line as one namespace: a global option counts wherever it was given (folders in order)."""
    args = build_parser().parse_args(list(argv))
    for key in sorted((k for k in vars(args) if k.startswith(AFTER_COMMAND)), key=len):  # outer first
        value = getattr(args, key)
        delattr(args, key)
        if key.startswith(f"{AFTER_COMMAND}json "):
            args.json = args.json or value
        else:
            args.presets = [*args.presets, *value]
    return args


def asks_for_json(argv: Sequence[str]) -> bool:
    """--json anywhere before a `--` (what follows `--` is positional): how to answer when the command line
    itself cannot be parsed."""
    return "--json" in (argv[: list(argv).index("--")] if "--" in argv else argv)


def build_parser() -> _Parser:
    parser = _Parser(
        prog="run.py", description="Backlot: build and render a production from a spec.", top=True
    )
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    def spec_command(name: str, help_text: str) -> argparse.ArgumentParser:
        command = sub.add_parser(name, help=help_text)
        command.add_argument("spec", help="production .yaml file or production folder")
        return command

    spec_command("validate", "check a spec and list every issue")
    info = spec_command("info", "what the production contains")
    info.add_argument("--continuity", action="store_true", help="wardrobe and appearance per character")
    estimate_command = spec_command("estimate", "render time estimate per shot")
    estimate_command.add_argument(
        "--measure", action="store_true", help="render one small sample frame per shot (needs Blender)"
    )
    add_render_overrides(estimate_command)
    schema = sub.add_parser("schema", help="print the spec's JSON Schema")
    schema.add_argument("--output", help="write to this file instead of stdout")
    create = sub.add_parser("create", help="scaffold a new production folder")
    create.add_argument("name", help="folder to create")
    create.add_argument("--template", choices=TEMPLATES, default="short_film")
    listing = sub.add_parser("list", help="productions under a folder")
    listing.add_argument("folder", nargs="?", default=".")
    _add_blender_commands(sub, spec_command)
    script_cli.add_script_parser(sub)
    return parser


def add_render_overrides(command: argparse.ArgumentParser) -> None:
    """--engine, --samples, --resolution-percentage: what `render` renders with and `estimate` estimates."""
    command.add_argument(
        "--engine", choices=["workbench", "eevee", "cycles"], help="override every shot's engine"
    )
    command.add_argument(
        "--resolution-percentage", type=_whole(1, 1000), metavar="P", help="scale every shot's render"
    )
    command.add_argument(
        "--samples", type=_whole(1, 1 << 24), metavar="N", help="override every shot's samples"
    )


def _whole(low: int, high: int) -> Callable[[str], int]:
    """argparse type: a whole number from `low` to `high` (a usage error names the range otherwise)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is outside {low}-{high}")
        return value

    return parse


def render_overrides(args: argparse.Namespace) -> RenderRequest:
    """The overrides given on the command line, as a request with every shot and output."""
    return RenderRequest(
        engine=args.engine, resolution_percentage=args.resolution_percentage, samples=args.samples
    )


def _add_blender_commands(sub: Any, spec_command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """Commands that need Blender: declared here so `--help` and usage errors work everywhere."""
    build = spec_command("build", "build the production's Blender scenes")
    build.add_argument("--save", metavar="FILE.blend", help="save the built production here")
    build.add_argument("--department", action="append", default=[], help="rebuild only this department")
    build.add_argument("--reset", action="store_true", help="reset to spec: overwrite hand tweaks")
    render = spec_command("render", "render shots to every output, resumable")
    render.add_argument(
        "--blend", metavar="FILE.blend", help="the checkpoint .blend (default: next to the spec)"
    )
    render.add_argument("--resume", action="store_true", help="continue from the checkpoint")
    render.add_argument("--restart", action="store_true", help="forget the checkpoint, render everything")
    render.add_argument("--dry-run", action="store_true", help="print the plan, render nothing")
    render.add_argument("--validate-only", action="store_true", help="validate and stop")
    render.add_argument("--shots", help="shot ids or ranges, e.g. 1A,2B-3C")
    render.add_argument("--outputs", help="output names, e.g. cinema,snes")
    render.add_argument("--parallel", type=int, default=1, metavar="N", help="N Blender processes")
    render.add_argument(
        "--worker", action="store_true", help=argparse.SUPPRESS
    )  # one of --parallel's processes
    add_render_overrides(render)
    submit = spec_command("submit", "queue one Flamenco job per shot (see docs/farm.md)")
    submit.add_argument(
        "--flamenco", required=True, metavar="URL", help="Flamenco Manager, e.g. http://manager:8080"
    )
    submit.add_argument(
        "--blend", metavar="FILE.blend", help="the production's .blend (default: next to the spec)"
    )
    submit.add_argument("--output", help="the PNG/EXR output to render on the farm (default: the first)")
    submit.add_argument("--priority", type=int, default=50, help="0-100, higher first")
    submit.add_argument("--shots", help="shot ids or ranges, e.g. 1A,2B-3C")
    status = spec_command("status", "poll the farm jobs of a submitted production")
    status.add_argument("--flamenco", metavar="URL", help="Flamenco Manager (default: the one submitted to)")
    status.add_argument(
        "--blend", metavar="FILE.blend", help="the production's .blend (default: next to the spec)"
    )


def main(
    argv: Sequence[str], run_blender_command: Callable[[argparse.Namespace, Console], int] | None = None
) -> int:
    """Run one command; `run_blender_command` handles the commands that need bpy (None outside Blender)."""
    console = Console(asks_for_json(argv))
    try:
        args = parse_arguments(argv)
        console.json_mode = args.json
        if args.command is None:
            raise UsageError(
                "no command given",
                "commands: validate, info, estimate, schema, create, list, "
                "build, render; see `run.py --help`",
            )
        handler = _COMMANDS.get(args.command)
        if handler is not None and not getattr(args, "measure", False):
            return handler(args, console)
        if run_blender_command is None:
            raise UsageError(
                f"`{args.command}` needs Blender",
                f"run `blender -b -P run.py -- {args.command} ...` or `pip install bpy`",
            )
        return run_blender_command(args, console)
    except UsageError as exc:
        return fail(console, "usage", exc.message, exc.suggestion, EXIT_USAGE)
    except ProductionError as exc:
        return fail(console, exc.code, exc.message, exc.suggestion, EXIT_BY_STAGE[exc.stage])
    except KeyboardInterrupt:
        return fail(
            console, "interrupted", "interrupted", "run the same command with --resume", EXIT_INTERRUPTED
        )


def _summary_line(result: ValidationResult) -> str:
    counts = result.counts()
    return f"{counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} info"


def cmd_validate(args: argparse.Namespace, console: Console) -> int:
    result = load_production(args.spec, args.presets)
    if console.json_mode:
        console.emit_json(result.to_json())
    else:
        print_issues(result.issues, console)
        verdict = console.paint("valid", "32;1") if result.valid else console.paint("invalid", "31;1")
        console.print(f"{args.spec}: {verdict} ({_summary_line(result)})")
    return EXIT_OK if result.valid else EXIT_INVALID


def report_invalid(result: ValidationResult, args: argparse.Namespace, console: Console) -> int:
    """Every issue (or one JSON error carrying them) for a spec that cannot be used; exit code 1."""
    if console.json_mode:
        first = next(i for i in result.issues if i.is_error)
        console.emit_json(
            {
                "error": "invalid_spec",
                "message": f"{first.path}: {first.message}",
                "suggestion": first.suggestion,
                **result.to_json(),
            }
        )
    else:
        print_issues(result.issues, console)
        console.print(f"{args.spec}: invalid ({_summary_line(result)}); fix the errors above first")
    return EXIT_INVALID


def production_info(result: ValidationResult) -> dict[str, Any]:
    production = result.production
    assert production is not None
    plan = make_plan(production)
    scenes = []
    for scene in production.scenes:
        shots = [s for s in plan.shots if s.scene_id == scene.id]
        frames = sum(s.frames for s in shots)
        scenes.append(
            {
                "id": scene.id,
                "heading": scene.heading,
                "location": scene.location,
                "time": str(scene.time or ""),
                "cast": list(scene.characters),
                "shots": [s.shot_id for s in shots],
                "frames": frames,
                "seconds": round(frames / production.fps, 3),
            }
        )
    return {
        "title": production.title,
        "version": production.version,
        "author": production.author,
        "fps": production.fps,
        "aspect_ratio": production.aspect_ratio,
        "counts": {
            "characters": len(production.characters),
            "costumes": len(production.costumes),
            "locations": len(production.locations),
            "scenes": len(production.scenes),
            "shots": len(production.shots),
            "outputs": len(production.outputs),
        },
        "scenes": scenes,
        "total_frames": plan.total_frames,
        "runtime_seconds": round(plan.total_seconds, 3),
        "outputs": [
            {"name": o.name, "frames": o.frames, "seconds": round(o.seconds, 3)} for o in plan.outputs
        ],
        "warnings": [i.to_dict() for i in result.issues],
    }


def _timecode(seconds: float) -> str:
    """h:mm:ss.ss, the way editors read durations."""
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(int(minutes), 60)
    return f"{hours}:{minutes:02d}:{secs:05.2f}"


def cmd_info(args: argparse.Namespace, console: Console) -> int:
    result = load_production(args.spec, args.presets)
    if not result.valid:
        return report_invalid(result, args, console)
    info = production_info(result)
    if args.continuity:
        from ..production.staging.continuity import continuity_report

        assert result.production is not None
        info["continuity"] = continuity_report(result.production)
    if console.json_mode:
        console.emit_json(info)
        return EXIT_OK
    counts = info["counts"]
    console.print(
        console.paint(f"{info['title']} v{info['version']}", "1")
        + (f" by {info['author']}" if info["author"] else "")
    )
    console.print(", ".join(f"{n} {k}" for k, n in counts.items()))
    console.print(
        f"runtime {_timecode(info['runtime_seconds'])} ({info['total_frames']} frames at {info['fps']:g} fps)"
    )
    for scene in info["scenes"]:
        console.print(f"  scene {scene['id']:>3}  {scene['heading'] or scene['location']}")
        console.print(
            f"            cast: {', '.join(scene['cast']) or '-'}; shots: "
            f"{', '.join(scene['shots']) or '-'}; {_timecode(scene['seconds'])}"
        )
    for output in info["outputs"]:
        console.print(f"  output {output['name']}: {output['frames']} frames")
    if "continuity" in info:
        from ..production.staging.continuity import format_continuity

        console.print(format_continuity(info["continuity"]))
    print_issues(result.issues, console)
    return EXIT_OK


def cmd_estimate(args: argparse.Namespace, console: Console) -> int:
    result = load_production(args.spec, args.presets)
    if not result.valid or result.production is None:
        return report_invalid(result, args, console)
    return print_estimate(estimate(render_overrides(args).apply(result.production)), console)


def print_estimate(est: Estimate, console: Console) -> int:
    payload: dict[str, Any] = {
        "resolution": list(est.resolution),
        "model": est.model,
        "total_seconds": round(est.total_seconds, 2),
        "shots": [
            {
                "shot": s.shot_id,
                "frames": s.frames,
                "seconds_per_frame": round(s.seconds_per_frame, 3),
                "seconds": round(s.seconds, 2),
                "measured": s.measured,
            }
            for s in est.shots
        ],
    }
    if console.json_mode:
        console.emit_json(payload)
        return EXIT_OK
    console.print(f"master resolution {est.resolution[0]}x{est.resolution[1]}; model: {est.model}")
    for shot in payload["shots"]:
        console.print(
            f"  {shot['shot']:>6}  {shot['frames']:>5} frames x {shot['seconds_per_frame']:.2f} s"
            f" = {_timecode(shot['seconds'])}"
        )
    console.print(f"total {_timecode(est.total_seconds)}")
    return EXIT_OK


def cmd_schema(args: argparse.Namespace, console: Console) -> int:
    schema = spec_json_schema(PresetLibrary.with_user_folders(args.presets))
    if args.output:
        Path(args.output).write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
        if console.json_mode:
            console.emit_json({"written": args.output})
        else:
            console.print(f"wrote {args.output}")
    else:
        console.emit_json(schema)
    return EXIT_OK


def cmd_create(args: argparse.Namespace, console: Console) -> int:
    target = Path(args.name)
    if target.exists() and any(target.iterdir()):
        raise UsageError(f"{target} already exists and is not empty", "choose a new folder name")
    template = TEMPLATES_DIR / args.template
    if not template.is_dir():
        raise UsageError(f"template {args.template} is missing from this installation", "reinstall Backlot")
    shutil.copytree(template, target, dirs_exist_ok=True)
    spec = target / "production.yaml"
    title = target.name.replace("_", " ").replace("-", " ").title()
    spec.write_text(spec.read_text(encoding="utf-8").replace("{{title}}", title), encoding="utf-8")
    result = load_production(spec, args.presets)
    payload = {"created": str(target), "template": args.template, "valid": result.valid}
    if console.json_mode:
        console.emit_json(payload)
    else:
        console.print(
            f"created {target}/ from the {args.template} template; next: python run.py validate {spec}"
        )
    return EXIT_OK if result.valid else EXIT_INVALID


def _looks_like_spec(file: Path) -> bool:
    try:
        with file.open(encoding="utf-8", errors="replace") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return any(line.startswith("production:") for line in head.splitlines())


def find_productions(folder: Path, max_depth: int = 4) -> list[Path]:
    """Spec files under `folder`: production folders count once (their production.yaml)."""
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        depth = len(Path(root).relative_to(folder).parts)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in ("output", "node_modules"))
        if depth >= max_depth:
            dirs[:] = []
        for name in sorted(files):
            if name.endswith((".yaml", ".yml")) and _looks_like_spec(Path(root) / name):
                found.append(Path(root) / name)
    return found


def cmd_list(args: argparse.Namespace, console: Console) -> int:
    folder = Path(args.folder)
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder", "give a folder that contains productions")
    rows = []
    for spec in find_productions(folder):
        result = load_production(spec, args.presets)
        production = result.production
        rows.append(
            {
                "spec": str(spec),
                "valid": result.valid,
                "title": production.title if production else result.data.get("title"),
                "version": production.version if production else result.data.get("version"),
                "scenes": len(production.scenes) if production else None,
                "shots": len(production.shots) if production else None,
                "errors": result.counts()["error"],
            }
        )
    if console.json_mode:
        console.emit_json({"productions": rows})
        return EXIT_OK
    if not rows:
        console.print(f"no productions under {folder}")
    for row in rows:
        state = (
            console.paint("ok", "32") if row["valid"] else console.paint(f"{row['errors']} error(s)", "31")
        )
        console.print(f"{row['spec']}: {row['title']} v{row['version']} [{state}]")
    return EXIT_OK


_COMMANDS: dict[str, Callable[[argparse.Namespace, Console], int]] = {
    "validate": cmd_validate,
    "info": cmd_info,
    "estimate": cmd_estimate,
    "schema": cmd_schema,
    "create": cmd_create,
    "list": cmd_list,
    "script": script_cli.run_script,
}
