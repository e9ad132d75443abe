"""The calibration profile: regions, roles, body scale and noise floor per person (JSON).

One profile sets the scene once for ``analyze``, ``monitor`` and ``record``. On disk it is
JSON (contract)::

    {"schema": "synchrony.calibration/1",
     "people": {"A": {"region": [x0, y0, x1, y1], "role": "therapist",
                      "body_scale": 0.14,
                      "noise_floor": {"body": 0.02, "head": 0.9, "face": 0.05,
                                      "motion": 0.0001}},
                "B": {...}},
     "camera": {"frame_size_px": [640, 480], "measured_fps": 25.0, ...},
     "baseline": {...}, "units": {...}, "software": {...}}

Units
-----
``region``
    Normalised image coordinates ``[x0, y0, x1, y1]``: fractions (0-1) of the frame's
    width (x) and height (y), origin top left, ``x0 < x1`` and ``y0 < y1``.
``body_scale``
    The person's shoulder width (distance between MediaPipe's two shoulder landmarks,
    median over the calibration frames) as a **fraction of the frame width**. Multiply by
    a video's width in pixels to get the shoulder width in that video's pixels
    (:meth:`CalibrationProfile.body_scale_px`); this holds for any resolution with the
    calibration's aspect ratio (``camera.frame_size_px``). ``null``: not measured, the
    analysis then uses the session's median shoulder width.
``noise_floor``
    Per signal, in that signal's unit (the ``units`` block, from the signal table
    :mod:`synchrony.signals.registry`: body widths/s, deg/s, blendshape units/s, fraction of
    region pixels): the level a person sitting still reaches from tracker jitter alone.
    Stretches of at least 1 s below it are marked "no movement" (NaN) by
    :func:`synchrony.signals.extract.mark_no_movement`. ``null`` or ``0``: not measured,
    nothing is marked. Schema 1 requires the four built-in signals (:data:`SCHEMA_SIGNALS`);
    a signal registered later may be absent (read as not measured).
``role``
    Free text (``"therapist"``, ``"client"``, …) or ``null``. IDs stay A (left) and B
    (right): roles never change who is A.
``baseline``
    How the floors were measured (:meth:`calibration.baseline.Baseline.as_dict`), with
    ``usable`` (``{"A": true, "B": false}``) and ``unusable_reason`` (text or ``null`` per
    person): a person who moved during the baseline keeps the measured numbers under
    ``noise_floor`` for reference, but they are **not** applied
    (:meth:`CalibrationProfile.noise_floor`). A profile written before these keys existed
    is checked when it is read, by the same rule
    (:func:`calibration.estimate.movement_reason`).

Validation (:func:`profile_from_dict`, :func:`load_profile`) is strict and raises
:class:`~synchrony.errors.InputError` with one line naming the field and the problem:
unknown ``schema``; a missing key; a non-numeric value; a region outside 0-1 or with
``x0 >= x1`` / ``y0 >= y1``; A's region not left of B's (A's centre must lie left of B's
centre, the contract's A = left); and regions that overlap badly: **the intersection of the
two regions may cover at most 50 % of the smaller region's area** (a little overlap is
harmless because the tracker drops a skeleton whose anchor lies outside its region, more
means both regions see the same person).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from synchrony import __version__
from synchrony.errors import InputError
from synchrony.records import PERSONS, Region
from synchrony.signals.registry import registered_signals, signal_names

from .estimate import movement_reason

__all__ = [
    "MAX_OVERLAP_FRACTION",
    "SCHEMA",
    "SCHEMA_VERSION",
    "CalibrationProfile",
    "PersonCalibration",
    "load_profile",
    "profile_from_dict",
    "save_profile",
]

SCHEMA_VERSION = 1
SCHEMA = f"synchrony.calibration/{SCHEMA_VERSION}"
#: Regions may overlap by at most this fraction of the smaller region's area.
MAX_OVERLAP_FRACTION = 0.5
#: A video whose aspect ratio differs from the calibration's by more than this (relative)
#: does not show the same field of view: regions and body scale no longer fit.
MAX_ASPECT_MISMATCH = 0.02
#: Signals whose noise floor every schema-1 profile holds (``null`` when not measured).
SCHEMA_SIGNALS = ("body", "head", "face", "motion")

log = logging.getLogger(__name__)


def units_block() -> dict[str, Any]:
    """Return the profile's ``units`` block: regions, body scale and every registered signal."""
    return {
        "region": "[x0, y0, x1, y1] as fractions of the frame width (x) and height (y)",
        "body_scale": "shoulder width (MediaPipe shoulder landmarks) / frame width",
        "noise_floor": {spec.name: spec.unit for spec in registered_signals()},
    }


