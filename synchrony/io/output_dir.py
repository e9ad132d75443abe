"""Output folders written all or nothing.

Results go into a temporary directory beside the output and are moved into place at the
end (:func:`staged_output_dir`), so a failure -- an error, Ctrl-C or SIGTERM at any moment --
never leaves half-written output, nor the temporary directory (only SIGKILL can leave a
``.OUT.XXXXXXXXXXXX.partial`` directory; the next run is not disturbed by it).
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from synchrony.errors import InputError
from synchrony.interrupts import InterruptPoints


def check_output_dir(out: Path, *, overwrite: bool) -> None:
    """Check ``out`` can be written (a one-line :class:`InputError` if not), early.

    A directory is really made and removed beside it: ``os.access`` can be wrong (network
    file systems).
    """
    with staged_output_dir(out, overwrite=overwrite, commit=False):
        pass


def _writable_parent(out: Path, *, overwrite: bool) -> Path:
    """Return the folder that holds ``out``, after the checks of :func:`check_output_dir`."""
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise InputError(f"--out {out} is not empty; choose another directory or use --overwrite")
    parent = out.resolve().parent
    if not parent.is_dir():
        raise InputError(f"cannot write to {out}: {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise InputError(f"cannot write to {out}: {parent} is not writable")
    return parent


@contextmanager
def staged_output_dir(out: Path, *, overwrite: bool, commit: bool = True) -> Iterator[Path]:
    """Yield a new empty directory beside ``out``; on success move it into place.

    An old ``out`` is replaced only when ``overwrite`` is set (else it must be empty or
    absent). On any exception -- ``KeyboardInterrupt`` included, wherever it is raised,
    even between the directory's creation and the first statement of the ``with`` body --
    the directory is removed and the exception goes on. The name is chosen before the
    directory is made, so nothing can be created that the clean-up does not know of. The
    swap into place holds Ctrl-C/SIGTERM until it is complete (:func:`commit_output_dir`).
    ``commit=False``: the directory is removed at the end (a check that ``out`` can be
    written).
    """
    parent = _writable_parent(out, overwrite=overwrite)
    tmp = parent / f".{out.name}.{secrets.token_hex(6)}.partial"
    while tmp.exists():  # 48 random bits: only a stale directory of the same name
        tmp = parent / f".{out.name}.{secrets.token_hex(6)}.partial"
    try:
        try:
            tmp.mkdir(mode=0o700)
        except OSError as exc:
            raise InputError(f"cannot write to {out}: {exc.strerror}") from None
        yield tmp
        if commit:
            with InterruptPoints():  # a signal raises after the swap, not inside it
                commit_output_dir(tmp, out)
        else:
            shutil.rmtree(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


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
