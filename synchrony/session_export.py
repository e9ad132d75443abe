"""Session files in and out: H.264 video, landmark CSV, MEA text, ELAN tiers, frames.

Written by ``synchrony analyze SESSION_DIR --out DIR`` next to the usual analyze outputs
(``signals.csv``/``.parquet``, ``landmarks.parquet``, ``episodes.csv``…):

- ``landmarks.csv``: the landmark table without the face mesh list column (478 points per
  face would add 956 columns; the mesh stays in ``landmarks.parquet``); NaN as empty.
- ``motion_mea_<grid>hz.txt``: the ``motion`` signal of A and B in the layout of MEA output
  files as rMEA ships them: a header line ``"A" "B"``, then one space-separated row per grid
  sample (``<grid>`` Hz, see summary.json ``parameters.grid_hz``), NaN as ``NA``. Values are
  fractions of region pixels changed (0-1), not MEA's pixel counts. Read it in R with
  ``rMEA::readMEA(path, sampRate = <grid>, skip = 1, s1Name = "A", s2Name = "B")``.
- ``session.eaf``: ELAN Annotation Format 3.0 with one tier per signal of episodes
  (synchrony, rupture, repair) and a ``markers`` tier; times in milliseconds on the
  session clock (0 = first recorded frame = first frame of ``video.mp4``).

:class:`H264Writer` writes the raw session video and the annotated export: libx264,
yuv420p, each frame stamped with its own ``timestamp_s`` (variable timing kept).
:func:`frames_from_table` turns landmark rows back into tracked frames.
"""

from __future__ import annotations

import math
import os
import shutil
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import av
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from av.container import OutputContainer

from synchrony.episodes import EpisodeReport, read_episode_report
from synchrony.tracking import (
    TrackedFrame,
)

if TYPE_CHECKING:
    from synchrony.session import Session

TIME_BASE = Fraction(1, 90000)
"""Time unit of the written video's timestamps (the MPEG 90 kHz clock)."""
#: Duration (ms) given to a marker in ELAN, which has no point annotations.
MARKER_MS = 200
#: Fragmented MP4, a fragment per second flushed to the file at once: a SIGKILL leaves a
#: playable file missing at most the last ~1 s.
FRAGMENTED_MP4 = {"movflags": "frag_keyframe+empty_moov+default_base_moof",
                  "frag_duration": "1000000", "flush_packets": "1"}


class H264Writer:
    """H.264 (libx264, yuv420p) MP4 writer timed by each frame's ``timestamp_s``.

    Parameters
    ----------
    path : output ``.mp4``.
    size_px : (width, height) of the frames; odd sizes are padded by one edge pixel.
    fps_hint : nominal rate in Hz (for the encoder's rate control; timing comes from the
        frames).
    crf, preset : x264 quality (lower = better) and speed.
    crash_safe : fragmented MP4 and no encoder look-ahead (``tune=zerolatency``), so a
        killed process leaves a playable file missing at most ~1 s.
    """

    def __init__(self, path: str | Path, *, size_px: tuple[int, int], fps_hint: float | None,
                 crf: int = 20, preset: str = "veryfast", crash_safe: bool = False) -> None:
        self.path = Path(path)
        self.n_frames = 0
        width, height = size_px
        self._size = (width + width % 2, height + height % 2)
        self._last_pts = -1
        rate = Fraction(fps_hint or 30).limit_denominator(1001)
        container = av.open(str(self.path), "w", options=FRAGMENTED_MP4 if crash_safe else {})
        self._container: OutputContainer | None = container
        stream = container.add_stream("libx264", rate=rate)
        stream.width, stream.height = self._size
        stream.pix_fmt = "yuv420p"
        stream.codec_context.time_base = TIME_BASE
        stream.codec_context.gop_size = max(1, round(float(rate)))
        options = {"crf": str(crf), "preset": preset}
        if crash_safe:
            options["tune"] = "zerolatency"
        stream.codec_context.options = options
        self._stream = stream

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def write(self, image_rgb: np.ndarray, timestamp_s: float) -> None:
        """Encode one (H, W, 3) uint8 RGB frame shown at ``timestamp_s`` seconds."""
        h, w = image_rgb.shape[:2]
        if (w, h) != self._size:
            image_rgb = np.pad(image_rgb, ((0, self._size[1] - h), (0, self._size[0] - w),
                                           (0, 0)), mode="edge")
        frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image_rgb), format="rgb24")
        pts = max(round(timestamp_s / TIME_BASE), self._last_pts + 1)
        self._last_pts = pts
        frame.pts, frame.time_base = pts, TIME_BASE
        if self._container is None:
            raise RuntimeError("video writer is closed")
        self._container.mux(self._stream.encode(frame))
        self.n_frames += 1

    def close(self) -> None:
        """Flush the encoder and close the file; safe to call twice."""
        if self._container is None:
            return
        container, self._container = self._container, None
        try:
            container.mux(self._stream.encode(None))
        finally:
            container.close()


