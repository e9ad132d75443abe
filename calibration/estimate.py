"""Pure estimation: people from detections, regions with margins, noise floor, body scale.

Nothing here reads video or runs MediaPipe; :mod:`calibration.detect` and
:mod:`calibration.baseline` produce the inputs. All geometry is in pixels of the full frame
until the regions are normalised at the end.

Whether a person sat still during a baseline (:func:`movement_reason`) is decided from the
baseline's own noise floors; see :data:`STILL_LIMITS` for the rule and its numbers.

How regions are proposed (:func:`propose_regions`)
---------------------------------------------------
1. :func:`group_people` merges the detections of all passes and sampled frames: a detection
   joins the person whose head lies within ``MERGE_RADIUS_SW`` shoulder widths of its head
   (the larger of the two widths), else it starts a new person.
2. A person must be seen in at least a third of the sampled frames; fewer than two such
   people is an :class:`~synchrony.errors.InputError`. With more, the two seen most often
   (then the larger) are used and a warning names the others.
3. The left one is A, the right one B (the contract).
4. Each region covers the person's head and upper body with room to move, in units of the
   person's own shoulder width ``sw`` (so near and far people get proportionate regions):
   ``HALF_WIDTH_SW`` to each side of the head centre, ``ABOVE_HEAD_SW`` above it, down to
   ``BELOW_SHOULDERS_SW`` below the shoulder line, united with everything seen in the
   sampled frames plus ``MARGIN_SW``, clipped to the frame.
5. Regions never overlap: if A's right edge passes B's left edge, both are cut at the point
   between the two heads where the people's outlines would meet if each extended equally
   far in units of their own shoulder width,
   ``x = xA + swA * (xB - xA) / (swA + swB)`` -- the midpoint for equal sizes, closer to the
   smaller person otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from synchrony.errors import InputError
from synchrony.records import PERSONS, Region, TrackedFrame
from synchrony.signals.extract import SignalSet, median_shoulder_width_px, person_features
from synchrony.signals.registry import (
    DEFAULT_NOISE_MARGIN,
    DEFAULT_NOISE_PERCENTILE,
    get_signal,
    signal_names,
)

from .detect import Detection

__all__ = [
    "STILL_LIMITS",
    "PersonEstimate",
    "RegionProposal",
    "body_scales",
    "group_people",
    "movement_reason",
    "noise_floor",
    "noise_floors",
    "propose_regions",
    "stillness_score",
]

#: Detections whose heads are closer than this many shoulder widths are the same person.
MERGE_RADIUS_SW = 0.5
#: A person must be seen in at least this fraction of the sampled frames.
MIN_SUPPORT = 1.0 / 3.0
#: Region half-width around the head centre, in shoulder widths (shoulder joints sit at
#: 0.5; the outline of shoulders and arms reaches ~0.8, ~1.05 in bulky clothing such as the
#: generated clip's space suit; the rest is room to sway).
HALF_WIDTH_SW = 1.5
#: Region top above the head centre, in shoulder widths (head top ~0.5, the rest margin).
ABOVE_HEAD_SW = 0.9
#: Region bottom below the shoulder line, in shoulder widths (elbows, hands on a desk).
BELOW_SHOULDERS_SW = 1.8
#: Margin around everything seen, in shoulder widths.
MARGIN_SW = 0.2

#: Percentile of a still person's signal taken as its jitter level, and the margin over
#: it, unless a signal's noise-floor rule (:class:`synchrony.signals.registry.NoiseFloorRule`,
#: which also holds its lower bound) says otherwise.
NOISE_PERCENTILE = DEFAULT_NOISE_PERCENTILE
NOISE_MARGIN = DEFAULT_NOISE_MARGIN
#: Seconds left out at each end of a baseline (filter edges, tracker warm-up).
EDGE_TRIM_S = 0.5
#: A baseline needs at least this many seconds of a signal after trimming.
MIN_BASELINE_S = 1.0

#: Highest noise floors (signal -> level in the signal's unit) of a person who sat still
#: during the baseline: above either one, the person moved and the baseline is not a noise
#: floor (:func:`movement_reason`).
#:
#: ``head`` 8 deg/s. Tracker jitter alone (a frozen frame with fresh sensor noise in every
#: frame, x264, on the generated clips and on frames of the real clips in
#: ``sample_media``): 0.05-1.6 deg/s at noise sigma 1.2 grey levels; up to 6.3 deg/s at
#: sigma 4 (a noisy webcam) on the 320x240 and 480x270 real clips with small faces. Moving
#: people: the median over their 3 s stretches is 9.5-59 deg/s on the generated clips and
#: 5.3-98 deg/s on the real ones.
#:
#: ``motion`` 0.005 (fraction of region pixels changed per frame). A frame difference sees
#: only what changes from one frame to the next by more than the tracker's threshold (12
#: grey levels): jitter-only frames give exactly 0 (the rule's minimum, 1e-6) even at sigma
#: 4, slow drift such as breathing moves an edge by far less than a pixel per frame, and a
#: blink changes about 0.1 % of a head-and-shoulders region. Moving people: a median of
#: 0.06-0.29 over their 3 s stretches (generated clips); in their stillest 3 s 0.0015-0.07
#: on the real clips and 0.013-0.22 for the generated clips' B, whereas the generated A
#: pauses (0.0006-0.008): one reason a searched stretch must be still for both people
#: (:func:`calibration.baseline.baseline_from_stillest`).
#:
#: ``body`` and ``face`` are not used: on a frozen frame the generated astronaut's shoulder
#: landmarks drift to a body floor of 0.40-0.53 body widths/s, above the 0.06-0.39 of moving
#: people, and a blink or a word lifts the face floor of a person who otherwise sits still.
#: A camera in a dark room (sensor noise above ~5 grey levels) can lift the motion floor of
#: a still person over its limit: the baseline is then refused, never wrongly applied. The
#: jitter figures come from frozen frames, not from filmed people sitting still (no such
#: footage was at hand).
STILL_LIMITS: Mapping[str, float] = {"head": 8.0, "motion": 0.005}


@dataclass(frozen=True, slots=True)
class PersonEstimate:
    """One person found in the sampled frames (pixels of the full frame).

    Attributes
    ----------
    head_xy_px : median head centre (x, y).
    shoulder_width_px : median measured shoulder width (pose detections), or the median
        estimate from the face width if no pose was found.
    width_measured : True if ``shoulder_width_px`` comes from pose detections.
    shoulder_y_px : median height of the shoulder line.
    box_px : (x0, y0, x1, y1) union of everything seen of the person in all sampled frames.
    n_frames : number of sampled frames in which the person was found.
    """

    head_xy_px: tuple[float, float]
    shoulder_width_px: float
    width_measured: bool
    shoulder_y_px: float
    box_px: tuple[float, float, float, float]
    n_frames: int


@dataclass(frozen=True, slots=True)
class RegionProposal:
    """Proposed regions of A (left) and B (right).

    Attributes
    ----------
    regions : (A, B) normalised regions, not overlapping.
    people : (A, B) estimates the regions were made from.
    frame_size_px : (width, height) of the frames.
    n_frames : number of frames sampled.
    warnings : things the user should check (extra people, a person seen rarely).
    """

    regions: tuple[Region, Region]
    people: tuple[PersonEstimate, PersonEstimate]
    frame_size_px: tuple[int, int]
    n_frames: int
    warnings: list[str] = field(default_factory=list)

    @property
    def body_scale(self) -> dict[str, float | None]:
        """Measured shoulder width / frame width per person (None if only a face was seen)."""
        w = self.frame_size_px[0]
        return {p: (e.shoulder_width_px / w if e.width_measured else None)
                for p, e in zip(PERSONS, self.people, strict=True)}


# --------------------------------------------------------------------------- people


def _summarise(group: Sequence[Detection]) -> PersonEstimate:
    poses = [d for d in group if d.measured_width]
    sized = poses or list(group)
    boxes = np.array([d.box_px for d in group])
    heads = np.array([d.head_xy_px for d in group])
    return PersonEstimate(
        head_xy_px=(float(np.median(heads[:, 0])), float(np.median(heads[:, 1]))),
        shoulder_width_px=float(np.median([d.shoulder_width_px for d in sized])),
        width_measured=bool(poses),
        shoulder_y_px=float(np.median([d.shoulder_y_px for d in sized])),
        box_px=(float(boxes[:, 0].min()), float(boxes[:, 1].min()),
                float(boxes[:, 2].max()), float(boxes[:, 3].max())),
        n_frames=len({d.frame for d in group}),
    )


def group_people(detections: Sequence[Detection]) -> list[PersonEstimate]:
    """Merge duplicate detections (passes, strips, frames) into people.

    Pose detections are placed first (their shoulder width is measured), larger people
    before smaller ones. A detection joins the nearest group whose median head lies within
    ``MERGE_RADIUS_SW`` times the larger shoulder width of the two.

    Returns
    -------
    list of PersonEstimate
        Most often seen first (ties: larger first).
    """
    order = sorted(detections, key=lambda d: (not d.measured_width, -d.shoulder_width_px))
    groups: list[list[Detection]] = []
    centres: list[np.ndarray] = []
    widths: list[float] = []
    for det in order:
        head = np.array(det.head_xy_px)
        best, best_dist = -1, math.inf
        for i, (centre, width) in enumerate(zip(centres, widths, strict=True)):
            dist = float(np.linalg.norm(head - centre))
            if dist <= MERGE_RADIUS_SW * max(width, det.shoulder_width_px) and dist < best_dist:
                best, best_dist = i, dist
        if best < 0:
            groups.append([det])
            centres.append(head)
            widths.append(det.shoulder_width_px)
        else:
            groups[best].append(det)
            centres[best] = np.median([d.head_xy_px for d in groups[best]], axis=0)
    people = [_summarise(g) for g in groups]
    return sorted(people, key=lambda p: (-p.n_frames, -p.shoulder_width_px))


# --------------------------------------------------------------------------- regions


def _person_box_px(person: PersonEstimate) -> list[float]:
    """Head, upper body and room to move of one person, in pixels (not yet clipped)."""
    hx, hy = person.head_xy_px
    sw = person.shoulder_width_px
    margin = MARGIN_SW * sw
    bx0, by0, bx1, by1 = person.box_px
    return [min(hx - HALF_WIDTH_SW * sw, bx0 - margin),
            min(hy - ABOVE_HEAD_SW * sw, by0 - margin),
            max(hx + HALF_WIDTH_SW * sw, bx1 + margin),
            max(person.shoulder_y_px + BELOW_SHOULDERS_SW * sw, by1 + margin)]


def split_point_px(left: PersonEstimate, right: PersonEstimate) -> float:
    """Where two neighbours' outlines meet, growing in units of their own shoulder width."""
    xa, xb = left.head_xy_px[0], right.head_xy_px[0]
    wa, wb = left.shoulder_width_px, right.shoulder_width_px
    return xa + wa * (xb - xa) / (wa + wb)


