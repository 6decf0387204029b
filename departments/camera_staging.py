"""Staging a camera as a DP and a first AD would: on its side of the line of action, seeing what it frames.

Per story scene, `SceneStaging` draws the line (production/camera/line.py) and keeps the set and the cast as
rays see them (sightlines.py). Per camera, `CameraShot.pose` frames and moves one `Attempt`; `stage` looks
at it on the shot's first, middle and last frame and, when something stands in the way, cheats in the crew's
order (production/camera/cheats.py). What a shot cheats is keyed on the shot's frames only: a pulled wild
wall is hidden from render, a cheated subject is offset by a `Backlot Cheat` constraint. See docs/camera.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import bpy

from ..production.camera import cheats, framing
from ..production.camera import moves as camera_moves
from ..production.camera import shot as camera_shot
from ..production.camera.cheats import Attempt, Staged, Verdict
from ..production.camera.framing import Subject
from ..production.camera.line import EXEMPT_SIZES, Hand, Line, choose_hand, right_of
from ..production.camera.moves import CameraPose
from ..production.camera.optics import Vec3, box_center, camera_axes, offset
from ..production.camera.solver import CameraPlacement, Lens
from ..production.coverage import line_of_action
from ..production.model import CameraSpec, Production, Scene, Shot
from ..production.staging.sets import wild_pieces
from . import camera_rigs
from .camera_subjects import SceneSubjects, eye_path
from .context import BuildContext
from .locations import piece_key
from .sightlines import NO_OFFSET, SightCache, Sightlines, Target, box_target, sampled_frames, targets_for
from .stage import department_collection, story_scene

LENS_SET = "standard"
"""The primes a lens cheat steps through (presets/lens_sets/<name>.yaml)."""
HEAD_NEED = 0.6
FIGURE_NEED = 0.55
PROP_NEED = 0.6
SHOULDER_NEED = 0.1
"""Shares of sampled points a camera must see: a head, a whole figure (wide sizes), a prop or mark, and the
near shoulder of an over-the-shoulder (in frame). Above the staging measure's 50 % and 5 %, for margin."""
WIDE_SIZES = frozenset({"EWS", "WS", "TWO"})
ARCS = {"INSERT": cheats.FLAT_ARC_DEG, "OTS": ()}
"""Angle cheats per size, where not the full arc: an insert's flat subject, an OTS (its angle is the line
between the two: the shoulder, the lens and the subjects are what a crew cheats)."""
CROWDED_FILL = 0.5
"""A two-shot whose pair fills less than this share of the height its size asks is cheated like a blocked one:
they stand too far apart for the frame."""
LINE_MARGIN_M = 0.05
"""A camera closer to the line than this (or across it) breaks the 180-degree rule."""
ROOM_REACH_M = 30.0
EYE_LEVEL_M = 1.5
CHEAT = "Backlot Cheat"
"""The constraint that moves a cheated subject by its shot's offset (COPY_LOCATION with use_offset)."""
MIN_GAP_M = 0.9
"""Closest a cheat brings two people (shoulder to shoulder)."""
TWO_SHARES = (0.6, 0.4, 0.25, 0.12)
OTS_SHARES = (0.5, 0.4, 0.3)
"""Subject cheats tried, gentlest first: the share of the gap a TWO keeps; the share of the over-the-
shoulder camera's stand-off the near subject is brought to."""


@dataclass(frozen=True)
class Posed:
    """One way to shoot a camera, worked out: the framing, the start, and the pose on every frame."""

    placement: CameraPlacement
    start: CameraPose
    focus_depth: float
    poses: list[CameraPose]
    looked_at: Subject
    eyes: list[Vec3]