@dataclass(frozen=True, slots=True)
class PersonCalibration:
    """One person's calibration.

    Attributes
    ----------
    region : where the person sits, normalised to the frame (0-1).
    role : free text such as ``"therapist"`` or ``"client"``; None = not set.
    body_scale : shoulder width as a fraction of the frame width; None = not measured.
    noise_floor : signal name -> still-person level in the signal's unit (None = not
        measured); holds every registered signal
        (:func:`synchrony.signals.registry.signal_names`).
    """

    region: Region
    role: str | None = None
    body_scale: float | None = None
    noise_floor: Mapping[str, float | None] = field(
        default_factory=lambda: dict.fromkeys(signal_names()))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready ``{"region", "role", "body_scale", "noise_floor"}``."""
        return {"region": self.region.as_list(), "role": self.role,
                "body_scale": self.body_scale,
                "noise_floor": {name: self.noise_floor.get(name) for name in signal_names()}}


@dataclass(frozen=True, slots=True)
class CalibrationProfile:
    """A scene calibration for two people, A (left) and B (right).

    Attributes
    ----------
    people : ``{"A": PersonCalibration, "B": PersonCalibration}``.
    camera : camera check results; holds at least ``frame_size_px`` ``[width, height]`` of
        the calibration video, plus measured/claimed fps and exposure numbers when known.
    baseline : how the noise floor was measured (duration in s, grid rate in Hz,
        percentile, …); empty if no baseline was recorded.
    schema_version : version of the JSON layout (``synchrony.calibration/<version>``).
    """

    people: Mapping[str, PersonCalibration]
    camera: Mapping[str, Any]
    baseline: Mapping[str, Any] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION

    def __post_init__(self) -> None:
        if set(self.people) != set(PERSONS):
            raise InputError(f"people: expected keys A and B, got {sorted(self.people)}")
        check_regions(self.people["A"].region, self.people["B"].region)
        _frame_size(self.camera.get("frame_size_px"), "camera.frame_size_px")

    # -- what the analysis needs
    @property
    def regions(self) -> tuple[Region, Region]:
        """(A, B) regions for :class:`synchrony.capture.tracking.MediaPipeTracker`."""
        return self.people["A"].region, self.people["B"].region

    @property
    def roles(self) -> dict[str, str | None]:
        """``{"A": role, "B": role}`` (None where not set)."""
        return {p: self.people[p].role for p in PERSONS}

    @property
    def frame_size_px(self) -> tuple[int, int]:
        """(width, height) in pixels of the video the profile was made from."""
        return _frame_size(self.camera.get("frame_size_px"), "camera.frame_size_px")

    def body_scale_px(self, frame_width_px: float) -> dict[str, float]:
        """Shoulder width in pixels of a frame ``frame_width_px`` wide, per measured person.

        Parameters
        ----------
        frame_width_px : width in pixels of the frames being analysed.

        Returns
        -------
        dict
            ``{"A": px, "B": px}`` for ``extract_signals(body_scale_px=...)``; a person
            without a measured body scale is left out (the session median is used).
        """
        if not (math.isfinite(frame_width_px) and frame_width_px > 0):
            raise ValueError(f"frame_width_px must be > 0, got {frame_width_px}")
        return {p: c.body_scale * frame_width_px for p, c in self.people.items()
                if c.body_scale}

    def unusable_baselines(self) -> dict[str, str]:
        """Person -> why their noise floor is not applied (only such persons).

        From the ``baseline`` block's ``usable`` / ``unusable_reason``; a profile without
        them (written before they existed) is checked by the stillness rule
        (:func:`calibration.estimate.movement_reason`) on its stored floors.
        """
        usable = self.baseline.get("usable")
        if isinstance(usable, Mapping):
            reasons = self.baseline.get("unusable_reason") or {}
            return {p: str(reasons.get(p) or "flagged unusable in the profile")
                    for p in PERSONS if usable.get(p) is False}
        out = {}
        for person in PERSONS:
            floors = self.people[person].noise_floor
            reason = movement_reason(floors) if any(floors.values()) else None
            if reason:
                out[person] = f"{reason}; found when reading a profile made without this check"
        return out

    def noise_floor(self) -> dict[str, dict[str, float]]:
        """Return ``{"A": {signal: level}, "B": …}`` with only the measured, positive levels.

        A person whose baseline is unusable (:meth:`unusable_baselines`: they moved during
        it) gets no levels at all.
        """
        unusable = self.unusable_baselines()
        return {p: {name: float(v) for name, v in c.noise_floor.items() if v}
                for p, c in self.people.items() if p not in unusable}

    def frame_size_warning(self, width_px: int, height_px: int) -> str | None:
        """Return a warning if a video of this size has another aspect ratio than the profile."""
        cw, ch = self.frame_size_px
        ratio = (width_px / height_px) / (cw / ch)
        if abs(ratio - 1.0) > MAX_ASPECT_MISMATCH:
            return (f"the video is {width_px}x{height_px} px but the calibration was made at "
                    f"{cw}x{ch} px (another aspect ratio): regions and body scale may not fit")
        return None

    # -- edits (return new profiles)
    def with_roles(self, role_a: str | None, role_b: str | None) -> CalibrationProfile:
        """Return the same profile with new roles (empty text = no role)."""
        roles = {"A": role_a or None, "B": role_b or None}
        return replace(self, people={p: replace(c, role=roles[p])
                                     for p, c in self.people.items()})

    def with_regions(self, region_a: Region, region_b: Region) -> CalibrationProfile:
        """Return the same profile with new regions (validated)."""
        regions = {"A": region_a, "B": region_b}
        return replace(self, people={p: replace(c, region=regions[p])
                                     for p, c in self.people.items()})

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON document (contract layout, see the module docstring)."""
        return {
            "schema": f"synchrony.calibration/{self.schema_version}",
            "people": {p: self.people[p].to_dict() for p in PERSONS},
            "camera": dict(self.camera),
            "baseline": dict(self.baseline),
            "units": units_block(),
            "software": {"name": "synchrony", "version": __version__},
        }


