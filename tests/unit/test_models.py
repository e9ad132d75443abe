"""Tests for synchrony.models and ``synchrony models``.

Downloads go to a real ``ThreadingHTTPServer`` on 127.0.0.1 serving small fake bundles.
An autouse guard refuses every DNS look-up and connection that is not loopback, so nothing
here can reach the internet (the official storage URL in particular).
"""

from __future__ import annotations

import hashlib
import io
import os
import socket
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from synchrony.capture import bundles as models
from synchrony.capture.bundles import ModelSpec, PinnedFile
from synchrony.cli import main
from synchrony.errors import InputError, ModelNotFoundError
from tests.shared import model_dir

_ORIGINAL_ENV = dict(os.environ)
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY",
               "ALL_PROXY", "no_proxy", "NO_PROXY")
MEMBERS = ("pose_detector.tflite", "pose_landmarks_detector.tflite")


class NetworkRefused(AssertionError):
    """Raised by the guard; an AssertionError so the downloader never retries it."""


# --------------------------------------------------------------------------- helpers


def make_bundle(members: tuple[str, ...] = MEMBERS, size: int = 150_000) -> bytes:
    """Return an uncompressed zip with ``members``, each ``size`` deterministic bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as bundle:
        for index, name in enumerate(members):
            seed = hashlib.sha256(f"{name}{index}".encode()).digest()
            bundle.writestr(name, (seed * (size // len(seed) + 1))[:size])
    return buffer.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fake_spec(body: bytes, *, variant: str = "lite", pinned: bool = True,
              offline: bytes | None = None, sha256: str | None = None) -> ModelSpec:
    """A pose spec whose official file is ``body`` (and an optional offline alternative)."""
    name = f"pose_landmarker_{variant}.task"
    files = [PinnedFile(name, (sha256 or sha(body)) if pinned else None,
                        len(body) if pinned else None, "test")]
    if offline is not None:
        files.append(PinnedFile(f"pose_landmarker_{variant}_offline.task", sha(offline),
                                len(offline), "test offline"))
    return ModelSpec("pose", variant, f"test/{variant}/{name}", tuple(files), MEMBERS)


def use_specs(monkeypatch: pytest.MonkeyPatch, *specs: ModelSpec) -> None:
    monkeypatch.setattr(models, "MODEL_SPECS", specs)


def put(directory: Path, name: str, data: bytes) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(data)
    return path


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(autouse=True)
def offline_sandbox(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[list[str]]:
    """Refuse non-loopback network access; isolate env, cache dir, retries and timeouts."""
    refused: list[str] = []
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in _LOOPBACK:
            refused.append(str(host))
            raise NetworkRefused(f"test tried to resolve {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    def guarded_connect(self: socket.socket, address: Any) -> None:
        if isinstance(address, tuple) and address[0] not in _LOOPBACK:
            refused.append(str(address[0]))
            raise NetworkRefused(f"test tried to connect to {address}")
        real_connect(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    for name in (*_PROXY_VARS, models.ENV_MODEL_DIR, models.ENV_BASE_URL):
        monkeypatch.delenv(name, raising=False)
    cache_root = tmp_path / "user-cache"
    monkeypatch.setattr(models, "user_cache_dir", lambda app: str(cache_root / app))
    monkeypatch.setattr(models, "RETRY_BACKOFF_S", 0.0)
    monkeypatch.setattr(models, "TIMEOUT_S", 5.0)
    yield refused
    assert refused == [], f"tests tried to reach the network: {refused}"


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "user-cache" / "synchrony" / "models"


@dataclass
class FakeStorage:
    """What the loopback server serves and what it saw."""

    files: dict[str, bytes] = field(default_factory=dict)
    drop_once: set[str] = field(default_factory=set)
    stall_once: set[str] = field(default_factory=set)
    ignore_range: bool = False
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    base_url: str = ""

    def serve(self, spec: ModelSpec, body: bytes) -> None:
        self.files[f"/{spec.url_path}"] = body


class _Server(ThreadingHTTPServer):
    storage: FakeStorage

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that time out leave broken pipes behind: not worth a traceback."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        """Keep the test output quiet."""

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        storage = self.server.storage
        path = urlsplit(self.path).path
        range_header = self.headers.get("Range")
        storage.requests.append((path, range_header))
        body = storage.files.get(path)
        if body is None:
            self.send_error(404, "Not Found")
            return
        if path in storage.stall_once:
            storage.stall_once.discard(path)
            time.sleep(1.0)
        start = 0
        if range_header and not storage.ignore_range:
            start = int(range_header.removeprefix("bytes=").split("-")[0])
        self._send(storage, path, body, start)

    def _send(self, storage: FakeStorage, path: str, body: bytes, start: int) -> None:
        if start:
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        chunk = body[start:]
        self.send_header("Content-Length", str(len(chunk)))
        self.end_headers()
        if path in storage.drop_once:
            storage.drop_once.discard(path)
            chunk = chunk[: len(chunk) // 2]  # then the connection closes
        self.wfile.write(chunk)


@pytest.fixture
def storage(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStorage]:
    """A loopback HTTP server; SYNCHRONY_MODEL_BASE_URL points at it."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.storage = FakeStorage()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    server.storage.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv(models.ENV_BASE_URL, server.storage.base_url)
    yield server.storage
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


