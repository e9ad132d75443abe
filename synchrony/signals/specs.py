"""What one entry of the signal table is: :class:`SignalSpec` and its parts.

A signal (:class:`SignalSpec`) names its raw per-frame features (:class:`FeatureSpec`), its
compute function (called with the features on the grid and a :class:`SignalContext`) and its
noise-floor rule (:class:`NoiseFloorRule`). :func:`check_spec` is what
:func:`synchrony.signals.registry.register_signal` runs before a spec enters the table. How to
add a signal: :mod:`synchrony.signals.registry`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from synchrony.records import PersonObservation

from .grid import DEFAULT_CUTOFF_HZ

__all__ = [
    "DEFAULT_NOISE_MARGIN",
    "DEFAULT_NOISE_PERCENTILE",
    "FeatureExtractor",
    "FeatureSpec",
    "NoiseFloorRule",
    "RunExtractor",
    "SignalContext",
    "SignalFunction",
    "SignalSpec",
    "check_spec",
]

#: Percentile of a still person's signal taken as its jitter level.
DEFAULT_NOISE_PERCENTILE = 95.0
#: The noise floor is this many times the percentile: jitter of a still person keeps
#: crossing its own 95th percentile, which would cut "no movement" stretches short.
DEFAULT_NOISE_MARGIN = 1.5
#: Signal and feature names: they name columns (``A_<name>``) and are typed in ``--signals``.
_NAME = re.compile(r"[a-z][a-z0-9_]*")

FeatureExtractor = Callable[[PersonObservation, tuple[int, int]], np.ndarray]
RunExtractor = Callable[[Sequence[PersonObservation], np.ndarray], np.ndarray]
SignalFunction = Callable[[Mapping[str, np.ndarray], "SignalContext"], np.ndarray]


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """One raw per-frame quantity of a person, read from a tracker observation.

    Attributes
    ----------
    name : feature name, shared by every signal that needs it (e.g. ``upper_body_px``).
    shape : shape of one frame's value (``()`` for a number); units in the name.
    extract : ``extract(observation, size_px) -> ndarray`` of ``shape`` from a
        :class:`~synchrony.records.PersonObservation` and the frame's (width, height) in
        pixels; NaN where the person (or that part) was not seen.
    align : optional ``align(values) -> values`` on ``(n, *shape)`` values in time order,
        run before resampling to make them continuous across frames (rows with a NaN are
        skipped: each finite row follows the previous finite one), e.g. the sign of a
        quaternion. None: nothing to align.
    extract_many : optional faster ``extract_many(observations, sizes_px) -> (n, *shape)``
        for a run of observations (``sizes_px`` (n, 2) width, height); it must give what
        ``extract`` gives frame by frame. None: ``extract`` is called per frame.
    """

    name: str
    shape: tuple[int, ...]
    extract: FeatureExtractor
    align: Callable[[np.ndarray], np.ndarray] | None = None
    extract_many: RunExtractor | None = None

    @property
    def size(self) -> int:
        """Number of values per frame (product of ``shape``)."""
        return math.prod(self.shape)


@dataclass(frozen=True, slots=True)
class NoiseFloorRule:
    """How the calibration turns a still person's signal into its noise floor.

    The floor is ``margin`` times the ``percentile`` of the still stretch, at least
    ``minimum`` (all in the signal's unit): a perfectly still region can give exactly 0
    (e.g. no pixel changes), which must still count as "no movement".
    """

    minimum: float
    percentile: float = DEFAULT_NOISE_PERCENTILE
    margin: float = DEFAULT_NOISE_MARGIN

    def __post_init__(self) -> None:
        if not (math.isfinite(self.minimum) and self.minimum >= 0):
            raise ValueError(f"noise floor minimum must be a finite number >= 0, "
                             f"got {self.minimum}")
        if not 0 < self.percentile <= 100:
            raise ValueError(f"noise floor percentile must be in (0, 100], got {self.percentile}")
        if not (math.isfinite(self.margin) and self.margin > 0):
            raise ValueError(f"noise floor margin must be > 0, got {self.margin}")

    def level(self, still: np.ndarray) -> float:
        """Compute the floor from the finite samples of a still stretch (in the signal's unit)."""
        return max(self.margin * float(np.percentile(still, self.percentile)), self.minimum)

    def as_dict(self) -> dict[str, float]:
        """``{"percentile", "margin", "minimum"}`` for the calibration profile."""
        return {"percentile": self.percentile, "margin": self.margin, "minimum": self.minimum}


@dataclass(frozen=True, slots=True)
class SignalContext:
    """What a compute function may know besides the features.

    Attributes
    ----------
    grid_hz : rate of the grid in Hz.
    cutoff_hz : low-pass cut-off in Hz for positions, angles and coefficients.
    causal : True: use only past samples (live view); False: zero-phase (batch).
    scale_px : the person's body scale (shoulder width) in pixels; NaN if unknown.
    landmarks : (7,) mask of the reliable upper-body landmarks
        (:func:`synchrony.signals.builtin.reliable_landmarks`); None = all.
    """

    grid_hz: float
    cutoff_hz: float = DEFAULT_CUTOFF_HZ
    causal: bool = False
    scale_px: float = math.nan
    landmarks: np.ndarray | None = None


@dataclass(frozen=True, slots=True)
class SignalSpec:
    """One movement signal: everything the product needs to know about it.

    Attributes
    ----------
    name : the signal's name (lower case, digits, ``_``): column suffix and CLI value.
    unit : its unit in words (e.g. ``"body widths/s"``); exports and plots show it.
    label : a few words for the GUI (e.g. ``"upper-body movement"``).
    features : the raw per-frame features its compute function reads.
    compute : ``compute(features, context) -> (n,) series`` (see the module docstring).
    noise_floor : how the calibration measures its still-person level.
    short_unit : the unit in a few characters for tight GUI labels; default ``unit``.
    """

    name: str
    unit: str
    label: str
    features: tuple[FeatureSpec, ...]
    compute: SignalFunction
    noise_floor: NoiseFloorRule
    short_unit: str = ""

    @property
    def display_unit(self) -> str:
        """``short_unit`` if given, else ``unit``."""
        return self.short_unit or self.unit


def _check_feature(feature: object, where: str) -> FeatureSpec:
    if not isinstance(feature, FeatureSpec):
        raise ValueError(f"{where} must be a FeatureSpec, got {type(feature).__name__}")
    if not isinstance(feature.name, str) or not _NAME.fullmatch(feature.name):
        raise ValueError(f"{where}.name must be lower case letters, digits and _, "
                         f"got {feature.name!r}")
    if not (isinstance(feature.shape, tuple)
            and all(isinstance(d, int) and not isinstance(d, bool) and d > 0
                    for d in feature.shape)):
        raise ValueError(f"{where} ({feature.name}).shape must be a tuple of positive "
                         f"integers, got {feature.shape!r}")
    if not callable(feature.extract):
        raise ValueError(f"{where} ({feature.name}).extract must be callable")
    for attr in ("align", "extract_many"):
        value = getattr(feature, attr)
        if value is not None and not callable(value):
            raise ValueError(f"{where} ({feature.name}).{attr} must be callable or None")
    return feature


def check_spec(spec: object, registered: Mapping[str, SignalSpec],
                features: Sequence[FeatureSpec]) -> SignalSpec:
    """Raise ValueError unless ``spec`` is a complete signal that fits the table."""
    if not isinstance(spec, SignalSpec):
        raise ValueError(f"register_signal needs a SignalSpec, got {type(spec).__name__}")
    if not isinstance(spec.name, str) or not _NAME.fullmatch(spec.name):
        raise ValueError(f"signal name must be lower case letters, digits and _ (it names "
                         f"columns and --signals values), got {spec.name!r}")
    if spec.name in registered:
        raise ValueError(f"signal {spec.name!r} is already registered")
    where = f"signal {spec.name!r}"
    for attr in ("unit", "label"):
        value = getattr(spec, attr)
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{where} needs a {attr} (non-empty text), got {value!r}")
    if not isinstance(spec.short_unit, str):
        raise ValueError(f"{where}: short_unit must be text, got {spec.short_unit!r}")
    if not isinstance(spec.features, tuple) or not spec.features:
        raise ValueError(f"{where} needs a non-empty tuple of FeatureSpec, "
                         f"got {spec.features!r}")
    known = {f.name: f for f in features}
    names = [_check_feature(f, f"{where}: feature {i}").name
             for i, f in enumerate(spec.features)]
    if len(set(names)) != len(names):
        raise ValueError(f"{where} lists a feature twice: {names}")
    for feature in spec.features:
        other = known.get(feature.name)
        if other is not None and other != feature:
            raise ValueError(f"{where}: feature {feature.name!r} is already registered with "
                             f"another shape or extract function (shape {other.shape}); "
                             "features are shared by name, so reuse that FeatureSpec")
    if not callable(spec.compute):
        raise ValueError(f"{where}: compute must be callable")
    if not isinstance(spec.noise_floor, NoiseFloorRule):
        raise ValueError(f"{where} needs a NoiseFloorRule, got "
                         f"{type(spec.noise_floor).__name__}")
    return spec
