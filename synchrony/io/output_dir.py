"""Output folders written all or nothing.

Results go into a temporary directory beside the output (:func:`prepare_output_dir`) and
are moved into place at the end (:func:`commit_output_dir`), so a failure never leaves
half-written output.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from synchrony.errors import InputError


def prepare_output_dir(out: Path, *, overwrite: bool) -> Path:
    """Check ``out`` can be written; return a fresh temporary directory beside it."""
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise InputError(f"--out {out} is not empty; choose another directory or use --overwrite")
    parent = out.resolve().parent
    if not parent.is_dir():
        raise InputError(f"cannot write to {out}: {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise InputError(f"cannot write to {out}: {parent} is not writable")
    return Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=parent))


def commit_output_dir(tmp: Path, out: Path) -> None:
    """Move the finished temporary directory into place (replacing an old ``out``)."""
    if out.exists():
        old = out.with_name(f".{out.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        out.rename(old)
        tmp.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        tmp.rename(out)
