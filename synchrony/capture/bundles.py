"""MediaPipe model bundles: where they are looked for, how they are checked and fetched.

mediapipe 1.2.x ships no models. synchrony needs two ``.task`` bundles: a pose landmarker
(variant ``"lite"``, the default, or ``"full"``) and the face landmarker. :func:`find_model`
returns the path of a usable bundle, searching in this order:

1. the ``model_dir`` argument (``--model-dir DIR`` on the command line);
2. the directory in the environment variable ``SYNCHRONY_MODEL_DIR`` (a relative path is
   resolved against the current directory);
3. the user cache, ``platformdirs.user_cache_dir("synchrony")/models``;
4. a download from the official Google model storage into that cache.

When a ``--model-dir`` or ``SYNCHRONY_MODEL_DIR`` is given but holds no matching file, the
cache and the download are only tried when downloading is allowed.

Integrity
---------
Every file that is found or downloaded is checked before it is used. A file whose name has a
pinned sha256 must match it; a file without a pin must at least be a readable zip holding the
bundle's members. Anything else raises :class:`~synchrony.errors.InputError` naming the file
and the problem; a bad file is never used silently. Digests are cached in-process by
``(path, size, mtime)``, so repeated look-ups do not re-read the file.

Pinned digests (all registry entries are pinned, none is left to a structural check):

* ``face_landmarker.task`` (official ``face_landmarker/float16/1``): from
  ``../shared/models/README.md``, which traces it to two unrelated public repositories
  holding the same git blob.
* ``pose_landmarker_{lite,full}.task`` (official ``float16/1``): the digests and sizes that
  several unrelated public projects pin for Google's bundles, among them
  ``toublence/motionfit`` (``tool/download_pose_models.sh``) and
  ``Bioliminal/bioliminal-mobile-application`` (``assets/models/CHECKSUMS.md``); the full
  digest also in ``LeeDongHyun00/TREX``. Those two repositories download the ``float16/latest``
  URL; other public code pins the same values for the ``float16/1`` URL (version 1 is the only
  published one). They were not checked against a download here (no internet access).
* ``pose_landmarker_{lite,full}_offline.task``: bundles built from the legacy BlazePose
  models (not Google's bytes), digests from ``../shared/models/README.md``.

Privacy
-------
Downloading a bundle is the **only** network access anywhere in synchrony. It happens only
when no usable local file exists and downloading is allowed (``allow_download=False`` forbids
it), it is a plain HTTP(S) GET of a public file (``User-Agent: synchrony/<version>``, no
video, landmarks or other user data are sent), and it goes to the official Google model
storage unless ``base_url`` / ``SYNCHRONY_MODEL_BASE_URL`` points elsewhere (a mirror, or a
loopback server in tests).

Downloads use only the standard library: they stream into ``<name>.part`` in the cache,
resume a partial file with an HTTP ``Range`` request (a ``200`` answer restarts from zero),
retry connection errors, timeouts and server errors with a short backoff, verify size and
sha256 and only then move the file into place with :func:`os.replace`.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from platformdirs import user_cache_dir

from synchrony import __version__
from synchrony.errors import InputError, ModelNotFoundError

__all__ = [
    "DEFAULT_BASE_URL",
    "ENV_BASE_URL",
    "ENV_MODEL_DIR",
    "MODEL_SPECS",
    "DownloadError",
    "FileCheck",
    "ModelSpec",
    "ModelStatus",
    "PinnedFile",
    "ProgressCallback",
    "SearchLocation",
    "check_bundle",
    "default_cache_dir",
    "download_model",
    "fetch_model",
    "file_sha256",
    "find_model",
    "get_spec",
    "model_status",
    "resolve_base_url",
    "scan_models",
    "search_locations",
]

#: ``progress(bytes_done, bytes_total)``; ``bytes_total`` is ``None`` when unknown.
ProgressCallback = Callable[[int, int | None], None]
PathArg = str | os.PathLike[str]

ENV_MODEL_DIR = "SYNCHRONY_MODEL_DIR"
ENV_BASE_URL = "SYNCHRONY_MODEL_BASE_URL"
DEFAULT_BASE_URL = "https://storage.googleapis.com/mediapipe-models"

#: Seconds allowed for connecting and for each read of a download.
TIMEOUT_S = 30.0
#: Further attempts after the first failed one.
RETRIES = 3
#: Wait before the first retry; doubled for each further retry.
RETRY_BACKOFF_S = 0.5
_CHUNK = 1 << 16

# Results of a file check, as shown by ``synchrony models``.
OK = "ok"
MISMATCH = "mismatch"
CORRUPT = "corrupt"
NOT_PINNED = "not pinned"
MISSING = "missing"


@dataclass(frozen=True)
class PinnedFile:
    """A file name accepted for a model, with its known-good digest.

    Attributes
    ----------
    name : str
        File name looked for in a directory.
    sha256 : str or None
        Pinned hex digest; ``None`` means not pinned (checked structurally only).
    size : int or None
        Size in bytes, if known.
    note : str
        Where the file comes from, shown by ``synchrony models``.
    """

    name: str
    sha256: str | None
    size: int | None = None
    note: str = ""


@dataclass(frozen=True)
class ModelSpec:
    """One model bundle synchrony can use.

    Attributes
    ----------
    kind : str
        ``"pose"`` or ``"face"``.
    variant : str
        ``"lite"`` / ``"full"`` for pose, ``"default"`` for face.
    url_path : str
        Path of the official download below the base URL; its last part is the name of
        ``files[0]``.
    files : tuple of PinnedFile
        Accepted file names in order of preference; ``files[0]`` is the official download.
    members : tuple of str
        Zip members a valid bundle must contain.
    """

    kind: str
    variant: str
    url_path: str
    files: tuple[PinnedFile, ...]
    members: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.files or self.files[0].name != self.url_path.rsplit("/", 1)[-1]:
            raise ValueError(f"files[0] of {self.kind}/{self.variant} must be the download")

    @property
    def official(self) -> PinnedFile:
        """The file that is downloaded."""
        return self.files[0]

    @property
    def names(self) -> tuple[str, ...]:
        """Accepted file names, in order of preference."""
        return tuple(pinned.name for pinned in self.files)

    @property
    def label(self) -> str:
        """Short human-readable name, e.g. ``"pose (lite)"``."""
        return f"{self.kind} ({self.variant})"

    @property
    def official_url(self) -> str:
        """URL of the official download."""
        return self.url(DEFAULT_BASE_URL)

    def url(self, base_url: str | None = None) -> str:
        """Return the download URL below ``base_url`` (default: env or official storage)."""
        return f"{resolve_base_url(base_url)}/{self.url_path}"

    def pin(self, name: str) -> PinnedFile:
        """Return the accepted file called ``name``."""
        for pinned in self.files:
            if pinned.name == name:
                return pinned
        raise KeyError(name)


_POSE_MEMBERS = ("pose_detector.tflite", "pose_landmarks_detector.tflite")
_FACE_MEMBERS = (
    "face_detector.tflite",
    "face_landmarks_detector.tflite",
    "face_blendshapes.tflite",
    "geometry_pipeline_metadata_landmarks.binarypb",
)
_OFFLINE_NOTE = "offline build of the legacy BlazePose models"

# Official pose digests: pinned identically by toublence/motionfit
# (tool/download_pose_models.sh) and Bioliminal/bioliminal-mobile-application
# (assets/models/CHECKSUMS.md); the full one also by LeeDongHyun00/TREX.
# Offline and face digests: ../shared/models/README.md.
MODEL_SPECS: tuple[ModelSpec, ...] = (
    ModelSpec(
        kind="pose",
        variant="lite",
        url_path="pose_landmarker/pose_landmarker_lite/float16/1/pose_landmarker_lite.task",
        files=(
            PinnedFile(
                "pose_landmarker_lite.task",
                "59929e1d1ee95287735ddd833b19cf4ac46d29bc7afddbbf6753c459690d574a",
                5_777_746,
                "official float16/1",
            ),
            PinnedFile(
                "pose_landmarker_lite_offline.task",
                "1e143604f28e65e904e0dedb173e34be4220245b5553b2b3f6623a84f663f934",
                5_777_714,
                _OFFLINE_NOTE,
            ),
        ),
        members=_POSE_MEMBERS,
    ),
    ModelSpec(
        kind="pose",
        variant="full",
        url_path="pose_landmarker/pose_landmarker_full/float16/1/pose_landmarker_full.task",
        files=(
            PinnedFile(
                "pose_landmarker_full.task",
                "4eaa5eb7a98365221087693fcc286334cf0858e2eb6e15b506aa4a7ecdcec4ad",
                9_398_198,
                "official float16/1",
            ),
            PinnedFile(
                "pose_landmarker_full_offline.task",
                "e4e614ff5acf888eca9bec1001ad6c8bc30f0c550dc59f0e07fb05c128be3506",
                9_398_198,
                _OFFLINE_NOTE,
            ),
        ),
        members=_POSE_MEMBERS,
    ),
    ModelSpec(
        kind="face",
        variant="default",
        url_path="face_landmarker/face_landmarker/float16/1/face_landmarker.task",
        files=(
            PinnedFile(
                "face_landmarker.task",
                "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff",
                3_758_596,
                "official float16/1",
            ),
        ),
        members=_FACE_MEMBERS,
    ),
)


class DownloadError(ModelNotFoundError):
    """A bundle could not be downloaded (network, HTTP error or corrupt download)."""


class _RetryableError(Exception):
    """A download attempt failed in a way worth retrying."""


class _CorruptDownload(Exception):
    """The downloaded bytes do not match the pinned digest or are no valid bundle."""


# --------------------------------------------------------------------------- registry


def get_spec(kind: str, variant: str = "lite",
             specs: Sequence[ModelSpec] | None = None) -> ModelSpec:
    """Return the spec for ``kind`` and ``variant``.

    Parameters
    ----------
    kind : str
        ``"pose"`` or ``"face"``.
    variant : str
        Pose variant (``"lite"`` or ``"full"``); ignored for a kind with a single variant.
    specs : sequence of ModelSpec, optional
        Registry to search; default :data:`MODEL_SPECS`.

    Raises
    ------
    InputError
        Unknown kind or variant.
    """
    registry = MODEL_SPECS if specs is None else specs
    candidates = [spec for spec in registry if spec.kind == kind]
    if not candidates:
        kinds = sorted({spec.kind for spec in registry})
        raise InputError(f"unknown model kind {kind!r}; expected one of {', '.join(kinds)}")
    if len(candidates) == 1:
        return candidates[0]
    for spec in candidates:
        if spec.variant == variant:
            return spec
    variants = ", ".join(spec.variant for spec in candidates)
    raise InputError(f"unknown {kind} model variant {variant!r}; expected one of {variants}")


# --------------------------------------------------------------------------- locations


@dataclass(frozen=True)
class SearchLocation:
    """A directory searched for bundles, with the reason it is searched."""

    label: str
    path: Path

    def describe(self) -> str:
        """Return e.g. ``"SYNCHRONY_MODEL_DIR=/data/models"`` or ``"cache /root/..."``."""
        if self.label == ENV_MODEL_DIR:
            return f"{ENV_MODEL_DIR}={self.path}"
        return f"{self.label} {self.path}"


def default_cache_dir() -> Path:
    """Return the user cache directory for bundles (it may not exist yet)."""
    return Path(user_cache_dir("synchrony")) / "models"


def _existing_dir(value: PathArg, what: str) -> Path:
    path = Path(value).expanduser().resolve()
    if not path.is_dir():
        raise InputError(f"{what} {path} is not a directory")
    return path


def search_locations(model_dir: PathArg | None = None,
                     cache_dir: PathArg | None = None) -> list[SearchLocation]:
    """Return the directories searched, in order; the cache is always last.

    Raises
    ------
    InputError
        ``model_dir`` or ``SYNCHRONY_MODEL_DIR`` is given but is not a directory.
    """
    locations = []
    if model_dir is not None:
        locations.append(SearchLocation("--model-dir", _existing_dir(model_dir, "--model-dir")))
    env_dir = os.environ.get(ENV_MODEL_DIR, "").strip()
    if env_dir:
        path = _existing_dir(env_dir, f"{ENV_MODEL_DIR}={env_dir}:")
        locations.append(SearchLocation(ENV_MODEL_DIR, path))
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    locations.append(SearchLocation("cache", cache))
    return locations


def _files_of(spec: ModelSpec,
              locations: Sequence[SearchLocation]) -> Iterator[tuple[SearchLocation, Path]]:
    """Yield every existing accepted file of ``spec``, in search order, without duplicates."""
    seen: set[Path] = set()
    for location in locations:
        for name in spec.names:
            path = location.path / name
            if path.is_file() and path.resolve() not in seen:
                seen.add(path.resolve())
                yield location, path


# --------------------------------------------------------------------------- checks


_HASH_CACHE: dict[tuple[str, int, int], str] = {}
_HASH_LOCK = threading.Lock()


def _digest(path: Path) -> str:
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


def _remember_sha256(path: Path, digest: str) -> None:
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


def _check_found(spec: ModelSpec, path: Path) -> FileCheck:
    return check_bundle(path, spec.pin(path.name), spec.members)


def _require_usable(check: FileCheck) -> Path:
    if not check.usable:
        raise InputError(f"corrupt model file {check.path}: {check.problem}; delete or "
                         "replace it (`synchrony models fetch` re-downloads into the cache)")
    return check.path


# --------------------------------------------------------------------------- status


@dataclass(frozen=True)
class ModelStatus:
    """Where a bundle was found and how it checked out (``check`` is None when missing)."""

    spec: ModelSpec
    location: SearchLocation | None
    check: FileCheck | None

    @property
    def state(self) -> str:
        """``"missing"`` or the state of :attr:`check`."""
        return self.check.state if self.check is not None else MISSING

    @property
    def note(self) -> str:
        """Provenance note of the file found, or ``""``."""
        return self.spec.pin(self.check.path.name).note if self.check is not None else ""


def model_status(*, model_dir: PathArg | None = None, specs: Sequence[ModelSpec] | None = None,
                 cache_dir: PathArg | None = None) -> list[ModelStatus]:
    """Return, for each spec, the file :func:`find_model` would look at first, checked.

    Parameters
    ----------
    model_dir : path-like, optional
        As ``--model-dir``.
    specs : sequence of ModelSpec, optional
        Default :data:`MODEL_SPECS`.
    cache_dir : path-like, optional
        Default :func:`default_cache_dir`.
    """
    locations = search_locations(model_dir, cache_dir)
    result = []
    for spec in MODEL_SPECS if specs is None else specs:
        found = next(_files_of(spec, locations), None)
        if found is None:
            result.append(ModelStatus(spec, None, None))
        else:
            result.append(ModelStatus(spec, found[0], _check_found(spec, found[1])))
    return result


def scan_models(*, model_dir: PathArg | None = None, specs: Sequence[ModelSpec] | None = None,
                cache_dir: PathArg | None = None) -> list[ModelStatus]:
    """Return every accepted bundle file in every search location, checked."""
    locations = search_locations(model_dir, cache_dir)
    return [ModelStatus(spec, location, _check_found(spec, path))
            for spec in (MODEL_SPECS if specs is None else specs)
            for location, path in _files_of(spec, locations)]


# --------------------------------------------------------------------------- download


def resolve_base_url(base_url: str | None = None) -> str:
    """Return the download base URL: argument, else ``SYNCHRONY_MODEL_BASE_URL``, else official.

    Raises
    ------
    InputError
        The URL is not http(s).
    """
    value = base_url or os.environ.get(ENV_BASE_URL, "").strip() or DEFAULT_BASE_URL
    if urllib.parse.urlsplit(value).scheme not in ("http", "https"):
        raise InputError(f"model base URL must be http(s): {value!r}")
    return value.rstrip("/")


def _open(request: urllib.request.Request, timeout_s: float) -> http.client.HTTPResponse:
    """Open a URL; the single place where synchrony touches the network."""
    response: http.client.HTTPResponse = urllib.request.urlopen(request, timeout=timeout_s)
    return response


def _content_range_start(response: http.client.HTTPResponse) -> int | None:
    value = response.headers.get("Content-Range", "")  # "bytes 100-199/200"
    try:
        return int(value.split()[1].split("-")[0])
    except (IndexError, ValueError):
        return None


def _copy_body(response: http.client.HTTPResponse, out: BinaryIO, done: int,
               total: int | None, progress: ProgressCallback | None) -> int:
    """Copy the body to ``out``; return the number of body bytes received."""
    received = 0
    while chunk := response.read(_CHUNK):
        out.write(chunk)
        received += len(chunk)
        if progress is not None:
            progress(done + received, total)
    return received


def _request(url: str, offset: int) -> urllib.request.Request:
    request = urllib.request.Request(url, headers={"User-Agent": f"synchrony/{__version__}"})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    return request


def _start_offset(part: Path, expected_size: int | None) -> int:
    """Return how many bytes of ``part`` can be kept; drop it when it is too long."""
    offset = part.stat().st_size if part.exists() else 0
    if expected_size is not None and offset > expected_size:
        part.unlink()
        return 0
    return offset


def _fetch_into(url: str, part: Path, expected_size: int | None,
                progress: ProgressCallback | None, timeout_s: float) -> None:
    """One download attempt into ``part``, resuming it when the server allows."""
    offset = _start_offset(part, expected_size)
    if expected_size is not None and offset == expected_size:
        return  # complete already; verified next
    with _open(_request(url, offset), timeout_s) as response:
        resume = offset > 0 and response.status == 206
        if resume and _content_range_start(response) != offset:
            part.unlink()
            raise _RetryableError(f"server answered an unexpected range for {url}")
        done = offset if resume else 0
        length_header = response.headers.get("Content-Length")
        length = int(length_header) if length_header and length_header.isdigit() else None
        total = done + length if length is not None else expected_size
        with part.open("ab" if resume else "wb") as out:
            received = _copy_body(response, out, done, total, progress)
            out.flush()
            os.fsync(out.fileno())
    if length is not None and received < length:
        raise _RetryableError(f"connection closed after {received:,} of {length:,} bytes")


def _verify_download(spec: ModelSpec, part: Path) -> str:
    """Return the digest of a finished download; raise :class:`_CorruptDownload` if bad."""
    check = check_bundle(part, spec.official, spec.members)
    if not check.usable:
        raise _CorruptDownload(check.problem)
    return check.sha256


def _http_error(url: str, exc: urllib.error.HTTPError, part: Path) -> Exception:
    """Map an HTTP error to a retryable or a final error."""
    if exc.code == 416:  # our partial file does not fit the server's file: start over
        part.unlink(missing_ok=True)
        return _RetryableError(f"HTTP 416 for {url}")
    if exc.code >= 500 or exc.code in (408, 429):
        return _RetryableError(f"HTTP {exc.code} {exc.reason} for {url}")
    return DownloadError(f"could not download {url}: HTTP {exc.code} {exc.reason}")


def _attempt(spec: ModelSpec, url: str, part: Path, progress: ProgressCallback | None,
             timeout_s: float) -> str:
    """Run one attempt: fetch and verify; return the digest."""
    try:
        _fetch_into(url, part, spec.official.size, progress, timeout_s)
    except urllib.error.HTTPError as exc:
        exc.close()  # it holds the open response
        raise _http_error(url, exc, part) from exc
    except (urllib.error.URLError, http.client.HTTPException, ConnectionError,
            TimeoutError) as exc:
        raise _RetryableError(f"{type(exc).__name__}: {exc}") from exc
    return _verify_download(spec, part)


def download_model(spec: ModelSpec, *, cache_dir: PathArg | None = None,
                   base_url: str | None = None, progress: ProgressCallback | None = None,
                   timeout_s: float | None = None) -> Path:
    """Download ``spec``'s official bundle into the cache and return its path.

    Streams into ``<name>.part``, resumes it with an HTTP Range request, retries up to
    :data:`RETRIES` times with a short backoff, verifies size and sha256 (or the bundle
    structure when not pinned) and atomically moves it into place. This is the only
    network access in synchrony.

    Parameters
    ----------
    spec : ModelSpec
        What to download.
    cache_dir : path-like, optional
        Target directory; default :func:`default_cache_dir`.
    base_url : str, optional
        Replaces the official storage URL; default ``SYNCHRONY_MODEL_BASE_URL`` or official.
    progress : callable, optional
        ``progress(bytes_done, bytes_total)``, called after each chunk.
    timeout_s : float, optional
        Per-request timeout; default :data:`TIMEOUT_S`.

    Raises
    ------
    DownloadError
        HTTP error, network failure after all retries, or a corrupt download (the part
        file is deleted and no final file is left).
    """
    target = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    target.mkdir(parents=True, exist_ok=True)
    final = target / spec.official.name
    part = final.with_name(final.name + ".part")
    url = spec.url(base_url)
    timeout = TIMEOUT_S if timeout_s is None else timeout_s
    last_error = "no attempt made"
    for attempt in range(RETRIES + 1):
        if attempt:
            time.sleep(RETRY_BACKOFF_S * 2 ** (attempt - 1))
        resumed = part.exists() and part.stat().st_size > 0
        try:
            digest = _attempt(spec, url, part, progress, timeout)
        except _RetryableError as exc:
            last_error = str(exc)
            continue
        except _CorruptDownload as exc:
            part.unlink(missing_ok=True)
            last_error = f"downloaded {spec.official.name} from {url} is corrupt: {exc}"
            if resumed:
                continue  # the kept prefix may have been bad: start again from zero
            raise DownloadError(last_error) from None
        os.replace(part, final)
        _remember_sha256(final, digest)
        return final
    raise DownloadError(f"could not download {url} after {RETRIES + 1} attempts: {last_error}")


# --------------------------------------------------------------------------- find / fetch


def _not_found(spec: ModelSpec, searched: Sequence[SearchLocation], cache: Path,
               reason: str) -> ModelNotFoundError:
    where = "; ".join(location.describe() for location in searched)
    skipped = "" if any(location.path == cache for location in searched) else (
        "; the cache is not searched when a model directory is given and downloading is off")
    names = " or ".join(spec.names)
    return ModelNotFoundError(
        f"no {spec.label} model bundle found ({reason}; searched: {where}{skipped}). Fix: "
        f"pass --model-dir DIR (a folder with {names}), or set {ENV_MODEL_DIR}=DIR, or run "
        f"`synchrony models fetch` with internet access (or put {spec.official.name} "
        f"into {cache})")


_DOWNLOAD_LOCK = threading.Lock()


def _download_once(spec: ModelSpec, cache: Path, base_url: str | None,
                   progress: ProgressCallback | None) -> Path:
    """Download unless another thread already did (checked under a lock)."""
    with _DOWNLOAD_LOCK:
        ready = cache / spec.official.name
        if ready.is_file():
            return _require_usable(_check_found(spec, ready))
        return download_model(spec, cache_dir=cache, base_url=base_url, progress=progress)


def find_model(kind: str, *, variant: str = "lite", model_dir: PathArg | None = None,
               allow_download: bool = True, progress: ProgressCallback | None = None,
               base_url: str | None = None, cache_dir: PathArg | None = None) -> Path:
    """Return the path of a verified bundle for ``kind`` / ``variant``.

    Search order: ``model_dir`` → ``SYNCHRONY_MODEL_DIR`` → user cache → download into
    the cache. When ``model_dir`` or the environment variable is set but holds no matching
    file, the cache and the download are only tried if ``allow_download``.

    Parameters
    ----------
    kind : str
        ``"pose"`` or ``"face"``.
    variant : str
        Pose variant, ``"lite"`` (default) or ``"full"``; ignored for ``"face"``.
    model_dir : path-like, optional
        Directory searched first (``--model-dir``).
    allow_download : bool
        Whether the official bundle may be downloaded (the only network access).
    progress : callable, optional
        ``progress(bytes_done, bytes_total)`` during a download.
    base_url : str, optional
        Download base URL; default ``SYNCHRONY_MODEL_BASE_URL`` or the official storage.
    cache_dir : path-like, optional
        Cache directory; default :func:`default_cache_dir`.

    Raises
    ------
    ModelNotFoundError
        Nothing found and downloading is off or failed; the message names the fixes.
    InputError
        A file was found but is corrupt or does not match its pinned sha256, or a given
        directory does not exist.
    """
    spec = get_spec(kind, variant)
    locations = search_locations(model_dir, cache_dir)
    cache = locations[-1]
    searched = locations if allow_download or len(locations) == 1 else locations[:-1]
    found = next(_files_of(spec, searched), None)
    if found is not None:
        return _require_usable(_check_found(spec, found[1]))
    if not allow_download:
        raise _not_found(spec, searched, cache.path, "downloading is disabled")
    try:
        return _download_once(spec, cache.path, base_url, progress)
    except DownloadError as exc:
        raise _not_found(spec, searched, cache.path, str(exc)) from exc


def fetch_model(spec: ModelSpec, *, model_dir: PathArg | None = None,
                cache_dir: PathArg | None = None, base_url: str | None = None,
                progress: ProgressCallback | None = None) -> tuple[Path, bool]:
    """Make sure ``spec`` is available, downloading it into the cache if needed.

    A missing bundle, or a corrupt one in the cache, is (re-)downloaded. A corrupt file in
    ``model_dir`` / ``SYNCHRONY_MODEL_DIR`` belongs to the user and is not touched.

    Returns
    -------
    path : Path
        The usable bundle.
    downloaded : bool
        Whether it was downloaded now.

    Raises
    ------
    InputError
        A corrupt file outside the cache would shadow the download.
    ModelNotFoundError
        The download failed; the message names the fixes.
    """
    locations = search_locations(model_dir, cache_dir)
    cache = locations[-1]
    found = next(_files_of(spec, locations), None)
    if found is not None:
        location, path = found
        check = _check_found(spec, path)
        if check.usable:
            return path, False
        if location is not cache:
            _require_usable(check)
    try:
        path = download_model(spec, cache_dir=cache.path, base_url=base_url, progress=progress)
    except DownloadError as exc:
        raise _not_found(spec, locations, cache.path, str(exc)) from exc
    return path, True
