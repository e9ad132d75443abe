"""``synchrony wcc TABLE``: windowed cross-correlation of a two-column table (e.g. MEA)."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from synchrony.engine import validation
from synchrony.engine.compat import rmea_smooth
from synchrony.engine.lead import SIGN_CONVENTION, describe_lag
from synchrony.engine.peaks import pick_peaks
from synchrony.engine.wcc import (
    WINDOWINGS,
    WccResult,
    Windowing,
    check_parameters,
    resolve_windowing,
    windowed_xcorr,
)
from synchrony.errors import InputError
from synchrony.io.text_tables import read_pair
from synchrony.io.tidy import write_grid_csv, write_rows_csv


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``wcc`` subcommand."""
    p = subparsers.add_parser(
        "wcc",
        help="windowed cross-correlation of a two-column table (A = first, B = second column)",
        description="Windowed cross-correlation of two series in a text table, such as MEA "
        "output (header \"pat\" \"th\"). The first chosen column is person A, the second "
        f"person B. {SIGN_CONVENTION}.",
    )
    p.add_argument("table", type=Path, help="text or CSV table with one row per sample")
    p.add_argument("--fps", type=float, required=True, help="sampling rate in Hz")
    p.add_argument("--columns", default="1,2", help="1-based columns of A and B (default 1,2)")
    p.add_argument("--window-s", type=float, required=True, help="window length in seconds")
    p.add_argument("--step-s", type=float, required=True, help="step between windows in s")
    p.add_argument("--max-lag-s", type=float, required=True, help="largest lag in seconds")
    p.add_argument("--windowing", choices=WINDOWINGS, default=None,
                   help="window convention: rmea (default): rMEA MEAccf windows; boker: wcc "
                   "wccCalc trailing windows")
    p.add_argument("--method", choices=WINDOWINGS, default=None,
                   help="older name of --windowing, kept as an alias (giving both with "
                   "different values is an error)")
    p.add_argument("--smooth-s", type=float, default=None,
                   help="smooth both series first with rMEA's moving average of this many s")
    p.add_argument("--fisher-z", action="store_true", help="write Fisher z instead of r")
    p.add_argument("--out", type=Path, required=True,
                   help="grid CSV to write; per-window peaks go to <stem>_peaks.csv beside it")
    p.add_argument("--overwrite", action="store_true",
                   help="replace the grid and peaks CSV files if they exist")
    p.set_defaults(func=run)


def _outputs(args: argparse.Namespace) -> tuple[Path, Path]:
    """Return the (grid, peaks) CSV paths, checked before any work is done.

    Refused: the input table, a folder, and (without ``--overwrite``) files that exist.
    """
    out = args.out
    peaks = out.with_name(out.stem + "_peaks.csv")
    for path in (out, peaks):
        if path.is_dir():
            raise InputError(f"--out: {path} is a folder; give a .csv file path")
        if path.exists() and path.resolve() == Path(args.table).resolve():
            raise InputError(f"--out: {path} is the input table; give another path")
        if path.exists() and not args.overwrite:
            raise InputError(f"--out: {path} exists; pass --overwrite to replace it")
    return out, peaks


def _columns(text: str) -> tuple[int, int]:
    try:
        parts = tuple(int(c) for c in text.split(","))
    except ValueError:
        raise InputError(f"--columns must be two 1-based integers like 1,2, got {text!r}") from None
    if len(parts) != 2 or min(parts) < 1:
        raise InputError(f"--columns must be two 1-based integers like 1,2, got {text!r}")
    return parts[0], parts[1]


def _windowing(args: argparse.Namespace) -> Windowing:
    """Return the --windowing value, or its alias --method's; default rmea."""
    try:
        return resolve_windowing(args.windowing, args.method)
    except ValueError:
        raise InputError(f"--windowing and its alias --method disagree: got --windowing "
                         f"{args.windowing} and --method {args.method}; give one") from None


def _check_numbers(args: argparse.Namespace, windowing: Windowing) -> None:
    """--fps, --smooth-s and the windows, before the table is read (its length: later)."""
    for flag, value in (("--fps", args.fps), ("--smooth-s", args.smooth_s)):
        if value is not None and not (math.isfinite(value) and value > 0):
            raise InputError(f"{flag} must be > 0 and finite, got {value:g}")
    check_parameters(10**9, fs_hz=args.fps, window_s=args.window_s, step_s=args.step_s,
                     max_lag_s=args.max_lag_s, windowing=windowing)
    validation.step_within_window(args.step_s, args.window_s)


def run(args: argparse.Namespace) -> int:
    """Compute the grid and the peaks and write both CSV files."""
    windowing = _windowing(args)
    _check_numbers(args, windowing)
    out, peaks_path = _outputs(args)
    data = read_pair(args.table, _columns(args.columns))
    a, b = data[:, 0], data[:, 1]
    if args.smooth_s is not None:
        a = rmea_smooth(a, args.fps, args.smooth_s)
        b = rmea_smooth(b, args.fps, args.smooth_s)
    result = windowed_xcorr(a, b, fs_hz=args.fps, window_s=args.window_s, step_s=args.step_s,
                            max_lag_s=args.max_lag_s, windowing=windowing)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_grid_csv(out, result, fisher=args.fisher_z)
    write_peaks_csv(peaks_path, result)
    print(f"wrote {out} ({result.r.shape[0]} windows x {result.r.shape[1]} lags) and "
          f"{peaks_path}; {SIGN_CONVENTION}", file=sys.stderr)
    return 0


def write_peaks_csv(path: Path, result: WccResult) -> None:
    """Per-window peaks (Boker et al. 2002 peak picking) with the leader in words."""
    peaks = pick_peaks(result)
    rows = (
        (float(start), float(lag), float(r), describe_lag(lag))
        for start, lag, r in zip(result.window_start_s, peaks.peak_lag_s, peaks.peak_r,
                                 strict=True)
    )
    write_rows_csv(path, ["window_start_s", "peak_lag_s", "peak_r", "who_leads"], rows)
