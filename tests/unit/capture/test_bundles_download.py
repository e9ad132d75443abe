"""Downloading model bundles from a loopback HTTP server: resume, retry, verification.

Downloads go to a real ``ThreadingHTTPServer`` on 127.0.0.1 serving small fake bundles; the
:func:`~tests.fixtures.model_sandbox.offline_sandbox` fixture, applied to every test here by
``pytestmark``, refuses every DNS look-up and connection that is not loopback.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from synchrony.capture import bundles
from synchrony.capture.bundles import download
from synchrony.errors import InputError, ModelNotFoundError
from tests.fixtures.model_bundles import (
    FakeStorage,
    NetworkRefused,
    fake_spec,
    make_bundle,
    put,
    sha,
    use_specs,
)

pytestmark = pytest.mark.usefixtures("offline_sandbox")


# --------------------------------------------------------------------------- downloads


def test_download_into_empty_cache(monkeypatch: pytest.MonkeyPatch, bundle_storage: FakeStorage,
                                   bundle_cache: Path) -> None:
    body = make_bundle()
    spec = fake_spec(body)
    use_specs(monkeypatch, spec)
    bundle_storage.serve(spec, body)
    seen: list[tuple[int, int | None]] = []

    path = bundles.find_model("pose", progress=lambda done, total: seen.append((done, total)))

    assert path == bundle_cache / "pose_landmarker_lite.task"
    assert bundles.default_cache_dir() == bundle_cache
    assert path.read_bytes() == body
    assert not (bundle_cache / "pose_landmarker_lite.task.part").exists()
    assert seen[-1] == (len(body), len(body))
    assert bundle_storage.requests == [(f"/{spec.url_path}", None)]
    assert bundles.find_model("pose") == path  # second call: no new request
    assert len(bundle_storage.requests) == 1


def test_checksum_mismatch_leaves_no_file(monkeypatch: pytest.MonkeyPatch,
                                          bundle_storage: FakeStorage, bundle_cache: Path) -> None:
    body = make_bundle()
    spec = fake_spec(body, sha256="0" * 64)
    use_specs(monkeypatch, spec)
    bundle_storage.serve(spec, body)

    with pytest.raises(ModelNotFoundError, match=f"is corrupt: sha256 {sha(body)} expected 0+"):
        bundles.find_model("pose")
    assert list(bundle_cache.iterdir()) == []


def test_partial_download_is_resumed_with_range(
        monkeypatch: pytest.MonkeyPatch, bundle_storage: FakeStorage, bundle_cache: Path) -> None:
    body = make_bundle()
    spec = fake_spec(body)
    use_specs(monkeypatch, spec)
    bundle_storage.serve(spec, body)
    half = len(body) // 2
    put(bundle_cache, "pose_landmarker_lite.task.part", body[:half])

    path = bundles.find_model("pose")

    assert path.read_bytes() == body
    assert bundle_storage.requests == [(f"/{spec.url_path}", f"bytes={half}-")]


def test_server_ignoring_range_restarts_from_zero(
        monkeypatch: pytest.MonkeyPatch, bundle_storage: FakeStorage, bundle_cache: Path) -> None:
    body = make_bundle()
    spec = fake_spec(body)
    use_specs(monkeypatch, spec)
    bundle_storage.serve(spec, body)
    bundle_storage.ignore_range = True
    put(bundle_cache, "pose_landmarker_lite.task.part", body[:1000])

    assert bundles.find_model("pose").read_bytes() == body
    assert len(bundle_storage.requests) == 1


def test_bad_partial_file_is_discarded_and_download_restarted(
        monkeypatch: pytest.MonkeyPatch, bundle_storage: FakeStorage, bundle_cache: Path) -> None:
    body = make_bundle()
    spec = fake_spec(body)
    use_specs(monkeypatch, spec)
    bundle_storage.serve(spec, body)
    put(bundle_cache, "pose_landmarker_lite.task.part", b"x" * 1000)  # wrong prefix

    assert bundles.find_model("pose").read_bytes() == body
    assert [rng for _, rng in bundle_storage.requests] == ["bytes=1000-", None]


def test_oversized_partial_file_is_discarded(
        monkeypatch: pytest.MonkeyPatch, bundle_storage: FakeStorage, bundle_cache: Path) -> None:
    body = make_bundle()
    spec = fake_spec(body)
    use_specs(monkeypatch, spec)
    bundle_storage.serve(spec, body)
    put(bundle_cache, "pose_landmarker_lite.task.part", b"x" * (len(body) + 10))

    assert bundles.find_model("pose").read_bytes() == body
    assert [rng for _, rng in bundle_storage.requests] == [None]


def test_dropped_connection_is_retried(monkeypatch: pytest.MonkeyPatch,
                                       bundle_storage: FakeStorage) -> None:
    body = make_bundle()
    spec = fake_spec(body)
    use_specs(monkeypatch, spec)
    bundle_storage.serve(spec, body)
    bundle_storage.drop_once.add(f"/{spec.url_path}")

    assert bundles.find_model("pose").read_bytes() == body
    assert len(bundle_storage.requests) == 2
    assert bundle_storage.requests[1][1] == f"bytes={len(body) // 2}-"  # resumed after the drop


def test_timeout_is_retried(monkeypatch: pytest.MonkeyPatch, bundle_storage: FakeStorage) -> None:
    body = make_bundle()
    spec = fake_spec(body)
    use_specs(monkeypatch, spec)
    bundle_storage.serve(spec, body)
    bundle_storage.stall_once.add(f"/{spec.url_path}")
    monkeypatch.setattr(download, "TIMEOUT_S", 0.3)

    assert bundles.find_model("pose").read_bytes() == body
    assert len(bundle_storage.requests) == 2


def test_retries_are_bounded_with_doubling_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as listener:  # a port nobody listens on
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
    spec = fake_spec(make_bundle())
    use_specs(monkeypatch, spec)
    attempts: list[str] = []
    real_open = download._open

    def counting_open(request: Any, timeout_s: float) -> Any:
        attempts.append(request.full_url)
        return real_open(request, timeout_s)

    waits_s: list[float] = []
    monkeypatch.setattr(download, "_open", counting_open)
    monkeypatch.setattr(download, "RETRY_BACKOFF_S", 0.25)
    monkeypatch.setattr(download.time, "sleep", waits_s.append)  # record, do not wait
    with pytest.raises(ModelNotFoundError, match="after 4 attempts"):
        bundles.find_model("pose", base_url=f"http://127.0.0.1:{port}")
    assert len(attempts) == download.RETRIES + 1
    assert waits_s == [0.25, 0.5, 1.0]


def test_http_404_is_a_clear_error_without_retries(
        monkeypatch: pytest.MonkeyPatch, bundle_storage: FakeStorage) -> None:
    spec = fake_spec(make_bundle())
    use_specs(monkeypatch, spec)

    with pytest.raises(ModelNotFoundError, match="HTTP 404") as info:
        bundles.find_model("pose")
    assert f"{bundle_storage.base_url}/{spec.url_path}" in str(info.value)
    assert "synchrony models fetch" in str(info.value)
    assert len(bundle_storage.requests) == 1


def test_base_url_must_be_http(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(bundles.ENV_BASE_URL, "file:///etc")
    with pytest.raises(InputError, match="must be http"):
        bundles.get_spec("face").url()


def test_default_base_url_is_official_but_never_contacted(
        bundle_storage: FakeStorage, offline_sandbox: list[str]) -> None:
    face = bundles.get_spec("face")
    assert face.official_url == (
        "https://storage.googleapis.com/mediapipe-models/face_landmarker/face_landmarker/"
        "float16/1/face_landmarker.task")
    assert face.url().startswith(bundle_storage.base_url)  # the env override is what is used
    # The guard really blocks the official host, and records nothing else.
    with pytest.raises(NetworkRefused):
        socket.getaddrinfo("storage.googleapis.com", 443)
    assert offline_sandbox == ["storage.googleapis.com"]
    offline_sandbox.clear()


def test_fetch_model_replaces_corrupt_cache_file_but_not_user_files(
        monkeypatch: pytest.MonkeyPatch, bundle_storage: FakeStorage, tmp_path: Path,
        bundle_cache: Path) -> None:
    body = make_bundle()
    spec = fake_spec(body)
    use_specs(monkeypatch, spec)
    bundle_storage.serve(spec, body)
    put(bundle_cache, "pose_landmarker_lite.task", b"truncated")

    path, downloaded = bundles.fetch_model(spec)
    assert downloaded
    assert path.read_bytes() == body
    assert bundles.fetch_model(spec) == (path, False)

    user_file = put(tmp_path / "mine", "pose_landmarker_lite.task", b"broken")
    with pytest.raises(InputError, match="corrupt model file"):
        bundles.fetch_model(spec, model_dir=user_file.parent)
    assert user_file.read_bytes() == b"broken"

