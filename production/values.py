"""Parsers for the spec's value types: durations, scene ranges, colours, times, aspect ratios; and the letters
of default shot ids.

Each parser raises `ValueProblem` with a message and a fix, which the validator turns into an issue.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, time

NAMED_TIMES = ("day", "night", "dawn", "dusk", "golden_hour")


class ValueProblem(ValueError):
    def __init__(self, message: str, suggestion: str = ""):
        super().__init__(message)
        self.message = message
        self.suggestion = suggestion


@dataclass(frozen=True)
class Duration:
    """A duration as written: frames are exact, seconds become frames once the fps is known."""

    frames: int | None = None
    seconds: float | None = None

    def to_frames(self, fps: float) -> int:
        if self.frames is not None:
            return self.frames
        assert self.seconds is not None
        return round(self.seconds * fps)

    def __str__(self) -> str:
        return f"{self.frames}f" if self.frames is not None else f"{self.seconds:g}s"


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|seconds?|f|frames?)?\s*$", re.IGNORECASE)
_TIMECODE = re.compile(r"^\s*(?:(\d+):)?(\d{1,2}):(\d{2})\s*$")


MAX_DURATION_SECONDS = 24 * 3600.0
"""Longer than any shot or scene can be (a day): bounds every duration before any arithmetic."""


def parse_duration(value: object) -> Duration:
    """A spec duration ("4s", "96f", 96, "1:30") within a day at up to 1,000 fps."""
    duration = _read_duration(value)
    frames, seconds = duration.frames, duration.seconds
    too_long = seconds is not None and not seconds <= MAX_DURATION_SECONDS  # also NaN and inf
    if too_long or (frames is not None and abs(frames) > MAX_DURATION_SECONDS * 1000):
        raise ValueProblem(
            f"duration '{value}' is longer than a day", 'check the unit: "96f" is frames, "4s" is seconds'
        )
    return duration


def _read_duration(value: object) -> Duration:
    if isinstance(value, bool):
        raise ValueProblem("a duration cannot be true/false", 'write "4s", "96f" or a number of frames')
    if isinstance(value, int):
        return Duration(frames=value)
    if isinstance(value, float):
        if value.is_integer():
            return Duration(frames=int(value))
        raise ValueProblem(
            f"{value} frames is not a whole number of frames",
            f'write "{value}s" for seconds or a whole number of frames',
        )
    if not isinstance(value, str):
        raise ValueProblem("a duration must be text or a number", 'write "4s", "96f" or 96')
    match = _DURATION.match(value)
    if match:
        amount, unit = match.group(1), (match.group(2) or "f").lower()
        if unit.startswith("f"):
            if "." in amount:
                raise ValueProblem(f"'{value}': frames must be whole", f'write "{round(float(amount))}f"')
            return Duration(frames=int(amount))
        return Duration(seconds=float(amount))
    timecode = _TIMECODE.match(value)
    if timecode:
        hours, minutes, seconds = timecode.groups()
        return Duration(seconds=int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds))
    raise ValueProblem(
        f"cannot read duration '{value}'",
        'write seconds as "4s" or "2.5s", frames as "96f" or 96, or minutes as "1:30"',
    )


_RANGE_PART = re.compile(r"^\s*([A-Za-z0-9_.]+)\s*(?:-\s*([A-Za-z0-9_.]+))?\s*$")


def parse_scene_range(value: object, scene_order: list[str] | None = None) -> tuple[str, ...]:
    """'1,4,7-9' -> ('1', '4', '7', '8', '9'). Ranges of numbers expand numerically; ranges of other ids
    expand along `scene_order` (the spec's scene order)."""
    if isinstance(value, bool):
        raise ValueProblem("scenes cannot be true/false", 'write scene ids like "1-2" or "3"')
    if isinstance(value, int):
        return (str(value),)
    if isinstance(value, list):
        result: list[str] = []
        for item in value:
            result.extend(parse_scene_range(item, scene_order))
        return tuple(result)
    if not isinstance(value, str) or not value.strip():
        raise ValueProblem("scenes must be ids or ranges", 'write "1-2", "3" or "1,4,7-9"')
    ids: list[str] = []
    for part in value.split(","):
        match = _RANGE_PART.match(part)
        if not match:
            raise ValueProblem(
                f"cannot read scene range '{value}' (at '{part.strip()}')",
                'write ids and ranges separated by commas: "1,4,7-9"',
            )
        first, last = match.groups()
        if last is None:
            ids.append(first)
        elif first.isdigit() and last.isdigit():
            start, end = int(first), int(last)
            if end < start:
                raise ValueProblem(f"scene range '{part.strip()}' runs backwards", f'write "{end}-{start}"')
            if end - start > 10_000:
                raise ValueProblem(f"scene range '{part.strip()}' is implausibly long", "check the numbers")
            ids.extend(str(n) for n in range(start, end + 1))
        elif scene_order and first in scene_order and last in scene_order:
            a, b = scene_order.index(first), scene_order.index(last)
            if b < a:
                raise ValueProblem(f"scene range '{part.strip()}' runs backwards", f'write "{last}-{first}"')
            ids.extend(scene_order[a : b + 1])
        else:
            raise ValueProblem(
                f"cannot expand scene range '{part.strip()}'",
                "use numeric scene ids for ranges, or list the ids separated by commas",
            )
    return tuple(dict.fromkeys(ids))


def shot_letter(position: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA (spreadsheet style): the letters after the scene number in a shot id, shared
    by the validator's default ids and the screenplay's draft shots."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


_HEX = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")


def parse_color(value: object) -> tuple[float, float, float]:
    """Colour as sRGB 0..1 from "#rrggbb", "#rgb" or [r, g, b] in 0..1."""
    if isinstance(value, str):
        match = _HEX.match(value.strip())
        if match:
            digits = match.group(1)
            if len(digits) == 3:
                digits = "".join(c * 2 for c in digits)
            r, g, b = (int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4))
            return (r, g, b)
    if (
        isinstance(value, list)
        and len(value) == 3
        and all(isinstance(c, int | float) and not isinstance(c, bool) and 0 <= c <= 1 for c in value)
    ):
        return (float(value[0]), float(value[1]), float(value[2]))
    raise ValueProblem(f"cannot read colour {value!r}", 'write "#1b2a3a" (sRGB hex) or [0.1, 0.2, 0.3]')


def to_hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(c * 255):02x}" for c in rgb)


