"""``method_windows.csv`` / ``.parquet``: every synchrony method's per-window output, tidy.

One row per signal, method and window: ``signal, method, window_start_s, window_end_s,
strength, lag_s`` (times in seconds from the first grid sample; ``strength`` in the
method's own unit, larger = more synchrony; lag > 0: A leads and B follows).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from synchrony.analysis.pair import SignalAnalysis
from synchrony.io.tidy import write_rows_csv

METHOD_WINDOW_COLUMNS = ("signal", "method", "window_start_s", "window_end_s", "strength",
                         "lag_s")


def method_windows_table(analyses: Mapping[str, SignalAnalysis]) -> pa.Table:
    """Tabulate every method's windows of every signal (columns :data:`METHOD_WINDOW_COLUMNS`)."""
    parts: dict[str, list[np.ndarray]] = {c: [] for c in METHOD_WINDOW_COLUMNS}
    for signal, analysis in analyses.items():
        for method, result in analysis.results.items():
            n = len(result.strength)
            parts["signal"].append(np.full(n, signal, dtype=object))
            parts["method"].append(np.full(n, method, dtype=object))
            for column in METHOD_WINDOW_COLUMNS[2:]:
                parts[column].append(np.asarray(getattr(result, column), dtype=float))
    types = {"signal": pa.string(), "method": pa.string()}
    return pa.table({c: pa.array(np.concatenate(v) if v else [], type=types.get(c, pa.float64()),
                                 from_pandas=True)
                     for c, v in parts.items()})


def write_method_windows(out_dir: Path, analyses: Mapping[str, SignalAnalysis]) -> None:
    """Write ``method_windows.csv`` and ``method_windows.parquet`` into ``out_dir``."""
    table = method_windows_table(analyses)
    pq.write_table(table, out_dir / "method_windows.parquet")
    columns = [table.column(c).to_pylist() for c in METHOD_WINDOW_COLUMNS]
    rows = ([float(v) if isinstance(v, float) else v for v in row]
            for row in zip(*columns, strict=True))
    write_rows_csv(out_dir / "method_windows.csv", METHOD_WINDOW_COLUMNS, rows)