# --------------------------------------------------------------------------- validation


def overlap_fraction(a: Region, b: Region) -> float:
    """Intersection area of two regions divided by the smaller region's area (0-1)."""
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    if w <= 0 or h <= 0:
        return 0.0
    smaller = min((a.x1 - a.x0) * (a.y1 - a.y0), (b.x1 - b.x0) * (b.y1 - b.y0))
    return w * h / smaller


def check_regions(a: Region, b: Region) -> None:
    """Raise InputError unless A lies left of B and the regions overlap at most 50 %."""
    if (a.x0 + a.x1) / 2 >= (b.x0 + b.x1) / 2:
        raise InputError(f"people.A.region {a.as_list()} must lie left of people.B.region "
                         f"{b.as_list()} (A is the left person; centres compared)")
    frac = overlap_fraction(a, b)
    if frac > MAX_OVERLAP_FRACTION:
        raise InputError(f"people.A.region and people.B.region overlap by {100 * frac:.0f} % "
                         f"of the smaller region (at most {100 * MAX_OVERLAP_FRACTION:.0f} % "
                         "allowed)")


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"{where} must be a number, got {json.dumps(value)}")
    out = float(value)
    if not math.isfinite(out):
        raise InputError(f"{where} must be finite, got {value}")
    return out


def _optional_number(value: object, where: str) -> float | None:
    return None if value is None else _number(value, f"{where} (or null)")


def _frame_size(value: object, where: str) -> tuple[int, int]:
    if (not isinstance(value, list | tuple) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0
                       for v in value)):
        raise InputError(f"{where} must be [width_px, height_px] (positive integers), "
                         f"got {json.dumps(value)}")
    return int(value[0]), int(value[1])


