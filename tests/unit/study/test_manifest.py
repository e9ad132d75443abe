"""The study manifest: a bad one is one line naming the row and column, exit 2, nothing written.

Also the defaults of a good one: ``id`` = the file stem, relative paths relative to the
manifest's folder, ``dyad`` = the id, and every other column kept as a covariate (up to
``study.csv``).
"""

from __future__ import annotations

import csv
import socket
from pathlib import Path

import numpy as np
import pytest

from synchrony.cli import main
from synchrony.study import executors
from synchrony.study.manifest import ManifestError, glob_items, read_manifest
from tests.fixtures.study_tables import write_manifest

FS_HZ = 10.0


def write_noise_table(path: Path, *, n: int = 200, seed: int = 0) -> Path:
    """A two-column table of white noise (``n`` samples), with a header like MEA's."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = np.random.default_rng(seed).standard_normal((n, 2))
    np.savetxt(path, data, header="pat th", comments="")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def assert_nothing_written(out: Path) -> None:
    assert not out.exists()
    assert not list(out.parent.glob(f".{out.name}*"))


@pytest.fixture
def tables(tmp_path: Path) -> Path:
    """``tmp_path/data`` with ``a.txt`` and ``b.txt`` (noise tables) and a fake profile."""
    data = tmp_path / "data"
    write_noise_table(data / "a.txt", seed=1)
    write_noise_table(data / "b.txt", seed=2)
    (data / "profile.json").write_text("{}")
    return data


# (case, header, rows, row number and column the message must name)
BAD_MANIFESTS = [
    ("no_path_column", ["file", "fps"], [["a.txt", "10"]], None, "'path' column"),
    ("missing_file", ["path", "fps"], [["a.txt", "10"], ["nope.txt", "10"]], 2, "path"),
    ("empty_path", ["path", "fps"], [["a.txt", "10"], ["", "10"]], 2, "path"),
    ("table_without_fps", ["path", "fps"], [["a.txt", "10"], ["b.txt", ""]], 2, "fps"),
    ("table_no_fps_column", ["path"], [["a.txt"]], 1, "fps"),
    ("fps_not_a_number", ["path", "fps"], [["a.txt", "ten"]], 1, "fps"),
    ("fps_zero", ["path", "fps"], [["a.txt", "10"], ["b.txt", "0"]], 2, "fps"),
    ("fps_negative", ["path", "fps"], [["a.txt", "-25"]], 1, "fps"),
    ("fps_infinite", ["path", "fps"], [["a.txt", "inf"]], 1, "fps"),
    ("duplicate_id", ["path", "fps", "id"], [["a.txt", "10", "x"], ["b.txt", "10", "x"]],
     2, "id"),
    ("duplicate_default_id", ["path", "fps"], [["a.txt", "10"], ["../data/a.txt", "10"]],
     2, "id"),
    ("id_with_slash", ["path", "fps", "id"], [["a.txt", "10", "p/q"]], 1, "id"),
    ("calibration_on_table", ["path", "fps", "calibration"],
     [["a.txt", "10", ""], ["b.txt", "10", "profile.json"]], 2, "calibration"),
    ("calibration_missing", ["path", "fps", "calibration"],
     [["a.txt", "10", "nothing.json"]], 1, "calibration"),
]


@pytest.mark.parametrize(("case", "header", "rows", "row", "column"), BAD_MANIFESTS,
                         ids=[c[0] for c in BAD_MANIFESTS])
def test_bad_manifest_is_one_line_naming_row_and_column(
        tables: Path, case: str, header: list[str], rows: list[list[str]], row: int | None,
        column: str) -> None:
    manifest = write_manifest(tables / f"{case}.csv", header, rows)
    with pytest.raises(ManifestError) as info:
        read_manifest(manifest)
    message = str(info.value)
    assert "\n" not in message
    if row is None:
        assert column in message
    else:
        assert f"row {row}, column {column}:" in message


@pytest.mark.parametrize("case", ["no_path_column", "missing_file", "table_without_fps",
                                  "duplicate_id", "fps_zero", "calibration_on_table"])
def test_bad_manifest_cli_exit_2_nothing_written(
        tables: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    _, header, rows, row, column = next(c for c in BAD_MANIFESTS if c[0] == case)
    manifest = write_manifest(tables / f"{case}.csv", header, rows)
    out = tmp_path / "study"
    code = main(["study", str(manifest), "--out", str(out), "--workers", "1",
                 "--surrogates", "0", "--no-progress"])
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert code == 2
    assert len(lines) == 1, lines
    assert lines[0].startswith("synchrony study: error:")
    assert (f"row {row}, column {column}" if row else column) in lines[0]
    assert_nothing_written(out)


def test_missing_manifest_and_empty_manifest(tables: Path) -> None:
    with pytest.raises(ManifestError, match="no such manifest"):
        read_manifest(tables / "absent.csv")
    with pytest.raises(ManifestError, match="no rows"):
        read_manifest(write_manifest(tables / "empty.csv", ["path", "fps"], []))


def test_glob_without_fps_names_the_table(tables: Path) -> None:
    with pytest.raises(ManifestError, match="column fps: required"):
        glob_items(str(tables / "*.txt"))
    with pytest.raises(ManifestError, match="matches nothing"):
        glob_items(str(tables / "*.nothing"))
    items = glob_items(str(tables / "*.txt"), fps=FS_HZ)
    assert [i.id for i in items] == ["a", "b"]
    assert all(i.fps == FS_HZ and i.kind == "table" for i in items)


def test_unreachable_scheduler_exit_2_nothing_written(
        tables: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT_S", 1.0)
    manifest = write_manifest(tables / "good.csv", ["path", "fps"], [["a.txt", "10"]])
    out = tmp_path / "study"
    address = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    code = main(["study", str(manifest), "--out", str(out), "--scheduler", address,
                 "--surrogates", "0", "--no-progress"])
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert code == 2
    assert len(lines) == 1, lines
    assert address in lines[0]
    assert "scheduler" in lines[0]
    assert_nothing_written(out)


def test_defaults_relative_paths_and_covariates(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "study"
    write_noise_table(folder / "tables" / "s01_t1.txt", seed=3)
    write_noise_table(tmp_path / "other" / "s02_t1.csv", seed=4)
    manifest = write_manifest(
        folder / "manifest.csv",
        ["path", "fps", "id", "dyad", "session", "role_A", "role_B", "group", "age"],
        [["tables/s01_t1.txt", "25", "", "", "t1", "patient", "therapist", "ctl", "41"],
         ["../other/s02_t1.csv", "12.5", "second", "s02", "", "", "", "dep", ""]])
    monkeypatch.chdir(tmp_path / "other")  # relative paths follow the manifest, not the cwd
    first, second = read_manifest(manifest)
    assert first.path == (folder / "tables" / "s01_t1.txt").resolve()
    assert second.path == (tmp_path / "other" / "s02_t1.csv").resolve()
    assert (first.id, first.dyad, first.session) == ("s01_t1", "s01_t1", "t1")
    assert (second.id, second.dyad, second.session) == ("second", "s02", "")
    assert (first.fps, second.fps) == (25.0, 12.5)
    assert first.kind == second.kind == "table"
    assert first.roles == {"A": "patient", "B": "therapist"}
    assert second.roles == {"A": None, "B": None}
    assert first.covariates == {"group": "ctl", "age": "41"}
    assert second.covariates == {"group": "dep", "age": ""}


@pytest.mark.slow
def test_covariates_and_default_ids_reach_study_csv(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "in"
    for k in range(3):
        write_noise_table(folder / "tables" / f"pair{k}.txt", seed=10 + k)
    manifest = write_manifest(
        folder / "manifest.csv", ["path", "fps", "group", "site"],
        [[f"tables/pair{k}.txt", "10", f"g{k % 2}", f"site {k}"] for k in range(3)])
    out = tmp_path / "out"
    code = main(["study", str(manifest), "--out", str(out), "--workers", "1",
                 "--surrogates", "0", "--pseudo", "0", "--no-progress"])
    assert code == 0, capsys.readouterr().err
    with (out / "study.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["id"] for r in rows] == ["pair0", "pair1", "pair2"]
    assert [r["dyad"] for r in rows] == ["pair0", "pair1", "pair2"]
    assert [(r["group"], r["site"]) for r in rows] == [("g0", "site 0"), ("g1", "site 1"),
                                                       ("g0", "site 2")]
    assert {r["status"] for r in rows} == {"ok"}
    assert [r["path"] for r in rows] == [str((folder / "tables" / f"pair{k}.txt").resolve())
                                         for k in range(3)]
