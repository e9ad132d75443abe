"""Files replaced atomically: written under a temporary name, fsynced, renamed into place.

A reader (or a crash) never sees half a file: either the old one or the new one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from synchrony.io.tidy import json_safe


def write_json_atomic(path: Path, data: Mapping[str, Any]) -> None:
    """Write strict JSON to a temporary file, fsync it and rename it over ``path``."""
    tmp = path.with_name(f".{path.name}.tmp")
    text = json.dumps(json_safe(data), indent=2, allow_nan=False) + "\n"
    try:
        with tmp.open("w") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


def write_parquet_atomic(table: pa.Table, path: Path) -> None:
    """Write ``table`` to ``.NAME.tmp``, fsync it, rename it to ``path`` (never half a file)."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        pq.write_table(table, tmp)
        with tmp.open("rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
