"""From signals to synchrony numbers: each synchrony method on each signal's (A, B) pair.

Qt-free; used by ``synchrony analyze`` (videos and sessions) and by replay.

Per signal, every requested method (:mod:`synchrony.analysis.methods`, default ``"wcc"``:
:mod:`synchrony.analysis.wcc_method`; also ``"wavelet"``, ``"recurrence"``, ``"phase"``)
gives its per-window strength and lag, its session statistic, the surrogate test of that
statistic and its summary block. The first method requested is the *primary* one: its
summary block is the signal's block in ``summary.json`` and its test is
:attr:`SignalAnalysis.surrogate`. The WCC grid, peaks and per-window largest |r| stay
available as :attr:`SignalAnalysis.wcc`, ``.peaks`` and ``.window_abs_max_r``.
Sign convention: lag > 0 means A leads and B follows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

# importing a method's module registers it: wavelet coherence, cross-recurrence, phase
from synchrony.analysis import (  # noqa: F401
    phase_method,
    recurrence_method,
    wavelet_method,
)
from synchrony.analysis.methods import (
    ALPHA,
    SURROGATE_METHODS,
    AnalysisParameters,
    MethodResult,
    get_method,
    run_method,
    shuffle_segment_s,
)
from synchrony.analysis.wcc_method import (
    WCC,
    WccDetail,
    not_computed_summary,
    summarize,
)
from synchrony.engine.peaks import PeakResult
from synchrony.engine.surrogates import SurrogateTest
from synchrony.engine.wcc import WccResult, check_parameters, window_abs_max
from synchrony.signals.extract import SignalSet
from synchrony.signals.registry import signal_names

#: Methods run when none are named.
DEFAULT_METHODS: tuple[str, ...] = (WCC.name,)

__all__ = [
    "ALPHA", "DEFAULT_METHODS", "SURROGATE_METHODS", "AnalysisParameters", "SignalAnalysis",
    "analyze_pair", "analyze_signals", "not_computed_summary", "shuffle_segment_s",
    "summarize", "too_short_reason", "window_abs_max", "with_wcc_first",
]


@dataclass(frozen=True, slots=True)
class SignalAnalysis:
    """Everything computed for one signal.

    Attributes
    ----------
    signal : the signal's name.
    results : method name -> its result, in the order run; the first is the primary one.
    """

    signal: str
    results: dict[str, MethodResult]

    @property
    def primary(self) -> MethodResult:
        """The first method's result (its summary is the signal's block in summary.json)."""
        return next(iter(self.results.values()))

    @property
    def summary(self) -> dict[str, object]:
        """The signal's ``summary.json`` block: the primary method's."""
        return self.primary.summary

    @property
    def summary_with_methods(self) -> dict[str, object]:
        """The signal's block with ``methods.<name>``: every method's own summary block."""
        return {**self.primary.summary,
                "methods": {name: r.summary for name, r in self.results.items()}}

    @property
    def surrogate(self) -> SurrogateTest | None:
        """The primary method's session surrogate test (None: not run)."""
        return self.primary.surrogate

    @property
    def wcc_detail(self) -> WccDetail:
        """WCC's grid, peaks and per-window largest |r|.

        Raises
        ------
        LookupError
            WCC was not among the methods run.
        """
        if WCC.name not in self.results:
            raise LookupError(f"{self.signal}: WCC was not run (methods: "
                              f"{', '.join(self.results)})")
        detail: WccDetail = self.results[WCC.name].detail
        return detail

    @property
    def wcc(self) -> WccResult:
        """The WCC window x lag grid."""
        return self.wcc_detail.grid

    @property
    def peaks(self) -> PeakResult:
        """Boker peak lag (s) and peak r of each WCC window."""
        return self.wcc_detail.peaks

    @property
    def window_abs_max_r(self) -> np.ndarray:
        """(n_windows,) largest |r| over lags of each WCC window, NaN if none."""
        return self.wcc_detail.window_abs_max_r


def _check_methods(methods: Sequence[str]) -> tuple[str, ...]:
    """Check the method names: each registered, at least one, none twice."""
    names = tuple(methods)
    if not names or len(set(names)) != len(names):
        raise ValueError(f"methods must name at least one method, each once, got {names!r}")
    for name in names:
        get_method(name)
    return names


def with_wcc_first(methods: Sequence[str]) -> tuple[str, ...]:
    """``methods`` with WCC first (added if missing): the batch outputs need its grid."""
    return (WCC.name, *(m for m in methods if m != WCC.name))


def analyze_pair(a: np.ndarray, b: np.ndarray, *, fs_hz: float, signal: str,
                 params: AnalysisParameters,
                 methods: Sequence[str] | None = None) -> SignalAnalysis:
    """Every method's windows, statistic, surrogate test and summary for one (A, B) pair.

    ``methods``: registered names, in order (default ``params.methods``).
    """
    names = _check_methods(params.methods if methods is None else methods)
    results = {name: run_method(get_method(name), a, b, fs_hz=fs_hz, signal=signal,
                                params=params)
               for name in names}
    return SignalAnalysis(signal, results)


def too_short_reason(n_samples: int, fs_hz: float, params: AnalysisParameters) -> str | None:
    """Why a series of ``n_samples`` cannot hold one window plus the lag, or None if it can."""
    need_s = params.window_s + params.max_lag_s
    if n_samples / fs_hz >= need_s:
        return None
    return (f"the recording is {n_samples / fs_hz:.1f} s long, shorter than one window plus "
            f"the maximum lag ({need_s:g} s)")


def analyze_signals(signals: SignalSet, params: AnalysisParameters,
                    names: Sequence[str] | None = None,
                    progress: Callable[[str], None] | None = None,
                    methods: Sequence[str] | None = None) -> dict[str, SignalAnalysis]:
    """Analyse each named signal (default: every registered one) with each named method.

    ``methods``: registered names (default ``params.methods``); checked before any is run.
    """
    check_parameters(len(signals.time_s), fs_hz=signals.grid_hz, window_s=params.window_s,
                     step_s=params.step_s, max_lag_s=params.max_lag_s,
                     windowing=params.windowing)
    methods = _check_methods(params.methods if methods is None else methods)
    out = {}
    for name in signal_names() if names is None else names:
        if progress:
            progress(name)
        a, b = signals.pair(name)
        out[name] = analyze_pair(a, b, fs_hz=signals.grid_hz, signal=name, params=params,
                                 methods=methods)
    return out