def _require(data: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in data:
        raise InputError(f"{where}{key} is missing")
    return data[key]


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise InputError(f"{where} must be a JSON object, got {json.dumps(value)[:40]}")
    return value


def _region(value: object, where: str) -> Region:
    if not isinstance(value, list) or len(value) != 4:
        raise InputError(f"{where} must be [x0, y0, x1, y1], got {json.dumps(value)}")
    x0, y0, x1, y1 = (_number(v, f"{where}[{i}]") for i, v in enumerate(value))
    if not all(0.0 <= v <= 1.0 for v in (x0, y0, x1, y1)):
        raise InputError(f"{where} must lie within 0-1 (fractions of the frame), "
                         f"got {json.dumps(value)}")
    if x0 >= x1 or y0 >= y1:
        raise InputError(f"{where} needs x0 < x1 and y0 < y1, got {json.dumps(value)}")
    return Region(x0, y0, x1, y1)


def _person(data: Mapping[str, Any], where: str) -> PersonCalibration:
    region = _region(_require(data, "region", where), f"{where}region")
    role = _require(data, "role", where)
    if role is not None and not isinstance(role, str):
        raise InputError(f"{where}role must be text or null, got {json.dumps(role)}")
    scale = _optional_number(_require(data, "body_scale", where), f"{where}body_scale")
    if scale is not None and not 0.0 < scale <= 1.0:
        raise InputError(f"{where}body_scale must be in (0, 1] (shoulder width / frame "
                         f"width), got {scale}")
    floors = _mapping(_require(data, "noise_floor", where), f"{where}noise_floor")
    noise: dict[str, float | None] = {}
    names = signal_names()
    ignored = sorted(set(floors) - set(names))
    if ignored:
        log.debug("%snoise_floor: ignoring %s (no such signal registered)", where, ignored)
    for name in names:
        if name in SCHEMA_SIGNALS:
            value = _require(floors, name, f"{where}noise_floor.")
        else:
            value = floors.get(name)  # registered after the profile was made: not measured
        level = _optional_number(value, f"{where}noise_floor.{name}")
        if level is not None and level < 0:
            raise InputError(f"{where}noise_floor.{name} must be >= 0, got {level}")
        noise[name] = level
    return PersonCalibration(region=region, role=role or None, body_scale=scale,
                             noise_floor=noise)


def _camera(value: object) -> dict[str, Any]:
    camera = dict(_mapping(value, "camera"))
    _frame_size(_require(camera, "frame_size_px", "camera."), "camera.frame_size_px")
    for key in ("measured_fps", "claimed_fps", "mean_luminance", "clipped_fraction",
                "dark_fraction"):
        if key in camera:
            _optional_number(camera[key], f"camera.{key}")
    return camera


def _baseline(value: object) -> dict[str, Any]:
    """Validate the free-form ``baseline`` block's ``usable`` and ``unusable_reason``."""
    baseline = dict(_mapping(value, "baseline"))
    if "usable" in baseline:
        usable = _mapping(baseline["usable"], "baseline.usable")
        for person in PERSONS:
            flag = _require(usable, person, "baseline.usable.")
            if not isinstance(flag, bool):
                raise InputError(f"baseline.usable.{person} must be true or false, got "
                                 f"{json.dumps(flag)}")
    reasons = _mapping(baseline.get("unusable_reason", {}), "baseline.unusable_reason")
    for person, reason in reasons.items():
        if reason is not None and not isinstance(reason, str):
            raise InputError(f"baseline.unusable_reason.{person} must be text or null, got "
                             f"{json.dumps(reason)}")
    return baseline


def profile_from_dict(data: object) -> CalibrationProfile:
    """Validate a parsed JSON document and build the profile.

    Raises
    ------
    InputError
        One line naming the offending key or field and the problem (see the module
        docstring for the rules).
    """
    doc = _mapping(data, "the calibration profile")
    schema = _require(doc, "schema", "")
    if schema != SCHEMA:
        raise InputError(f"schema must be {SCHEMA!r}, got {json.dumps(schema)}")
    people = _mapping(_require(doc, "people", ""), "people")
    unknown = sorted(set(people) - set(PERSONS))
    if unknown:
        raise InputError(f"people may only hold A and B, got {unknown}")
    persons = {p: _person(_mapping(_require(people, p, "people."), f"people.{p}"),
                          f"people.{p}.") for p in PERSONS}
    camera = _camera(_require(doc, "camera", ""))
    baseline = _baseline(doc.get("baseline", {}))
    return CalibrationProfile(people=persons, camera=camera, baseline=baseline)


def load_profile(path: str | Path) -> CalibrationProfile:
    """Read and validate a calibration profile (JSON) for analyze, monitor and record.

    Parameters
    ----------
    path : the profile's JSON file (``synchrony calibrate --out``).

    Raises
    ------
    InputError
        Missing or unreadable file, invalid JSON, or a profile that breaks a rule; the
        one-line message names the file, the field and the problem.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"calibration profile {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"calibration profile {path}: cannot read it: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"calibration profile {path}: not valid JSON: {exc.msg} at line "
                         f"{exc.lineno} column {exc.colno}") from None
    try:
        return profile_from_dict(data)
    except InputError as exc:
        raise InputError(f"calibration profile {path}: {exc}") from None


def save_profile(profile: CalibrationProfile, path: str | Path) -> Path:
    """Write the profile as strict JSON (validated by reading it back); return the path.

    The file is written beside its final name and moved into place, so a crash never
    leaves half a profile.
    """
    path = Path(path)
    text = json.dumps(profile.to_dict(), indent=2, allow_nan=False) + "\n"
    profile_from_dict(json.loads(text))
    if not path.parent.is_dir():
        raise InputError(f"cannot write {path}: {path.parent} does not exist")
    tmp = path.with_name(f".{path.name}.partial")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path
