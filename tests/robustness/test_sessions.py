"""Damaged and unfinished sessions (issue 13): ``analyze``, ``export-video``, ``replay``.

Each case states what a researcher gets: either the session is analysed from what is
readable, with a warning naming what was skipped, or one line on stderr with exit 2 naming
the file and the problem -- never a traceback. Nothing is lost either way: the session
directory keeps every byte it had (analyze only adds its ``episodes.json``/``.csv``), and a
refused command leaves no output behind.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from synchrony.session.replay import ReplayModel
from synchrony.session.store import open_session
from tests.fixtures.sessions import synthetic_frames
from tests.robustness import sessions as s
from tests.robustness.conftest import assert_one_line_error, listing, run_cli

ADDED_BY_ANALYZE = {"episodes.json", "episodes.csv"}


@dataclass(frozen=True)
class Case:
    """A damaged session and what every command must make of it.

    ``kept_frames`` None: refused with exit 2 and ``message`` on the last stderr line;
    else analysed (exit 0) from ``kept_frames`` frames, ``message`` on a warning line.
    """

    name: str
    build: s.Builder
    message: str
    kept_frames: int | None


LOST_PART = s.N_FRAMES - s.FRAMES_PER_PART
CASES = [
    Case("empty dir", s.make_empty_dir, "an empty directory", None),
    Case("truncated part", s.make_truncated_part, "part-000003.parquet", LOST_PART),
    Case("zero-byte part", s.make_zero_byte_part, "part-000003.parquet", LOST_PART),
    Case("part with wrong columns", s.make_wrong_columns_part, "wrong columns", LOST_PART),
    Case("part with a wrong column type", s.make_wrong_type_part, "wrong columns", LOST_PART),
    Case("every part wrong", s.make_every_part_wrong, "every part file is damaged", None),
    Case("missing session.json", s.make_missing_json, "no session.json", None),
    Case("truncated session.json", s.make_truncated_json, "session.json is damaged", None),
    Case("future schema", s.make_future_schema, "synchrony.session/2", None),
    Case("never closed (killed)", s.make_never_closed, "never closed", s.N_FRAMES),
    Case("leftover .tmp part", s.make_leftover_tmp_part, "", s.N_FRAMES),
    Case("killed before the first part", s.make_started_without_parts, "no landmark data",
         None),
]
IDS = [c.name for c in CASES]


def _warning_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning: ")]


def _assert_session_kept(before: dict[str, str], session: Path) -> None:
    """Every file the session had is still there, byte for byte (analyze may add episodes)."""
    after = s.snapshot(session)
    assert {k: after.get(k) for k in before} == before, "the session was changed"
    assert set(after) - set(before) <= ADDED_BY_ANALYZE


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_analyze_a_damaged_session(case: Case, tmp_path: Path,
                                   capfd: pytest.CaptureFixture[str]) -> None:
    session = case.build(tmp_path / "session")
    before, work = s.snapshot(session), listing(tmp_path)
    out = tmp_path / "out"
    result = s.run_main(["analyze", session, "--out", out, *s.FAST_ANALYSIS], capfd)
    _assert_session_kept(before, session)
    if case.kept_frames is None:
        assert_one_line_error(result, 2, case.message)
        assert listing(tmp_path) == work, "a refused analyze left something behind"
        return
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    if case.message:
        assert any(case.message in line for line in _warning_lines(result.stderr)), \
            result.stderr
    else:
        assert not _warning_lines(result.stderr), result.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["source"]["n_frames"] == case.kept_frames


@pytest.mark.parametrize("case", [c for c in CASES if c.kept_frames is None]
                         + [CASES[IDS.index("truncated part")]],
                         ids=lambda c: c.name)
def test_export_video_of_a_damaged_session(case: Case, tmp_path: Path,
                                           capfd: pytest.CaptureFixture[str]) -> None:
    session = case.build(tmp_path / "session")
    before, work = s.snapshot(session), listing(tmp_path)
    out = tmp_path / "annotated.mp4"
    result = s.run_main(["export-video", session, "--out", out, "--no-progress"], capfd)
    _assert_session_kept(before, session)
    if case.kept_frames is None:
        assert_one_line_error(result, 2, case.message)
        assert listing(tmp_path) == work
        return
    assert result.returncode == 0, result.stderr
    assert any(case.message in line for line in _warning_lines(result.stderr))
    assert f"{case.kept_frames} annotated frames" in result.stderr


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_replay_opens_a_damaged_session(case: Case, tmp_path: Path,
                                        capfd: pytest.CaptureFixture[str]) -> None:
    """``replay``: a refused session fails before any window; a readable one opens
    (the Qt-free replay model) with the readable frames."""
    session = case.build(tmp_path / "session")
    before = s.snapshot(session)
    if case.kept_frames is None:
        result = s.run_main(["replay", session, "--exit-after-s", "1"], capfd)
        assert_one_line_error(result, 2, case.message)
    else:
        model = ReplayModel(open_session(session))
        try:
            assert model.n_frames == case.kept_frames
            assert model.image(model.n_frames - 1).shape[2] == 3
        finally:
            model.close()
    assert s.snapshot(session) == before


def test_analyze_while_the_session_is_still_being_written(
        tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """A writer open in this process: analyze reads the closed parts (with a warning) and
    the recording goes on undisturbed, losing nothing."""
    session = tmp_path / "session"
    writer = s.open_writer(session)
    on_disk = open_session(session).landmarks_table().num_rows // 2  # rows: A and B
    result = s.run_main(["analyze", session, "--out", tmp_path / "out", *s.FAST_ANALYSIS],
                        capfd)
    assert result.returncode == 0, result.stderr
    assert any("never closed" in line for line in _warning_lines(result.stderr))
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["source"]["n_frames"] == on_disk > 0

    times_s = (s.N_FRAMES + np.arange(30)) / s.FPS_HZ  # 30 more frames, same timing
    for frame in synthetic_frames(np.zeros(30), np.zeros(30), times_s, first_index=s.N_FRAMES):
        writer.write(frame)
    writer.close()
    done = open_session(session)
    assert done.ended == "clean"
    assert [f.index for f in done.frames()] == list(range(s.N_FRAMES + 30))


@pytest.mark.slow
def test_a_real_process_on_damaged_sessions(tmp_path: Path) -> None:
    """The same promise from a real ``python -m synchrony`` (logging, exit status)."""
    kept = s.make_truncated_part(tmp_path / "truncated")
    result = run_cli(["analyze", kept, "--out", tmp_path / "out", *s.FAST_ANALYSIS])
    assert result.returncode == 0, result.stderr
    assert "warning: skipped damaged landmark part part-000003.parquet" in result.stderr
    assert "Traceback" not in result.stderr
    future = s.make_future_schema(tmp_path / "future")
    result = run_cli(["export-video", future, "--out", tmp_path / "v.mp4"])
    assert_one_line_error(result, 2, ["synchrony.session/2", "cannot read"])
    assert not (tmp_path / "v.mp4").exists()
