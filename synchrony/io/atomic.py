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


def write_json_atomic(path: Path, data: Mapping[str, Any], *, mode: int | None = None) -> None:
    """Write strict JSON to a temporary file, fsync it and rename it over ``path``.

    ``mode``: the file's permission bits (e.g. ``0o600``); default: the umask's.
    """
    tmp = path.with_name(f".{path.name}.tmp")
    text = json.dumps(json_safe(data), indent=2, allow_nan=False) + "\n"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666 if mode is None else mode)
        if mode is not None:
            os.fchmod(fd, mode)  # also when tmp existed with other bits
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


def write_parquet_atomic(table: pa.Table, path: Path, *, mode: int | None = None) -> None:
    """Write ``table`` to ``.NAME.tmp``, fsync it, rename it to ``path`` (never half a file).

    ``mode``: the file's permission bits (set before it takes its name); default: umask's.
    """
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with tmp.open("wb") as fh:  # closed even when a write fails (disk full): the
            pq.write_table(table, fh)  # unlink below then frees its space at once
            if mode is not None:
                os.fchmod(fh.fileno(), mode)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
