"""``synchrony wcc``: grid and peaks files, and one-line errors with exit status 2."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from synchrony.cli import main


def _write_table(path: Path, a: np.ndarray, b: np.ndarray) -> Path:
    lines = ['"pat" "th"'] + [f"{x:.6f} {y:.6f}" for x, y in zip(a, b, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def table(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    a = np.convolve(rng.normal(size=1200), np.hanning(7), mode="same")
    b = np.roll(a, 5) + 0.05 * rng.normal(size=a.size)  # B follows A by 0.2 s
    return _write_table(tmp_path / "dyad.txt", a, b)


def test_writes_grid_and_peaks_with_positive_lag(table: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "grid.csv"
    code = main(["wcc", str(table), "--fps", "25", "--window-s", "8", "--step-s", "4",
                 "--max-lag-s", "1", "--out", str(out)])
    assert code == 0
    with out.open() as fh:
        rows = list(csv.reader(fh))
    assert rows[0][0] == "window_start_s"
    lags = [float(x) for x in rows[0][1:]]
    assert lags == sorted(lags)
    assert lags[0] == -1.0
    assert lags[-1] == 1.0
    assert len(lags) == 51
    grid = np.array([[float(c) for c in r[1:]] for r in rows[1:]])
    assert np.all(np.array(lags)[grid.argmax(axis=1)] == pytest.approx(0.2))
    with out.with_name("grid_peaks.csv").open() as fh:
        peaks = list(csv.DictReader(fh))
    assert len(peaks) == len(grid)
    assert float(peaks[0]["peak_lag_s"]) == pytest.approx(0.2, abs=0.03)
    assert peaks[0]["who_leads"].startswith("B follows A by 0.2")


def test_fisher_z_smoothing_and_boker(table: Path, tmp_path: Path) -> None:
    out = tmp_path / "z.csv"
    assert main(["wcc", str(table), "--fps", "25", "--window-s", "4", "--step-s", "2",
                 "--max-lag-s", "1", "--smooth-s", "0.5", "--fisher-z", "--method", "boker",
                 "--out", str(out)]) == 0
    with out.open() as fh:
        values = [float(c) for r in list(csv.reader(fh))[1:] for c in r[1:] if c]
    assert max(values) > 1.0  # Fisher z of r close to 1 exceeds 1


@pytest.mark.parametrize("flag", ["--windowing", "--method"])
def test_windowing_flag_and_its_alias_write_the_same_grid(table: Path, tmp_path: Path,
                                                         flag: str) -> None:
    args = ["--fps", "25", "--window-s", "4", "--step-s", "2", "--max-lag-s", "1"]
    assert main(["wcc", str(table), *args, flag, "boker", "--out",
                 str(tmp_path / "alias.csv")]) == 0
    assert main(["wcc", str(table), *args, "--windowing", "boker", "--out",
                 str(tmp_path / "new.csv")]) == 0
    assert main(["wcc", str(table), *args, "--out", str(tmp_path / "rmea.csv")]) == 0
    new = (tmp_path / "new.csv").read_text()
    assert (tmp_path / "alias.csv").read_text() == new
    assert (tmp_path / "rmea.csv").read_text() != new  # boker windows differ from rmea's
    assert (tmp_path / "alias_peaks.csv").read_text() == (tmp_path / "new_peaks.csv").read_text()


def test_windowing_and_method_disagreeing_is_exit_2(table: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["wcc", str(table), "--fps", "25", "--window-s", "4", "--step-s", "2",
                 "--max-lag-s", "1", "--windowing", "rmea", "--method", "boker",
                 "--out", str(tmp_path / "g.csv")]) == 2
    err = capsys.readouterr().err
    assert "--windowing and its alias --method disagree" in err
    assert err.count("\n") == 1
    assert not (tmp_path / "g.csv").exists()


def test_help_names_windowing_and_the_alias(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["wcc", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--windowing {rmea,boker}" in out
    assert "older name of --windowing, kept as an alias" in out


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("1 2 3\n4 5 6\n", ["--columns", "1,4"], "expected at least 4 columns, got 3"),
        ('"a" "b"\n1 2\nx 3\n', [], "line 3, column 1: expected a number, got 'x'"),
        ("1 2\n3 4\n5 6\n", [], "at least one window plus the maximum lag"),
        ("", [], "is empty"),
    ],
)
def test_bad_tables_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                    content: str, args: list[str], message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(content)
    code = main(["wcc", str(path), "--fps", "25", "--window-s", "2", "--step-s", "1",
                 "--max-lag-s", "0.5", "--out", str(tmp_path / "g.csv"), *args])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert not (tmp_path / "g.csv").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--window-s", "0"], "window_s must be > 0, got 0"),
        (["--max-lag-s", "8"], "max_lag_s must be shorter than window_s"),
        (["--columns", "a,b"], "--columns must be two 1-based integers"),
    ],
)
def test_bad_parameters_exit_2(table: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                               args: list[str], message: str) -> None:
    base = {"--fps": "25", "--window-s": "8", "--step-s": "4", "--max-lag-s": "1"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    argv = ["wcc", str(table), "--out", str(tmp_path / "g.csv")]
    for flag, value in base.items():
        argv += [flag, value]
    if "--columns" in args:
        argv += ["--columns", args[1]]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


def test_missing_file_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["wcc", str(tmp_path / "nope.txt"), "--fps", "25", "--window-s", "2",
                 "--step-s", "1", "--max-lag-s", "0.5", "--out", str(tmp_path / "g.csv")]) == 2
    assert "no such file" in capsys.readouterr().err


@pytest.mark.parametrize("case", ["grid exists", "peaks exist", "input table", "a folder"])
def test_outputs_are_never_replaced_silently(table: Path, tmp_path: Path, case: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """case -> expected: an existing grid or peaks file -> exit 2, one line naming
    --overwrite, file unchanged; --out the input table or a folder -> exit 2 even with
    --overwrite; with --overwrite an existing grid is replaced."""
    args = ["--fps", "25", "--window-s", "8", "--step-s", "4", "--max-lag-s", "1"]
    out = tmp_path / "g.csv"
    if case == "grid exists":
        out.write_text("earlier\n")
    elif case == "peaks exist":
        (tmp_path / "g_peaks.csv").write_text("earlier\n")
    elif case == "input table":
        out = table
    else:
        out = tmp_path / "folder"
        out.mkdir()
    before = out.read_bytes() if out.is_file() else None
    assert main(["wcc", str(table), *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("synchrony wcc: error: --out:"), err
    if before is not None:
        assert out.read_bytes() == before
    if case in ("grid exists", "peaks exist"):
        assert "--overwrite" in err[0]
        assert main(["wcc", str(table), *args, "--out", str(tmp_path / "g.csv"),
                     "--overwrite"]) == 0
        assert (tmp_path / "g.csv").read_text() != "earlier\n"
        assert (tmp_path / "g_peaks.csv").read_text() != "earlier\n"
    else:
        assert main(["wcc", str(table), *args, "--out", str(out), "--overwrite"]) == 2
