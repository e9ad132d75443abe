"""``synchrony analyze --methods``: every synchrony method on one recorded session (issue 14).

A real ``python -m synchrony analyze`` process on a session written by the session store
(B follows A by 0.5 s; sign convention: lag > 0 means A leads and B follows), and the bad
input the issue names: an unknown method, a band the grid cannot carry, a series too short
for a method -- each one line on stderr and exit 2.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.fixtures.sessions import coupled_frames, write_session
from tests.robustness.conftest import assert_one_line_error, run_cli

METHODS = ("wcc", "wavelet", "recurrence", "phase")
LAG_S = 0.5


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 120 s session at 10 fps in which B follows A by 0.5 s."""
    path = tmp_path_factory.mktemp("methods") / "session"
    write_session(path, coupled_frames(120.0, lag_s=LAG_S, seed=4), frames_per_part=200)
    return path


@pytest.fixture(scope="module")
def analysed(session: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("methods_out") / "out"
    result = run_cli(["analyze", session, "--out", out, "--methods", ",".join(METHODS),
                      "--signals", "body", "--surrogates", "99", "--no-progress"],
                     timeout_s=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return out


def test_summary_has_a_block_per_method_and_each_names_a_as_leader(analysed: Path) -> None:
    summary = json.loads((analysed / "summary.json").read_text())
    body = summary["signals"]["body"]
    assert list(body["methods"]) == list(METHODS)
    assert summary["parameters"]["methods"] == list(METHODS)
    for name, block in body["methods"].items():
        assert block["leader"] == "A", (name, block["who_leads"])
        assert block["lag_s"] == pytest.approx(LAG_S, abs=0.15), name
        assert "B follows A" in block["who_leads"], name
        assert set(block["surrogate"]) >= {"method", "n", "z", "p"}
        assert block["surrogate"]["n"] == 99
        assert block["surrogate"]["p"] < 0.05, name
    # the signal's own block stays WCC's, as before
    assert body["lag_s"] == body["methods"]["wcc"]["lag_s"]


def test_method_windows_and_a_plot_per_method(analysed: Path) -> None:
    with (analysed / "method_windows.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert {r["method"] for r in rows} == set(METHODS)
    for name in METHODS[1:]:
        png = analysed / f"{name}_body.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name


@pytest.mark.parametrize(("args", "fragment"), [
    (["--methods", "wcc,dtw"], "dtw"),
    (["--methods", "wavelet", "--band-hz", "0.1,12"], "half the grid rate"),
    (["--methods", "phase", "--band-hz", "1,0.5"], "--band-hz"),
])
def test_bad_method_input_is_one_line_exit_2(session: Path, tmp_path: Path,
                                             args: list[str], fragment: str) -> None:
    result = run_cli(["analyze", session, "--out", tmp_path / "out", "--signals", "body",
                      "--surrogates", "0", "--no-progress", *args])
    assert_one_line_error(result, 2, fragment)


def test_a_series_too_short_for_a_method_is_one_line_exit_2(tmp_path: Path) -> None:
    short = tmp_path / "short"
    write_session(short, coupled_frames(12.0, lag_s=LAG_S, seed=4), frames_per_part=200)
    result = run_cli(["analyze", short, "--out", tmp_path / "out", "--signals", "body",
                      "--surrogates", "0", "--no-progress", "--methods", "wcc,wavelet"])
    assert_one_line_error(result, 2, ["too short", "wavelet"])