@dataclass(frozen=True)
class CameraShot:
    """What one camera of one shot frames, with everything a try at it needs."""

    production: Production
    shot: Shot
    spec: CameraSpec
    size: framing.ShotSize
    first_frame: int
    frames: int
    aspect: float
    framed: Subject
    second: Subject | None
    line_side: tuple[float, float] | None

    def pose(self, subjects: SceneSubjects, attempt: Attempt) -> Posed:
        """Frame and move the camera as `attempt` says: its lens, its angle, its subjects cheated."""
        moved = dict(attempt.offsets)
        spec = replace(self.spec, lens=attempt.lens)
        placement = framing.frame_subject(
            self.size,
            _shifted(self.framed, moved),
            attempt.lens,
            spec.sensor,
            self.aspect,
            spec.sensor_fit,
            height=spec.height,
            side_deg=self.size.side_deg + spec.angle + attempt.angle_deg,
            other=None if self.second is None else _shifted(self.second, moved),
            line_side=self.line_side,
        )
        start, focus_depth = camera_shot.start_pose(spec, placement)
        looked_at = self.second if self.size.region is None and self.second is not None else self.framed
        forward = camera_axes(start.rotation_euler)[2]
        focus_point = offset(start.location, forward, focus_depth)
        path = (
            eye_path(subjects, looked_at.name, self.first_frame, self.frames) or [focus_point] * self.frames
        )
        shift = moved.get(looked_at.name, NO_OFFSET)
        eyes = [(e[0] + shift[0], e[1] + shift[1], e[2] + shift[2]) for e in path]
        looked_at = _shifted(looked_at, moved)
        parameters = camera_shot.move_parameters(spec, start, looked_at, eyes)
        samples = camera_moves.move_samples(spec.move, start, self.frames, **parameters)
        poses = camera_shot.rig_poses(spec, samples, self.production.fps)
        return Posed(placement, start, focus_depth, poses, looked_at, eyes)


def _shifted(subject: Subject, offsets: dict[str, Vec3]) -> Subject:
    """`subject` moved by its cheat for the shot, if it has one."""
    shift = offsets.get(subject.name)
    if shift is None:
        return subject
    low, high = subject.bounds
    return replace(
        subject,
        bounds=(
            tuple(a + b for a, b in zip(low, shift, strict=True)),
            tuple(a + b for a, b in zip(high, shift, strict=True)),
        ),  # type: ignore[arg-type]
    )


def _names(subject: Subject | None) -> tuple[str, ...]:
    return () if subject is None else (subject.name,)


def _crowded(setup: CameraShot, placement: CameraPlacement) -> float:
    """How well a two-shot's pair fills the frame, relative to CROWDED_FILL of what its size asks (>= 1:
    well enough); 1 for other sizes."""
    if setup.size.subjects != 2 or setup.size.name == "OTS" or setup.size.fill is None:
        return 1.0
    return placement.region.fill / (CROWDED_FILL * setup.size.fill)


def _centre(subject: Subject) -> tuple[float, float]:
    x, y, _ = box_center(subject.bounds)
    return (x, y)


