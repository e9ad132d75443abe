"""The table of movement signals: one entry per signal, read by everything that lists them.

Each signal is one frozen :class:`SignalSpec`: its ``name`` (also the column suffix, as in
``A_body``), ``unit``, a short ``label`` for the GUI, the raw per-frame **features** it needs
(:class:`FeatureSpec`, shared between signals by name), its **compute** function (features
on the uniform grid plus a :class:`SignalContext` -> one series) and its **noise-floor rule**
(:class:`NoiseFloorRule`, used by the calibration baseline). The batch extraction
(:func:`synchrony.signals.extract.extract_signals`), the analysis, the calibration, the GUI's
signal pickers and the command line's signal choices read this table when they run (never a
tuple frozen at import), so a signal registered here appears in all of them. The four
built-in signals (``body``, ``head``, ``face``, ``motion``) are entries like any other, in
:mod:`synchrony.signals.builtin`, registered when :mod:`synchrony.signals` is imported.

Adding a signal
---------------
One table entry and one compute function, e.g. the vertical speed of the nose in body
widths per second::

    import numpy as np
    from synchrony.signals.grid import lowpass, speed
    from synchrony.signals.registry import (
        FeatureSpec, NoiseFloorRule, SignalSpec, register_signal)

    def nose_y_px(observation, size_px):
        # (1,) the nose's height in pixels; NaN when no pose was found
        return np.array([observation.pose_xy_norm[0, 1] * size_px[1]], dtype=np.float64)

    def nose_height(features, context):
        y = lowpass(features["nose_y_px"], context.grid_hz, context.cutoff_hz,
                    causal=context.causal)
        return speed(y, context.grid_hz, context.causal) / context.scale_px

    register_signal(SignalSpec(
        name="nose_height", unit="body widths/s", label="nose up and down",
        features=(FeatureSpec("nose_y_px", (1,), nose_y_px),),
        compute=nose_height, noise_floor=NoiseFloorRule(minimum=1e-4)))

A compute function gets every feature resampled onto the grid (``(n, *shape)`` arrays, NaN
where the person was not seen) and must return an ``(n,)`` series in the signal's unit, NaN
where it is unknown (never 0 for "not seen"). With ``context.causal`` it may use only past
samples (the live view). A feature that must be continuous over frames before it is
resampled (a quaternion's sign) gives an ``align`` function.

The live pipeline packs each frame's features into one row (:func:`feature_layout`,
:func:`extract_features`, :class:`FeatureAligner`), resamples the rows and gets every
registered signal from one call, :func:`signals_from_packed`.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

import numpy as np

from synchrony.records import PersonObservation

from .specs import (
    DEFAULT_NOISE_MARGIN,
    DEFAULT_NOISE_PERCENTILE,
    FeatureSpec,
    NoiseFloorRule,
    RunExtractor,
    SignalContext,
    SignalSpec,
    check_spec,
)

__all__ = [
    "DEFAULT_NOISE_MARGIN",
    "DEFAULT_NOISE_PERCENTILE",
    "FeatureAligner",
    "FeatureSpec",
    "NoiseFloorRule",
    "RunExtractor",
    "SignalContext",
    "SignalSpec",
    "align_features",
    "compute_signals",
    "extract_features",
    "extract_run",
    "feature_layout",
    "get_signal",
    "label_of",
    "pack_features",
    "register_signal",
    "registered_features",
    "registered_signals",
    "signal_names",
    "signals_from_packed",
    "unit_of",
    "unpack_features",
    "unregister_signal",
]


# --------------------------------------------------------------------------- the table

_lock = threading.Lock()
_signals: dict[str, SignalSpec] = {}
_features: tuple[FeatureSpec, ...] = ()


def _features_of(specs: Sequence[SignalSpec]) -> tuple[FeatureSpec, ...]:
    """Every feature of ``specs`` once, in order of first use."""
    seen: dict[str, FeatureSpec] = {}
    for spec in specs:
        for feature in spec.features:
            seen.setdefault(feature.name, feature)
    return tuple(seen.values())


def register_signal(spec: SignalSpec) -> SignalSpec:
    """Add a signal to the table (plug-ins, tests); it appears everywhere from now on.

    Raises
    ------
    ValueError
        ``spec`` is not a complete :class:`SignalSpec`, its name is taken, or one of its
        features has the name of a registered feature but another definition.
    """
    global _features
    with _lock:
        check_spec(spec, _signals, _features)
        _signals[spec.name] = spec
        _features = _features_of(list(_signals.values()))
    return spec


def unregister_signal(name: str) -> SignalSpec:
    """Remove a signal (and the features no other signal needs); return its entry.

    Meant for tests and plug-ins that registered a signal; the four built-in signals are
    needed by the analysis and should stay.

    Raises
    ------
    ValueError
        No signal of that name is registered.
    """
    global _features
    with _lock:
        if name not in _signals:
            raise ValueError(f"signal {name!r} is not registered "
                             f"(have {', '.join(_signals)})")
        spec = _signals.pop(name)
        _features = _features_of(list(_signals.values()))
    return spec


def registered_signals() -> tuple[SignalSpec, ...]:
    """Every registered signal, in registration order (built-in ones first)."""
    with _lock:
        return tuple(_signals.values())


def signal_names() -> tuple[str, ...]:
    """Names of every registered signal, in registration order."""
    with _lock:
        return tuple(_signals)


def get_signal(name: str) -> SignalSpec:
    """Return the table entry of ``name``.

    Raises
    ------
    ValueError
        Unknown name; the message lists the registered ones.
    """
    with _lock:
        spec = _signals.get(name)
        if spec is None:
            raise ValueError(f"signal must be one of {', '.join(_signals)}, got {name!r}")
        return spec


def unit_of(name: str) -> str:
    """Return the unit of signal ``name`` in words (ValueError if unknown)."""
    return get_signal(name).unit


def label_of(name: str) -> str:
    """Short GUI label of signal ``name`` (ValueError if unknown)."""
    return get_signal(name).label


# --------------------------------------------------------------------------- features


def registered_features() -> tuple[FeatureSpec, ...]:
    """Every feature the registered signals need, once each, in the packed order."""
    with _lock:
        return _features


def feature_layout() -> tuple[tuple[str, tuple[int, ...]], ...]:
    """``(name, shape)`` of every feature in the fixed order of a packed row."""
    return tuple((f.name, f.shape) for f in registered_features())


def _slices(features: Sequence[FeatureSpec]) -> list[tuple[FeatureSpec, slice]]:
    out, start = [], 0
    for feature in features:
        out.append((feature, slice(start, start + feature.size)))
        start += feature.size
    return out


def extract_features(observation: PersonObservation, size_px: tuple[int, int]) -> np.ndarray:
    """One frame's features of one person packed into a float64 row (:func:`feature_layout`).

    Parameters
    ----------
    observation : what the tracker saw of the person in this frame.
    size_px : the frame's (width, height) in pixels.

    Raises
    ------
    ValueError
        A feature's extract function returned another shape than it declares.
    """
    features = registered_features()
    parts = []
    for feature in features:
        value = np.asarray(feature.extract(observation, size_px), dtype=np.float64)
        if value.shape != feature.shape:
            raise ValueError(f"feature {feature.name!r}: extract returned shape "
                             f"{value.shape}, declared {feature.shape}")
        parts.append(value.reshape(-1))
    return np.concatenate(parts) if parts else np.zeros(0)


def extract_run(feature: FeatureSpec, observations: Sequence[PersonObservation],
                sizes_px: np.ndarray) -> np.ndarray:
    """``(n, *shape)`` values of one feature over a run of observations (not yet aligned).

    Parameters
    ----------
    feature : the feature.
    observations : one person's observations in time order.
    sizes_px : (n, 2) frame width and height in pixels.
    """
    sizes_px = np.asarray(sizes_px, dtype=np.float64).reshape(len(observations), 2)
    if feature.extract_many is not None:
        values = np.asarray(feature.extract_many(observations, sizes_px), dtype=np.float64)
    else:
        values = np.empty((len(observations),) + feature.shape, dtype=np.float64)
        for k, obs in enumerate(observations):
            values[k] = feature.extract(obs, (int(sizes_px[k, 0]), int(sizes_px[k, 1])))
    expected = (len(observations),) + feature.shape
    if values.shape != expected:
        raise ValueError(f"feature {feature.name!r}: extracted shape {values.shape}, "
                         f"expected {expected}")
    return values


def pack_features(features: Mapping[str, np.ndarray]) -> np.ndarray:
    """``{name: (n, *shape)}`` -> ``(n, n_features)`` in :func:`feature_layout` order."""
    specs = registered_features()
    if not specs:
        return np.zeros((0, 0))
    n = len(features[specs[0].name])
    return np.concatenate([np.asarray(features[f.name], dtype=np.float64).reshape(n, -1)
                           for f in specs], axis=1)


def unpack_features(packed: np.ndarray) -> dict[str, np.ndarray]:
    """``(n, n_features)`` rows -> ``{name: (n, *shape)}`` (views into ``packed``)."""
    packed = np.asarray(packed, dtype=np.float64)
    specs = registered_features()
    width = sum(f.size for f in specs)
    if packed.ndim != 2 or packed.shape[1] != width:
        raise ValueError(f"packed features must be (n, {width}) (feature_layout), "
                         f"got {packed.shape}")
    return {f.name: packed[:, s].reshape((len(packed),) + f.shape)
            for f, s in _slices(specs)}


def align_features(features: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every feature with an ``align`` function made continuous over its (n, ...) frames."""
    specs = {f.name: f for f in registered_features()}
    out = dict(features)
    for name, values in features.items():
        feature = specs.get(name)
        if feature is not None and feature.align is not None:
            out[name] = feature.align(values)
    return out


