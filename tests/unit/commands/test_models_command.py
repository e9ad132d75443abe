"""``synchrony models status | fetch | verify`` with fake bundles, and the real bundles."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from synchrony.capture import bundles
from synchrony.cli import main
from tests.fixtures.model_bundles import FakeStorage, fake_spec, make_bundle, put, sha, use_specs
from tests.shared import model_dir

_ORIGINAL_ENV = dict(os.environ)

pytestmark = pytest.mark.usefixtures("offline_sandbox")


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


def test_cli_fetch_downloads_into_cache(
        monkeypatch: pytest.MonkeyPatch, bundle_storage: FakeStorage, bundle_cache: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    lite, full = make_bundle(size=1000), make_bundle(size=2000)
    specs = fake_spec(lite), fake_spec(full, variant="full")
    use_specs(monkeypatch, *specs)
    bundle_storage.serve(specs[0], lite)

    status, out, _ = run_cli(capsys, "fetch")  # default variant: lite
    assert status == 0
    assert "downloaded" in out
    assert (bundle_cache / "pose_landmarker_lite.task").read_bytes() == lite
    assert not (bundle_cache / "pose_landmarker_full.task").exists()

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
    original = _ORIGINAL_ENV.get(bundles.ENV_MODEL_DIR)
    if original:
        monkeypatch.setenv(bundles.ENV_MODEL_DIR, original)
    directory = model_dir()
    monkeypatch.delenv(bundles.ENV_MODEL_DIR, raising=False)
    return directory


def test_real_bundles_are_found_and_verify(real_model_dir: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    statuses = bundles.model_status(model_dir=real_model_dir)
    assert [status.state for status in statuses] == [bundles.OK] * len(bundles.MODEL_SPECS)

    for kind, variant in (("pose", "lite"), ("pose", "full"), ("face", "lite")):
        path = bundles.find_model(kind, variant=variant, model_dir=real_model_dir,
                                 allow_download=False)
        assert path.parent == real_model_dir
        assert path.name in bundles.get_spec(kind, variant).names

    status, out, _ = run_cli(capsys, "verify", "--model-dir", str(real_model_dir))
    assert status == 0
    assert "0 corrupt" in out
