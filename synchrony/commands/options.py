"""Options shared by several commands: argparse arguments and their checks.

The analysis options (``analyze``, ``study``) and the live source (``record``, ``stream``).
"""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from synchrony.analysis.methods import method_names
from synchrony.analysis.pair import SURROGATE_METHODS, AnalysisParameters, with_wcc_first
from synchrony.batch.analyze import DEFAULT_GRID_HZ
from synchrony.engine import validation
from synchrony.engine.wcc import WINDOWINGS, check_parameters
from synchrony.errors import InputError
from synchrony.signals.registry import signal_names


def add_analysis_arguments(p: argparse.ArgumentParser, *, windowing: bool = False) -> None:
    """Window, step, lag, signals, surrogates, grid, seed and the tracker's model options.

    ``windowing``: also ``--windowing`` (rmea or boker; the default rmea).
    """
    p.add_argument("--window-s", type=float, default=5.0, help="WCC window in s (default 5)")
    p.add_argument("--step-s", type=float, default=0.5, help="step between windows in s (0.5)")
    p.add_argument("--max-lag-s", type=float, default=2.0, help="largest lag in s (default 2)")
    if windowing:
        p.add_argument("--windowing", choices=WINDOWINGS, default="rmea",
                       help="window convention: rmea (default, rMEA MEAccf) or boker (wcc)")
    signals = ",".join(signal_names())
    p.add_argument("--signals", default=signals,
                   help=f"comma-separated signals (default {signals})")
    p.add_argument("--surrogates", type=int, default=200,
                   help="surrogate pairs for the significance test (default 200; 0 = none)")
    p.add_argument("--surrogate-method", choices=SURROGATE_METHODS, default="circular_shift")
    p.add_argument("--grid-hz", type=float, default=DEFAULT_GRID_HZ,
                   help=f"rate of the signal grid in Hz (default {DEFAULT_GRID_HZ:g})")
    p.add_argument("--seed", type=int, default=0, help="random seed of the surrogates")
    add_method_arguments(p)
    p.add_argument("--model-dir", type=Path, default=None,
                   help="folder with the MediaPipe .task bundles")
    p.add_argument("--pose-variant", choices=("lite", "full"), default="lite")


def add_method_arguments(p: argparse.ArgumentParser) -> None:
    """``--methods`` and the options of the methods beside WCC (band, recurrence)."""
    names = ",".join(method_names())
    default = AnalysisParameters()
    p.add_argument("--methods", default="wcc", metavar="NAMES",
                   help=f"comma-separated synchrony methods of {names} (default wcc; WCC "
                   "always runs first: the timeline, episodes and contract block use it)")
    low, high = default.band_hz
    p.add_argument("--band-hz", default=f"{low:g},{high:g}", metavar="LOW,HIGH",
                   help=f"frequency band of the wavelet and phase methods in Hz (default "
                   f"{low:g},{high:g}; HIGH below half the grid rate)")
    p.add_argument("--recurrence-rate", type=float, default=default.recurrence_rate,
                   help="target cross-recurrence rate that sets the radius (default "
                   f"{default.recurrence_rate:g})")
    p.add_argument("--embedding-dim", type=int, default=default.embedding_dim,
                   help="embedding dimension of the recurrence method (default "
                   f"{default.embedding_dim})")
    p.add_argument("--embedding-delay-s", type=float,
                   default=default.embedding_delay_s,
                   help="embedding delay in s of the recurrence method (default "
                   f"{default.embedding_delay_s:g})")


def parse_methods(text: str) -> tuple[str, ...]:
    """Comma-separated method names, each registered and named once; WCC put first."""
    names = [s.strip() for s in text.split(",") if s.strip()]
    known = method_names()
    bad = [s for s in names if s not in known]
    if not names or bad or len(set(names)) != len(names):
        raise InputError(f"--methods must be a comma-separated subset of {','.join(known)}, "
                         f"each named once, got {text!r}")
    return with_wcc_first(names)


def parse_band(text: str, rates_hz: Iterable[float]) -> tuple[float, float]:
    """``LOW,HIGH`` in Hz with 0 < LOW < HIGH < half of every rate in ``rates_hz``."""
    try:
        low, high = (float(v) for v in text.split(","))
    except ValueError:
        raise InputError(f"--band-hz must be LOW,HIGH in Hz, e.g. 0.1,1, got {text!r}"
                         ) from None
    nyquist = min(rates_hz) / 2
    if not 0 < low < high < nyquist:
        raise InputError(f"--band-hz must satisfy 0 < LOW < HIGH < {nyquist:g} Hz (half the "
                         f"grid rate), got {text!r}")
    return low, high


