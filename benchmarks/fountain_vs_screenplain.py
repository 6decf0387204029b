"""Parse + paginate + breakdown of a feature-length screenplay, against screenplain's parser on the same text.

Run: ``python benchmarks/fountain_vs_screenplain.py [rounds]`` (screenplain is a test-only dependency). Prints
the page count, both timings, the ratio and Backlot's time per stage; the goal is Backlot >= 2x faster.

The work compared: screenplain's ``parse`` reads the same text into its paragraphs (title page, boneyard and
notes removed, every line's emphasis parsed into styled text); it has no pagination and no breakdown. Backlot
parses (keeping source lines, notes and boneyards as elements), lays the script out on US-letter pages (page
count and each scene's eighths) and writes every scene's breakdown sheet. The two sides run alternately, round
after round, and each keeps its best time: on a busy machine a slow spell then hits both instead of whichever
ran during it. Times are the thread's CPU time (``time.thread_time``), so a run is not charged for the time
other processes hold the CPU. Backlot's caches (and `re`'s cache of compiled patterns) are cleared before each
of its runs.
"""

from __future__ import annotations

import io
import random
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _load_backlot() -> None:
    """Import the repository as the package ``backlot``, as Blender and the tests do."""
    sys.path.insert(0, str(ROOT))
    import run

    run.import_package()


NAMES = ["MAYA", "LEO", "DETECTIVE RUIZ", "OLD MAN", "SAM", "PRIYA", "KOFI", "MRS. DALE"]
PLACES = [
    "WAREHOUSE",
    "DOCKS",
    "CAFE",
    "POLICE STATION",
    "MAYA'S APARTMENT",
    "ALLEY",
    "ROOFTOP",
    "FOREST ROAD",
]
TIMES = ["DAY", "NIGHT", "DAWN", "DUSK", "CONTINUOUS", "LATER"]
WORDS = [
    "the",
    "a",
    "rain",
    "door",
    "light",
    "shadow",
    "runs",
    "turns",
    "looks",
    "waits",
    "slowly",
    "quickly",
    "glass",
    "table",
    "phone",
    "car",
    "street",
    "across",
    "toward",
    "behind",
    "under",
    "over",
    "cold",
    "bright",
    "dark",
    "quiet",
    "loud",
    "her",
    "his",
    "their",
    "window",
    "corner",
    "stairs",
    "coat",
    "hands",
]


def feature_script(seed: int = 7, scenes: int = 130) -> str:
    """A deterministic screenplay of about 120 US-letter pages (a scene is about 0.9 of a page)."""
    rng = random.Random(seed)

    def sentence(low: int, high: int) -> str:
        words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
        return " ".join(words).capitalize() + "."

    parts = ["Title: Benchmark Feature\nAuthor: Backlot\nDraft date: 2026-01-01\n"]
    for number in range(1, scenes + 1):
        setting = rng.choice(["INT.", "EXT."])
        parts.append(f"{setting} {rng.choice(PLACES)} - {rng.choice(TIMES)} #{number}#")
        parts.append(
            " ".join(sentence(6, 14) for _ in range(rng.randint(2, 4))) + " A GUN lies on the TABLE."
        )
        for _ in range(rng.randint(5, 7)):
            speaker = rng.choice(NAMES)
            cue = speaker + rng.choice(["", "", " (V.O.)", " (O.S.)"])
            parenthetical = f"\n({rng.choice(['quietly', 'beat', 'turning'])})" if rng.random() < 0.3 else ""
            speech = " ".join(sentence(4, 12) for _ in range(rng.randint(1, 3)))
            parts.append(f"{cue}{parenthetical}\n{speech}")
            if rng.random() < 0.4:
                parts.append(sentence(8, 20) + f" {rng.choice(NAMES)} *watches* the _door_.[[props: key]]")
        parts.append(rng.choice(["CUT TO:", "> SMASH CUT TO:", "DISSOLVE TO:"]))
    return "\n\n".join(parts) + "\n"


def timed(work: Callable[[], object]) -> float:
    start = time.thread_time()
    work()
    return time.thread_time() - start


def best_interleaved(
    rounds: int, first: Callable[[], object], second: Callable[[], object]
) -> tuple[float, float]:
    """Best time of each over ``rounds`` alternating runs (which goes first alternates too)."""
    best = [float("inf"), float("inf")]
    for round_ in range(rounds):
        order = [(0, first), (1, second)] if round_ % 2 == 0 else [(1, second), (0, first)]
        for slot, work in order:
            best[slot] = min(best[slot], timed(work))
    return best[0], best[1]


def clear_caches() -> None:
    """No help from earlier runs: Backlot's caches go, and so do `re`'s compiled patterns (this script's
    character names become one)."""
    from backlot.production.screenplay import breakdown, markup

    markup._marked_plain_text.cache_clear()
    breakdown._capitals_item.cache_clear()
    breakdown.display_name.cache_clear()
    re.purge()


def stage_times(rounds: int, text: str) -> tuple[float, float, float]:
    """Best time of each Backlot stage over ``rounds`` runs, caches cleared before each run."""
    from backlot.production.screenplay import breakdown, fountain

    best = [float("inf")] * 3
    for _ in range(rounds):
        clear_caches()
        start = time.thread_time()
        screenplay = fountain.parse(text)
        parsed = time.thread_time()
        pagination = fountain.paginate(screenplay)
        paginated = time.thread_time()
        breakdown.breakdown(screenplay, pagination=pagination)
        done = time.thread_time()
        for slot, seconds in enumerate((parsed - start, paginated - parsed, done - paginated)):
            best[slot] = min(best[slot], seconds)
    return best[0], best[1], best[2]


def main() -> None:
    _load_backlot()
    from backlot.production.screenplay import breakdown, fountain

    try:
        from screenplain.parsers import fountain as screenplain_fountain
    except ImportError:
        sys.exit("screenplain is not installed: pip install screenplain (test-only dependency)")

    text = feature_script()

    def backlot() -> object:
        clear_caches()
        screenplay = fountain.parse(text)
        pagination = fountain.paginate(screenplay)
        return breakdown.breakdown(screenplay, pagination=pagination)

    def screenplain() -> object:
        return list(screenplain_fountain.parse(io.StringIO(text)).paragraphs)

    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    pages = fountain.paginate(fountain.parse(text)).page_count
    backlot(), screenplain()  # warm up both
    ours, theirs = best_interleaved(rounds, backlot, screenplain)
    print(f"script: {len(text.splitlines())} lines, {pages} US-letter pages, best of {rounds} rounds")
    print(f"backlot parse+paginate+breakdown: {ours * 1000:.1f} ms")
    print(f"screenplain parse:                {theirs * 1000:.1f} ms")
    print(f"ratio (screenplain / backlot): {theirs / ours:.2f}x  (goal >= 2x)")
    parse, paginate, sheets = stage_times(rounds, text)
    print(f"backlot stages: parse {parse * 1000:.1f} ms, paginate {paginate * 1000:.1f} ms, ", end="")
    print(f"breakdown {sheets * 1000:.1f} ms")


if __name__ == "__main__":
    main()