def _normalise(box: Sequence[float], size: tuple[int, int]) -> Region:
    w, h = size
    x0, y0, x1, y1 = (min(max(v / d, 0.0), 1.0) for v, d in zip(box, (w, h, w, h),
                                                               strict=True))
    return Region(round(x0, 4), round(y0, 4), round(x1, 4), round(y1, 4))


def propose_regions(people: Sequence[PersonEstimate], frame_size_px: tuple[int, int],
                    n_frames: int, *, searched: str = "in the sampled frames"
                    ) -> RegionProposal:
    """One region per person, A = left, B = right, with margins and no overlap.

    Parameters
    ----------
    people : from :func:`group_people` (most often seen first).
    frame_size_px : (width, height) of the frames in pixels.
    n_frames : number of frames that were searched.
    searched : where the people were looked for, for messages ("in the first 3 s").

    Raises
    ------
    InputError
        Fewer than two people were found in at least a third of the frames.
    """
    need = max(1, math.ceil(MIN_SUPPORT * n_frames))
    found = [p for p in people if p.n_frames >= need]
    warnings = []
    if len(found) < 2:
        raise InputError(
            f"found {len(found)} person{'s' if len(found) != 1 else ''} {searched} "
            f"({n_frames} frames searched, a person must be seen in {need}); calibration needs "
            "both people in view, facing the camera, head and shoulders visible")
    if len(found) > 2:
        extra = ", ".join(f"x = {p.head_xy_px[0]:.0f} px" for p in found[2:])
        warnings.append(f"found {len(found)} people; using the two seen most often and "
                        f"ignoring the one(s) at {extra}")
    left, right = sorted(found[:2], key=lambda p: p.head_xy_px[0])
    boxes = [_person_box_px(left), _person_box_px(right)]
    if boxes[0][2] > boxes[1][0]:
        cut = split_point_px(left, right)
        boxes[0][2] = cut
        boxes[1][0] = cut
    regions = (_normalise(boxes[0], frame_size_px), _normalise(boxes[1], frame_size_px))
    for name, person in zip(PERSONS, (left, right), strict=True):
        if person.n_frames < n_frames:
            warnings.append(f"person {name} was found in {person.n_frames} of {n_frames} "
                            "sampled frames")
    return RegionProposal(regions=regions, people=(left, right), frame_size_px=frame_size_px,
                          n_frames=n_frames, warnings=warnings)


