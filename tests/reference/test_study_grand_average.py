"""``synchrony study`` reproduces rMEA's ``grandAver`` on MEA text input (issue 11).

With the rMEA README settings (``MEAsmooth`` 0.5 s, 30 s windows every 10 s, lags up to
±5 s, ``r2Z = TRUE``), dyad 200's ``grand_average`` in ``study.csv`` equals the mean of its
rMEA Fisher-z grid (../shared/reference_data/expected/rmea_readme_normal_200_1_ccf.csv, NaN
cells left out) to 1e-9. rMEA's ``MEAscale`` is not applied by ``study``: a linear rescaling
of a whole series does not change any window's correlation. Patient = column 1 = A,
therapist = column 2 = B, 25 fps.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
from pathlib import Path

import numpy as np
import pytest

from synchrony.cli import main
from tests.shared import shared_path

FS_HZ = 25
README_OPTIONS = ("--window-s", "30", "--step-s", "10", "--max-lag-s", "5", "--smooth-s", "0.5",
                  "--fisher-z", "--surrogates", "0")

pytestmark = pytest.mark.slow


def _rmea_grid() -> tuple[np.ndarray, np.ndarray]:
    """rMEA's lags (s) and its (windows, lags) Fisher-z grid of dyad 200 (NA as NaN)."""
    path = shared_path("reference_data", "expected", "rmea_readme_normal_200_1_ccf.csv")
    with path.open(newline="") as fh:
        header, *rows = list(csv.reader(fh))
    lags = np.array([float(h.removeprefix("lag")) for h in header[3:]])
    grid = np.array([[float(c) if c not in ("", "NA") else math.nan for c in r[3:]]
                     for r in rows])
    return lags, grid


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The study of dyads 200 (normal), 201 (normal) and 100 (dropout); its out folder."""
    folder = tmp_path_factory.mktemp("rmea_study")
    extdata = ("reference_data", "rmea", "extdata")
    tables = [shared_path(*extdata, "normal", "200_01.txt"),
              shared_path(*extdata, "normal", "201_01.txt"),
              shared_path(*extdata, "dropout", "100_01.txt")]
    manifest = folder / "manifest.csv"
    with manifest.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["path", "fps", "role_A", "role_B", "group"])
        for table in tables:
            writer.writerow([table, FS_HZ, "patient", "therapist", table.parent.name])
    out = folder / "study"
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["study", str(manifest), "--out", str(out), "--workers", "2",
                     "--pseudo", "all", "--no-progress", *README_OPTIONS])
    assert code == 0, err.getvalue()
    return out


def _rows(out: Path) -> dict[str, dict[str, str]]:
    with (out / "study.csv").open(newline="") as fh:
        return {r["id"]: r for r in csv.DictReader(fh)}


def test_grand_average_of_dyad_200_is_rmea_grand_aver(study: Path) -> None:
    lags, grid = _rmea_grid()
    row = _rows(study)["200_01"]
    assert row["status"] == "ok"
    assert int(row["n_windows"]) == grid.shape[0]
    assert float(row["grand_average"]) == pytest.approx(float(np.nanmean(grid)), abs=1e-9,
                                                        rel=0)
    with (study / "items" / "200_01" / "wcc_motion.csv").open() as fh:
        our_lags = np.array([float(c) for c in fh.readline().strip().split(",")[1:]])
    np.testing.assert_allclose(our_lags, lags, atol=1e-9)


def test_every_dyad_analysed_with_the_readme_settings(study: Path) -> None:
    rows = _rows(study)
    assert len(rows) == 3
    assert {r["status"] for r in rows.values()} == {"ok"}
    assert [r["group"] for r in rows.values()] == ["normal", "normal", "dropout"]
    for r in rows.values():
        assert -1 < float(r["grand_average"]) < 1
        assert abs(float(r["lag_s"])) <= 5
