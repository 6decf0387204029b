"""When the solved camera spot is blocked, do what a crew does, in this order, and say which.

1. Pull a wild wall: a set piece the location marks `wild` is hidden from render for the shot's frames.
2. Cheat the angle: swing the camera round its subject, within a bounded arc, on the same side of the line.
3. Cheat the lens: the next wider primes of the lens set, at the solved angle and a few cheated ones.
4. Cheat the subjects: move them closer for this shot only (keyed on the shot, the blocking stays).
5. Give up: the best of everything tried, with a warning that names what blocked it and the fix.

Pure: the camera department hands in `look`, which frames, moves and ray-casts one `Attempt` and answers
with a `Verdict`. See docs/camera.md, "Staging rules".
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

Vec3 = tuple[float, float, float]

ANGLE_ARC_DEG = (15.0, -15.0, 30.0, -30.0, 45.0, -45.0, 60.0, -60.0, 75.0, -75.0)
"""Angle cheats tried, nearest first: the bounded arc round the subject."""
FLAT_ARC_DEG = (15.0, -15.0, 30.0, -30.0)
"""The arc for a flat subject (an insert of a door, a sign): past it the subject is seen edge-on."""
LENS_STEPS = 4
"""Wider primes tried at most (85 -> 75, 65, 50, 40 in the standard set)."""
COARSE_ARC_DEG = 30.0
"""With each wider lens (and each subject cheat) the angles tried: square on, and this either way."""
OUT_OF_FRAME_FIX = "a gentler move, a looser size or a longer shot keeps it in"
MAX_PULLS = 4
"""Rounds of pulling wild pieces for one attempt (pulling one may show the next behind it)."""


@dataclass(frozen=True)
class Attempt:
    """One way to shoot the shot."""

    lens: float
    angle_deg: float = 0.0
    """Added to the shot's side angle."""
    offsets: tuple[tuple[str, Vec3], ...] = ()
    """Subjects cheated for this shot: (name, world offset)."""
    pulled: frozenset[str] = frozenset()
    """Wild set pieces hidden from render for this shot."""
    cheat: str = ""
    """What moving the subjects cheats, for the report."""


@dataclass(frozen=True)
class Verdict:
    """What the camera saw on one attempt."""

    score: float
    """The worst share of what had to be seen, relative to what was needed (>= 1: clear)."""
    wild: frozenset[str] = frozenset()
    """Wild pieces that stood in the way (pulling them may clear it)."""
    blockers: tuple[str, ...] = ()
    """What stood in the way, most often first."""
    shortfall: str = ""
    """What fell short, worst first ("frame 97: 0% of Courier's head seen")."""
    legal: bool = True
    """False when the attempt breaks a rule (a camera across the line): never chosen."""
    cropped: bool = False
    """What fell short is out of the shot's own frame with nothing in the way (its move or size crops it):
    no cheat changes that."""

    @property
    def clear(self) -> bool:
        return self.legal and self.score >= 1.0


@dataclass
class Staged:
    """The attempt chosen, what it saw, and what to say about it."""

    attempt: Attempt
    verdict: Verdict
    cheats: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


Look = Callable[[Attempt], Verdict]


def wider_lenses(lens: float, primes: Sequence[float], steps: int = LENS_STEPS) -> list[float]:
    """The next wider primes of the set, nearest first."""
    return sorted((p for p in primes if p < lens - 1e-6), reverse=True)[:steps]


def _pulling(
    look: Look, attempt: Attempt, wild: frozenset[str], seen: Verdict | None = None
) -> tuple[Attempt, Verdict]:
    """`attempt` (`seen` is its verdict when known), and again with each wild piece that blocked it pulled,
    until clear or none is left."""
    verdict = look(attempt) if seen is None else seen
    for _ in range(MAX_PULLS):
        more = (verdict.wild & wild) - attempt.pulled
        if verdict.clear or not more:
            break
        attempt = replace(attempt, pulled=attempt.pulled | more)
        verdict = look(attempt)
    return attempt, verdict


