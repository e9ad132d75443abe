"""Tidy files written by ``analyze`` and by sessions: JSON, CSV and Parquet.

Every table states its units in its column names; the lag sign convention is written into
the grid files' names of columns (seconds) and into ``summary.json``.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from synchrony.engine.wcc import WccResult, fisher_z
from synchrony.io.landmarks import BLENDSHAPE_NAMES, POSE_LANDMARK_NAMES
from synchrony.records import (
    N_BLENDSHAPES,
    N_POSE_LANDMARKS,
)
from synchrony.signals.extract import SignalSet

assert len(POSE_LANDMARK_NAMES) == N_POSE_LANDMARKS
assert len(BLENDSHAPE_NAMES) == N_BLENDSHAPES


def json_safe(value: Any) -> Any:
    """Recursively turn numpy scalars/arrays into Python values and NaN/inf into None."""
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    """Write strict JSON (NaN as null), indented."""
    path.write_text(json.dumps(json_safe(data), indent=2, allow_nan=False) + "\n")


def _cell(value: float | np.floating) -> str:
    return "" if not np.isfinite(value) else repr(float(value))


def write_grid_csv(path: Path, result: WccResult, *, fisher: bool = False) -> None:
    """``window_start_s`` then one column per lag in seconds, ascending (lag > 0: A leads)."""
    values = fisher_z(result.r) if fisher else result.r
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["window_start_s"] + [f"{lag:g}" for lag in np.round(result.lags_s, 6)])
        for start, row in zip(result.window_start_s, values, strict=True):
            writer.writerow([_cell(round(float(start), 9))] + [_cell(v) for v in row])


def write_rows_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Plain CSV; floats written in full precision, NaN as empty."""
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in rows:
            writer.writerow([_cell(v) if isinstance(v, float | np.floating) else v for v in row])


TIMELINE_SCHEMA = pa.schema([
    ("signal", pa.string()), ("window_start_s", pa.float64()), ("window_end_s", pa.float64()),
    ("strength", pa.float64()), ("lag_s", pa.float64()), ("chance_level", pa.float64()),
    ("state", pa.string())])
"""The synchrony timeline table (``timeline.parquet``, ``live_timeline.parquet``)."""


def timeline_table(rows: Sequence[Sequence[Any]]) -> pa.Table:
    """Tabulate timeline rows (columns of :data:`TIMELINE_SCHEMA`, in that order)."""
    columns: list[Sequence[Any]] = (list(zip(*rows, strict=True)) if rows
                                    else [[] for _ in TIMELINE_SCHEMA])
    return pa.table({field.name: pa.array(list(col), type=field.type)
                     for field, col in zip(TIMELINE_SCHEMA, columns, strict=True)},
                    schema=TIMELINE_SCHEMA)


def signals_table(signals: SignalSet) -> pa.Table:
    """Tabulate ``time_s`` then one column per person and signal (``A_body``, ``B_body``, …)."""
    columns = {"time_s": signals.time_s}
    columns.update({k: signals.values[k] for k in sorted(signals.values)})
    return pa.table({k: pa.array(np.asarray(v, dtype=np.float64)) for k, v in columns.items()})


def write_signals(out_dir: Path, signals: SignalSet) -> None:
    """``signals.csv`` and ``signals.parquet``."""
    table = signals_table(signals)
    pq.write_table(table, out_dir / "signals.parquet")
    names = table.column_names
    cols = [table.column(n).to_numpy() for n in names]
    write_rows_csv(out_dir / "signals.csv", names, zip(*cols, strict=True))


# --------------------------------------------------------------------------- analysis
