"""The engine reproduces rMEA 1.3.0 and wcc 0.4.1 on a real psychotherapy dyad.

Expected values: ../shared/reference_data/expected (outputs of the R tools on rMEA's
dyad normal/200_01, patient = s1 = A, therapist = s2 = B, 25 fps).
"""

from __future__ import annotations

import csv
from dataclasses import replace

import numpy as np
import pytest

from synchrony.engine.compat import rmea_scale, rmea_smooth, rmea_window_summary
from synchrony.engine.wcc import fisher_z, windowed_xcorr
from synchrony.io.text_tables import read_pair
from tests.shared import shared_path

FS_HZ = 25.0


def _read_csv(name: str) -> tuple[list[str], list[list[str]]]:
    with shared_path("reference_data", "expected", name).open() as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def _numeric(rows: list[list[str]], first_col: int) -> np.ndarray:
    return np.array([[float(c) if c not in ("", "NA") else np.nan for c in r[first_col:]]
                     for r in rows])


@pytest.fixture(scope="module")
def dyad200() -> np.ndarray:
    return read_pair(shared_path("reference_data", "rmea", "extdata", "normal", "200_01.txt"))


def _assert_grid_equal(ours: np.ndarray, ref: np.ndarray, atol: float = 1e-9) -> None:
    assert ours.shape == ref.shape
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref))
    np.testing.assert_allclose(ours, ref, atol=atol, rtol=0, equal_nan=True)


def test_raw_r_grid_matches_rmea(dyad200: np.ndarray) -> None:
    header, rows = _read_csv("rmea_raw_r_normal_200_1_ccf.csv")
    res = windowed_xcorr(dyad200[:, 0], dyad200[:, 1], fs_hz=FS_HZ, window_s=30, step_s=10,
                         max_lag_s=5, method="rmea")
    ref_lags = np.array([float(h.removeprefix("lag")) for h in header[3:]])
    np.testing.assert_allclose(res.lags_s, ref_lags, atol=1e-12)
    np.testing.assert_allclose(res.window_start_s, np.arange(len(rows)) * 10.0)
    _assert_grid_equal(res.r, _numeric(rows, 3))


def test_readme_pipeline_matches_rmea(dyad200: np.ndarray) -> None:
    """MEAsmooth(0.5) -> MEAscale(sd) -> MEAccf(r2Z=TRUE): series and Fisher-z grid."""
    _, series_rows = _read_csv("rmea_readme_normal_200_1_series.csv")
    series = _numeric(series_rows, 1)
    smooth = [rmea_smooth(dyad200[:, i], FS_HZ, 0.5) for i in (0, 1)]
    np.testing.assert_allclose(smooth[0], series[:, 2], atol=1e-9, rtol=0)
    np.testing.assert_allclose(smooth[1], series[:, 3], atol=1e-9, rtol=0)
    scaled = [rmea_scale(s) for s in smooth]
    np.testing.assert_allclose(scaled[0], series[:, 4], atol=1e-9, rtol=0)
    np.testing.assert_allclose(scaled[1], series[:, 5], atol=1e-9, rtol=0)
    res = windowed_xcorr(scaled[0], scaled[1], fs_hz=FS_HZ, window_s=30, step_s=10,
                         max_lag_s=5)
    _, rows = _read_csv("rmea_readme_normal_200_1_ccf.csv")
    _assert_grid_equal(fisher_z(res.r), _numeric(rows, 3))


@pytest.mark.parametrize("which", ["raw_r", "readme"])
def test_window_summary_matches_ccfres(dyad200: np.ndarray, which: str) -> None:
    a, b = dyad200[:, 0], dyad200[:, 1]
    if which == "readme":
        a, b = (rmea_scale(rmea_smooth(x, FS_HZ)) for x in (a, b))
    res = windowed_xcorr(a, b, fs_hz=FS_HZ, window_s=30, step_s=10, max_lag_s=5)
    if which == "readme":
        res = replace(res, r=fisher_z(res.r))
    header, rows = _read_csv(f"rmea_{which}_normal_200_1_ccfRes.csv")
    ref = dict(zip(header[3:], _numeric(rows, 3).T, strict=True))
    ours = rmea_window_summary(res)
    names = {"lag_zero": "lag_zero", "all_lags": "all_lags", "A_leads": "s1_lead",
             "B_leads": "s2_lead", "A_leads_0": "s1_lead_0", "B_leads_0": "s2_lead_0",
             "best_lag_s": "bestLag"}
    for ours_name, ref_name in names.items():
        np.testing.assert_allclose(ours[ours_name], ref[ref_name], atol=1e-9, rtol=0,
                                   err_msg=ours_name)


def test_boker_grid_matches_wcc_defaults(dyad200: np.ndarray) -> None:
    """wccCalc(wMax=50, tMax=50, wInc=1, tInc=1) on the first 60 s; wcc's sign is opposite."""
    header, rows = _read_csv("wcc_defaults_normal_200_first60s_grid.csv")
    first = dyad200[:1500]
    res = windowed_xcorr(first[:, 0], first[:, 1], fs_hz=FS_HZ, window_s=2.0, step_s=0.04,
                         max_lag_s=2.0, method="boker")
    ref = _numeric(rows, 3)[:, ::-1]  # wcc column +tau is our column -tau
    wcc_lags = np.array([int(h.removeprefix("lag")) for h in header[3:]])
    np.testing.assert_array_equal(res.lag_samples, -wcc_lags[::-1])
    end_sample = np.array([int(r[1]) for r in rows])  # 1-based last sample of lag-0 window
    np.testing.assert_allclose(res.window_start_s, (end_sample - 50) / FS_HZ, atol=1e-12)
    _assert_grid_equal(res.r, ref)