def stage(
    look: Look,
    written: Attempt,
    wild: frozenset[str],
    primes: Sequence[float],
    subject_cheats: Sequence[tuple[str, tuple[tuple[str, Vec3], ...]]] = (),
    arc: Sequence[float] = ANGLE_ARC_DEG,
) -> Staged:
    """The first attempt that sees what the shot needs, trying the crew's cheats in order.

    `subject_cheats`: (description, offsets) ways to move the subjects closer, gentlest first.
    """
    tried: list[tuple[Attempt, Verdict]] = []
    as_written = look(written)
    if as_written.legal and as_written.cropped and not as_written.clear:
        staged = Staged(written, as_written)
        staged.warnings.append(
            f"{as_written.shortfall}: out of frame, nothing in the way; {OUT_OF_FRAME_FIX}"
        )
        return staged

    def attempt_with(candidate: Attempt) -> tuple[Attempt, Verdict] | None:
        found = _pulling(look, candidate, wild, as_written if candidate == written else None)
        tried.append(found)
        return found if found[1].clear else None

    lenses = wider_lenses(written.lens, primes)
    coarse = (0.0, *(a for a in arc if abs(a) == COARSE_ARC_DEG))
    candidates = itertools.chain(  # made as they are tried: most shots stop at the first
        [written],
        (replace(written, angle_deg=a) for a in arc),
        (replace(written, lens=lens, angle_deg=a) for lens in lenses for a in coarse),
        (
            replace(written, lens=lens, angle_deg=a, offsets=offsets, cheat=what)
            for what, offsets in subject_cheats
            for lens in dict.fromkeys((written.lens, *lenses[-1:]))
            for a in coarse
        ),
    )
    for candidate in candidates:
        found = attempt_with(candidate)
        if found is not None:
            return _report(written, as_written, *found)
    legal = [t for t in tried if t[1].legal] or tried
    best = max(legal, key=lambda t: t[1].score)
    staged = _report(written, as_written, *best)
    staged.warnings.append(_give_up(best[1], arc, lenses, bool(subject_cheats), bool(wild)))
    return staged


def _report(written: Attempt, as_written: Verdict, attempt: Attempt, verdict: Verdict) -> Staged:
    """The cheats an attempt makes, said the way a first AD would log them, with why (what blocked the shot
    as written)."""
    staged = Staged(attempt, verdict)
    if attempt.pulled:
        pieces = ", ".join(f"'{p}'" for p in sorted(attempt.pulled))
        staged.cheats.append(f"pulled the wild {_piece_word(attempt.pulled)} {pieces} for this shot")
    if attempt.angle_deg:
        staged.cheats.append(f"cheated the angle {attempt.angle_deg:+.0f}° round the subject")
    if attempt.lens != written.lens:
        staged.cheats.append(f"cheated the lens from {written.lens:g} mm to {attempt.lens:g} mm")
    if attempt.offsets:
        staged.cheats.append(attempt.cheat)
    if staged.cheats and not as_written.clear:
        blocked = f" (blocked by {', '.join(as_written.blockers[:2])})" if as_written.blockers else ""
        staged.cheats[0] += f": as written, {as_written.shortfall or 'the subject was not seen'}{blocked}"
    return staged


def _piece_word(pieces: frozenset[str]) -> str:
    walls = [p for p in pieces if p != "ceiling"]
    if not walls:
        return "ceiling"
    return ("walls" if len(walls) > 1 else "wall") + (" and ceiling" if "ceiling" in pieces else "")


def _give_up(best: Verdict, arc: Sequence[float], lenses: list[float], moved: bool, wild: bool) -> str:
    """Name what blocked the shot, what was tried, and the fix."""
    blocked = f"; blocked by {', '.join(best.blockers[:3])}" if best.blockers else ""
    tried = ["wild walls" if wild else "", f"angles to ±{max(abs(a) for a in arc):.0f}°" if arc else ""]
    if lenses:
        tried.append(f"lenses down to {lenses[-1]:g} mm")
    if moved:
        tried.append("moving the subjects closer")
    fix = (
        "move the camera by hand (a rebuild keeps it), block the scene so the subjects can be seen, "
        "mark a wall `wild` in the location, or choose a wider lens"
    )
    said = ", ".join(t for t in tried if t)
    return f"no clean view ({best.shortfall or 'the subject is not seen'}{blocked}); tried {said}; {fix}"
