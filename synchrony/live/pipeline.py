"""Live synchrony for the dashboard: latest-frame mailbox, statistics and :class:`LivePipeline`.

Qt-free. Threads (see ARCHITECTURE.md, Dashboard): a capture thread ``put``s frames into a
:class:`LatestFrameMailbox` (one slot: an unread frame is replaced and counted as dropped,
never queued); a tracking thread ``get``s the newest one, tracks it and calls
:meth:`LivePipeline.push`; the view calls :meth:`LivePipeline.snapshot` on a ~30 Hz timer
and draws the immutable :class:`DashboardState`.

From tracked frames to synchrony, causally (only past frames are used):

1. per frame, :func:`synchrony.signals.extract.person_features` of A and B go into a short buffer;
2. every ``update_s`` the grid times ``t0 + k / grid_hz`` up to ``settle_s`` before the
   newest frame are filled by :func:`synchrony.signals.extract.resample` (linear; gaps up to
   ``max_gap_s`` bridged, longer gaps and dropped stretches stay NaN). With
   ``settle_s = max_gap_s`` a person lost for a moment is bridged exactly as in batch;
3. :func:`synchrony.signals.extract.signals_from_grid` with ``causal=True`` runs on the new grid
   samples plus ``WARMUP_S`` of earlier ones (the causal filter's start-up transient has died
   out by then), giving the four signals; ``body`` uses the landmarks that
   :func:`synchrony.signals.extract.reliable_landmarks` finds clearly visible over the history.
   It costs ~20 ms per person and call whatever the length (its low-pass loops over 72
   feature columns), hence batches every ``update_s``, run by :meth:`LivePipeline.update`
   inside ``push`` or, with ``auto_update=False``, from a separate analysis thread;
4. one :class:`~synchrony.engine.streaming.StreamingWcc` per signal (Boker trailing windows); every
   ``step_s`` a heatmap row (the window ending at the newest grid sample) and its peak:
   :func:`synchrony.engine.peaks.pick_peaks` on that row (the Boker et al. 2002 peak nearest lag 0;
   a row with missing cells but at least half of its lags falls back to its largest r);
5. a running chance level: B's history is circularly shifted against A's (shifts of at least
   one window plus the maximum lag), the shifted pair's rows are peak-picked the same way,
   and the 95th percentile of their |peak r| is the threshold. One shift is computed per
   update (bounded cost); a round of ``n_surrogate_shifts`` shifts refreshes it every few s.

Sign convention: lag > 0 means A leads and B follows.
"""



import math
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from synchrony.engine.lead import describe_lag
from synchrony.engine.peaks import pick_peaks
from synchrony.engine.streaming import StreamingWcc
from synchrony.engine.wcc import WccResult, check_parameters, windowed_xcorr
from synchrony.live.state import DashboardState, LiveParameters, _Ring
from synchrony.live.threads import (
    CapturedFrame,
    Clock,
    LatestFrameMailbox,
    PipelineStats,
    RateMeter,
)
from synchrony.records import N_BLENDSHAPES, UPPER_BODY, TrackedFrame
from synchrony.signals.extract import (
    SIGNALS,
    UNITS,
    person_features,
    reliable_landmarks,
    resample,
    signals_from_grid,
)

WARMUP_S = 2.0
"""Grid samples (s) fed to the causal filters before the new ones."""
ABSENT_AFTER_S = 0.5
"""A person unseen for this long (s) is reported "not in view"."""
_FEATURES = (("upper_body_px", (len(UPPER_BODY), 2)), ("shoulder_width_px", ()),
             ("head_quat", (4,)), ("head_cm", (3,)), ("blendshapes", (N_BLENDSHAPES - 1,)),
             ("motion", ()))
_SIZES = [int(np.prod(shape)) for _, shape in _FEATURES]
_OFFSETS = np.concatenate([[0], np.cumsum(_SIZES)]).astype(int)
_N_FEATURES = int(_OFFSETS[-1])
_QUAT = slice(int(_OFFSETS[2]), int(_OFFSETS[3]))
_SHOULDER = int(_OFFSETS[1])



