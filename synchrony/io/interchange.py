"""Interchange files for other tools: landmark CSV, MEA text (rMEA), ELAN tiers.

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

The H.264 writer is :mod:`synchrony.io.h264`; the landmark schema and
``frames_from_table`` are :mod:`synchrony.io.landmarks`.
"""

from __future__ import annotations

import math
import os
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from synchrony.analysis.episodes import EpisodeReport

if TYPE_CHECKING:
    pass

"""Time unit of the written video's timestamps (the MPEG 90 kHz clock)."""
#: Duration (ms) given to a marker in ELAN, which has no point annotations.
MARKER_MS = 200


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
                (e.start_s, e.end_s, f"{e.kind} (strength {e.strength:.2f} z)")
                for e in report.episodes if e.signal == name]
    tiers["markers"] = [(float(m["time_s"]), float(m["time_s"]) + MARKER_MS / 1000,
                         str(m["label"])) for m in markers]
    return tiers
