"""A recorded session's landmark part: the analyze landmark table plus per-frame extras.

Each part file (``landmarks/part-NNNNNN.parquet``) holds one row per person and frame:
the columns of :func:`synchrony.io.landmarks.landmarks_schema` plus ``n_people_in_view``,
``processing_s`` and ``frame_event`` (see :mod:`synchrony.session.store`).
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from synchrony.io.landmarks import landmarks_schema, landmarks_table
from synchrony.records import PERSONS, TrackedFrame

#: Columns of a landmark part: the analyze landmark table plus three per-frame extras.
PART_SCHEMA = landmarks_schema().append(pa.field("n_people_in_view", pa.int32())).append(
    pa.field("processing_s", pa.float64())).append(pa.field("frame_event", pa.string()))


def part_table(frames: Sequence[TrackedFrame]) -> pa.Table:
    """Build the landmark part of ``frames``: :func:`landmarks_table` plus per-frame extras."""
    n_persons = len(PERSONS)
    table = landmarks_table(frames)
    extras = {
        "n_people_in_view": pa.array([f.n_people_in_view for f in frames for _ in range(n_persons)],
                                     pa.int32()),
        "processing_s": pa.array([f.processing_s for f in frames for _ in range(n_persons)],
                                 pa.float64()),
        "frame_event": pa.array([f.frame_event for f in frames for _ in range(n_persons)],
                                pa.string()),
    }
    for name, column in extras.items():
        table = table.append_column(PART_SCHEMA.field(name), column)
    return table