class SceneStaging:
    """One story scene's staging: its line of action, its set and cast as rays see them, and the cheats
    its shots made (written onto the set and the cast when every camera is built)."""

    def __init__(
        self,
        ctx: BuildContext,
        production: Production,
        scene: Scene,
        local_bounds: dict[int, list[Any]],
        sight_cache: SightCache,
    ):
        self.ctx = ctx
        self.scene = scene
        location = production.location(scene.location)
        blockout = {} if location.model is not None else location.settings.get("blockout") or {}
        self.wild = wild_pieces(blockout)
        self.pieces: dict[str, str] = {}
        """Set piece object name -> piece name (`left`, `ceiling`)."""
        for piece in (*(blockout.get("walls") or []), "ceiling"):
            found = ctx.find("objects", piece_key(scene.id, str(piece)))
            if found is not None:
                self.pieces[found.name] = str(piece)
        self.subjects = SceneSubjects(ctx, production, scene, local_bounds)
        self.pulls: dict[str, list[tuple[int, int]]] = {}
        self.cheats: dict[str, list[tuple[int, int, Vec3]]] = {}
        self.sight_cache = sight_cache
        self.primes = [float(p) for p in (ctx.presets.get("lens_sets", LENS_SET) or {}).get("lenses", [])]
        self._sightlines: Sightlines | None = None
        self._hand: Hand | None = None
        for name in scene.characters:  # measure the cast where its blocking puts it, not where a cheat did
            cheat = self._cheat_constraint(name)
            if cheat is not None and not cheat.mute:
                cheat.mute = True

    def _cheat_constraint(self, name: str) -> bpy.types.Constraint | None:
        root = self.subjects.root(name)
        return None if root is None else root.constraints.get(CHEAT)

    def sightlines(self) -> Sightlines:
        if self._sightlines is None:
            cast = {n: r for n in self.scene.characters if (r := self.subjects.root(n)) is not None}
            scene = story_scene(self.ctx, self.scene.id)
            self._sightlines = Sightlines(scene, cast, self.pieces, self.sight_cache, self.subjects.depsgraph)
        return self._sightlines

    def hand(self, names: tuple[str, str]) -> Hand:
        """The scene's side of its line, chosen once from where A and B stand when it starts."""
        if self._hand is None:
            a, b = self.subjects.get(names[0]), self.subjects.get(names[1])
            assert a is not None and b is not None, "line() asks only for a line between two subjects"
            ca, cb = _centre(a), _centre(b)
            middle = ((ca[0] + cb[0]) / 2, (ca[1] + cb[1]) / 2, EYE_LEVEL_M)
            normal = right_of(ca, cb)
            sight = self.sightlines()
            rooms = [
                sight.room(middle, (normal[0] * sign, normal[1] * sign), self.wild, ROOM_REACH_M)
                for sign in (1, -1)
            ]
            last = self.ctx.plan.scene_ranges.get(self.scene.id, (1, 1))[1]
            ends = [self.subjects.get(name, last) for name in names]
            moved = [_centre(e) for e in ends if e is not None]
            drift = (0.0, 0.0)
            if len(moved) == 2:
                drift = (
                    (moved[0][0] + moved[1][0] - ca[0] - cb[0]) / 2,
                    (moved[0][1] + moved[1][1] - ca[1] - cb[1]) / 2,
                )
            self._hand = choose_hand(ca, cb, a.facing, b.facing, rooms[0], rooms[1], drift)
        return self._hand

    def line(self, shot: Shot, spec: CameraSpec, size: framing.ShotSize, frame: int) -> Line | None:
        """The line this camera stays on the side of; None for POVs, inserts and scenes of one."""
        names = line_of_action(self.scene.characters, self.scene.line)
        if (
            names is None
            or size.name in EXEMPT_SIZES
            or size.region is None
            or spec.projection != "perspective"
        ):
            return None
        a, b = self.subjects.get(names[0], frame), self.subjects.get(names[1], frame)
        if a is None or b is None or right_of(_centre(a), _centre(b)) == (0.0, 0.0):
            return None
        line = Line(names[0], names[1], _centre(a), _centre(b), self.hand(names).sign)
        return line.crossed() if spec.cross_line else line

    def stage(self, setup: CameraShot, line: Line | None) -> tuple[Staged, Posed]:
        """The camera as written if it sees what it frames from its side of the line, else the crew's
        first cheat that does (or the best try, with a warning)."""
        tried: dict[Attempt, Posed] = {}

        def posed(attempt: Attempt) -> Posed:
            if attempt not in tried:
                tried[attempt] = setup.pose(self.subjects, attempt)
            return tried[attempt]

        written = Attempt(setup.spec.lens)
        targets = [] if setup.spec.projection != "perspective" else self._targets(setup)
        if not targets:  # an isometric tile view, or nothing real to see
            return Staged(written, Verdict(1.0)), posed(written)
        samples = sampled_frames(setup.frames)
        lens = (setup.spec.sensor, setup.spec.sensor_fit, setup.aspect)
        ignore = frozenset({setup.framed.name}) if setup.size.region is None else frozenset()

        exchange = line is not None and {line.a_name, line.b_name} & {
            setup.framed.name,
            *_names(setup.second),
        }

        def look(attempt: Attempt) -> Verdict:
            shot = posed(attempt)
            legal = not exchange or line is None or line.offside(shot.poses[0].location) >= LINE_MARGIN_M
            frames = [(setup.first_frame + i, shot.poses[i]) for i in samples]
            sight = self.sightlines().look(
                frames, targets, lens, attempt.pulled, dict(attempt.offsets), ignore
            )
            blockers = tuple(name for name, _ in sight.blockers.most_common())
            shortfall = sight.shortfalls[0] if sight.shortfalls else ""
            score, crowded = sight.worst, _crowded(setup, shot.placement)
            if crowded < 1.0:  # a pair so far apart the frame holds them tiny: moving them closer helps
                score = min(score, crowded)
                shortfall = (
                    shortfall or f"the pair fills {shot.placement.region.fill:.2f} of the frame height"
                )
            if not legal:
                shortfall = shortfall or "the camera stands across the line"
            cropped = score < 1.0 and not sight.blockers and not sight.near_short and crowded >= 1.0
            return Verdict(score, frozenset(sight.wild_blockers), blockers, shortfall, legal, cropped)

        arc = ARCS.get(setup.size.name, cheats.ANGLE_ARC_DEG)
        staged = cheats.stage(look, written, self.wild, self.primes, self._subject_cheats(setup), arc)
        last = setup.first_frame + setup.frames - 1
        for piece in staged.attempt.pulled:
            self.pulls.setdefault(piece, []).append((setup.first_frame, last))
        for name, shift in staged.attempt.offsets:
            self.cheats.setdefault(name, []).append((setup.first_frame, last, shift))
        return staged, posed(staged.attempt)

    def _targets(self, setup: CameraShot) -> list[Target]:
        """What the camera must see: the framed head (and figure, wide), both of a TWO, the shoulder of an
        OTS, the prop or mark of an insert, what a POV looks at."""
        size = setup.size
        if size.region is None:
            return [] if setup.second is None else self._seen(setup.second, HEAD_NEED, None)
        wide = FIGURE_NEED if size.name in WIDE_SIZES else None
        found = self._seen(setup.framed, HEAD_NEED, wide)
        if setup.second is not None and (size.subjects == 2 or size.group):
            if size.name == "OTS":
                near = self.sightlines().cast.get(setup.second.name)
                if near is not None:  # its whole figure, as the staging measure samples the shoulder
                    name = setup.second.name
                    found.append(Target(name, near.shape.outline, name, SHOULDER_NEED, True, "shoulder"))
            else:
                found += self._seen(setup.second, HEAD_NEED, wide)
        return found

    def _seen(self, subject: Subject, need: float, figure: float | None) -> list[Target]:
        if subject.name in self.sightlines().cast:
            return targets_for(self.sightlines(), subject.name, need, figure)
        if subject.name in ("set", "ahead"):  # nothing real to see: an empty set, a POV of nobody
            return []
        return [box_target(subject.name, subject.bounds, PROP_NEED)]

    def _subject_cheats(self, setup: CameraShot) -> list[tuple[str, tuple[tuple[str, Vec3], ...]]]:
        """Ways to bring a TWO's pair or an OTS's near subject closer for this shot, gentlest first."""
        a, b, size = setup.framed, setup.second, setup.size
        cast = self.sightlines().cast
        if b is None or size.subjects != 2 or size.region is None or a.name not in cast or b.name not in cast:
            return []
        ca, cb = _centre(a), _centre(b)
        gap = math.dist(ca, cb)
        if gap < 1e-6:
            return []
        toward_a = ((ca[0] - cb[0]) / gap, (ca[1] - cb[1]) / gap)
        found: list[tuple[str, tuple[tuple[str, Vec3], ...]]] = []
        if size.name == "OTS":
            assert size.fill is not None
            tan_v = Lens(setup.spec.lens, setup.spec.sensor, setup.spec.sensor_fit, setup.aspect).tan_half[1]
            standoff = (size.region[1] - size.region[0]) * a.height / size.fill / 2 / tan_v
            for share in OTS_SHARES:
                move = gap - max(standoff * share, MIN_GAP_M)
                if move > 0.05:
                    what = f"cheated {b.name} {move:.1f} m toward {a.name} for this shot (too far for an OTS)"
                    found.append((what, ((b.name, (toward_a[0] * move, toward_a[1] * move, 0.0)),)))
            return found
        for share in TWO_SHARES:
            each = (gap - max(gap * share, MIN_GAP_M)) / 2
            if each > 0.05:
                what = f"cheated {a.name} and {b.name} {2 * each:.1f} m closer together for this shot"
                shifts = (
                    (a.name, (-toward_a[0] * each, -toward_a[1] * each, 0.0)),
                    (b.name, (toward_a[0] * each, toward_a[1] * each, 0.0)),
                )
                found.append((what, shifts))
        return found

    def finish(self, first_frame: int) -> None:
        """Key the shots' cheats: pulled pieces hidden from render, cheated subjects offset, on the shots'
        frames only; pieces and subjects no shot cheats any more are handed back whole."""
        for obj_name, piece in self.pieces.items():
            obj = bpy.data.objects[obj_name]
            key = f"{piece_key(self.scene.id, piece)}/pulled"
            ranges = self.pulls.get(piece)
            if ranges:
                camera_rigs.key_steps(
                    self.ctx, obj, key, {("hide_render", 0): _steps(ranges, first_frame, 1.0)}
                )
            elif _keyed_by(obj, key):
                obj.animation_data.action = None
                obj.hide_render = False
        for name in self.scene.characters:
            self._write_cheat(name, first_frame)

    def _write_cheat(self, name: str, first_frame: int) -> None:
        root, cheat = self.subjects.root(name), self._cheat_constraint(name)
        ranges = self.cheats.get(name)
        if root is None:
            return
        if not ranges:
            if cheat is not None:
                root.constraints.remove(cheat)
            return
        key = f"scene:{self.scene.id}/character:{name}/cheat"
        collection = department_collection(self.ctx, self.scene.id, "Cameras")
        empty = self.ctx.ensure_object(key, f"{self.scene.id} {name} Cheat", None, collection)
        channels = {
            ("location", axis): _steps(
                [(s, e) for s, e, _ in ranges], first_frame, [v[axis] for *_, v in ranges]
            )
            for axis in range(3)
        }
        camera_rigs.key_steps(self.ctx, empty, f"{key}/action", channels)
        if cheat is None:
            cheat = root.constraints.new("COPY_LOCATION")
            cheat.name = CHEAT
        for attribute, value in (("use_offset", True), ("mute", False), ("target", empty)):
            if getattr(cheat, attribute) != value:
                setattr(cheat, attribute, value)


def _keyed_by(obj: bpy.types.Object, key: str) -> bool:
    action = obj.animation_data.action if obj.animation_data is not None else None
    return action is not None and action.get("backlot_key") == key


def _steps(
    ranges: Sequence[tuple[int, int]], first_frame: int, values: float | Sequence[float]
) -> list[tuple[float, float]]:
    """Held keys: 0 from `first_frame`, each range's value over its frames, back to 0 after it."""
    held = [values] * len(ranges) if isinstance(values, float) else list(values)
    points: dict[int, float] = {min(first_frame, *(s for s, _ in ranges)): 0.0}
    for (start, end), value in sorted(zip(ranges, held, strict=True)):
        points.setdefault(end + 1, 0.0)
        points[start] = value
    return sorted((float(f), v) for f, v in points.items())