# --------------------------------------------------------------------------- baseline


def noise_floor(series: np.ndarray, signal: str, grid_hz: float) -> float | None:
    """Still-person level of one signal by its noise-floor rule (registry).

    By default ``NOISE_MARGIN`` x the 95th percentile, at least the rule's ``minimum``
    (:meth:`synchrony.signals.registry.NoiseFloorRule.level`).

    Parameters
    ----------
    series : (n,) the signal on its grid during the still stretch, in the signal's unit.
    signal : its name (a registered signal), for its rule.
    grid_hz : grid rate in Hz.

    Returns
    -------
    float or None
        The floor in the signal's unit; None if less than ``MIN_BASELINE_S`` of the signal
        is left after dropping ``EDGE_TRIM_S`` at each end (person not seen).
    """
    trim = int(round(EDGE_TRIM_S * grid_hz))
    core = np.asarray(series, dtype=np.float64)
    core = core[trim:len(core) - trim] if len(core) > 2 * trim else core[:0]
    core = core[np.isfinite(core)]
    rule = get_signal(signal).noise_floor
    if len(core) < MIN_BASELINE_S * grid_hz:
        return None
    return rule.level(core)


def noise_floors(signals: SignalSet) -> dict[str, dict[str, float | None]]:
    """Measure the floors ``{"A": {signal: floor}, "B": …}`` from the signals of a still stretch.

    Every registered signal the SignalSet holds, in the table's order.
    """
    names = [name for name in signal_names() if f"A_{name}" in signals.values]
    return {p: {name: noise_floor(signals.values[f"{p}_{name}"], name, signals.grid_hz)
                for name in names}
            for p in PERSONS}


