"""From tracked frames to signals, live: per-frame features and gridded signals.

The one place where the live view turns a :class:`~synchrony.records.TrackedFrame` into a
packed feature row per person (:meth:`LiveFeatures.frame`) and resampled feature rows into
signals (:meth:`LiveFeatures.signals`). Both follow the signal table
(:mod:`synchrony.signals.registry`): the packed layout is its
:func:`~synchrony.signals.registry.feature_layout`, the signals are every signal
registered when the pipeline was built, computed causally. Everything else in
:mod:`synchrony.live` handles the packed rows without knowing their layout.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping

import numpy as np

from synchrony.records import PERSONS, UPPER_BODY, TrackedFrame
from synchrony.signals.extract import reliable_landmarks
from synchrony.signals.frame_events import MissingFrames
from synchrony.signals.registry import (
    FeatureAligner,
    compute_signals,
    extract_features,
    feature_layout,
    signal_names,
    unpack_features,
)
from synchrony.signals.specs import SignalContext


class LiveFeatures:
    """Packs each frame's features and computes the signals of new grid samples, causally.

    Parameters
    ----------
    grid_hz : rate of the signal grid in Hz.
    n_warm : grid samples kept and fed to the causal filters before the new ones.
    history_n : shoulder widths and visibilities kept (grid samples / frames).
    body_scale_px : person ("A", "B") -> shoulder width in px; default: running median.
    names : the signals to compute; default every signal registered now.

    Notes
    -----
    :meth:`frame` is called by the producer thread, :meth:`signals` by the analysis thread;
    the caller serialises access to :meth:`visibility` and :meth:`frame` (one lock).
    """

    def __init__(self, *, grid_hz: float, n_warm: int, history_n: int,
                 body_scale_px: Mapping[str, float] | None = None,
                 names: tuple[str, ...] | None = None) -> None:
        self.grid_hz = float(grid_hz)
        self.names: tuple[str, ...] = signal_names() if names is None else tuple(names)
        """The signals computed (default: every registered one, in the table's order)."""
        self.layout = feature_layout()
        self.n_features = int(sum(np.prod(shape, dtype=int) for _, shape in self.layout))
        self._n_warm = int(n_warm)
        self._scale_px = [(body_scale_px or {}).get(p) for p in PERSONS]
        self._aligners = [FeatureAligner() for _ in PERSONS]
        self._warm = np.zeros((0, 2, self.n_features))
        self._widths: list[deque[float]] = [deque(maxlen=history_n) for _ in PERSONS]
        self._visibility: list[deque[np.ndarray]] = [deque(maxlen=history_n) for _ in PERSONS]
        self._missing = MissingFrames()

    def frame(self, tracked: TrackedFrame) -> np.ndarray:
        """(2, n_features) packed features of A and B in one frame (NaN where unseen).

        All NaN for a frame with a whole-frame event (a missing sample, as in batch:
        :mod:`synchrony.signals.frame_events`).
        """
        if self._missing.missing(tracked):
            return np.full((2, self.n_features), np.nan)
        return np.stack([self._person(tracked, p) for p in (0, 1)])

    def visibility(self) -> list[np.ndarray]:
        """Per person, (n_frames, 7) upper-body visibilities of the frames seen so far."""
        return [np.array(v).reshape(-1, len(UPPER_BODY)) for v in self._visibility]

    def signals(self, grid: np.ndarray, visibility: list[np.ndarray]) -> np.ndarray:
        """(n, n_signals, 2) signals (:attr:`names`) of new grid samples ``grid``.

        ``grid`` is (n, 2, n_features); ``visibility`` (from :meth:`visibility`) picks the
        reliable landmarks for ``body``.
        """
        block = np.concatenate([self._warm, grid])
        self._warm = block[-self._n_warm:]
        out = np.full((len(grid), len(self.names), 2), np.nan)
        landmarks = reliable_landmarks([{"upper_body_visibility": v} for v in visibility])
        for p in (0, 1):
            widths = unpack_features(grid[:, p])["shoulder_width_px"]
            self._widths[p].extend(widths[np.isfinite(widths)].tolist())
            person = block[:, p]
            if not np.isfinite(person).any():
                continue
            features = unpack_features(person)
            # Landmarks picked here, as a C-ordered copy, rather than via the context.
            features["upper_body_px"] = np.ascontiguousarray(
                features["upper_body_px"][:, landmarks])
            context = SignalContext(grid_hz=self.grid_hz, causal=True,
                                    scale_px=self._scale(p))
            signals = compute_signals(features, context, self.names)
            for j, name in enumerate(self.names):
                out[:, j, p] = signals[name][-len(grid):]
        return out

    def _scale(self, person: int) -> float:
        fixed = self._scale_px[person]
        if fixed is not None:
            return float(fixed)
        widths = self._widths[person]
        return float(np.median(np.fromiter(widths, dtype=np.float64))) if widths else math.nan

    def _person(self, tracked: TrackedFrame, person: int) -> np.ndarray:
        """(n_features,) raw features of one person, aligned frame to frame (quaternion)."""
        row = extract_features(tracked.people[person], tracked.size_px)
        visibility = unpack_features(row[None, :])["upper_body_visibility"][0]
        if np.isfinite(visibility).any():
            self._visibility[person].append(visibility)
        return self._aligners[person].align(row)