class FeatureAligner:
    """Aligns packed rows one frame at a time, as :func:`align_features` does over a run.

    Keeps the last finite (aligned) value of every feature that has an ``align`` function;
    the live pipeline calls :meth:`align` on each new row of one person.
    """

    def __init__(self) -> None:
        self._last: dict[str, np.ndarray] = {}

    def align(self, row: np.ndarray) -> np.ndarray:
        """Return a copy of one packed ``(n_features,)`` row with its features made continuous."""
        out = np.array(row, dtype=np.float64, copy=True)
        for feature, part in _slices(registered_features()):
            if feature.align is None or not np.isfinite(out[part]).all():
                continue
            value = out[part].reshape(feature.shape)
            last = self._last.get(feature.name)
            if last is not None:
                value = feature.align(np.stack([last, value]))[1]
            out[part] = np.reshape(value, -1)
            self._last[feature.name] = np.array(value, copy=True)
        return out


# --------------------------------------------------------------------------- signals


def compute_signals(features: Mapping[str, np.ndarray], context: SignalContext,
                    names: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """Signals of one person from features on the grid.

    Parameters
    ----------
    features : ``{feature name: (n, *shape)}`` on a uniform grid, NaN = not seen.
    context : grid rate, cut-off, causality, body scale, reliable landmarks.
    names : signals to compute; default every registered signal.

    Returns
    -------
    dict
        ``{signal name: (n,) series}`` in the order of ``names`` (default: the table's).

    Raises
    ------
    ValueError
        An unknown signal name, or a compute function returned another shape than (n,).
    """
    specs = [get_signal(name) for name in names] if names is not None else registered_signals()
    out = {}
    for spec in specs:
        series = np.asarray(spec.compute(features, context), dtype=np.float64)
        n = len(features[spec.features[0].name])
        if series.shape != (n,):
            raise ValueError(f"signal {spec.name!r}: compute returned shape {series.shape}, "
                             f"expected ({n},)")
        out[spec.name] = series
    return out


def signals_from_packed(packed: np.ndarray, context: SignalContext,
                        names: Sequence[str] | None = None) -> dict[str, np.ndarray]:
    """Every registered signal (or ``names``) from ``(n, n_features)`` packed grid rows.

    The live pipeline's one call: rows packed by :func:`extract_features`, aligned by a
    :class:`FeatureAligner` and resampled onto the grid; ``context.causal`` chooses the
    live (causal) or batch (zero-phase) filters.
    """
    return compute_signals(unpack_features(packed), context, names)
