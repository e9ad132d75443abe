"""Is a bundle file usable? Hashing (cached in-process) and the bundle check.

A file whose name has a pinned sha256 must match it (and its size, when pinned); a file
without a pin must at least be a readable zip holding the bundle's members. Digests are
cached by ``(path, size, mtime)``, so repeated look-ups do not re-read the file; the one
place that reads a file to hash it is :func:`_digest`.
"""

from __future__ import annotations

import hashlib
import threading
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from synchrony.capture.bundles.specs import ModelSpec, PathArg, PinnedFile
from synchrony.errors import InputError

# Results of a file check, as shown by ``synchrony models`` (``MISSING``: no file found).
OK = "ok"
MISMATCH = "mismatch"
CORRUPT = "corrupt"
NOT_PINNED = "not pinned"
MISSING = "missing"


_HASH_CACHE: dict[tuple[str, int, int], str] = {}
_HASH_LOCK = threading.Lock()


def _digest(path: Path) -> str:
    """Read ``path`` and return its sha256 hex digest (uncached)."""
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def _hash_key(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return str(path.resolve()), stat.st_size, stat.st_mtime_ns


def file_sha256(path: PathArg) -> str:
    """Return the sha256 hex digest of a file, cached in-process by (path, size, mtime)."""
    key = _hash_key(Path(path))
    with _HASH_LOCK:
        cached = _HASH_CACHE.get(key)
    if cached is not None:
        return cached
    digest = _digest(Path(path))
    with _HASH_LOCK:
        _HASH_CACHE[key] = digest
    return digest


def remember_sha256(path: Path, digest: str) -> None:
    """Cache ``digest`` for ``path`` as it is now (after a verified download)."""
    with _HASH_LOCK:
        _HASH_CACHE[_hash_key(path)] = digest


def _bundle_problem(path: Path, members: Sequence[str]) -> str | None:
    """Return why ``path`` is not a valid bundle with ``members``, or ``None`` if it is."""
    try:
        with zipfile.ZipFile(path) as bundle:
            missing = [name for name in members if name not in bundle.namelist()]
            if missing:
                return f"not a valid .task bundle: missing {', '.join(missing)}"
            damaged = bundle.testzip()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
            NotImplementedError) as exc:
        return f"not a valid .task bundle (truncated or not a zip: {exc})"
    if damaged is not None:
        return f"not a valid .task bundle: member {damaged} is damaged"
    return None


@dataclass(frozen=True)
class FileCheck:
    """Result of checking one bundle file.

    Attributes
    ----------
    path : Path
        The file.
    size : int
        Its size in bytes.
    sha256 : str
        Its digest.
    state : str
        ``"ok"``, ``"mismatch"`` (valid bundle, other digest than pinned), ``"corrupt"``
        (truncated, not a zip, missing members) or ``"not pinned"`` (valid, no pin).
    problem : str
        Human-readable reason when the state is not usable.
    """

    path: Path
    size: int
    sha256: str
    state: str
    problem: str = ""

    @property
    def usable(self) -> bool:
        """True when the file may be used."""
        return self.state in (OK, NOT_PINNED)


def check_bundle(path: PathArg, pinned: PinnedFile, members: Sequence[str]) -> FileCheck:
    """Check a bundle file against its pin (or structurally when it has none).

    Parameters
    ----------
    path : path-like
        File to check.
    pinned : PinnedFile
        Expected digest and size.
    members : sequence of str
        Zip members a valid bundle contains.
    """
    file = Path(path)
    size = file.stat().st_size
    digest = file_sha256(file)
    if pinned.sha256 is None:
        problem = _bundle_problem(file, members)
        return FileCheck(file, size, digest, CORRUPT if problem else NOT_PINNED, problem or "")
    if digest == pinned.sha256 and (pinned.size is None or size == pinned.size):
        return FileCheck(file, size, digest, OK)
    problem = f"sha256 {digest} expected {pinned.sha256}"
    if pinned.size is not None and size != pinned.size:
        problem += f" (size {size:,} bytes, expected {pinned.size:,})"
    structural = _bundle_problem(file, members)
    if structural:
        return FileCheck(file, size, digest, CORRUPT, f"{problem}; {structural}")
    return FileCheck(file, size, digest, MISMATCH, problem)


def check_found(spec: ModelSpec, path: Path) -> FileCheck:
    """Check a file found for ``spec`` against the pin of its name."""
    return check_bundle(path, spec.pin(path.name), spec.members)


def require_usable(check: FileCheck) -> Path:
    """Return the checked path; raise :class:`~synchrony.errors.InputError` if unusable."""
    if not check.usable:
        raise InputError(f"corrupt model file {check.path}: {check.problem}; delete or "
                         "replace it (`synchrony models fetch` re-downloads into the cache)")
    return check.path