# --------------------------------------------------------------------------- pipeline


class LivePipeline:
    """Tracked frames in, dashboard state out: grid, signals, streaming WCC, chance level.

    ``push`` is called by one producer thread; ``snapshot``, ``stats`` and
    ``set_parameters`` may be called from any thread. See the module docstring for the
    steps. Sign convention: lag > 0 means A leads and B follows.

    Parameters
    ----------
    grid_hz : rate of the signal grid in Hz.
    window_s, step_s, max_lag_s : WCC window, step between heatmap rows and largest lag (s).
    history_s : traces and heatmap rows kept (s); also the surrogates' span.
    signal : signal on display, one of ``synchrony.signals.extract.SIGNALS``.
    max_gap_s : longer gaps between observations stay NaN; shorter ones are interpolated.
    settle_s : grid samples are made this long (s) after their time, so that a gap can be
        bridged once the frame after it has arrived (default ``max_gap_s``).
    update_s : how often (s of source time) new grid samples are computed.
    n_surrogate_shifts : circular shifts per round of the chance level.
    surrogate_step_s : step (s) between the surrogate windows (a multiple of 1 / grid_hz).
    body_scale_px : person ("A", "B") -> shoulder width in px; default: running median.
    labels : names shown for A and B, e.g. ``("A (therapist)", "B")``.
    mailbox : the capture mailbox, for input fps and dropped frames in :meth:`stats`.
    auto_update : run :meth:`update` inside :meth:`push` when due (default). False: the
        caller runs ``update()`` from another thread, so that the tracking thread never
        waits for the signal and WCC work (~20-50 ms every ``update_s``).
    clock : monotonic clock (s) used for latency and rates.
    """

    def __init__(self, *, grid_hz: float = 20.0, window_s: float = 5.0, step_s: float = 0.5,
                 max_lag_s: float = 2.0, history_s: float = 60.0, signal: str = "body",
                 max_gap_s: float = 0.5, settle_s: float | None = None, update_s: float = 0.5,
                 n_surrogate_shifts: int = 16, surrogate_step_s: float = 1.0,
                 body_scale_px: Mapping[str, float] | None = None,
                 labels: tuple[str, str] = ("A", "B"),
                 mailbox: LatestFrameMailbox[CapturedFrame] | None = None,
                 auto_update: bool = True, clock: Clock = time.perf_counter) -> None:
        self.grid_hz = float(grid_hz)
        self.history_s = float(history_s)
        self.max_gap_s = float(max_gap_s)
        self.settle_s = self.max_gap_s if settle_s is None else float(settle_s)
        self.update_s = float(update_s)
        self.n_surrogate_shifts = int(n_surrogate_shifts)
        check_parameters(10**9, fs_hz=grid_hz, window_s=window_s, step_s=surrogate_step_s,
                         max_lag_s=0.0, method="boker")
        self.surrogate_step_s = float(surrogate_step_s)
        self.labels = labels
        self._scale_px = [(body_scale_px or {}).get(p) for p in ("A", "B")]
        self._mailbox = mailbox
        self._clock = clock
        self.auto_update = auto_update
        self._work = threading.RLock()  # update() and set_parameters(): the analysis state
        self._frame = threading.Lock()  # push(): the raw frame buffer
        self._pub = threading.Lock()  # what snapshot() reads
        self._hist_n = int(round(self.history_s * self.grid_hz))
        self._n_warm = int(round(WARMUP_S * self.grid_hz)) + 1
        self._params = LiveParameters(window_s, step_s, max_lag_s, signal)
        self._samples = self._check(self._params)
        # frame buffer (_frame) and analysis state (_work)
        self._t0: float | None = None
        self._last_t: float | None = None
        self._last_update_t = -math.inf
        self._next_k = 0
        self._n_grid = 0
        self._raw_t: deque[float] = deque()
        self._raw: deque[np.ndarray] = deque()
        self._last_quat: list[np.ndarray | None] = [None, None]
        self._warm = np.zeros((0, 2, _N_FEATURES))
        self._widths: list[deque[float]] = [deque(maxlen=self._hist_n) for _ in range(2)]
        self._visibility: list[deque[np.ndarray]] = [deque(maxlen=self._hist_n)
                                                     for _ in range(2)]
        self._pool: deque[np.ndarray] = deque(maxlen=max(self.n_surrogate_shifts, 1))
        self._shift_i = 0
        # published state (written under _pub)
        self._version = 0
        self._data_version = 0
        self._history = _Ring(self._hist_n, 1 + 2 * len(SIGNALS))
        self._threshold = math.nan
        self._tracked: TrackedFrame | None = None
        self._image: np.ndarray | None = None
        self._last_seen = [-math.inf, -math.inf]
        self._crowd = (0, -math.inf)
        self._processed = RateMeter(clock=clock)
        self._latencies: deque[float] = deque(maxlen=5000)
        self._n_processed = 0
        self._push_span_s = (math.nan, math.nan)
        self._cache: DashboardState | None = None
        self._rebuild()

    # ------------------------------------------------------------------ public API
    @property
    def parameters(self) -> LiveParameters:
        """The parameters in use."""
        return self._params

    @property
    def n_grid_samples(self) -> int:
        """Grid samples made so far."""
        return self._n_grid

    def push(self, tracked: TrackedFrame, *, image_rgb: np.ndarray | None = None,
             captured_s: float | None = None) -> None:
        """Add one tracked frame (timestamps must increase; others are ignored).

        Parameters
        ----------
        tracked : both people in one frame.
        image_rgb : the frame's image, shown by the dashboard (not copied: do not modify).
        captured_s : clock reading (s) when the frame was captured, for the latency.
        """
        now = self._clock()
        with self._frame:
            t = float(tracked.timestamp_s)
            if not math.isfinite(t) or (self._last_t is not None and t <= self._last_t):
                return
            features = np.stack([self._features(tracked, p) for p in (0, 1)])
            self._t0 = t if self._t0 is None else self._t0
            self._last_t = t
            self._raw_t.append(t)
            self._raw.append(features)
        self._publish_frame(tracked, image_rgb, now, captured_s)
        if self.auto_update:
            self.update()

    def update(self) -> bool:
        """Make the grid samples, signals, WCC rows and one surrogate that are due.

        Does nothing (returns False) until ``update_s`` of source time has passed since the
        last update. Called by :meth:`push` when ``auto_update``, else by the caller.
        """
        with self._work:
            with self._frame:
                if self._t0 is None or self._last_t is None or (
                        self._last_t - self._last_update_t < self.update_s):
                    return False
                self._last_update_t = self._last_t
                batch = self._take_frames(self._t0, self._last_t)
                visibility = [np.array(v).reshape(-1, len(UPPER_BODY))
                              for v in self._visibility]
            if batch is not None:
                self._feed(batch[0], self._signals(batch[1], visibility))
            self._surrogate_step()
            return True

    def set_parameters(self, *, window_s: float | None = None, step_s: float | None = None,
                       max_lag_s: float | None = None, signal: str | None = None
                       ) -> LiveParameters:
        """Change parameters live; the WCC state and heatmap are rebuilt from the history.

        Raises
        ------
        ValueError
            An unknown signal, or WCC parameters that do not fit (named in the message).
        """
        with self._work:
            old = self._params
            new = LiveParameters(
                old.window_s if window_s is None else float(window_s),
                old.step_s if step_s is None else float(step_s),
                old.max_lag_s if max_lag_s is None else float(max_lag_s),
                old.signal if signal is None else signal)
            self._samples = self._check(new)
            with self._pub:
                self._params = new
            if new.signal != old.signal:
                self._reset_surrogates()
            if (new.window_s, new.step_s, new.max_lag_s) != (
                    old.window_s, old.step_s, old.max_lag_s):
                self._rebuild()
            return new

    def stats(self) -> PipelineStats:
        """Frame rates, drops and latency so far."""
        mailbox = self._mailbox
        with self._pub:
            latencies = np.array(self._latencies)
            n_processed = self._n_processed
            first, last = self._push_span_s
        p50, p95 = (np.percentile(latencies, [50, 95]) if latencies.size
                    else (math.nan, math.nan))
        processed_fps = self._processed.rate_hz()
        return PipelineStats(
            input_fps=mailbox.input_rate.rate_hz() if mailbox else processed_fps,
            processed_fps=processed_fps,
            mean_processed_fps=(n_processed - 1) / (last - first)
            if n_processed > 1 and last > first else math.nan,
            n_captured=mailbox.n_put if mailbox else n_processed,
            n_dropped=mailbox.n_dropped if mailbox else 0,
            n_processed=n_processed,
            latency_p50_s=float(p50), latency_p95_s=float(p95))

    def snapshot(self) -> DashboardState:
        """The current state for drawing (rebuilt only when something new arrived)."""
        stats = self.stats()
        with self._pub:
            if self._cache is None or self._cache.version != self._version:
                self._cache = self._build_state()
            cached = self._cache
        return replace(cached, stats=stats)

    # ------------------------------------------------------------------ per frame
    def _data_changed(self) -> None:
        """Traces, heatmap or chance level changed (caller holds ``_pub``)."""
        self._version += 1
        self._data_version += 1

    def _check(self, params: LiveParameters) -> tuple[int, int, int]:
        if params.signal not in SIGNALS:
            raise ValueError(f"signal must be one of {', '.join(SIGNALS)}, "
                             f"got {params.signal!r}")
        win, inc, max_lag = check_parameters(
            10**9, fs_hz=self.grid_hz, window_s=params.window_s, step_s=params.step_s,
            max_lag_s=params.max_lag_s, method="boker")
        if win + max_lag > self._hist_n:
            raise ValueError(f"window_s + max_lag_s must fit in history_s={self.history_s:g}, "
                             f"got {params.window_s:g} + {params.max_lag_s:g}")
        return win, inc, max_lag

    def _features(self, tracked: TrackedFrame, person: int) -> np.ndarray:
        """(n_features,) raw features of one person; quaternion sign kept continuous."""
        raw = person_features([tracked], person)
        visibility = raw["upper_body_visibility"][0]
        if np.isfinite(visibility).any():
            self._visibility[person].append(visibility)
        vec = np.concatenate([np.asarray(raw[name], dtype=np.float64).reshape(-1)
                              for name, _ in _FEATURES])
        quat, last = vec[_QUAT], self._last_quat[person]
        if np.isfinite(quat).all():
            if last is not None and float(quat @ last) < 0:
                vec[_QUAT] = -quat
            self._last_quat[person] = vec[_QUAT].copy()
        return vec

    def _publish_frame(self, tracked: TrackedFrame, image_rgb: np.ndarray | None,
                       now: float, captured_s: float | None) -> None:
        with self._pub:
            self._tracked, self._image = tracked, image_rgb
            for p, person in enumerate(tracked.people):
                if person.has_pose or person.has_face:
                    self._last_seen[p] = tracked.timestamp_s
            if tracked.n_people_in_view is not None:
                self._crowd = (tracked.n_people_in_view, tracked.timestamp_s)
            if captured_s is not None:
                self._latencies.append(now - captured_s)
            self._n_processed += 1
            first = self._push_span_s[0]
            self._push_span_s = (now if math.isnan(first) else first, now)
            self._version += 1
        self._processed.tick()

    # ------------------------------------------------------------------ grid and signals
    def _take_frames(self, t0: float, last_t: float) -> tuple[np.ndarray, np.ndarray] | None:
        """Grid times due now and the raw features resampled onto them (caller holds both
        locks); frames no longer needed are dropped. None when no grid sample is due."""
        k_end = math.floor((last_t - self.settle_s - t0) * self.grid_hz + 1e-9)
        if k_end < self._next_k:
            return None
        n_new = k_end - self._next_k + 1
        cap = self._hist_n + self._n_warm  # a longer silence is NaN anyway
        self._next_k += max(0, n_new - cap)
        grid_t = t0 + np.arange(self._next_k, k_end + 1) / self.grid_hz
        t_src = np.fromiter(self._raw_t, dtype=np.float64, count=len(self._raw_t))
        values = np.stack(self._raw).reshape(len(t_src), -1)
        self._next_k = k_end + 1
        keep_from = t0 + self._next_k / self.grid_hz - self.max_gap_s - 1e-6
        while self._raw_t and self._raw_t[0] < keep_from:
            self._raw_t.popleft()
            self._raw.popleft()
        grid = resample(t_src, values, grid_t, self.max_gap_s)
        return grid_t, grid.reshape(len(grid_t), 2, _N_FEATURES)

    def _signals(self, grid: np.ndarray, visibility: list[np.ndarray]) -> np.ndarray:
        """(n, n_signals, 2) signals of the new grid samples (A = 0, B = 1);
        ``visibility`` (n_frames, 7) per person picks the reliable landmarks for ``body``."""
        block = np.concatenate([self._warm, grid])
        self._warm = block[-self._n_warm:]
        out = np.full((len(grid), len(SIGNALS), 2), np.nan)
        landmarks = reliable_landmarks([{"upper_body_visibility": v} for v in visibility])
        for p in (0, 1):
            widths = grid[:, p, _SHOULDER]
            self._widths[p].extend(widths[np.isfinite(widths)].tolist())
            person = block[:, p]
            if not np.isfinite(person).any():
                continue
            features = {name: person[:, _OFFSETS[i]:_OFFSETS[i + 1]].reshape(
                (len(block),) + shape) for i, (name, shape) in enumerate(_FEATURES)}
            # Landmarks picked here, in C order, not via ``landmarks=``: signals.lowpass
            # leaves a non-C-contiguous input (what fancy indexing returns) unfiltered.
            features["upper_body_px"] = np.ascontiguousarray(
                features["upper_body_px"][:, landmarks])
            signals = signals_from_grid(features, grid_hz=self.grid_hz,
                                        scale_px=self._scale(p), causal=True)
            for j, name in enumerate(SIGNALS):
                out[:, j, p] = signals[name][-len(grid):]
        return out

    def _scale(self, person: int) -> float:
        fixed = self._scale_px[person]
        if fixed is not None:
            return float(fixed)
        widths = self._widths[person]
        return float(np.median(np.fromiter(widths, dtype=np.float64))) if widths else math.nan

    # ------------------------------------------------------------------ WCC
    def _feed(self, grid_t: np.ndarray, values: np.ndarray) -> None:
        """Push new samples into the streaming WCCs; a heatmap row every step."""
        _, inc, _ = self._samples
        row_t: list[float] = []
        rows: dict[str, list[np.ndarray]] = {name: [] for name in SIGNALS}
        for i, t in enumerate(grid_t):
            for j, name in enumerate(SIGNALS):
                self._wcc[name].push(float(values[i, j, 0]), float(values[i, j, 1]))
            self._n_grid += 1
            if self._n_grid >= self._next_row_n:
                self._next_row_n += inc
                row_t.append(float(t))
                for name in SIGNALS:
                    rows[name].append(self._wcc[name].newest())
        tables = {name: self._row_table(np.array(row_t), np.array(r))
                  for name, r in rows.items() if r}
        with self._pub:
            self._history.extend(np.column_stack([grid_t, values.reshape(len(grid_t), -1)]))
            for name, table in tables.items():
                self._rows[name].extend(table)
            self._data_changed()

    def _row_peaks(self, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Peak lag (s) and peak r of each row: pick_peaks, or the row max if incomplete."""
        lag = np.full(len(r), np.nan)
        peak = np.full(len(r), np.nan)
        finite = np.isfinite(r)
        complete = finite.all(axis=1) & self._pickable
        if complete.any():
            grid = WccResult(window_start_s=np.arange(int(complete.sum()), dtype=float),
                             lags_s=self._lags_s, r=r[complete], fs_hz=self.grid_hz,
                             window_s=self._params.window_s, step_s=self._params.step_s,
                             method="boker")
            picked = pick_peaks(grid)
            lag[complete], peak[complete] = picked.peak_lag_s, picked.peak_r
        fallback = ~complete & (2 * finite.sum(axis=1) >= r.shape[1])
        if fallback.any():
            best = np.argmax(np.where(finite[fallback], r[fallback], -np.inf), axis=1)
            lag[fallback] = self._lags_s[best]
            peak[fallback] = r[fallback][np.arange(len(best)), best]
        return lag, peak

    def _row_table(self, row_t: np.ndarray, r: np.ndarray) -> np.ndarray:
        """Rows ``[end time, peak lag, peak r, r at each lag...]``."""
        lag, peak = self._row_peaks(r)
        return np.column_stack([row_t, lag, peak, r])

    def _rebuild(self) -> None:
        """New streaming WCCs and heatmap rows for the current parameters, from the history."""
        params = self._params
        win, inc, max_lag = self._samples
        span = win + max_lag
        n_rows = int(math.ceil(self.history_s / params.step_s)) + 2
        rings = {name: _Ring(n_rows, 3 + 2 * max_lag + 1) for name in SIGNALS}
        with self._pub:  # a snapshot never pairs the new lags with the old rows
            self._lags_s = np.arange(-max_lag, max_lag + 1) / self.grid_hz
            self._pickable = len(self._lags_s) >= 17  # pick_peaks: lsize 8, span 0.25
            self._rows = {name: _Ring(1, len(self._lags_s) + 3) for name in SIGNALS}
        history = self._history.ordered()
        wccs = {name: StreamingWcc(fs_hz=self.grid_hz, window_s=params.window_s,
                                   max_lag_s=params.max_lag_s) for name in SIGNALS}
        tail = history[-span:]
        seg = history[len(history) - span - (len(history) - span) // inc * inc:] \
            if len(history) >= span else history[:0]
        for j, name in enumerate(SIGNALS):
            a, b = 1 + 2 * j, 2 + 2 * j
            if len(tail):
                wccs[name].extend(tail[:, a], tail[:, b])
            if len(seg):  # wcc's windows stop one step short of the end: pad one step
                padded = np.concatenate([seg[:, [a, b]], np.full((inc, 2), np.nan)])
                res = windowed_xcorr(padded[:, 0], padded[:, 1], fs_hz=self.grid_hz,
                                     window_s=params.window_s, step_s=params.step_s,
                                     max_lag_s=params.max_lag_s, method="boker")
                ends = np.rint(res.window_start_s * self.grid_hz).astype(int) + win - 1
                rings[name].extend(self._row_table(seg[ends, 0], res.r))
        with self._pub:
            self._wcc, self._rows = wccs, rings
            self._next_row_n = self._n_grid + (inc if len(seg) else span - len(tail))
            self._data_changed()
        self._reset_surrogates()

    # ------------------------------------------------------------------ chance level
    def _reset_surrogates(self) -> None:
        self._pool.clear()
        self._shift_i = 0
        with self._pub:
            self._threshold = math.nan
            self._data_changed()

    def _surrogate_step(self) -> None:
        """One circular shift of B against A: its rows' |peak r| join the pool."""
        params = self._params
        win, _, max_lag = self._samples
        span = win + max_lag
        history = self._history.ordered()
        j = SIGNALS.index(params.signal)
        a, b = history[:, 1 + 2 * j], history[:, 2 + 2 * j]
        n = len(a)
        if self.n_surrogate_shifts < 1 or n < 2 * span + 1 or (
                np.isfinite(a) & np.isfinite(b)).sum() < 2 * span:
            return
        shifts = np.unique(np.linspace(span, n - span, self.n_surrogate_shifts).round())
        shift = int(shifts[self._shift_i % len(shifts)])
        self._shift_i += 1
        res = windowed_xcorr(a, np.roll(b, shift), fs_hz=self.grid_hz,
                             window_s=params.window_s, step_s=self.surrogate_step_s,
                             max_lag_s=params.max_lag_s, method="boker")
        _, peak = self._row_peaks(res.r)
        peak = np.abs(peak[np.isfinite(peak)])
        if peak.size:
            self._pool.append(peak)
        if len(self._pool) >= min(4, self.n_surrogate_shifts):
            threshold = float(np.percentile(np.concatenate(list(self._pool)), 95))
            with self._pub:
                self._threshold = threshold
                self._data_changed()

    # ------------------------------------------------------------------ snapshot
    def _build_state(self) -> DashboardState:
        """Assemble the dashboard state (caller holds ``_pub``)."""
        params = self._params
        j = SIGNALS.index(params.signal)
        now = self._last_t if self._last_t is not None else 0.0
        history = self._history.ordered()
        rows = self._rows[params.signal].ordered()
        tracked = self._tracked
        in_view = (now - self._last_seen[0] < ABSENT_AFTER_S,
                   now - self._last_seen[1] < ABSENT_AFTER_S)
        current = rows[-1] if len(rows) else np.full(3, np.nan)
        threshold = self._threshold
        significant = (bool(current[2] > threshold)
                       if math.isfinite(threshold) and math.isfinite(current[2]) else None)
        if len(rows):
            words = describe_lag(float(current[1]), tolerance_s=0.5 / self.grid_hz)
        else:
            win, _, max_lag = self._samples
            words = (f"collecting data: first value after "
                     f"{(win + max_lag) / self.grid_hz + self.settle_s:g} s")
        people = tracked.people if tracked is not None else None
        return DashboardState(
            version=self._version, data_version=self._data_version, parameters=params,
            signal_unit=UNITS[params.signal], labels=self.labels, timestamp_s=now,
            image_rgb=self._image,
            size_px=tracked.size_px if tracked is not None else (0, 0),
            pose_xy_norm=np.stack([o.pose_xy_norm for o in people]) if people
            else np.full((2, 33, 2), np.nan),
            pose_visibility=np.stack([o.pose_visibility for o in people]) if people
            else np.full((2, 33), np.nan),
            face_xy_norm=np.stack([o.face_xy_norm for o in people]) if people
            else np.full((2, 478, 2), np.nan),
            regions=tuple((r.x0, r.y0, r.x1, r.y1) for r in tracked.regions) if tracked
            else (),
            in_view=in_view,
            trace_time_s=history[:, 0] - now, trace_a=history[:, 1 + 2 * j],
            trace_b=history[:, 2 + 2 * j], lags_s=self._lags_s.copy(),
            heatmap_time_s=rows[:, 0] - now, heatmap_r=rows[:, 3:],
            peak_lag_s=rows[:, 1], peak_r=rows[:, 2],
            current_peak_r=float(current[2]), current_peak_lag_s=float(current[1]),
            lead_words=words, threshold_r=threshold, significant=significant,
            stats=PipelineStats(), messages=self._messages(now, in_view, tracked))

    def _messages(self, now: float, in_view: tuple[bool, bool],
                  tracked: TrackedFrame | None) -> tuple[str, ...]:
        if tracked is None:
            return ("waiting for frames",)
        out = []
        missing = [label for label, seen in zip(self.labels, in_view, strict=True) if not seen]
        if missing:
            out.append(f"{' and '.join(missing)} not in view")
        n_people, when = self._crowd
        if n_people > 2 and now - when < 5.0:
            out.append(f"{n_people} people in view: tracking expects 2, A/B may be mixed up")
        return tuple(out)
