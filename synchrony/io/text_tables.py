"""Reading two-person series from text tables (MEA output, CSV, TSV)."""

from __future__ import annotations

import csv
import logging
import re
from pathlib import Path

import numpy as np

from synchrony.errors import InputError

log = logging.getLogger(__name__)

_NA_TOKENS = frozenset({"", "na", "nan", "NA", "NaN", "null", "NULL"})


def read_pair(path: str | Path, columns: tuple[int, int] = (1, 2)) -> np.ndarray:
    """Read two numeric columns (1-based indices) of a text table into an (N, 2) array.

    The separator (whitespace, comma, semicolon or tab) is detected; a first line that is
    not numeric is taken as a header (e.g. MEA's ``"pat" "th"``). ``NA``/``NaN``/empty
    cells become NaN. Raises ``InputError`` naming the file, line and problem.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"no such file: {path}")
    if path.is_dir():
        raise InputError(f"{path} is a directory, expected a text table")
    if min(columns) < 1:
        raise InputError(f"columns must be 1-based, got {columns}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path} is not a text table (not UTF-8 text)") from None
    rows = [r for r in _split_rows(text) if r]
    if not rows:
        raise InputError(f"{path} is empty")
    if not _is_numeric_row(rows[0], columns):
        rows = rows[1:]
        first_line = 2
    else:
        first_line = 1
    if not rows:
        raise InputError(f"{path} has a header but no data rows")
    need = max(columns)
    out = np.empty((len(rows), 2))
    for i, row in enumerate(rows):
        line = first_line + i
        if len(row) < need:
            raise InputError(
                f"{path}, line {line}: expected at least {need} columns, got {len(row)}"
            )
        for j, col in enumerate(columns):
            out[i, j] = _number(row[col - 1], path, line, col)
    return out


def _split_rows(text: str) -> list[list[str]]:
    lines = text.splitlines()
    sample = "\n".join(lines[:20])
    if re.search(r"[,;\t]", sample):
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
            return [[c.strip() for c in row] for row in csv.reader(lines, dialect)]
        except csv.Error as exc:
            log.debug("no CSV dialect found (%s); splitting on white space", exc)
    return [[c.strip('"\'') for c in line.split()] for line in lines]


def _is_numeric_row(row: list[str], columns: tuple[int, int]) -> bool:
    try:
        for col in columns:
            if col <= len(row) and row[col - 1] not in _NA_TOKENS:
                float(row[col - 1])
    except ValueError:
        return False
    return True


def _number(cell: str, path: Path, line: int, col: int) -> float:
    cell = cell.strip().strip('"')
    if cell in _NA_TOKENS:
        return float("nan")
    try:
        value = float(cell)
    except ValueError:
        raise InputError(
            f"{path}, line {line}, column {col}: expected a number, got {cell!r}"
        ) from None
    if not np.isfinite(value):
        raise InputError(f"{path}, line {line}, column {col}: infinite value {cell!r}")
    return value
