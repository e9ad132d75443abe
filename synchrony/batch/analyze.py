"""Video -> tracked frames -> signals -> analysis -> files: the ``analyze`` pipeline (Qt-free).

:func:`analyze_video` tracks every frame (:func:`synchrony.capture.video.track_video`,
decoding in its own thread) and hands the frames to :func:`analyze_run`, which recorded
sessions use too. Results are written into a temporary directory beside the output and
moved into place at the end (:mod:`synchrony.io.output_dir`), so a failure never leaves
half-written output.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from synchrony.analysis.pair import (
    AnalysisParameters,
    SignalAnalysis,
    analyze_signals,
    not_computed_summary,
    too_short_reason,
    with_wcc_first,
)
from synchrony.analysis.summary import build_summary, nobody_in_view
from synchrony.capture.video import TrackingRun, track_video
from synchrony.errors import InputError
from synchrony.interrupts import InterruptPoints
from synchrony.io.episode_files import write_analysis_episodes
from synchrony.io.landmarks import write_landmarks_parquet
from synchrony.io.method_windows import write_method_windows
from synchrony.io.output_dir import check_output_dir, staged_output_dir
from synchrony.io.tidy import write_grid_csv, write_json, write_rows_csv, write_signals
from synchrony.records import HALVES, PersonTracker, Region
from synchrony.render.jobs import PlotJob, run_plot_jobs, send_early
from synchrony.render.plot_helper import PlotHelper
from synchrony.signals.extract import SignalSet, extract_signals
from synchrony.signals.frame_events import FRAME_EVENT_COLUMNS, report_frame_events

DEFAULT_GRID_HZ = 20.0

log = logging.getLogger(__name__)


def write_outputs(out_dir: Path, run: TrackingRun, signals: SignalSet,
                  analyses: dict[str, SignalAnalysis], summary: dict[str, Any],
                  plot_helper: PlotHelper | None = None,
                  early: Sequence[PlotJob] = ()) -> None:
    """Every analyze output file into ``out_dir`` (which must exist).

    The plots are drawn here and, if given, by ``plot_helper`` side by side; ``early``:
    the signals' plots already sent to the helper (:func:`send_signal_plots`).
    """
    write_json(out_dir / "summary.json", summary)
    write_signals(out_dir, signals)
    write_landmarks_parquet(run.frames, out_dir / "landmarks.parquet")
    for name, analysis in analyses.items():
        write_grid_csv(out_dir / f"wcc_{name}.csv", analysis.wcc)
    write_method_windows(out_dir, analyses)
    if analyses or early:  # early plots are awaited here, before the folder is committed
        from synchrony.render.method_plots import method_plot_jobs
        from synchrony.render.plots import analysis_plot_jobs

        run_plot_jobs([*analysis_plot_jobs(analyses, signals, out_dir, with_signals=not early),
                       *method_plot_jobs(analyses, out_dir)], plot_helper, early)


def send_signal_plots(signals: SignalSet, names: Sequence[str], out_dir: Path,
                      plot_helper: PlotHelper | None) -> list[PlotJob]:
    """Hand the signals' plots to an idle helper now, to be drawn during the analysis."""
    if plot_helper is None or not plot_helper.idle():
        return []
    from synchrony.render.plots import signal_plot_jobs

    return send_early(signal_plot_jobs(signals, names, out_dir), plot_helper)


def analyze_run(
    run: TrackingRun,
    out: Path,
    *,
    params: AnalysisParameters,
    signal_names: Sequence[str],
    grid_hz: float = DEFAULT_GRID_HZ,
    body_scale_px: dict[str, float] | None = None,
    noise_floor: dict[str, dict[str, float]] | None = None,
    roles: dict[str, str | None] | None = None,
    extra_parameters: dict[str, Any] | None = None,
    overwrite: bool = False,
    parallel_plots: bool = True,
    plot_helper: PlotHelper | None = None,
) -> dict[str, Any]:
    """Signals, analysis and every output file from already tracked frames; return summary.

    Used for videos (after :func:`track_video`) and for recorded sessions (frames read
    back from the session's landmark files). ``parallel_plots``: a helper process draws
    about half of the plots, the signals' plots while the surrogate tests run (a study,
    whose workers already use every core, turns it off); ``plot_helper``: one started
    earlier (closed here), else one is started now.
    """
    with ExitStack() as stack:
        if plot_helper is not None:
            stack.callback(plot_helper.close)
        tmp = stack.enter_context(staged_output_dir(out, overwrite=overwrite))
        if plot_helper is None and parallel_plots:
            plot_helper = PlotHelper()
        if plot_helper is not None:  # closed before the folder goes: it may be drawing into it
            stack.callback(plot_helper.close)
        if nobody_in_view(run.frames):
            raise InputError(f"nobody in view: no person was found in {run.source.get('path')}")
        if len(run.frames) < 2:
            raise InputError(f"{run.source.get('path')} has only one frame; movement needs at "
                             "least two")
        signals = extract_signals(run.frames, grid_hz=grid_hz, body_scale_px=body_scale_px,
                                  noise_floor=noise_floor)
        reason = too_short_reason(len(signals.time_s), signals.grid_hz, params)
        early = [] if reason else send_signal_plots(signals, signal_names, tmp, plot_helper)
        analyses = {} if reason else analyze_signals(
            signals, params, signal_names, methods=with_wcc_first(params.methods))
        summary = build_summary(run, signals, analyses, params,
                                extra_parameters=extra_parameters, roles=roles)
        if reason:
            summary["signals"] = {name: not_computed_summary(reason) for name in signal_names}
            summary["warnings"].append(f"no synchrony computed: {reason}")
        for name, block in summary["signals"].items():  # share the noise floor marked
            block["no_movement_fraction"] = signals.no_movement(name)
        for person, marked in signals.mostly_no_movement().items():
            log.warning("the calibration noise floor marks most of person %s's signals as no "
                        "movement (%s): if the baseline was taken while they moved, calibrate "
                        "again with --baseline START:END over still seconds", person,
                        ", ".join(f"{n} {100 * f:.0f} %" for n, f in marked.items()))
        summary["frame_events"], event_rows = report_frame_events(signals.frame_events,
                                                                  len(run.frames))
        write_outputs(tmp, run, signals, analyses, summary, plot_helper, early)
        write_rows_csv(tmp / "frame_events.csv", FRAME_EVENT_COLUMNS, event_rows)
        write_analysis_episodes(tmp, signals, analyses, params)  # episodes.csv/.json
    return summary


def analyze_video(
    video: Path,
    out: Path,
    *,
    make_tracker: Callable[[tuple[Region, Region]], PersonTracker],
    regions: tuple[Region, Region] = HALVES,
    progress: bool = True,
    overwrite: bool = False,
    **analysis: Any,
) -> dict[str, Any]:
    """Track every frame of ``video``, then :func:`analyze_run` into ``out``.

    ``analysis`` holds :func:`analyze_run`'s keyword arguments (params, signal_names, …).
    The output directory is checked before tracking starts, so a bad ``out`` fails fast.
    The plot helper is started before tracking, so it is warm when tracking ends.
    """
    check_output_dir(out, overwrite=overwrite)
    helper = PlotHelper() if analysis.get("parallel_plots", True) else None
    try:
        tracker = make_tracker(regions)
        try:
            run = track_video(video, tracker, progress=progress)
        finally:
            with InterruptPoints():  # closed whole, or MediaPipe's threads may hold the exit
                tracker.close()
    except BaseException:
        if helper is not None:
            helper.close()
        raise
    return analyze_run(run, out, overwrite=overwrite, plot_helper=helper, **analysis)