def write_landmarks_csv(path: Path, table: pa.Table) -> None:
    """Landmark rows as CSV without the face mesh list column; NaN as empty."""
    table = table.drop_columns([c for c in ("face_xy_norm",) if c in table.column_names])
    columns = []
    for col in table.columns:
        if pa.types.is_floating(col.type):
            col = pc.if_else(pc.is_nan(col), pa.scalar(None, col.type), col)
        columns.append(col)
    pacsv.write_csv(pa.table(columns, names=table.column_names), path)


def _mea_cell(value: float) -> str:
    return f"{value:.6g}" if math.isfinite(value) else "NA"


def write_mea_text(path: Path, a: np.ndarray, b: np.ndarray,
                   names: tuple[str, str] = ("A", "B")) -> None:
    """Two-column MEA-style text: header ``"A" "B"``, one space-separated row per sample."""
    lines = [" ".join(f'"{n}"' for n in names)]
    lines += [f"{_mea_cell(x)} {_mea_cell(y)}" for x, y in zip(a, b, strict=True)]
    path.write_text("\n".join(lines) + "\n")


Annotation = tuple[float, float, str]
"""(start_s, end_s, text) of one ELAN annotation."""


def write_eaf(path: Path, tiers: Mapping[str, Sequence[Annotation]], *,
              media: Path | None = None, author: str = "synchrony") -> None:
    """Write an ELAN Annotation Format (EAF 3.0) file with one tier per key of ``tiers``.

    Parameters
    ----------
    path : output ``.eaf``.
    tiers : tier id -> annotations (start_s, end_s, text); times in seconds.
    media : video to link (stored as an absolute URL and relative to the ``.eaf``).
    author : the document's AUTHOR attribute.
    """
    from datetime import UTC, datetime

    root = ET.Element("ANNOTATION_DOCUMENT", {
        "AUTHOR": author, "DATE": datetime.now(UTC).isoformat(timespec="seconds"),
        "FORMAT": "3.0", "VERSION": "3.0",
        "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
        "xsi:noNamespaceSchemaLocation": "http://www.mpi.nl/tools/elan/EAFv3.0.xsd"})
    header = ET.SubElement(root, "HEADER", {"MEDIA_FILE": "", "TIME_UNITS": "milliseconds"})
    if media is not None:
        relative = Path(os.path.relpath(media.resolve(), path.resolve().parent)).as_posix()
        ET.SubElement(header, "MEDIA_DESCRIPTOR", {
            "MEDIA_URL": media.resolve().as_uri(), "MIME_TYPE": "video/mp4",
            "RELATIVE_MEDIA_URL": f"./{relative}"})
    spans = {name: [(round(s * 1000), max(round(e * 1000), round(s * 1000) + 1), text)
                    for s, e, text in items] for name, items in tiers.items()}
    times = sorted({t for anns in spans.values() for s, e, _ in anns for t in (s, e)})
    slot = {t: f"ts{i + 1}" for i, t in enumerate(times)}
    order = ET.SubElement(root, "TIME_ORDER")
    for t in times:
        ET.SubElement(order, "TIME_SLOT", {"TIME_SLOT_ID": slot[t], "TIME_VALUE": str(t)})
    n_annotations = 0
    for name, items in spans.items():
        tier = ET.SubElement(root, "TIER", {"LINGUISTIC_TYPE_REF": "default-lt",
                                            "TIER_ID": name})
        for start, end, text in items:
            n_annotations += 1
            aligned = ET.SubElement(ET.SubElement(tier, "ANNOTATION"), "ALIGNABLE_ANNOTATION", {
                "ANNOTATION_ID": f"a{n_annotations}", "TIME_SLOT_REF1": slot[start],
                "TIME_SLOT_REF2": slot[end]})
            ET.SubElement(aligned, "ANNOTATION_VALUE").text = text
    ET.SubElement(header, "PROPERTY", {"NAME": "lastUsedAnnotationId"}).text = str(n_annotations)
    ET.SubElement(root, "LINGUISTIC_TYPE", {"GRAPHIC_REFERENCES": "false",
                                            "LINGUISTIC_TYPE_ID": "default-lt",
                                            "TIME_ALIGNABLE": "true"})
    ET.indent(root)
    ET.ElementTree(root).write(path, encoding="UTF-8", xml_declaration=True)


