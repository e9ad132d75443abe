"""The study's tables (contract names: ARCHITECTURE.md, "Study").

``study.csv``/``.parquet``, ``pseudo.parquet``, ``failures.csv`` and ``study_summary.json``.

Rows are sorted (items in manifest order, then signal; pseudo-dyads by signal and ids), so
the same manifest gives identical tables whichever executor ran it.
Sign convention of ``lag_s``: lag > 0 means A leads and B follows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from synchrony.engine.lead import SIGN_CONVENTION
from synchrony.io.atomic import write_json_atomic
from synchrony.io.tidy import write_rows_csv
from synchrony.study.convergence import CONVERGENCE_COLUMNS, method_columns

STUDY_SCHEMA = "synchrony.study/1"
STUDY_COLUMNS = ("id", "dyad", "session", "signal", "strength", "lag_s", "leader",
                 "leader_role", "who_leads", "p", "n_windows", "grand_average",
                 "pseudo_percentile", "n_pseudo", "role_A", "role_B", "kind", "path", "status",
                 "reason")
"""Columns of ``study.csv`` before the covariates (contract: ``id`` … ``status``)."""
FLOAT_COLUMNS = frozenset({"strength", "lag_s", "p", "grand_average", "pseudo_percentile"})
PSEUDO_COLUMNS = ("signal", "a_id", "a_person", "a_role", "b_id", "b_person", "b_role",
                  "duration_s", "strength", "lag_s", "grand_average", "n_windows")
FAILURE_COLUMNS = ("id", "path", "reason")


def _num(value: Any) -> float:
    return math.nan if value is None else float(value)


def _is_float(name: str) -> bool:
    return name in FLOAT_COLUMNS or name.endswith(("_strength", "_lag_s", "_p"))


def study_table(rows: Sequence[Mapping[str, Any]], covariates: Sequence[str],
                methods: Sequence[str] = ("wcc",)) -> pa.Table:
    """``study.parquet``: :data:`STUDY_COLUMNS`, other methods' columns, covariates.

    The other methods' columns are ``<method>_strength``, ``_lag_s``, ``_leader``, ``_p``;
    covariates are text.
    """
    names = [*STUDY_COLUMNS, *method_columns(methods), *covariates]
    columns: dict[str, pa.Array] = {}
    for name in names:
        values = [r.get(name) for r in rows]
        if name in FLOAT_COLUMNS or (name not in covariates and _is_float(name)):
            columns[name] = pa.array([_num(v) for v in values], type=pa.float64())
        elif name in ("n_windows", "n_pseudo"):
            columns[name] = pa.array([None if v is None else int(v) for v in values],
                                     type=pa.int64())
        else:
            columns[name] = pa.array(["" if v is None else str(v) for v in values],
                                     type=pa.string())
    return pa.table(columns)


def pseudo_table(rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    """``pseudo.parquet``: one row per pseudo-dyad and signal (:data:`PSEUDO_COLUMNS`)."""
    columns: dict[str, pa.Array] = {}
    for name in PSEUDO_COLUMNS:
        values = [r.get(name) for r in rows]
        if name in ("duration_s", "strength", "lag_s", "grand_average"):
            columns[name] = pa.array([_num(v) for v in values], type=pa.float64())
        elif name == "n_windows":
            columns[name] = pa.array([int(v or 0) for v in values], type=pa.int64())
        else:
            columns[name] = pa.array([str(v) for v in values], type=pa.string())
    return pa.table(columns)


def write_tables(out_dir: Path, rows: Sequence[Mapping[str, Any]], covariates: Sequence[str],
                 pseudo_rows: Sequence[Mapping[str, Any]],
                 failures: Sequence[Mapping[str, Any]], summary: Mapping[str, Any],
                 methods: Sequence[str] = ("wcc",)) -> None:
    """Write every table of the study into ``out_dir`` (``convergence.csv`` too)."""
    table = study_table(rows, covariates, methods)
    pq.write_table(table, out_dir / "study.parquet")
    names = table.column_names
    cols = [table.column(n).to_pylist() for n in names]
    floats = {n for n in names if n in FLOAT_COLUMNS or (n not in covariates and _is_float(n))}
    write_rows_csv(out_dir / "study.csv", names,
                   ([math.nan if v is None and n in floats else
                     ("" if v is None else v) for n, v in zip(names, row, strict=True)]
                    for row in zip(*cols, strict=True)))
    pq.write_table(pseudo_table(pseudo_rows), out_dir / "pseudo.parquet")
    write_rows_csv(out_dir / "failures.csv", FAILURE_COLUMNS,
                   ([f[c] for c in FAILURE_COLUMNS] for f in failures))
    write_rows_csv(out_dir / "convergence.csv", CONVERGENCE_COLUMNS,
                   ([r[c] for c in CONVERGENCE_COLUMNS] for r in summary.get("convergence", [])))
    write_json_atomic(out_dir / "study_summary.json",
                      {"schema": STUDY_SCHEMA, "sign_convention": SIGN_CONVENTION, **summary})
