"""Finding and checking model bundles: search order, the spec registry, integrity.

No network here: every test runs in :func:`~tests.fixtures.model_sandbox.offline_sandbox`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from synchrony.capture import bundles
from synchrony.capture.bundles import checks
from synchrony.errors import InputError, ModelNotFoundError
from tests.fixtures.model_bundles import (
    MEMBERS,
    fake_spec,
    make_bundle,
    put,
    sha,
    use_specs,
)

pytestmark = pytest.mark.usefixtures("offline_sandbox")


# --------------------------------------------------------------------------- search order


def test_search_order_model_dir_then_env_then_cache(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, bundle_cache: Path) -> None:
    body = make_bundle()
    use_specs(monkeypatch, fake_spec(body))
    name = "pose_landmarker_lite.task"
    explicit = put(tmp_path / "explicit", name, body)
    env = put(tmp_path / "env", name, body)
    cached = put(bundle_cache, name, body)
    monkeypatch.setenv(bundles.ENV_MODEL_DIR, str(env.parent))

    assert bundles.find_model("pose", model_dir=explicit.parent) == explicit
    assert bundles.find_model("pose") == env
    monkeypatch.delenv(bundles.ENV_MODEL_DIR)
    assert bundles.find_model("pose") == cached


def test_env_relative_path_is_resolved_against_cwd(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    body = make_bundle()
    use_specs(monkeypatch, fake_spec(body))
    expected = put(tmp_path / "work" / "models", "pose_landmarker_lite.task", body)
    monkeypatch.chdir(tmp_path / "work")
    monkeypatch.setenv(bundles.ENV_MODEL_DIR, "models")

    assert bundles.find_model("pose", allow_download=False) == expected


def test_offline_name_is_accepted_and_official_name_preferred(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    official, offline = make_bundle(size=1000), make_bundle(size=2000)
    use_specs(monkeypatch, fake_spec(official, offline=offline))
    alt = put(tmp_path, "pose_landmarker_lite_offline.task", offline)
    assert bundles.find_model("pose", model_dir=tmp_path, allow_download=False) == alt

    first = put(tmp_path, "pose_landmarker_lite.task", official)
    assert bundles.find_model("pose", model_dir=tmp_path, allow_download=False) == first


def test_missing_model_dir_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--model-dir .* is not a directory"):
        bundles.find_model("pose", model_dir=tmp_path / "nope")


def test_explicit_dir_offline_does_not_fall_back_to_cache(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, bundle_cache: Path) -> None:
    body = make_bundle()
    use_specs(monkeypatch, fake_spec(body))
    cached = put(bundle_cache, "pose_landmarker_lite.task", body)
    (tmp_path / "empty").mkdir()

    with pytest.raises(ModelNotFoundError, match="cache is not searched") as info:
        bundles.find_model("pose", model_dir=tmp_path / "empty", allow_download=False)
    assert str(tmp_path / "empty") in str(info.value)
    # With downloads allowed it falls through to the cache (no network needed).
    assert bundles.find_model("pose", model_dir=tmp_path / "empty") == cached


def test_nothing_found_offline_names_all_three_fixes(
        monkeypatch: pytest.MonkeyPatch, bundle_cache: Path) -> None:
    use_specs(monkeypatch, fake_spec(make_bundle()))
    with pytest.raises(ModelNotFoundError) as info:
        bundles.find_model("pose", allow_download=False)
    message = str(info.value)
    assert "\n" not in message
    assert "--model-dir DIR" in message
    assert "SYNCHRONY_MODEL_DIR" in message
    assert "synchrony models fetch" in message
    assert str(bundle_cache) in message


def test_get_spec_kinds_and_variants() -> None:
    assert bundles.get_spec("pose").variant == "lite"
    assert bundles.get_spec("pose", "full").official.name == "pose_landmarker_full.task"
    assert bundles.get_spec("face", variant="lite").kind == "face"  # single variant
    with pytest.raises(InputError, match="unknown model kind"):
        bundles.get_spec("hand")
    with pytest.raises(InputError, match="variant 'heavy'"):
        bundles.get_spec("pose", "heavy")


# --------------------------------------------------------------------------- integrity


def test_corrupt_local_file_raises_input_error(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    body = make_bundle()
    use_specs(monkeypatch, fake_spec(body))
    truncated = put(tmp_path, "pose_landmarker_lite.task", body[: len(body) // 2])

    with pytest.raises(InputError, match="corrupt model file") as info:
        bundles.find_model("pose", model_dir=tmp_path)
    message = str(info.value)
    assert str(truncated) in message
    assert f"sha256 {sha(truncated.read_bytes())} expected {sha(body)}" in message
    assert "not a valid .task bundle" in message


def test_valid_bundle_with_other_hash_is_refused(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    use_specs(monkeypatch, fake_spec(make_bundle(size=1000)))
    put(tmp_path, "pose_landmarker_lite.task", make_bundle(size=999))
    with pytest.raises(InputError, match="corrupt model file .* expected"):
        bundles.find_model("pose", model_dir=tmp_path)
    [status] = bundles.model_status(model_dir=tmp_path)
    assert status.state == bundles.MISMATCH


def test_unpinned_bundle_is_checked_structurally(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    use_specs(monkeypatch, fake_spec(b"", pinned=False))
    good = put(tmp_path / "good", "pose_landmarker_lite.task", make_bundle())
    assert bundles.find_model("pose", model_dir=good.parent, allow_download=False) == good
    [status] = bundles.model_status(model_dir=good.parent)
    assert status.state == bundles.NOT_PINNED

    put(tmp_path / "partial", "pose_landmarker_lite.task", make_bundle(MEMBERS[:1]))
    with pytest.raises(InputError, match="missing pose_landmarks_detector.tflite"):
        bundles.find_model("pose", model_dir=tmp_path / "partial")
    put(tmp_path / "text", "pose_landmarker_lite.task", b"<html>not found</html>")
    with pytest.raises(InputError, match="not a valid .task bundle"):
        bundles.find_model("pose", model_dir=tmp_path / "text")


def test_hashes_are_cached_by_path_size_and_mtime(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    body = make_bundle()
    use_specs(monkeypatch, fake_spec(body))
    path = put(tmp_path, "pose_landmarker_lite.task", body)
    calls: list[Path] = []
    real_digest = checks._digest

    def counting_digest(file: Path) -> str:
        calls.append(file)
        return real_digest(file)

    monkeypatch.setattr(checks, "_digest", counting_digest)
    for _ in range(3):
        bundles.find_model("pose", model_dir=tmp_path)
    assert len(calls) == 1
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    bundles.find_model("pose", model_dir=tmp_path)
    assert len(calls) == 2

