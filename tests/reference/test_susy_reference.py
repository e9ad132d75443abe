"""SUSY 0.1.0 reference outputs reproduced to 1e-8.

Reference: ``susy(d, segment=30, Hz=25, maxlag=3)`` on the raw rMEA dyads ``normal/200_01``
and ``dropout/100_01`` (first column = patient = first variable = A). See
``../shared/reference_data/README.md``.

Sign convention: SUSY's lag ``k`` correlates ``A[t + k]`` with ``B[t]``; ours (lag > 0 = A
leads) correlates ``A[t]`` with ``B[t + lag]``, so our lag = -SUSY lag and SUSY's
``Z(lead1)`` (first variable leads) is our ``Z_A_leads``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from synchrony.engine.susy import susy, susy_lag_profile
from tests.shared import shared_path

TOL = 1e-8
PARAMS = {"fs_hz": 25.0, "segment_s": 30.0, "max_lag_s": 3.0}
DYADS = {"normal_200_01": "normal/200_01.txt", "dropout_100_01": "dropout/100_01.txt"}

# SUSY column -> our key. Lead columns swap names, not values: lead1 = first variable = A.
TABLE_COLUMNS = {
    "n(data)": "n_data",
    "Z": "Z",
    "Z-Pseudo": "Z_pseudo",
    "SD(Z)": "SD_Z",
    "SD(Z-Pseudo)": "SD_Z_pseudo",
    "n(lags)": "n_lags",
    "%>Pseudo": "pct_gt_pseudo",
    "n(Segmente)": "n_segments",
    "ES": "ES",
    "Z(lead1)": "Z_A_leads",
    "Z(lead2)": "Z_B_leads",
    "ES(lead1)": "ES_A_leads",
    "ES(lead2)": "ES_B_leads",
    "meanZ(in-phase)": "Z_in_phase",
    "meanZ(anti-phase)": "Z_anti_phase",
    "Anzahl(in-phase)": "n_in_phase",
    "Anzahl(anti-phase)": "n_anti_phase",
    "Z(noAbs)": "Z_signed",
    "Z(Pseudo-noAbs)": "Z_pseudo_signed",
    "%>Pseudo(noAbs)": "pct_gt_pseudo_signed",
    "ES(noAbs)": "ES_signed",
}

# SUSY profile column -> SusyLagProfile attribute.
PROFILE_COLUMNS = {
    "meanccorrReal": "real_r",
    "meanccorrPseudo": "pseudo_r",
    "meanccorrRealZ": "real_z",
    "meanccorrRealZNotAbs": "real_z_signed",
    "meanccorrPseudoZ": "pseudo_z",
    "meanccorrPseudoZNotAbs": "pseudo_z_signed",
}


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def _load_dyad(uid: str) -> tuple[np.ndarray, np.ndarray]:
    data = np.loadtxt(shared_path("reference_data", "rmea", "extdata", DYADS[uid]), skiprows=1)
    return data[:, 0], data[:, 1]


@pytest.fixture(scope="module")
def table_rows() -> dict[str, dict[str, str]]:
    path = shared_path("reference_data", "expected", "susy_seg30_maxlag3_hz25_two_dyads.csv")
    return {row["uid"]: row for row in _read_csv(path)}


@pytest.mark.parametrize("uid", sorted(DYADS))
def test_table_row_matches_susy(uid: str, table_rows: dict[str, dict[str, str]]) -> None:
    a, b = _load_dyad(uid)
    ours = susy(a, b, **PARAMS)
    expected = table_rows[uid]
    assert set(ours) == set(TABLE_COLUMNS.values())
    for susy_col, key in TABLE_COLUMNS.items():
        assert ours[key] == pytest.approx(float(expected[susy_col]), rel=0, abs=TOL), (
            f"{uid}: {key} (SUSY {susy_col})"
        )


def test_lag_profile_matches_susy() -> None:
    path = shared_path(
        "reference_data", "expected", "susy_seg30_maxlag3_hz25_lag_profiles_normal_200.csv"
    )
    rows = _read_csv(path)
    susy_lags = np.array([int(row["lag_samples"]) for row in rows])
    a, b = _load_dyad("normal_200_01")
    profile = susy_lag_profile(a, b, **PARAMS)

    # our lag = -SUSY lag: reorder SUSY's rows onto our ascending lag axis
    order = np.argsort(-susy_lags)
    np.testing.assert_array_equal(-susy_lags[order], profile.lag_samples)
    np.testing.assert_allclose(profile.lags_s, profile.lag_samples / 25.0, rtol=0, atol=1e-15)
    for susy_col, attr in PROFILE_COLUMNS.items():
        expected = np.array([float(row[susy_col]) for row in rows])[order]
        np.testing.assert_allclose(
            getattr(profile, attr), expected, rtol=0, atol=TOL, err_msg=f"{attr} ({susy_col})"
        )
