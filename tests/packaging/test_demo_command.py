"""``synchrony demo`` and the bundled-clip locator, in process (fast; no MediaPipe).

The installed-wheel runs are in ``test_wheel.py``. Truths: the files in ``sample_videos/``
(this checkout is installed editable, so the locator must find exactly them) and the
clip's ground truth (B follows A by 0.5 s).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from synchrony.batch.report import summary_lines
from synchrony.capture.samples import sample_clip, sample_truth
from synchrony.cli import build_parser
from synchrony.cli import main as cli_main
from tests.shared import REPO_ROOT


def test_the_sample_clip_is_found_through_its_package() -> None:
    assert sample_clip() == REPO_ROOT / "sample_videos" / "demo_dyad_a_leads_0.5s.mp4"
    assert sample_clip().is_file()
    truth = sample_truth()
    assert truth["schema"] == "synchrony.sample_dyad_truth/1"
    assert (truth["lag_s"], truth["lead"]) == (0.5, "A")


def test_demo_is_listed_and_defaults_to_demo_output() -> None:
    parser = build_parser()
    assert "demo" in parser.format_help()
    args = parser.parse_args(["demo"])
    assert args.out == Path("demo_output")
    assert not args.overwrite


def test_demo_into_an_existing_file_is_one_line_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "results.txt"
    target.write_text("keep me")
    assert cli_main(["demo", "--out", str(target)]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        f"synchrony demo: error: --out {target} exists and is not a directory"]
    assert target.read_text() == "keep me"


def test_demo_into_a_non_empty_folder_needs_overwrite(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "old.txt").write_text("old")
    assert cli_main(["demo", "--out", str(tmp_path), "--model-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "is not empty" in err[0]
    assert "--overwrite" in err[0]


def test_summary_lines_one_per_signal_then_warnings_then_where() -> None:
    summary = {
        "signals": {
            "head": {"n_windows": 51, "strength": 0.944, "median_peak_lag_s": 0.45,
                     "lag_s": 0.5,
                     "surrogate": {"p": 0.00498}, "who_leads": "B follows A by 0.50 s"},
            "face": {"n_windows": 0, "who_leads": "not computed: too short"},
        },
        "warnings": ["person B was found in 40 % of frames"],
    }
    assert summary_lines(summary, Path("out")) == [
        "  head: strength 0.94 z, lag +0.50 s, p = 0.005: B follows A by 0.50 s",
        "  face: not computed: too short",
        "warning: person B was found in 40 % of frames",
        "results in out",
    ]
