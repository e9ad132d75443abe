"""``synchrony study`` end to end on generated two-column text tables (in-process CLI).

Failure isolation (a corrupt table, a too-short one and a text file named .mp4 among good
ones), resume (fingerprints in ``items/<id>/study_item.json``; ``--force``; a changed
parameter or input), per-row roles (the therapist sits in column 1 in some tables and in
column 2 in others), pseudo-dyad counts (``all`` vs ``N``), ``--glob`` with ``--fps`` and
the self-contained ``report.html``.

The tables are AR(1) movement (phi 0.9 per sample) of a leader and a follower that copies
it ``LAG_S`` later with correlation ``COUPLING``. Sign convention: lag > 0 means A leads.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import html
import io
import json
import math
import os
import re
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from scipy.signal import lfilter

from synchrony.cli import main
from synchrony.study.item import StudyOptions, run_item
from synchrony.study.manifest import read_manifest
from tests.fixtures.study_tables import write_manifest, write_study
from tests.fixtures.video_files import write_text_as_mp4

FS_HZ = 10.0
DURATION_S = 120.0
LAG_S = 0.5
COUPLING = 0.8
GOOD = ("d0", "d1", "d2", "d3")
FAST = ("--workers", "1", "--surrogates", "0", "--no-progress")

pytestmark = pytest.mark.slow


def leader_follower(seed: int, *, fs_hz: float = FS_HZ, duration_s: float = DURATION_S
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Leader and follower series (the follower copies the leader ``LAG_S`` later)."""
    rng = np.random.default_rng(seed)
    lag = round(LAG_S * fs_hz)
    n = round(duration_s * fs_hz) + 10 * lag
    lead, own = (lfilter([1.0], [1.0, -0.9], rng.standard_normal(n)) for _ in range(2))
    follow = COUPLING * np.roll(lead, lag) + math.sqrt(1 - COUPLING**2) * own
    return lead[10 * lag:], follow[10 * lag:]  # np.roll's wrapped samples dropped


def write_table(path: Path, first: np.ndarray, second: np.ndarray) -> Path:
    np.savetxt(path, np.column_stack([first, second]), fmt="%.9g", header='"c1" "c2"',
               comments="")
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def run_cli(*args: str) -> tuple[int, str]:
    """Run ``synchrony study ...`` in this process; return the exit code and stderr."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["study", *args])
    return code, err.getvalue()


def n_reused(stderr: str) -> int:
    found = re.search(r"\((\d+) reused from an earlier run\)", stderr)
    assert found, stderr
    return int(found.group(1))


def summary_mtimes(out: Path) -> dict[str, int]:
    return {i: (out / "items" / i / "summary.json").stat().st_mtime_ns for i in GOOD}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four coupled tables (A leads), a corrupt one and a too-short one, and the manifest."""
    folder = tmp_path_factory.mktemp("study_in")
    for k, name in enumerate(GOOD):
        write_table(folder / f"{name}.txt", *leader_follower(k))
    (folder / "corrupt.txt").write_text('"pat" "th"\n1 2\n3 oops\n')
    write_table(folder / "short.txt", *leader_follower(9, duration_s=3.0))
    rows = [[f"{name}.txt", "10", f"g{k % 2}"] for k, name in enumerate(GOOD)]
    rows.insert(2, ["corrupt.txt", "10", "g0"])
    rows.append(["short.txt", "10", "g1"])
    write_manifest(folder / "manifest.csv", ["path", "fps", "group"], rows)
    return folder


@pytest.fixture(scope="module")
def first_run(inputs: Path, tmp_path_factory: pytest.TempPathFactory
              ) -> tuple[Path, int, str]:
    """The study of ``inputs`` with every pseudo-dyad: (out dir, exit code, stderr)."""
    out = tmp_path_factory.mktemp("study_out") / "study"
    code, err = run_cli(str(inputs / "manifest.csv"), "--out", str(out), "--pseudo", "all",
                        *FAST)
    return out, code, err


