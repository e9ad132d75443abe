"""Live synchrony for the dashboard and the live runner: :class:`LivePipeline`.

Qt-free. A tracking thread calls :meth:`LivePipeline.push` with each tracked frame; the view
calls :meth:`LivePipeline.snapshot` on a ~30 Hz timer and draws the immutable
:class:`DashboardState`; outputs take each new window's :class:`SynchronyRow` from
:meth:`LivePipeline.drain_rows` (see :mod:`synchrony.live.runner` for the threads).

From tracked frames to synchrony, causally (only past frames are used):

1. per frame, the packed features of A and B (:mod:`synchrony.live.features`) go into a
   short buffer (:mod:`synchrony.live.grid`);
2. every ``update_s`` the grid samples up to ``settle_s`` before the newest frame are made
   by linear resampling (gaps up to ``max_gap_s`` bridged, longer ones stay NaN);
3. the four signals of the new grid samples, with ``WARMUP_S`` of earlier ones fed to the
   causal filters first (:meth:`synchrony.live.features.LiveFeatures.signals`). It costs
   ~20 ms per person and call whatever the length, hence batches every ``update_s``, run
   by :meth:`LivePipeline.update` inside ``push`` or, with ``auto_update=False``, from a
   separate analysis thread;
4. one :class:`~synchrony.engine.streaming.StreamingWcc` per signal (Boker trailing
   windows); every ``step_s`` a heatmap row (the window ending at the newest grid sample),
   its peak and a :class:`SynchronyRow` per signal (:mod:`synchrony.live.timeline`);
5. per new row and signal, the synchrony timeline row (:class:`SynchronyRow`: the causal
   form of ``analyze``'s timeline, :func:`synchrony.live.timeline.live_timeline_rows`) with
   its chance level from circular shifts of the history (:mod:`synchrony.live.chance`).

Sign convention: lag > 0 means A leads and B follows.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from synchrony.analysis.timeline import MIN_HORIZON_FRACTION, TimelineRules
from synchrony.engine import validation
from synchrony.engine.lead import describe_leader
from synchrony.engine.streaming import StreamingWcc
from synchrony.engine.wcc import check_parameters, windowed_xcorr
from synchrony.live.chance import ChanceLevels
from synchrony.live.features import LiveFeatures
from synchrony.live.grid import GridBuffer
from synchrony.live.state import DashboardState, LiveParameters, _Ring
from synchrony.live.threads import (
    CapturedFrame,
    Clock,
    LatestFrameMailbox,
    PipelineStats,
    ProcessingMeter,
)
from synchrony.live.timeline import ROW_HEAD, RowPeaks, SynchronyRow, live_timeline_rows
from synchrony.records import TrackedFrame
from synchrony.signals.registry import signal_names, unit_of

WARMUP_S = 2.0
"""Grid samples (s) fed to the causal filters before the new ones."""
ABSENT_AFTER_S = 0.5
"""A person unseen for this long (s) is reported "not in view"."""


class LivePipeline:
    """Tracked frames in, dashboard state and synchrony rows out.

    ``push`` is called by one producer thread; ``update`` by it (``auto_update``) or by one
    analysis thread; ``snapshot``, ``stats``, ``drain_rows`` and ``set_parameters`` may be
    called from any thread. See the module docstring for the steps. Sign convention: lag > 0
    means A leads and B follows.

    Parameters
    ----------
    grid_hz : rate of the signal grid in Hz.
    window_s, step_s, max_lag_s : WCC window, step between heatmap rows and largest lag (s).
    history_s : traces and heatmap rows kept (s); also the surrogates' span.
    signal : signal on display, one of the registered signals
        (:func:`synchrony.signals.registry.signal_names`, read when the pipeline is built).
    max_gap_s : longer gaps between observations stay NaN; shorter ones are interpolated.
    settle_s : grid samples are made this long (s) after their time, so that a gap can be
        bridged once the frame after it has arrived (default ``max_gap_s``).
    update_s : how often (s of source time) new grid samples are computed.
    n_surrogate_shifts : circular shifts pooled for each signal's chance level.
    surrogate_step_s : step (s) between the surrogate windows (a multiple of 1 / grid_hz).
    body_scale_px : person ("A", "B") -> shoulder width in px; default: running median.
    labels : names shown for A and B, e.g. ``("A (therapist)", "B")``.
    timeline_rules : horizon, lag band and quantile of the synchrony timeline (as
        ``analyze``'s; default :class:`~synchrony.analysis.timeline.TimelineRules`).
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
                 timeline_rules: TimelineRules | None = None,
                 mailbox: LatestFrameMailbox[CapturedFrame] | None = None,
                 auto_update: bool = True, clock: Clock = time.perf_counter) -> None:
        self.grid_hz = float(grid_hz)
        self.history_s = float(history_s)
        self.max_gap_s = float(max_gap_s)
        self.settle_s = self.max_gap_s if settle_s is None else float(settle_s)
        self.update_s = float(update_s)
        self.n_surrogate_shifts = int(n_surrogate_shifts)
        check_parameters(10**9, fs_hz=grid_hz, window_s=window_s, step_s=surrogate_step_s,
                         max_lag_s=0.0, windowing="boker")
        self.surrogate_step_s = float(surrogate_step_s)
        self.labels = labels
        self._mailbox = mailbox
        self._clock = clock
        self.auto_update = auto_update
        self._work = threading.RLock()  # update() and set_parameters(): the analysis state
        self._frame = threading.Lock()  # push(): the frame buffer and features
        self._pub = threading.Lock()  # what snapshot() and drain_rows() read
        self._hist_n = int(round(self.history_s * self.grid_hz))
        n_warm = int(round(WARMUP_S * self.grid_hz)) + 1
        self._names = signal_names()
        self._params = LiveParameters(window_s, step_s, max_lag_s, signal)
        self._samples = self._check(self._params)
        # frame buffer and features (_frame), analysis state (_work)
        self._features = LiveFeatures(grid_hz=self.grid_hz, n_warm=n_warm,
                                      history_n=self._hist_n, body_scale_px=body_scale_px,
                                      names=self._names)
        self._grid = GridBuffer(grid_hz=self.grid_hz, max_gap_s=self.max_gap_s,
                                settle_s=self.settle_s, max_samples=self._hist_n + n_warm)
        self._last_update_t = -math.inf
        self._n_grid = 0
        self.timeline_rules = timeline_rules or TimelineRules()
        self._chance = ChanceLevels(self._names, n_shifts=self.n_surrogate_shifts,
                                    grid_hz=self.grid_hz, step_s=self.surrogate_step_s,
                                    rules=self.timeline_rules)
        # published state (written under _pub)
        self._version = 0
        self._data_version = 0
        self._history = _Ring(self._hist_n, 1 + 2 * len(self._names))
        self._latest: dict[str, SynchronyRow] = {}
        self._new_rows: deque[SynchronyRow] = deque(  # at most a row per grid sample
            maxlen=len(self._names) * self._hist_n)
        self._new_samples: deque[np.ndarray] = deque(maxlen=self._hist_n)
        self._tracked: TrackedFrame | None = None
        self._image: np.ndarray | None = None
        self._last_seen = [-math.inf, -math.inf]
        self._crowd = (0, -math.inf)
        self._meter = ProcessingMeter(clock=clock)
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
            if not math.isfinite(t) or (self._grid.last_t is not None
                                        and t <= self._grid.last_t):
                return
            self._grid.add(t, self._features.frame(tracked))
        self._publish_frame(tracked, image_rgb, now, captured_s)
        if self.auto_update:
            self.update()

    def update(self, *, final: bool = False) -> bool:
        """Make the grid samples, signals, WCC rows and surrogate shifts that are due.

        Does nothing (returns False) until ``update_s`` of source time has passed since the
        last update. Called by :meth:`push` when ``auto_update``, else by the caller.
        ``final`` (the run has ended): at once, and every grid sample up to the last frame.
        """
        with self._work:
            with self._frame:
                last_t = self._grid.last_t
                if last_t is None or (not final
                                      and last_t - self._last_update_t < self.update_s):
                    return False
                self._last_update_t = last_t
                batch = self._grid.take(settle_s=0.0 if final else None)
                visibility = self._features.visibility()
            if batch is not None:
                self._feed(batch[0], self._features.signals(batch[1], visibility))
            self._surrogate_step()
            return True

    def drain_rows(self) -> list[SynchronyRow]:
        """Take the synchrony rows of every signal made since the last call, oldest first.

        Rows recomputed from the history after a parameter change are not new and are not
        included. At most ``history_s`` worth of rows is kept between calls.
        """
        with self._pub:
            rows = list(self._new_rows)
            self._new_rows.clear()
        return rows

    @property
    def sample_columns(self) -> tuple[str, ...]:
        """Column names of :meth:`drain_samples`' values: ``A_body``, ``B_body``, … ."""
        return tuple(f"{p}_{name}" for name in self._names for p in ("A", "B"))

    def drain_samples(self) -> np.ndarray:
        """Take the grid samples made since the last call, oldest first.

        Returns an (n, 1 + columns) array: ``time_s`` (source clock), then
        :attr:`sample_columns` (NaN = unknown). At most ``history_s`` worth is kept.
        """
        with self._pub:
            rows = list(self._new_samples)
            self._new_samples.clear()
        width = 1 + len(self.sample_columns)
        return np.vstack(rows) if rows else np.empty((0, width))

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
                self._data_changed()
            if (new.window_s, new.step_s, new.max_lag_s) != (
                    old.window_s, old.step_s, old.max_lag_s):
                self._rebuild()
            return new

    def stats(self) -> PipelineStats:
        """Frame rates, drops and latency so far."""
        return self._meter.stats(self._mailbox)

    def snapshot(self) -> DashboardState:
        """Return the current state for drawing (rebuilt only when something new arrived)."""
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
        if params.signal not in self._names:
            raise ValueError(f"signal must be one of {', '.join(self._names)}, "
                             f"got {params.signal!r}")
        win, inc, max_lag = check_parameters(
            10**9, fs_hz=self.grid_hz, window_s=params.window_s, step_s=params.step_s,
            max_lag_s=params.max_lag_s, windowing="boker")
        validation.step_within_window(params.step_s, params.window_s)
        if win + max_lag > self._hist_n:
            raise ValueError(f"window_s + max_lag_s must fit in history_s={self.history_s:g}, "
                             f"got {params.window_s:g} + {params.max_lag_s:g}")
        return win, inc, max_lag

    def _publish_frame(self, tracked: TrackedFrame, image_rgb: np.ndarray | None,
                       now: float, captured_s: float | None) -> None:
        with self._pub:
            self._tracked, self._image = tracked, image_rgb
            for p, person in enumerate(tracked.people):
                if person.has_pose or person.has_face:
                    self._last_seen[p] = tracked.timestamp_s
            if tracked.n_people_in_view is not None:
                self._crowd = (tracked.n_people_in_view, tracked.timestamp_s)
            self._version += 1
        self._meter.tick(captured_s, now)

    # ------------------------------------------------------------------ WCC
    def _feed(self, grid_t: np.ndarray, values: np.ndarray) -> None:
        """Push new samples into the streaming WCCs; a heatmap row every step."""
        _, inc, _ = self._samples
        row_t: list[float] = []
        rows: dict[str, list[np.ndarray]] = {name: [] for name in self._names}
        for i, t in enumerate(grid_t):
            for j, name in enumerate(self._names):
                self._wcc[name].push(float(values[i, j, 0]), float(values[i, j, 1]))
            self._n_grid += 1
            if self._n_grid >= self._next_row_n:
                self._next_row_n += inc
                row_t.append(float(t))
                for name in self._names:
                    rows[name].append(self._wcc[name].newest())
        tables = {name: self._peaks.table(np.array(row_t), np.array(r))
                  for name, r in rows.items() if r}
        params = self._params
        per_signal = {
            name: live_timeline_rows(
                name, np.concatenate([self._rows[name].ordered(), table]), len(table),
                lags_s=self._peaks.lags_s, window_s=params.window_s, step_s=params.step_s,
                grid_hz=self.grid_hz, rules=self.timeline_rules,
                chance=lambda counts, q, name=name: self._chance.levels(  # type: ignore[misc]
                    name, counts, params.step_s, q),
                previous=self._latest[name].state if name in self._latest else "unknown")
            for name, table in tables.items()}
        new_rows = [row for k in range(len(row_t)) for made in per_signal.values()
                    for row in made[k:k + 1]]
        with self._pub:
            made = np.column_stack([grid_t, values.reshape(len(grid_t), -1)])
            self._history.extend(made)
            self._new_samples.extend(made)
            for name, table in tables.items():
                self._rows[name].extend(table)
            self._new_rows.extend(new_rows)
            self._latest.update({name: made[-1] for name, made in per_signal.items() if made})
            self._data_changed()

    def _rebuild(self) -> None:
        """Rebuild streaming WCCs and heatmap rows for the current parameters from the history."""
        params = self._params
        win, inc, max_lag = self._samples
        span = win + max_lag
        n_rows = int(math.ceil(self.history_s / params.step_s)) + 2
        rings = {name: _Ring(n_rows, ROW_HEAD + 2 * max_lag + 1) for name in self._names}
        peaks = RowPeaks(np.arange(-max_lag, max_lag + 1) / self.grid_hz, grid_hz=self.grid_hz,
                         window_s=params.window_s, step_s=params.step_s)
        with self._pub:  # a snapshot never pairs the new lags with the old rows
            self._peaks = peaks
            self._rows = {name: _Ring(1, len(peaks.lags_s) + ROW_HEAD) for name in self._names}
        history = self._history.ordered()
        wccs = {name: StreamingWcc(fs_hz=self.grid_hz, window_s=params.window_s,
                                   max_lag_s=params.max_lag_s) for name in self._names}
        tail = history[-span:]
        seg = history[len(history) - span - (len(history) - span) // inc * inc:] \
            if len(history) >= span else history[:0]
        for j, name in enumerate(self._names):
            a, b = 1 + 2 * j, 2 + 2 * j
            if len(tail):
                wccs[name].extend(tail[:, a], tail[:, b])
            if len(seg):  # wcc's windows stop one step short of the end: pad one step
                padded = np.concatenate([seg[:, [a, b]], np.full((inc, 2), np.nan)])
                res = windowed_xcorr(padded[:, 0], padded[:, 1], fs_hz=self.grid_hz,
                                     window_s=params.window_s, step_s=params.step_s,
                                     max_lag_s=params.max_lag_s, windowing="boker")
                ends = np.rint(res.window_start_s * self.grid_hz).astype(int) + win - 1
                rings[name].extend(peaks.table(seg[ends, 0], res.r))
        self._chance.reset()
        with self._pub:
            self._wcc, self._rows = wccs, rings
            self._next_row_n = self._n_grid + (inc if len(seg) else span - len(tail))
            self._latest = {}
            self._data_changed()

    def _surrogate_step(self) -> None:
        """One circular shift of B against A per signal (see :mod:`synchrony.live.chance`)."""
        win, _, max_lag = self._samples
        params = self._params
        self._chance.step(self._history.ordered(), window_s=params.window_s,
                          max_lag_s=params.max_lag_s, span_samples=win + max_lag)

    # ------------------------------------------------------------------ snapshot
    def _build_state(self) -> DashboardState:
        """Assemble the dashboard state (caller holds ``_pub``)."""
        params = self._params
        j = self._names.index(params.signal)
        now = self._grid.last_t if self._grid.last_t is not None else 0.0
        history = self._history.ordered()
        rows = self._rows[params.signal].ordered()
        tracked = self._tracked
        in_view = (now - self._last_seen[0] < ABSENT_AFTER_S,
                   now - self._last_seen[1] < ABSENT_AFTER_S)
        current = rows[-1] if len(rows) else np.full(ROW_HEAD, np.nan)
        latest = self._latest.get(params.signal)
        sync_r = math.tanh(latest.strength) if latest is not None else math.nan
        sync_lag_s = latest.lag_s if latest is not None else math.nan
        threshold = math.tanh(latest.chance_level) if latest is not None else math.nan
        state = latest.state if latest is not None else "unknown"
        significant = None if state == "unknown" else state == "in_sync"
        if latest is not None and math.isfinite(sync_lag_s):
            words = describe_leader(sync_lag_s, state, tolerance_s=0.5 / self.grid_hz)
        elif len(rows):
            words = (f"collecting data: a synchrony value needs "
                     f"{MIN_HORIZON_FRACTION * self.timeline_rules.horizon_s:g} s of windows")
        else:
            win, _, max_lag = self._samples
            words = (f"collecting data: first value after "
                     f"{(win + max_lag) / self.grid_hz + self.settle_s:g} s")
        people = tracked.people if tracked is not None else None
        return DashboardState(
            version=self._version, data_version=self._data_version, parameters=params,
            signal_unit=unit_of(params.signal), labels=self.labels, timestamp_s=now,
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
            trace_b=history[:, 2 + 2 * j], lags_s=self._peaks.lags_s.copy(),
            heatmap_time_s=rows[:, 0] - now, heatmap_r=rows[:, ROW_HEAD:],
            peak_lag_s=rows[:, 1], peak_r=rows[:, 2],
            current_peak_r=float(current[2]), current_peak_lag_s=float(current[1]),
            sync_r=sync_r, sync_lag_s=sync_lag_s, state=state,
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