# --------------------------------------------------------------------------- search order


def test_search_order_model_dir_then_env_then_cache(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cache: Path) -> None:
    body = make_bundle()
    use_specs(monkeypatch, fake_spec(body))
    name = "pose_landmarker_lite.task"
    explicit = put(tmp_path / "explicit", name, body)
    env = put(tmp_path / "env", name, body)
    cached = put(cache, name, body)
    monkeypatch.setenv(models.ENV_MODEL_DIR, str(env.parent))

    assert models.find_model("pose", model_dir=explicit.parent) == explicit
    assert models.find_model("pose") == env
    monkeypatch.delenv(models.ENV_MODEL_DIR)
    assert models.find_model("pose") == cached


def test_env_relative_path_is_resolved_against_cwd(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    body = make_bundle()
    use_specs(monkeypatch, fake_spec(body))
    expected = put(tmp_path / "work" / "models", "pose_landmarker_lite.task", body)
    monkeypatch.chdir(tmp_path / "work")
    monkeypatch.setenv(models.ENV_MODEL_DIR, "models")

    assert models.find_model("pose", allow_download=False) == expected


def test_offline_name_is_accepted_and_official_name_preferred(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    official, offline = make_bundle(size=1000), make_bundle(size=2000)
    use_specs(monkeypatch, fake_spec(official, offline=offline))
    alt = put(tmp_path, "pose_landmarker_lite_offline.task", offline)
    assert models.find_model("pose", model_dir=tmp_path, allow_download=False) == alt

    first = put(tmp_path, "pose_landmarker_lite.task", official)
    assert models.find_model("pose", model_dir=tmp_path, allow_download=False) == first


def test_missing_model_dir_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--model-dir .* is not a directory"):
        models.find_model("pose", model_dir=tmp_path / "nope")


def test_explicit_dir_offline_does_not_fall_back_to_cache(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cache: Path) -> None:
    body = make_bundle()
    use_specs(monkeypatch, fake_spec(body))
    cached = put(cache, "pose_landmarker_lite.task", body)
    (tmp_path / "empty").mkdir()

    with pytest.raises(ModelNotFoundError, match="cache is not searched") as info:
        models.find_model("pose", model_dir=tmp_path / "empty", allow_download=False)
    assert str(tmp_path / "empty") in str(info.value)
    # With downloads allowed it falls through to the cache (no network needed).
    assert models.find_model("pose", model_dir=tmp_path / "empty") == cached


def test_nothing_found_offline_names_all_three_fixes(
        monkeypatch: pytest.MonkeyPatch, cache: Path) -> None:
    use_specs(monkeypatch, fake_spec(make_bundle()))
    with pytest.raises(ModelNotFoundError) as info:
        models.find_model("pose", allow_download=False)
    message = str(info.value)
    assert "\n" not in message
    assert "--model-dir DIR" in message
    assert "SYNCHRONY_MODEL_DIR" in message
    assert "synchrony models fetch" in message
    assert str(cache) in message


def test_get_spec_kinds_and_variants() -> None:
    assert models.get_spec("pose").variant == "lite"
    assert models.get_spec("pose", "full").official.name == "pose_landmarker_full.task"
    assert models.get_spec("face", variant="lite").kind == "face"  # single variant
    with pytest.raises(InputError, match="unknown model kind"):
        models.get_spec("hand")
    with pytest.raises(InputError, match="variant 'heavy'"):
        models.get_spec("pose", "heavy")


# --------------------------------------------------------------------------- integrity


def test_corrupt_local_file_raises_input_error(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    body = make_bundle()
    use_specs(monkeypatch, fake_spec(body))
    truncated = put(tmp_path, "pose_landmarker_lite.task", body[: len(body) // 2])

    with pytest.raises(InputError, match="corrupt model file") as info:
        models.find_model("pose", model_dir=tmp_path)
    message = str(info.value)
    assert str(truncated) in message
    assert f"sha256 {sha(truncated.read_bytes())} expected {sha(body)}" in message
    assert "not a valid .task bundle" in message


def test_valid_bundle_with_other_hash_is_refused(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    use_specs(monkeypatch, fake_spec(make_bundle(size=1000)))
    put(tmp_path, "pose_landmarker_lite.task", make_bundle(size=999))
    with pytest.raises(InputError, match="corrupt model file .* expected"):
        models.find_model("pose", model_dir=tmp_path)
    [status] = models.model_status(model_dir=tmp_path)
    assert status.state == models.MISMATCH


def test_unpinned_bundle_is_checked_structurally(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    use_specs(monkeypatch, fake_spec(b"", pinned=False))
    good = put(tmp_path / "good", "pose_landmarker_lite.task", make_bundle())
    assert models.find_model("pose", model_dir=good.parent, allow_download=False) == good
    [status] = models.model_status(model_dir=good.parent)
    assert status.state == models.NOT_PINNED

    put(tmp_path / "partial", "pose_landmarker_lite.task", make_bundle(MEMBERS[:1]))
    with pytest.raises(InputError, match="missing pose_landmarks_detector.tflite"):
        models.find_model("pose", model_dir=tmp_path / "partial")
    put(tmp_path / "text", "pose_landmarker_lite.task", b"<html>not found</html>")
    with pytest.raises(InputError, match="not a valid .task bundle"):
        models.find_model("pose", model_dir=tmp_path / "text")


def test_hashes_are_cached_by_path_size_and_mtime(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    body = make_bundle()
    use_specs(monkeypatch, fake_spec(body))
    path = put(tmp_path, "pose_landmarker_lite.task", body)
    calls: list[Path] = []
    real_digest = models._digest

    def counting_digest(file: Path) -> str:
        calls.append(file)
        return real_digest(file)

    monkeypatch.setattr(models, "_digest", counting_digest)
    for _ in range(3):
        models.find_model("pose", model_dir=tmp_path)
    assert len(calls) == 1
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    models.find_model("pose", model_dir=tmp_path)
    assert len(calls) == 2


# --------------------------------------------------------------------------- downloads


def test_download_into_empty_cache(monkeypatch: pytest.MonkeyPatch, storage: FakeStorage,
                                   cache: Path) -> None:
    body = make_bundle()
    spec = fake_spec(body)
    use_specs(monkeypatch, spec)
    storage.serve(spec, body)
    seen: list[tuple[int, int | None]] = []

    path = models.find_model("pose", progress=lambda done, total: seen.append((done, total)))

    assert path == cache / "pose_landmarker_lite.task"
    assert models.default_cache_dir() == cache
    assert path.read_bytes() == body
    assert not (cache / "pose_landmarker_lite.task.part").exists()
    assert seen[-1] == (len(body), len(body))
    assert storage.requests == [(f"/{spec.url_path}", None)]
    assert models.find_model("pose") == path  # second call: no new request
    assert len(storage.requests) == 1


def test_checksum_mismatch_leaves_no_file(monkeypatch: pytest.MonkeyPatch,
                                          storage: FakeStorage, cache: Path) -> None:
    body = make_bundle()
    spec = fake_spec(body, sha256="0" * 64)
    use_specs(monkeypatch, spec)
    storage.serve(spec, body)

    with pytest.raises(ModelNotFoundError, match=f"is corrupt: sha256 {sha(body)} expected 0+"):
        models.find_model("pose")
    assert list(cache.iterdir()) == []


def test_partial_download_is_resumed_with_range(
        monkeypatch: pytest.MonkeyPatch, storage: FakeStorage, cache: Path) -> None:
    body = make_bundle()
    spec = fake_spec(body)
    use_specs(monkeypatch, spec)
    storage.serve(spec, body)
    half = len(body) // 2
    put(cache, "pose_landmarker_lite.task.part", body[:half])

    path = models.find_model("pose")

    assert path.read_bytes() == body
    assert storage.requests == [(f"/{spec.url_path}", f"bytes={half}-")]


def test_server_ignoring_range_restarts_from_zero(
        monkeypatch: pytest.MonkeyPatch, storage: FakeStorage, cache: Path) -> None:
    body = make_bundle()
    spec = fake_spec(body)
    use_specs(monkeypatch, spec)
    storage.serve(spec, body)
    storage.ignore_range = True
    put(cache, "pose_landmarker_lite.task.part", body[:1000])

    assert models.find_model("pose").read_bytes() == body
    assert len(storage.requests) == 1


def test_bad_partial_file_is_discarded_and_download_restarted(
        monkeypatch: pytest.MonkeyPatch, storage: FakeStorage, cache: Path) -> None:
    body = make_bundle()
    spec = fake_spec(body)
    use_specs(monkeypatch, spec)
    storage.serve(spec, body)
    put(cache, "pose_landmarker_lite.task.part", b"x" * 1000)  # wrong prefix

    assert models.find_model("pose").read_bytes() == body
    assert [rng for _, rng in storage.requests] == ["bytes=1000-", None]


def test_oversized_partial_file_is_discarded(
        monkeypatch: pytest.MonkeyPatch, storage: FakeStorage, cache: Path) -> None:
    body = make_bundle()
    spec = fake_spec(body)
    use_specs(monkeypatch, spec)
    storage.serve(spec, body)
    put(cache, "pose_landmarker_lite.task.part", b"x" * (len(body) + 10))

    assert models.find_model("pose").read_bytes() == body
    assert [rng for _, rng in storage.requests] == [None]


def test_dropped_connection_is_retried(monkeypatch: pytest.MonkeyPatch,
                                       storage: FakeStorage) -> None:
    body = make_bundle()
    spec = fake_spec(body)
    use_specs(monkeypatch, spec)
    storage.serve(spec, body)
    storage.drop_once.add(f"/{spec.url_path}")

    assert models.find_model("pose").read_bytes() == body
    assert len(storage.requests) == 2
    assert storage.requests[1][1] == f"bytes={len(body) // 2}-"  # resumed after the drop


def test_timeout_is_retried(monkeypatch: pytest.MonkeyPatch, storage: FakeStorage) -> None:
    body = make_bundle()
    spec = fake_spec(body)
    use_specs(monkeypatch, spec)
    storage.serve(spec, body)
    storage.stall_once.add(f"/{spec.url_path}")
    monkeypatch.setattr(models, "TIMEOUT_S", 0.3)

    assert models.find_model("pose").read_bytes() == body
    assert len(storage.requests) == 2


def test_retries_are_bounded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with socket.socket() as listener:  # a port nobody listens on
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
    spec = fake_spec(make_bundle())
    use_specs(monkeypatch, spec)
    attempts: list[str] = []
    real_open = models._open

    def counting_open(request: Any, timeout_s: float) -> Any:
        attempts.append(request.full_url)
        return real_open(request, timeout_s)

    monkeypatch.setattr(models, "_open", counting_open)
    with pytest.raises(ModelNotFoundError, match="after 4 attempts"):
        models.find_model("pose", base_url=f"http://127.0.0.1:{port}")
    assert len(attempts) == models.RETRIES + 1


def test_http_404_is_a_clear_error_without_retries(
        monkeypatch: pytest.MonkeyPatch, storage: FakeStorage) -> None:
    spec = fake_spec(make_bundle())
    use_specs(monkeypatch, spec)

    with pytest.raises(ModelNotFoundError, match="HTTP 404") as info:
        models.find_model("pose")
    assert f"{storage.base_url}/{spec.url_path}" in str(info.value)
    assert "synchrony models fetch" in str(info.value)
    assert len(storage.requests) == 1


def test_base_url_must_be_http(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(models.ENV_BASE_URL, "file:///etc")
    with pytest.raises(InputError, match="must be http"):
        models.get_spec("face").url()


def test_default_base_url_is_official_but_never_contacted(
        storage: FakeStorage, offline_sandbox: list[str]) -> None:
    face = models.get_spec("face")
    assert face.official_url == (
        "https://storage.googleapis.com/mediapipe-models/face_landmarker/face_landmarker/"
        "float16/1/face_landmarker.task")
    assert face.url().startswith(storage.base_url)  # the env override is what is used
    # The guard really blocks the official host, and records nothing else.
    with pytest.raises(NetworkRefused):
        socket.getaddrinfo("storage.googleapis.com", 443)
    assert offline_sandbox == ["storage.googleapis.com"]
    offline_sandbox.clear()


def test_fetch_model_replaces_corrupt_cache_file_but_not_user_files(
        monkeypatch: pytest.MonkeyPatch, storage: FakeStorage, tmp_path: Path,
        cache: Path) -> None:
    body = make_bundle()
    spec = fake_spec(body)
    use_specs(monkeypatch, spec)
    storage.serve(spec, body)
    put(cache, "pose_landmarker_lite.task", b"truncated")

    path, downloaded = models.fetch_model(spec)
    assert downloaded
    assert path.read_bytes() == body
    assert models.fetch_model(spec) == (path, False)

    user_file = put(tmp_path / "mine", "pose_landmarker_lite.task", b"broken")
    with pytest.raises(InputError, match="corrupt model file"):
        models.fetch_model(spec, model_dir=user_file.parent)
    assert user_file.read_bytes() == b"broken"


# --------------------------------------------------------------------------- command line


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["models", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_cli_status_and_verify(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    body = make_bundle()
    use_specs(monkeypatch, fake_spec(body), fake_spec(body, variant="full"))
    put(tmp_path, "pose_landmarker_lite.task", body)

    status, out, _ = run_cli(capsys, "--model-dir", str(tmp_path))
    assert status == 0
    assert "pose_landmarker_lite.task" in out
    assert "missing" in out  # the full variant
    assert "synchrony models fetch" in out

    status, out, _ = run_cli(capsys, "verify", "--model-dir", str(tmp_path))
    assert status == 0
    assert sha(body) in out

    put(tmp_path, "pose_landmarker_full.task", body[:-10])
    status, out, err = run_cli(capsys, "verify", "--model-dir", str(tmp_path))
    assert status == 2
    assert "CORRUPT" in out
    assert "pose_landmarker_full.task" in err


def test_cli_fetch_downloads_into_cache(monkeypatch: pytest.MonkeyPatch, storage: FakeStorage,
                                        cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lite, full = make_bundle(size=1000), make_bundle(size=2000)
    specs = fake_spec(lite), fake_spec(full, variant="full")
    use_specs(monkeypatch, *specs)
    storage.serve(specs[0], lite)

    status, out, _ = run_cli(capsys, "fetch")  # default variant: lite
    assert status == 0
    assert "downloaded" in out
    assert (cache / "pose_landmarker_lite.task").read_bytes() == lite
    assert not (cache / "pose_landmarker_full.task").exists()

    status, _, err = run_cli(capsys, "fetch", "--variant", "full")  # not served: 404
    assert status == 2
    assert "HTTP 404" in err
    assert len(err.strip().splitlines()) == 1


def test_cli_bad_model_dir_is_one_line_exit_2(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run_cli(capsys, "status", "--model-dir", str(tmp_path / "missing"))
    assert status == 2
    assert err.startswith("synchrony models: error: --model-dir")


# --------------------------------------------------------------------------- real bundles


@pytest.fixture
def real_model_dir(monkeypatch: pytest.MonkeyPatch) -> Path:
    """``conftest.model_dir()`` as the user configured it (env restored), then env cleared."""
    original = _ORIGINAL_ENV.get(models.ENV_MODEL_DIR)
    if original:
        monkeypatch.setenv(models.ENV_MODEL_DIR, original)
    directory = model_dir()
    monkeypatch.delenv(models.ENV_MODEL_DIR, raising=False)
    return directory


def test_real_bundles_are_found_and_verify(real_model_dir: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    statuses = models.model_status(model_dir=real_model_dir)
    assert [status.state for status in statuses] == [models.OK] * len(models.MODEL_SPECS)

    for kind, variant in (("pose", "lite"), ("pose", "full"), ("face", "lite")):
        path = models.find_model(kind, variant=variant, model_dir=real_model_dir,
                                 allow_download=False)
        assert path.parent == real_model_dir
        assert path.name in models.get_spec(kind, variant).names

    status, out, _ = run_cli(capsys, "verify", "--model-dir", str(real_model_dir))
    assert status == 0
    assert "0 corrupt" in out
