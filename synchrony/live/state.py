"""Immutable records of the live view: parameters and the dashboard state (plus a ring buffer)."""


from dataclasses import dataclass

import numpy as np

from synchrony.live.threads import PipelineStats

# --------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class LiveParameters:
    """WCC parameters of the live view, in seconds; ``signal`` is the one on display."""

    window_s: float = 5.0
    step_s: float = 0.5
    max_lag_s: float = 2.0
    signal: str = "body"


@dataclass(frozen=True, slots=True)
class DashboardState:
    """Everything the dashboard draws, immutable.

    Times are seconds relative to the newest frame (<= 0); coordinates are 0-1 of the frame
    (``size_px`` = (width, height)). ``version`` changes with every new frame,
    ``data_version`` only when the traces, the heatmap or the chance level changed (a view
    can redraw its plots only then).

    ``pose_xy_norm`` (2, 33, 2), ``pose_visibility`` (2, 33), ``face_xy_norm`` (2, 478, 2),
    ``regions`` ((x0, y0, x1, y1) per person) come from the newest tracked frame, NaN where
    unseen. ``trace_a``/``trace_b`` are the chosen signal on ``trace_time_s``; heatmap rows
    (``heatmap_r``, (n_rows, n_lags)) end at ``heatmap_time_s`` with their peak path
    (``peak_lag_s``, ``peak_r``; ``current_peak_*`` the newest row's). The gauge shows the
    synchrony timeline's newest row of the signal on display: ``sync_r`` (tanh of its
    strength, the smoothed r), ``sync_lag_s``, ``state`` and ``threshold_r`` (tanh of its
    chance level); ``significant`` is None while the state is unknown.
    """

    version: int
    data_version: int
    parameters: LiveParameters
    signal_unit: str
    labels: tuple[str, str]
    timestamp_s: float
    image_rgb: np.ndarray | None
    size_px: tuple[int, int]
    pose_xy_norm: np.ndarray
    pose_visibility: np.ndarray
    face_xy_norm: np.ndarray
    regions: tuple[tuple[float, float, float, float], ...]
    in_view: tuple[bool, bool]
    trace_time_s: np.ndarray
    trace_a: np.ndarray
    trace_b: np.ndarray
    lags_s: np.ndarray
    heatmap_time_s: np.ndarray
    heatmap_r: np.ndarray
    peak_lag_s: np.ndarray
    peak_r: np.ndarray
    current_peak_r: float
    current_peak_lag_s: float
    sync_r: float
    sync_lag_s: float
    state: str
    lead_words: str
    threshold_r: float
    significant: bool | None
    stats: PipelineStats
    messages: tuple[str, ...]


class _Ring:
    """Last ``capacity`` rows of width ``width`` (float64), oldest first on read."""

    def __init__(self, capacity: int, width: int) -> None:
        self.data = np.full((capacity, width), np.nan)
        self.n = 0

    def extend(self, rows: np.ndarray) -> None:
        cap = len(self.data)
        rows = rows[-cap:]
        self.data[(self.n + np.arange(len(rows))) % cap] = rows
        self.n += len(rows)

    def ordered(self) -> np.ndarray:
        cap = len(self.data)
        if self.n <= cap:
            return self.data[:self.n].copy()
        k = self.n % cap
        return np.concatenate([self.data[k:], self.data[:k]])


