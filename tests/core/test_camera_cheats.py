"""The crew's cheat order (production/camera/cheats.py), driven by a fake `look` that says what each attempt
sees: what is chosen, in which order attempts are tried, and what the report says."""

from __future__ import annotations

from collections.abc import Callable

from backlot.production.camera.cheats import (
    ANGLE_ARC_DEG,
    FLAT_ARC_DEG,
    Attempt,
    Verdict,
    stage,
    wider_lenses,
)

PRIMES = [14, 18, 21, 25, 27, 32, 35, 40, 50, 65, 75, 100, 135, 150]
WRITTEN = Attempt(lens=85.0)
BLOCKED = Verdict(0.0, blockers=("2 Room left",), shortfall="frame 1: 0% of Ann's head seen")


def recording(
    clear_when: Callable[[Attempt], bool], wild: frozenset[str] = frozenset()
) -> tuple[list[Attempt], Callable[[Attempt], Verdict]]:
    tried: list[Attempt] = []

    def look(attempt: Attempt) -> Verdict:
        tried.append(attempt)
        if clear_when(attempt):
            return Verdict(1.2)
        blocking = wild - attempt.pulled
        return Verdict(
            0.1 + 0.001 * len(tried), wild=blocking, blockers=BLOCKED.blockers, shortfall=BLOCKED.shortfall
        )

    return tried, look


def test_a_clear_shot_is_shot_as_written() -> None:
    tried, look = recording(lambda a: True)
    staged = stage(look, WRITTEN, frozenset({"left"}), PRIMES)
    assert staged.attempt == WRITTEN and staged.cheats == [] and staged.warnings == []
    assert tried == [WRITTEN]


def test_a_wild_wall_is_pulled_first_and_only_a_wild_one() -> None:
    tried, look = recording(lambda a: "left" in a.pulled, wild=frozenset({"left", "back"}))
    staged = stage(look, WRITTEN, frozenset({"left"}), PRIMES)  # only `left` is wild
    assert staged.attempt.pulled == frozenset({"left"}) and staged.attempt.angle_deg == 0
    assert staged.cheats[0].startswith("pulled the wild wall 'left' for this shot: as written, frame 1: 0%")
    assert "(blocked by 2 Room left)" in staged.cheats[0]
    assert len(tried) == 2


def test_then_the_angle_nearest_first_then_the_lens() -> None:
    tried, look = recording(lambda a: abs(a.angle_deg) >= 30)
    staged = stage(look, WRITTEN, frozenset(), PRIMES)
    assert staged.attempt.angle_deg == 30.0 and staged.attempt.lens == 85.0
    assert [a.angle_deg for a in tried] == [0.0, 15.0, -15.0, 30.0]
    assert staged.cheats[0].startswith("cheated the angle +30° round the subject")

    tried, look = recording(lambda a: a.lens <= 50 and a.angle_deg == 0)
    staged = stage(look, WRITTEN, frozenset(), PRIMES)
    assert staged.attempt.lens == 50.0 and staged.attempt.angle_deg == 0.0
    assert any(c.startswith("cheated the lens from 85 mm to 50 mm") for c in staged.cheats)
    assert len(tried) == 1 + len(ANGLE_ARC_DEG) + 2 * 3 + 1  # 75 and 65 at three angles each, then 50


def test_then_the_subjects_closer_then_give_up_naming_what_blocked() -> None:
    closer = (("cheated Ann and Bob 3.0 m closer together for this shot", (("Ann", (1.5, 0.0, 0.0)),)),)
    tried, look = recording(lambda a: bool(a.offsets))
    staged = stage(look, WRITTEN, frozenset(), PRIMES, closer)
    assert staged.attempt.offsets and staged.attempt.lens == 85.0
    assert "cheated Ann and Bob 3.0 m closer together for this shot" in staged.cheats[0]

    tried, look = recording(lambda a: False)
    staged = stage(look, WRITTEN, frozenset(), PRIMES, closer)
    assert staged.warnings and staged.warnings[0].startswith("no clean view (frame 1: 0% of Ann's head seen")
    assert "blocked by 2 Room left" in staged.warnings[0]
    assert "angles to ±75°" in staged.warnings[0] and "lenses down to 40 mm" in staged.warnings[0]
    assert "moving the subjects closer" in staged.warnings[0]
    assert staged.verdict.score == max(0.1 + 0.001 * (i + 1) for i in range(len(tried)))


def test_an_attempt_across_the_line_is_never_chosen() -> None:
    def look(attempt: Attempt) -> Verdict:
        return Verdict(5.0, legal=attempt.angle_deg >= 0) if attempt.angle_deg else Verdict(0.0)

    staged = stage(look, WRITTEN, frozenset(), PRIMES)
    assert staged.attempt.angle_deg == 15.0
    assert not Verdict(5.0, legal=False).clear


def test_flat_subjects_keep_a_narrow_arc_and_lenses_step_down_the_set() -> None:
    tried, look = recording(lambda a: False)
    stage(look, WRITTEN, frozenset(), PRIMES, arc=FLAT_ARC_DEG)
    assert max(abs(a.angle_deg) for a in tried) == 30.0
    assert wider_lenses(85.0, PRIMES) == [75, 65, 50, 40]
    assert wider_lenses(14.0, PRIMES) == []


def test_a_size_with_no_angle_to_cheat_gives_up_without_one() -> None:
    """An OTS's angle is the line between its two people: no angle cheats, and the warning names none."""
    tried, look = recording(lambda a: False)
    staged = stage(look, WRITTEN, frozenset(), PRIMES, arc=())
    assert all(a.angle_deg == 0 for a in tried)
    assert "angles" not in staged.warnings[0] and "lenses down to 40 mm" in staged.warnings[0]
