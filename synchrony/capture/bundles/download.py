"""Downloading a bundle: the only network access anywhere in synchrony.

A plain HTTP(S) GET of a public file (``User-Agent: synchrony/<version>``; no video,
landmarks or other user data are sent), using only the standard library. The bytes stream
into ``<name>.part`` in the cache; a partial file is resumed with an HTTP ``Range`` request
(a ``200`` answer restarts from zero); connection errors, timeouts and server errors are
retried :data:`RETRIES` times with a doubling backoff; size and sha256 are verified and only
then is the file moved into place with :func:`os.replace`. :func:`_open` is the single call
that touches the network.
"""

from __future__ import annotations

import http.client
import logging
import os
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import BinaryIO

from synchrony import __version__
from synchrony.capture.bundles.checks import check_bundle, remember_sha256
from synchrony.capture.bundles.locations import default_cache_dir
from synchrony.capture.bundles.specs import ModelSpec, PathArg, ProgressCallback
from synchrony.errors import ModelNotFoundError

logger = logging.getLogger(__name__)

#: Seconds allowed for connecting and for each read of a download.
TIMEOUT_S = 30.0
#: Further attempts after the first failed one.
RETRIES = 3
#: Wait before the first retry; doubled for each further retry.
RETRY_BACKOFF_S = 0.5
_CHUNK = 1 << 16


class DownloadError(ModelNotFoundError):
    """A bundle could not be downloaded (network, HTTP error or corrupt download)."""


class _RetryableError(Exception):
    """A download attempt failed in a way worth retrying."""


class _CorruptDownload(Exception):
    """The downloaded bytes do not match the pinned digest or are no valid bundle."""


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
        logger.debug("downloading %s into %s (attempt %d of %d%s)", url, part, attempt + 1,
                     RETRIES + 1, ", resuming" if resumed else "")
        try:
            digest = _attempt(spec, url, part, progress, timeout)
        except _RetryableError as exc:
            last_error = str(exc)
            logger.debug("download attempt %d failed, retryable: %s", attempt + 1, exc)
            continue
        except _CorruptDownload as exc:
            part.unlink(missing_ok=True)
            last_error = f"downloaded {spec.official.name} from {url} is corrupt: {exc}"
            if resumed:
                logger.debug("%s; the resumed prefix may be bad, starting again from zero",
                             last_error)
                continue
            raise DownloadError(last_error) from None
        os.replace(part, final)
        remember_sha256(final, digest)
        return final
    raise DownloadError(f"could not download {url} after {RETRIES + 1} attempts: {last_error}")