def test_failures_are_isolated(first_run: tuple[Path, int, str]) -> None:
    out, code, err = first_run
    assert code == 0, err
    assert n_reused(err) == 0
    failures = {r["id"]: r for r in read_csv(out / "failures.csv")}
    assert set(failures) == {"corrupt", "short"}
    assert "line 3" in failures["corrupt"]["reason"]
    assert "oops" in failures["corrupt"]["reason"]
    assert "shorter than one window" in failures["short"]["reason"]
    assert all("\n" not in f["reason"] and "Traceback" not in f["reason"]
               for f in failures.values())
    rows = read_csv(out / "study.csv")
    assert [r["id"] for r in rows] == ["d0", "d1", "corrupt", "d2", "d3", "short"]
    for r in rows:
        if r["id"] in failures:
            assert (r["status"], r["reason"]) == ("failed", failures[r["id"]]["reason"])
            assert not (out / "items" / r["id"] / "study_item.json").exists()
        else:
            assert (r["status"], r["reason"], r["signal"]) == ("ok", "", "motion")
            assert math.isfinite(float(r["strength"]))
            assert float(r["lag_s"]) == pytest.approx(LAG_S, abs=0.15)  # A leads
    assert [r["group"] for r in rows] == ["g0", "g1", "g0", "g0", "g1", "g1"]
    table = pq.read_table(out / "study.parquet")
    assert table.column("id").to_pylist() == [r["id"] for r in rows]


def test_report_is_one_offline_file(first_run: tuple[Path, int, str]) -> None:
    out, _, _ = first_run
    text = (out / "report.html").read_text(encoding="utf-8")
    sources = re.findall(r"""src\s*=\s*['"]([^'"]*)['"]""", text)
    assert len(sources) >= 2  # genuine vs pseudo distribution and lag profile
    for src in sources:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert not re.search(r"href\s*=|<link|<script|@import|url\(", text)
    for item in (*GOOD, "corrupt", "short"):
        assert f">{item}<" in text
    for failure in read_csv(out / "failures.csv"):
        assert html.escape(failure["reason"]) in text


