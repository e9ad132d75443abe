"""Several synchrony methods side by side: summary blocks, the tidy window table, the
plots, the ``--methods``/``--band-hz`` options and the study's convergence table.

A toy method (B's lagged copy correlation at one fixed lag) stands in for the real ones,
so these tests check the wiring, not a method. Sign convention: lag > 0 means A leads.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from synchrony.analysis.methods import (
    AnalysisParameters,
    MethodResult,
    MethodWindows,
    SessionStatistic,
    method_summary,
    register_method,
    unregister_method,
)
from synchrony.analysis.pair import analyze_pair, with_wcc_first
from synchrony.batch.report import summary_lines
from synchrony.commands.options import add_analysis_arguments, check_analysis_arguments
from synchrony.errors import InputError
from synchrony.io.method_windows import METHOD_WINDOW_COLUMNS, write_method_windows
from synchrony.render.method_plots import write_method_plots
from synchrony.study.convergence import convergence_rows, method_fields

FS_HZ = 10.0


class ToyMethod:
    """Per 5 s window: r of A and B; lag always +0.3 s; statistic: r of the whole pair."""

    name = "toy"
    statistic = SessionStatistic("whole_r", "r of the whole pair",
                                 lambda fs, p: lambda a, b: float(np.corrcoef(a, b)[0, 1]))

    def windows(self, a: np.ndarray, b: np.ndarray, *, fs_hz: float,
                params: AnalysisParameters) -> MethodWindows:
        n = int(5 * fs_hz)
        starts = np.arange(0, len(a) - n + 1, n)
        r = np.array([np.corrcoef(a[s:s + n], b[s:s + n])[0, 1] for s in starts])
        return MethodWindows(starts / fs_hz, (starts + n) / fs_hz, r, np.full(len(r), 0.3))

    def summarize(self, result: MethodResult) -> dict[str, object]:
        return method_summary(result) | {"toy_key": 1}


@pytest.fixture
def toy() -> Iterator[str]:
    register_method(ToyMethod())
    yield "toy"
    unregister_method("toy")


def _pair(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = np.convolve(rng.standard_normal(700), np.ones(5) / 5, "same")[50:650]
    return a, np.roll(a, 3) + 0.3 * rng.standard_normal(600)


PARAMS = AnalysisParameters(n_surrogates=19, step_s=1.0)


def test_summary_has_every_method_block_and_the_primary_stays_wcc(toy: str) -> None:
    analysis = analyze_pair(*_pair(), fs_hz=FS_HZ, signal="body", params=PARAMS,
                            methods=with_wcc_first([toy]))
    block = analysis.summary_with_methods
    assert block["strength_statistic"] == "profile_peak_z"  # WCC's contract block
    assert list(block["methods"]) == ["wcc", "toy"]
    toy_block = block["methods"]["toy"]
    assert toy_block["toy_key"] == 1
    assert toy_block["lag_s"] == pytest.approx(0.3)
    assert {"strength", "lag_s", "leader", "surrogate"} <= set(toy_block)
    assert {"method", "n", "z", "p"} <= set(toy_block["surrogate"])
    assert "methods" not in analysis.summary  # the primary's own block is unchanged
    lines = summary_lines({"signals": {"body": block}, "warnings": []}, Path("out"))
    assert lines[1].startswith("        toy: whole_r ")
    assert "lag +0.30 s" in lines[1]


def test_params_methods_are_the_default_and_wcc_goes_first(toy: str) -> None:
    params = AnalysisParameters(n_surrogates=0, step_s=1.0, methods=("toy",))
    assert list(analyze_pair(*_pair(), fs_hz=FS_HZ, signal="body", params=params).results) \
        == ["toy"]
    assert with_wcc_first(["toy", "wcc"]) == ("wcc", "toy")
    assert with_wcc_first([]) == ("wcc",)


def test_method_windows_table_and_plots(toy: str, tmp_path: Path) -> None:
    analyses = {s: analyze_pair(*_pair(i), fs_hz=FS_HZ, signal=s, params=PARAMS,
                                methods=("wcc", toy)) for i, s in enumerate(("body", "head"))}
    write_method_windows(tmp_path, analyses)
    table = pq.read_table(tmp_path / "method_windows.parquet")
    assert tuple(table.column_names) == METHOD_WINDOW_COLUMNS
    n_expected = sum(len(r.strength) for a in analyses.values() for r in a.results.values())
    assert table.num_rows == n_expected
    toy_lags = [lag for method, lag in zip(table.column("method").to_pylist(),
                                           table.column("lag_s").to_pylist(), strict=True)
                if method == "toy"]
    assert toy_lags
    assert np.allclose(toy_lags, 0.3)
    csv_lines = (tmp_path / "method_windows.csv").read_text().splitlines()
    assert csv_lines[0] == ",".join(METHOD_WINDOW_COLUMNS)
    assert len(csv_lines) == n_expected + 1
    # the toy method has no plot module: skipped, nothing written, no error
    assert write_method_plots(analyses, tmp_path) == []


def _args(*argv: str) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    p.add_argument("video")
    add_analysis_arguments(p)
    return p.parse_args(["x.mp4", *argv])


def test_methods_and_band_options() -> None:
    params = check_analysis_arguments(_args("--band-hz", "0.2,2", "--recurrence-rate", "0.1",
                                            "--embedding-dim", "3",
                                            "--embedding-delay-s", "0.5"))
    assert params.methods == ("wcc",)
    assert params.band_hz == (0.2, 2.0)
    assert (params.recurrence_rate, params.embedding_dim, params.embedding_delay_s) == (
        0.1, 3, 0.5)


@pytest.mark.parametrize(("argv", "message"), [
    (["--methods", "wcc,nope"], "--methods must be a comma-separated subset of"),
    (["--methods", "wcc,wcc"], "each named once, got 'wcc,wcc'"),
    (["--methods", ","], "--methods must be"),
    (["--band-hz", "1"], "--band-hz must be LOW,HIGH in Hz, e.g. 0.1,1, got '1'"),
    (["--band-hz", "0.5,0.2"], "--band-hz must satisfy 0 < LOW < HIGH < 10 Hz"),
    (["--band-hz", "0,1"], "--band-hz must satisfy"),
    (["--band-hz", "0.1,10"], "(half the grid rate), got '0.1,10'"),
    (["--band-hz", "nan,1"], "--band-hz must satisfy"),
    (["--recurrence-rate", "0"], "--recurrence-rate must be in (0, 0.5], got 0"),
    (["--recurrence-rate", "0.7"], "--recurrence-rate must be in (0, 0.5]"),
    (["--embedding-dim", "0"], "--embedding-dim must be 1 to 20, got 0"),
    (["--embedding-delay-s", "-1"], "--embedding-delay-s must be in (0, 60] s, got -1"),
])
def test_bad_method_options_are_one_line_input_errors(argv: list[str], message: str) -> None:
    with pytest.raises(InputError) as err:
        check_analysis_arguments(_args(*argv))
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_toy_method_is_accepted_by_name(toy: str) -> None:
    assert check_analysis_arguments(_args("--methods", "toy")).methods == ("wcc", "toy")


def _row(item: int, wcc: float, toy: float, leaders: tuple[str, str]) -> dict[str, object]:
    summary = {"methods": {"wcc": {}, "toy": {"strength": toy, "lag_s": 0.1,
                                            "leader": leaders[1],
                                            "surrogate": {"p": 0.01}}}}
    return {"id": f"d{item}", "signal": "body", "strength": wcc, "leader": leaders[0],
            **method_fields(summary)}


def test_convergence_rank_correlation_and_leader_agreement() -> None:
    leaders = [("A", "A"), ("A", "B"), ("none", "none"), ("B", "B"), ("none", "A")]
    rows = [_row(i, wcc=float(i), toy=float(i) ** 3, leaders=lead)
            for i, lead in enumerate(leaders)]
    assert rows[0]["toy_p"] == 0.01
    assert rows[0]["toy_leader"] == "A"
    (conv,) = convergence_rows(rows, ("wcc", "toy"))
    assert (conv["method_a"], conv["method_b"], conv["n_items"]) == ("wcc", "toy", 5)
    assert conv["spearman_rho"] == pytest.approx(1.0)  # ranks agree though values do not
    assert conv["leader_agreement"] == pytest.approx(3 / 5)
    assert conv["n_leader_named"] == 4
    assert conv["leader_agreement_named"] == pytest.approx(2 / 4)
    reversed_rows = [_row(i, wcc=float(i), toy=-float(i), leaders=("none", "none"))
                     for i in range(4)]
    (conv,) = convergence_rows(reversed_rows, ("wcc", "toy"))
    assert conv["spearman_rho"] == pytest.approx(-1.0)
    assert math.isnan(conv["leader_agreement_named"])
    (few,) = convergence_rows(rows[:2], ("wcc", "toy"))
    assert math.isnan(few["spearman_rho"])  # fewer than three items: no correlation