def stillness_score(floors: Mapping[str, float | None]) -> float:
    """Largest ratio of a baseline noise floor to its :data:`STILL_LIMITS` entry.

    Below 1: the person sat still (see :func:`movement_reason`). ``inf`` if none of the
    signals in :data:`STILL_LIMITS` was measured (stillness cannot be checked).
    """
    ratios = [level / limit for name, limit in STILL_LIMITS.items()
              if (level := floors.get(name)) is not None]
    return max(ratios) if ratios else math.inf


def movement_reason(floors: Mapping[str, float | None]) -> str | None:
    """Why a person's baseline is not a noise floor, or None if the person sat still.

    The person moved when a measured floor exceeds its :data:`STILL_LIMITS` entry (``head``
    8 deg/s, ``motion`` 0.005 of the region's pixels per frame; the numbers behind them are
    documented there). If neither was measured (the person was not seen), stillness cannot
    be checked and the baseline is not used either.

    Parameters
    ----------
    floors : signal -> noise floor in the signal's unit (None = not measured).

    Returns
    -------
    str or None
        E.g. ``"moved during the baseline (head noise floor 14.2 deg/s, above 8 deg/s for a
        still person)"``.
    """
    over = []
    for name, limit in STILL_LIMITS.items():
        level = floors.get(name)
        if level is not None and level > limit:
            unit = get_signal(name).display_unit
            over.append(f"{name} noise floor {level:.3g} {unit}, above {limit:g} for a still "
                        "person")
    if over:
        return f"moved during the baseline ({'; '.join(over)})"
    if all(floors.get(name) is None for name in STILL_LIMITS):
        return (f"stillness could not be checked ({' and '.join(STILL_LIMITS)} not measured: "
                "the person was not seen long enough)")
    return None


def body_scales(frames: Sequence[TrackedFrame]) -> dict[str, float | None]:
    """Median shoulder width / frame width per person (None if never seen)."""
    width = float(np.median([f.size_px[0] for f in frames]))
    out: dict[str, float | None] = {}
    for i, person in enumerate(PERSONS):
        px = median_shoulder_width_px(person_features(frames, i))
        out[person] = px / width if math.isfinite(px) and px > 0 else None
    return out


def merge_measured(first: Mapping[str, float | None], fallback: Mapping[str, float | None]
                   ) -> dict[str, float | None]:
    """Per person, ``first``'s value unless it is None, else ``fallback``'s."""
    return {p: first.get(p) if first.get(p) is not None else fallback.get(p) for p in PERSONS}