def test_resume_force_and_changes(inputs: Path, first_run: tuple[Path, int, str],
                                  tmp_path: Path) -> None:
    first, _, _ = first_run
    out = tmp_path / "study"
    shutil.copytree(first, out)  # keeps modification times
    manifest = str(inputs / "manifest.csv")
    before = summary_mtimes(out)

    code, err = run_cli(manifest, "--out", str(out), "--pseudo", "all", *FAST)
    assert code == 0, err
    assert n_reused(err) == len(GOOD)  # the failed items are tried again, the rest reused
    assert summary_mtimes(out) == before
    assert (out / "study.csv").read_bytes() == (first / "study.csv").read_bytes()
    assert pq.read_table(out / "pseudo.parquet").equals(pq.read_table(first / "pseudo.parquet"))

    code, err = run_cli(manifest, "--out", str(out), "--pseudo", "all", "--force", *FAST)
    assert code == 0, err
    assert n_reused(err) == 0
    forced = summary_mtimes(out)
    assert all(forced[i] != before[i] for i in GOOD)
    assert (out / "study.csv").read_bytes() == (first / "study.csv").read_bytes()

    table = inputs / "d1.txt"
    st = table.stat()
    os.utime(table, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))  # the input changed
    try:
        code, err = run_cli(manifest, "--out", str(out), "--pseudo", "all", *FAST)
    finally:
        os.utime(table, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert code == 0, err
    assert n_reused(err) == len(GOOD) - 1
    now = summary_mtimes(out)
    assert [i for i in GOOD if now[i] != forced[i]] == ["d1"]

    code, err = run_cli(manifest, "--out", str(out), "--pseudo", "all", "--window-s", "4",
                        *FAST)
    assert code == 0, err
    assert n_reused(err) == 0
    changed = {r["id"]: r for r in read_csv(out / "study.csv")}
    original = {r["id"]: r for r in read_csv(first / "study.csv")}
    for i in GOOD:
        assert int(changed[i]["n_windows"]) > int(original[i]["n_windows"])


def test_pseudo_n_per_item_vs_all(first_run: tuple[Path, int, str], inputs: Path,
                                  tmp_path: Path) -> None:
    first, _, _ = first_run
    every = pq.read_table(first / "pseudo.parquet").to_pylist()
    assert len(every) == len(GOOD) * (len(GOOD) - 1)
    assert Counter((r["a_id"], r["b_id"]) for r in every) == {
        (a, b): 1 for a in GOOD for b in GOOD if a != b}
    assert {(r["a_person"], r["b_person"]) for r in every} == {("A", "B")}
    ok = [r for r in read_csv(first / "study.csv") if r["status"] == "ok"]
    assert {int(r["n_pseudo"]) for r in ok} == {2 * (len(GOOD) - 1)}
    assert all(0 <= float(r["pseudo_percentile"]) <= 100 for r in ok)

    out = tmp_path / "study"
    shutil.copytree(first, out)
    code, err = run_cli(str(inputs / "manifest.csv"), "--out", str(out), "--pseudo", "2",
                        "--pseudo-seed", "1", *FAST)
    assert code == 0, err
    assert n_reused(err) == len(GOOD)  # pseudo-dyads do not change the items
    drawn = pq.read_table(out / "pseudo.parquet").to_pylist()
    assert len(drawn) == 2 * len(GOOD)
    assert Counter(r["a_id"] for r in drawn) == {i: 2 for i in GOOD}
    assert all(r["a_id"] != r["b_id"] for r in drawn)
    assert {(r["a_id"], r["b_id"]) for r in drawn} <= {(r["a_id"], r["b_id"]) for r in every}
    rows = [r for r in read_csv(out / "study.csv") if r["status"] == "ok"]
    assert sum(int(r["n_pseudo"]) for r in rows) == 2 * len(drawn)
    summary = json.loads((out / "study_summary.json").read_text())
    assert summary["pseudo"] == {"n_per_item": 2, "seed": 1, "mix_roles": False,
                                 "n_pairs": len(drawn)}


def test_per_row_roles(tmp_path: Path) -> None:
    """The therapist leads by LAG_S in every dyad, in column 1 of d0/d2 and column 2 of d1/d3."""
    rows = []
    for k in range(4):
        therapist, patient = leader_follower(20 + k)
        swapped = k % 2 == 1
        columns = (patient, therapist) if swapped else (therapist, patient)
        write_table(tmp_path / f"r{k}.txt", *columns)
        roles = ["patient", "therapist"] if swapped else ["therapist", "patient"]
        rows.append([f"r{k}.txt", "10", *roles])
    manifest = write_manifest(tmp_path / "manifest.csv", ["path", "fps", "role_A", "role_B"],
                              rows)
    out = tmp_path / "study"
    code, err = run_cli(str(manifest), "--out", str(out), "--pseudo", "all", "--workers", "2",
                        "--surrogates", "19", "--no-progress")
    assert code == 0, err
    study = read_csv(out / "study.csv")
    assert [r["leader"] for r in study] == ["A", "B", "A", "B"]
    assert [r["leader_role"] for r in study] == ["therapist"] * 4
    for r, sign in zip(study, (1, -1, 1, -1), strict=True):
        assert float(r["lag_s"]) == pytest.approx(sign * LAG_S, abs=0.15)
        assert float(r["p"]) < 0.05
    pseudo = pq.read_table(out / "pseudo.parquet").to_pylist()
    assert len(pseudo) == 4 * 3
    assert {r["a_role"] for r in pseudo} == {"therapist"}
    assert {r["b_role"] for r in pseudo} == {"patient"}
    assert {r["a_id"]: r["a_person"] for r in pseudo} == {"r0": "A", "r1": "B", "r2": "A",
                                                          "r3": "B"}
    assert {r["b_id"]: r["b_person"] for r in pseudo} == {"r0": "B", "r1": "A", "r2": "B",
                                                          "r3": "A"}


def test_glob_with_fps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "tables"
    folder.mkdir()
    for k in range(3):
        write_table(folder / f"pair{k}.txt", *leader_follower(40 + k, fs_hz=20.0,
                                                              duration_s=60.0))
    (folder / "notes.md").write_text("not an item\n")
    monkeypatch.chdir(tmp_path)
    code, err = run_cli("--glob", "tables/*.txt", "--fps", "20", "--out", "study",
                        "--pseudo", "0", *FAST)
    assert code == 0, err
    rows = read_csv(tmp_path / "study" / "study.csv")
    assert [r["id"] for r in rows] == ["pair0", "pair1", "pair2"]
    assert {r["kind"] for r in rows} == {"table"}
    for r in rows:
        assert float(r["lag_s"]) == pytest.approx(LAG_S, abs=0.1)  # read at 20 Hz
        header = (tmp_path / "study" / "items" / r["id"] / "wcc_motion.csv").open().readline()
        lags = [float(c) for c in header.strip().split(",")[1:]]
        assert np.diff(lags) == pytest.approx(np.full(len(lags) - 1, 1 / 20.0))
    assert not pq.read_table(tmp_path / "study" / "pseudo.parquet").num_rows


def test_corrupt_video_among_good_tables(inputs: Path, tmp_path: Path) -> None:
    fake = write_text_as_mp4(tmp_path, name="fake.mp4")
    manifest = write_manifest(tmp_path / "manifest.csv", ["path", "fps"],
                              [[str(inputs / "d0.txt"), "10"], [str(fake), ""],
                               [str(inputs / "d1.txt"), "10"]])
    out = tmp_path / "study"
    code, err = run_cli(str(manifest), "--out", str(out), "--pseudo", "0", "--workers", "1",
                        "--surrogates", "0", "--no-progress")
    assert code == 0, err
    assert [(r["id"], r["status"]) for r in read_csv(out / "study.csv")] == [
        ("d0", "ok"), ("fake", "failed"), ("d1", "ok")]
    (failure,) = read_csv(out / "failures.csv")
    assert failure["id"] == "fake"
    assert "as a video" in failure["reason"]
    assert "\n" not in failure["reason"]


def test_corrupt_video_fails_at_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The item fails when the file is opened, before any model is found or built."""
    from synchrony.capture import factory

    built: list[str] = []
    monkeypatch.setattr(factory, "find_models", lambda *a, **k: built.append("find_models"))
    monkeypatch.setattr(factory, "build_tracker", lambda *a, **k: built.append("build"))
    fake = write_text_as_mp4(tmp_path, name="fake.mp4")
    manifest = write_manifest(tmp_path / "manifest.csv", ["path"], [[fake.name]])
    (item,) = read_manifest(manifest)
    assert item.kind == "video"
    (tmp_path / "out" / "items").mkdir(parents=True)
    record = run_item(item, StudyOptions(), str(tmp_path / "out"))
    assert record["status"] == "failed"
    assert "as a video" in record["reason"]
    assert built == []
    assert not (tmp_path / "out" / "items" / "fake").exists()


def test_study_with_every_method_writes_the_convergence_table(tmp_path: Path) -> None:
    """Issue 14: four coupled and four independent dyads, every method. Each method's session
    statistic is higher where the dyad is coupled, so every pair of methods ranks the
    sessions alike (Spearman rho > 0.5); the table and the report say so."""
    manifest = write_study(tmp_path / "in", [k % 2 == 0 for k in range(8)], seed=5)
    out = tmp_path / "study"
    methods = ["wcc", "wavelet", "recurrence", "phase"]
    code, err = run_cli(str(manifest), "--out", str(out), "--pseudo", "0", "--workers", "1",
                        "--surrogates", "19", "--no-progress", "--methods", ",".join(methods))
    assert code == 0, err
    rows = read_csv(out / "study.csv")
    assert len(rows) == 8
    for method in methods[1:]:
        assert {f"{method}_{f}" for f in ("strength", "lag_s", "leader", "p")} <= set(rows[0])
    table = read_csv(out / "convergence.csv")
    assert [(r["method_a"], r["method_b"]) for r in table] == [
        (a, b) for i, a in enumerate(methods) for b in methods[i + 1:]]
    for row in table:
        assert int(row["n_items"]) == 8
        assert float(row["spearman_rho"]) > 0.5, row
        assert 0.0 <= float(row["leader_agreement"]) <= 1.0
    assert "Do the methods agree?" in (out / "report.html").read_text()