def parse_signals(text: str) -> list[str]:
    """Comma-separated signal names, each a registered signal."""
    names = [s.strip() for s in text.split(",") if s.strip()]
    known = signal_names()
    bad = [s for s in names if s not in known]
    if not names or bad:
        raise InputError(f"--signals must be a comma-separated subset of {','.join(known)}, "
                         f"got {text!r}")
    return names


def check_analysis_arguments(args: argparse.Namespace,
                             rates_hz: Iterable[float] = ()) -> AnalysisParameters:
    """Validate the numeric arguments before any input is opened.

    ``rates_hz``: the sampling rates the windows must fit (default ``--grid-hz``); sub-second
    windows, steps and lags are fine wherever a rate gives them whole samples.
    """
    validation.positive("grid_hz", args.grid_hz)
    for fs_hz in sorted(set(rates_hz)) or [args.grid_hz]:
        check_parameters(10**9, fs_hz=fs_hz, window_s=args.window_s, step_s=args.step_s,
                         max_lag_s=args.max_lag_s)
    validation.step_within_window(args.step_s, args.window_s)
    if args.surrogates < 0:
        raise InputError(f"--surrogates must be >= 0, got {args.surrogates}")
    if not 0 < args.recurrence_rate <= 0.5:
        raise InputError(f"--recurrence-rate must be in (0, 0.5], got {args.recurrence_rate:g}")
    if not 1 <= args.embedding_dim <= 20:
        raise InputError(f"--embedding-dim must be 1 to 20, got {args.embedding_dim}")
    if not 0 < args.embedding_delay_s <= 60:
        raise InputError(f"--embedding-delay-s must be in (0, 60] s, got "
                         f"{args.embedding_delay_s:g}")
    return AnalysisParameters(window_s=args.window_s, step_s=args.step_s,
                              max_lag_s=args.max_lag_s, n_surrogates=args.surrogates,
                              surrogate_method=args.surrogate_method, seed=args.seed,
                              windowing=getattr(args, "windowing", None) or "rmea",
                              band_hz=parse_band(args.band_hz, sorted(set(rates_hz))
                                                 or [args.grid_hz]),
                              recurrence_rate=args.recurrence_rate,
                              embedding_dim=args.embedding_dim,
                              embedding_delay_s=args.embedding_delay_s,
                              methods=parse_methods(args.methods))


def add_live_source_arguments(p: argparse.ArgumentParser, *, required: bool) -> None:
    """Add the source: a video file (played at real time), ``--camera N`` or ``--stream URL``."""
    src = p.add_mutually_exclusive_group(required=required)
    src.add_argument("video", nargs="?", type=Path, help="video file played at real time")
    src.add_argument("--camera", type=int, metavar="N", help="camera index")
    src.add_argument("--stream", metavar="URL", help="network stream URL (rtsp, http, ...)")


def add_group_readable_argument(p: argparse.ArgumentParser) -> None:
    """Add ``--group-readable``: the recorded session readable by the owner's group.

    Default: only the owner (directories 0700, files 0600).
    """
    p.add_argument("--group-readable", action="store_true",
                   help="let the owner's group read the recorded session (default: only the "
                   "owner; directories 0700, files 0600)")


def open_live_source(args: argparse.Namespace) -> Any:
    """Open the source of :func:`add_live_source_arguments` (a file paced at real time)."""
    from synchrony.capture.sources import VideoFileSource, open_source

    if args.video is not None:
        return VideoFileSource(args.video, realtime=True)
    return open_source(args.camera if args.camera is not None else args.stream)


def live_source_block(source: Any, args: argparse.Namespace) -> dict[str, Any]:
    """Return the ``source`` block of a recorded session's ``session.json``."""
    kind = "camera" if args.camera is not None else "stream" if args.stream else "file"
    block: dict[str, Any] = {"kind": kind, "description": source.description,
                             "fps_hint": source.fps_hint, "n_frames_hint": source.n_frames_hint}
    if source.size_px:
        block["width_px"], block["height_px"] = source.size_px
    if kind == "file":
        block["path"] = str(Path(args.video).resolve())
    return block


def run_with_signals(runner: Any) -> str:
    """Run a live runner with SIGINT/SIGTERM set to stop it cleanly ("interrupted").

    (Signal handlers are set only on the main thread.) Returns how the run ended.
    """
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, lambda *_: runner.stop("interrupted"))
    try:
        return str(runner.run())
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
