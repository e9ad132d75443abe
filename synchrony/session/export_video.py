"""An annotated video of a recorded session (``synchrony export-video``).

Every frame of the session, drawn by :class:`synchrony.render.frames.Annotator` with the
session's synchrony timeline and episodes; written as H.264 beside the target and renamed
at the end, so a failure leaves no half-written file.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from synchrony.analysis.episodes import EpisodeReport, analysis_episodes
from synchrony.analysis.pair import AnalysisParameters, analyze_signals, too_short_reason
from synchrony.batch.analyze import DEFAULT_GRID_HZ
from synchrony.capture.sources import VideoFileSource, probe_video
from synchrony.io.episode_files import read_episode_report
from synchrony.io.h264 import H264Writer
from synchrony.progress import ProgressBar
from synchrony.records import TrackedFrame
from synchrony.render.frames import Annotator
from synchrony.session.store import Session
from synchrony.signals.extract import extract_signals

# --------------------------------------------------------------------------- export


def session_report(session: Session, frames: Sequence[TrackedFrame], signal: str
                   ) -> tuple[EpisodeReport | None, str]:
    """Load the session's ``episodes.json`` if it covers ``signal``, else compute it from landmarks.

    Computed with the default analysis parameters (5 s windows, 0.5 s step, 2 s lag), no
    session surrogate test, and the timeline and episode rules of
    :mod:`synchrony.analysis.timeline` and :mod:`synchrony.analysis.episodes`.
    Returns the report (None when the session is too short) and a note saying why not.
    """
    stored = session.path / "episodes.json"
    if stored.exists():
        report = read_episode_report(stored)
        if report is not None and signal in report.timelines:
            return report, ""
    signals = extract_signals(list(frames), grid_hz=DEFAULT_GRID_HZ)
    params = AnalysisParameters(n_surrogates=0)
    reason = too_short_reason(len(signals.time_s), signals.grid_hz, params)
    if reason:
        return None, f"no synchrony: {reason}"
    return analysis_episodes(signals, analyze_signals(signals, params, [signal]), params), ""


def export_annotated_video(session: Session, out: Path, *, signal: str = "body",
                           progress: bool = True) -> int:
    """Write ``out`` (H.264 MP4): every frame of the session, annotated; return the count.

    Every frame of the saved video when there is one (a frame the tracker skipped shows the
    last tracked skeletons); otherwise every recorded frame on a grey background of the
    recorded size. Frames keep their timestamps. Written beside ``out`` and renamed at the
    end, so a failure leaves no half-written file.
    """
    frames = session.frames()
    report, note = session_report(session, frames, signal)
    roles = session.roles
    video = session.video_path
    size = frames[0].size_px
    if video:
        with VideoFileSource(video) as probe:  # upright size (display rotation applied)
            size = probe.size_px
    annotator = Annotator(
        size, timeline=report.timelines.get(signal) if report else None,
        episodes=[e for e in report.episodes if e.signal == signal] if report else [],
        markers=session.markers, note=note,
        span_s=(frames[0].timestamp_s, frames[-1].timestamp_s),
        labels=(f"A: {roles['A']}" if roles["A"] else "A", f"B: {roles['B']}" if roles["B"]
                else "B"))
    total = probe_video(video).n_frames if video else len(frames)
    bar = ProgressBar("exporting frames", total) if progress else None
    tmp = out.with_name(f".{out.stem}.partial{out.suffix or '.mp4'}")
    writer: H264Writer | None = None
    try:  # made inside: Ctrl-C just after the file is created still removes it
        writer = H264Writer(tmp, size_px=annotator.size_px, fps_hint=session.fps, crf=23)
        if video:
            by_index = {f.index: f for f in frames}
            current: TrackedFrame | None = None
            with VideoFileSource(video) as src:
                while (frame := src.read()) is not None:
                    current = by_index.get(frame.index, current)
                    writer.write(annotator.render(frame.image_rgb, current, frame.timestamp_s),
                                 frame.timestamp_s)
                    if bar:
                        bar.update()
        else:
            for f in frames:
                writer.write(annotator.render(None, f, f.timestamp_s), f.timestamp_s)
                if bar:
                    bar.update()
        writer.close()
        os.replace(tmp, out)
    except BaseException:
        if writer is not None:
            writer.close()
        tmp.unlink(missing_ok=True)
        raise
    finally:
        if bar:
            bar.close()
    return writer.n_frames