@dataclass(frozen=True)
class TimeOfDay:
    """A scene time: a named time (resolved per place and date by the lighting department) or a clock time."""

    named: str | None = None
    when: datetime | None = None  # date may be absent: then `clock` only
    clock: time | None = None

    def __str__(self) -> str:
        if self.named:
            return self.named
        if self.when:
            return self.when.isoformat(timespec="minutes")
        return self.clock.isoformat(timespec="minutes") if self.clock else ""


def parse_time(value: object) -> TimeOfDay:
    if not isinstance(value, str):
        raise ValueProblem(
            "a scene time must be text", 'write "2026-03-14T23:30" or day | night | dawn | dusk'
        )
    text = value.strip()
    lowered = text.lower().replace(" ", "_").replace("-", "_")
    if lowered in NAMED_TIMES:
        return TimeOfDay(named=lowered)
    try:
        return TimeOfDay(when=datetime.fromisoformat(text))
    except ValueError:
        pass
    try:
        return TimeOfDay(clock=time.fromisoformat(text))
    except ValueError:
        pass
    raise ValueProblem(
        f"cannot read time '{value}'",
        'write an ISO date-time "2026-03-14T23:30", a clock time "23:30", or one of '
        + ", ".join(NAMED_TIMES),
    )


_ASPECT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[:x/]\s*(\d+(?:\.\d+)?)\s*$")


def parse_aspect(value: object) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        ratio = float(value) if abs(value) < 1e300 else math.inf  # an int too large for a float
    elif isinstance(value, str) and _ASPECT.match(value):
        match = _ASPECT.match(value)
        assert match is not None
        denominator = float(match.group(2))
        if denominator == 0:
            raise ValueProblem(f"aspect ratio '{value}' divides by zero", 'write "2.39:1"')
        ratio = float(match.group(1)) / denominator
    elif isinstance(value, str):
        try:
            ratio = float(value)
        except ValueError:
            raise ValueProblem(
                f"cannot read aspect ratio '{value}'", 'write "2.39:1", "16:9" or 1.85'
            ) from None
    else:
        raise ValueProblem(f"cannot read aspect ratio {value!r}", 'write "2.39:1", "16:9" or 1.85')
    if not 0.2 <= ratio <= 10:  # also NaN and inf
        raise ValueProblem(
            f"aspect ratio {ratio:.3g} is outside 0.2..10", 'common values: "2.39:1", "1.85:1", "16:9"'
        )
    return ratio