def elan_tiers(report: EpisodeReport | None, markers: Sequence[Mapping[str, Any]]
               ) -> dict[str, list[Annotation]]:
    """Tiers ``episodes <signal>`` (one per analysed signal) and ``markers``."""
    tiers: dict[str, list[Annotation]] = {}
    if report is not None:
        for name in report.timelines:
            tiers[f"episodes {name}"] = [
                (e.start_s, e.end_s, f"{e.kind} (mean |peak r| {e.strength:.2f})")
                for e in report.episodes if e.signal == name]
    tiers["markers"] = [(float(m["time_s"]), float(m["time_s"]) + MARKER_MS / 1000,
                         str(m["label"])) for m in markers]
    return tiers


def write_session_exports(session: Session, analysis_dir: Path) -> list[Path]:
    """Write the tidy exports of a session into an analyze output directory.

    Reads ``signals.parquet``, ``episodes.json`` and ``summary.json`` written there by
    ``analyze_run``; returns the paths written.
    """
    import json

    written = [analysis_dir / "landmarks.csv"]
    write_landmarks_csv(written[0], session.landmarks_table())
    grid_hz = json.loads((analysis_dir / "summary.json").read_text())["parameters"]["grid_hz"]
    signals = pq.read_table(analysis_dir / "signals.parquet")
    if {"A_motion", "B_motion"} <= set(signals.column_names):
        written.append(analysis_dir / f"motion_mea_{grid_hz:g}hz.txt")
        write_mea_text(written[-1], signals.column("A_motion").to_numpy(),
                       signals.column("B_motion").to_numpy())
    episodes_json = analysis_dir / "episodes.json"
    report = read_episode_report(episodes_json) if episodes_json.exists() else None
    written.append(analysis_dir / "session.eaf")
    write_eaf(written[-1], elan_tiers(report, session.markers), media=session.video_path)
    return written


# --------------------------------------------------------------------------- tables -> frames


def session_source(session: Session, frames: Sequence[TrackedFrame]) -> dict[str, Any]:
    """The ``source`` block of summary.json for a session's recorded frames."""
    times = np.array([f.timestamp_s for f in frames])
    duration_s = float(times[-1] - times[0]) if len(times) > 1 else 0.0
    fps = (len(times) - 1) / duration_s if duration_s > 0 else session.fps
    return {"path": str(session.path), "kind": "session", "fps": fps, "n_frames": len(frames),
            "duration_s": duration_s, "width_px": frames[0].size_px[0],
            "height_px": frames[0].size_px[1], "nominal_fps": session.fps,
            "recorded_from": session.metadata.get("source"),
            "frames_dropped_by_tracker": session.metadata.get("frames_dropped_by_tracker"),
            "ended": session.ended}


def analyze_session(session: Session, out: Path, **analysis: Any) -> dict[str, Any]:
    """Analyse a session from its landmarks (no video, no MediaPipe); return summary.json.

    ``analysis`` holds :func:`synchrony.pipeline.analyze_run` keyword arguments (params,
    signal_names, grid_hz, body_scale_px, noise_floor …); roles come from the session
    unless given. Afterwards ``episodes.json`` and
    ``episodes.csv`` are also stored in the session directory (for replay; a warning if it
    is read-only) and the tidy exports of this module are written into ``out``.
    """
    from synchrony.pipeline import TrackingRun, analyze_run

    frames = session.frames()
    arguments = {"roles": session.roles, **analysis}
    summary = analyze_run(TrackingRun(frames, session_source(session, frames)), out,
                          **arguments)
    try:
        for name in ("episodes.json", "episodes.csv"):
            tmp = session.path / f".{name}.tmp"
            shutil.copyfile(out / name, tmp)
            os.replace(tmp, session.path / name)
    except OSError as exc:
        warnings.warn(f"episodes not stored in the session {session.path}: {exc}",
                      stacklevel=2)
    write_session_exports(session, out)
    return summary
