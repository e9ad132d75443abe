"""Bad and odd video files given to every command that reads one (issue 13, "files").

One table, one parametrized test. Each :class:`Case` names a file maker
(:mod:`tests.robustness.media`), the command, the expected exit status and a fragment of the
expected message, and optionally a check of the outputs. For every case: the command runs as
a subprocess (:func:`~tests.robustness.conftest.run_cli`); a failure is one line naming the
file and the problem, with nothing half-written (the working folder holding ``--out`` stays
empty, no temporary files); a success leaves complete outputs and no library noise.

Decisions (what a researcher would expect):

- bad input (missing, a directory, empty, not a video, audio only, no index, 1x1 px, a
  path whose name is too long for the file system) -> exit 2 and one line;
- a still image or a one-frame video -> ``analyze`` exit 2 "only one frame" (movement needs
  two); ``calibrate`` -> exit 2 too (a baseline needs two frames);
- damaged frames in the middle or a cut-off end -> exit 0: the readable frames are analysed,
  a warning says how many frames were lost and ``summary.json`` ``source.frames_unreadable``
  counts them;
- variable frame rate, display rotation, odd and 4K sizes, 120 fps, unicode/long paths ->
  exit 0 with both people found and synchrony computed.
"""

from __future__ import annotations

import json
import math
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from tests.robustness import media
from tests.robustness.conftest import (
    assert_one_line_error,
    assert_success,
    listing,
    run_cli,
)

#: Short windows so that a 1.25-2.4 s clip gets synchrony numbers (window + max lag = 1.2 s;
#: 0.4 s at the 20 Hz grid gives the 17 lags peak picking needs).
ANALYSIS = ["--window-s", "0.8", "--step-s", "0.4", "--max-lag-s", "0.4"]
TIMEOUT_S = 180.0


@dataclass(frozen=True)
class Outcome:
    """What a case produced: the input path, the working folder and the finished process."""

    video: Path
    work: Path
    result: subprocess.CompletedProcess[str]

    def summary(self) -> dict[str, Any]:
        """``summary.json`` of an ``analyze`` run."""
        return dict(json.loads((self.work / "out" / "summary.json").read_text("utf-8")))


@dataclass(frozen=True)
class Case:
    """One row of the table.

    Attributes
    ----------
    name : test id.
    make_file : writes the input into a folder and returns the path to give the command.
    command : ``analyze``, ``calibrate``, ``record`` or ``stream``.
    exit_code : expected exit status.
    message : fragment of the last stderr line (failures) or of stderr (exit 0); "" none.
    check : more checks of the outcome (outputs, counts), or None.
    slow : runs MediaPipe over a whole clip (marked ``slow``).
    """

    name: str
    make_file: Callable[[Path], Path]
    command: str
    exit_code: int
    message: str = ""
    check: Callable[[Outcome], None] | None = None
    slow: bool = False


def command_args(command: str, video: Path, work: Path) -> list[str | Path]:
    """The arguments of ``command`` reading ``video`` and writing inside ``work``."""
    if command == "analyze":
        return ["analyze", video, "--out", work / "out", "--no-progress", "--surrogates", "0",
                *ANALYSIS]
    if command == "calibrate":
        return ["calibrate", video, "--out", work / "profile.json"]
    if command == "record":
        return ["record", video, "--out", work / "session", "--no-progress"]
    if command == "stream":
        return ["stream", video, "--jsonl", "-", *ANALYSIS]
    raise ValueError(f"unknown command {command!r}")


# --------------------------------------------------------------------------- checks


def both_people_and_synchrony(outcome: Outcome) -> None:
    """Both people found in (nearly) every frame and the body signal's synchrony computed."""
    summary = outcome.summary()
    for person in ("A", "B"):
        assert summary["people"][person]["detected_fraction"] >= 0.9, summary["people"]
    assert summary["people"]["in_view"]["fraction_1_or_fewer"] == 0.0, summary["people"]
    assert math.isfinite(summary["signals"]["body"]["strength"]), summary["signals"]["body"]
    assert summary["source"]["frames_unreadable"] == 0, summary["source"]


def frames_lost(n_lost: int | None, n_total: int) -> Callable[[Outcome], None]:
    """Decoded around the damage: ``n_lost`` (None: some) of ``n_total`` frames counted lost."""
    def check(outcome: Outcome) -> None:
        source = outcome.summary()["source"]
        assert source["frames_unreadable"] + source["n_frames"] == n_total, source
        assert source["frames_unreadable"] > 0, source
        if n_lost is not None:
            assert source["frames_unreadable"] == n_lost, source
        last_warning = f"{source['frames_unreadable']} of {n_total} frames could not be decoded"
        assert last_warning in outcome.result.stderr
    return check


def source_is(**expected: Any) -> Callable[[Outcome], None]:
    """``summary.json`` ``source`` has these values (floats to 1e-3), and both people."""
    def check(outcome: Outcome) -> None:
        source = outcome.summary()["source"]
        for key, value in expected.items():
            assert source[key] == pytest.approx(value, rel=1e-3), (key, source)
        both_people_and_synchrony(outcome)
    return check


def vfr_timing_kept(outcome: Outcome) -> None:
    """Every frame keeps its own presentation time (no constant-rate assumption)."""
    table = pq.read_table(outcome.work / "out" / "landmarks.parquet", columns=["timestamp_s"])
    times_s = sorted(set(table.column("timestamp_s").to_pylist()))
    assert times_s == pytest.approx(media.vfr_times_s(), abs=1e-4)
    both_people_and_synchrony(outcome)


def path_kept(outcome: Outcome) -> None:
    """The unusual path reaches summary.json unchanged."""
    assert outcome.summary()["source"]["path"] == str(outcome.video)
    both_people_and_synchrony(outcome)


def profile_written(outcome: Outcome) -> None:
    """``calibrate`` wrote a JSON profile with two regions."""
    profile = json.loads((outcome.work / "profile.json").read_text("utf-8"))
    assert profile, profile


def session_written(outcome: Outcome) -> None:
    """``record`` left a session directory with its ``session.json``."""
    assert (outcome.work / "session" / "session.json").is_file()


def json_lines_only(outcome: Outcome) -> None:
    """``stream --jsonl -``: standard output holds JSON objects only, one a line."""
    for line in outcome.result.stdout.splitlines():
        assert isinstance(json.loads(line), dict), line


# --------------------------------------------------------------------------- the table

BAD_FOR_EVERY_COMMAND = [
    ("missing", media.make_missing, "no such"),
    ("directory", media.make_directory, "directory"),
    ("text", media.make_text, "cannot read"),
    ("name_too_long", media.make_name_too_long, "file name too long"),
]
"""Bad inputs each command checks on its own before reading frames."""

CASES = [
    # analyze: bad input -> exit 2
    *(Case(f"analyze-{name}", make, "analyze", 2, message)
      for name, make, message in BAD_FOR_EVERY_COMMAND
      if name != "directory"),
    Case("analyze-directory", media.make_directory, "analyze", 2, "not a synchrony session"),
    Case("analyze-zero_bytes", media.make_zero_bytes, "analyze", 2, "cannot read"),
    Case("analyze-png", media.make_png, "analyze", 2, "only one frame"),
    Case("analyze-audio_only", media.make_wav, "analyze", 2, "no video stream"),
    Case("analyze-no_index", media.make_no_index, "analyze", 2, "damaged or truncated"),
    Case("analyze-one_frame", media.make_one_frame, "analyze", 2, "only one frame"),
    Case("analyze-1x1", media.make_sized(1, 1, 10), "analyze", 2, "too small"),
    # analyze: damaged but partly readable -> exit 0, losses counted
    Case("analyze-corrupt_middle", media.make_corrupt_middle, "analyze", 0,
         "could not be decoded",
         frames_lost(len(media.CORRUPT_FRAMES), media.CLIP_FRAMES), slow=True),
    Case("analyze-truncated", media.make_truncated, "analyze", 0, "could not be decoded",
         frames_lost(None, media.CLIP_FRAMES), slow=True),
    # analyze: odd but valid -> exit 0 with results
    Case("analyze-vfr", media.make_vfr, "analyze", 0, "results in", vfr_timing_kept,
         slow=True),
    Case("analyze-rotated", media.make_rotated, "analyze", 0, "results in",
         both_people_and_synchrony, slow=True),
    Case("analyze-641x479", media.make_sized(641, 479), "analyze", 0, "results in",
         source_is(width_px=641, height_px=479), slow=True),
    Case("analyze-3840x2160", media.make_4k, "analyze", 0, "results in",
         source_is(width_px=3840, height_px=2160, n_frames=10), slow=True),
    Case("analyze-120fps", media.make_120fps, "analyze", 0, "results in",
         source_is(fps=120.0, n_frames=media.FAST_FRAMES), slow=True),
    Case("analyze-unicode_path", media.make_unicode_path, "analyze", 0, "results in",
         path_kept, slow=True),
    Case("analyze-long_path", media.make_long_path, "analyze", 0, "results in", path_kept,
         slow=True),
    # calibrate, record, stream: the same checks before reading, and the shared file source
    *(Case(f"{command}-{name}", make, command, 2, message)
      for command in ("calibrate", "record", "stream")
      for name, make, message in BAD_FOR_EVERY_COMMAND),
    Case("calibrate-1x1", media.make_sized(1, 1, 10), "calibrate", 2, "too small"),
    Case("record-1x1", media.make_sized(1, 1, 10), "record", 2, "too small"),
    Case("record-audio_only", media.make_wav, "record", 2, "no video stream"),
    Case("stream-no_index", media.make_no_index, "stream", 2, "damaged or truncated"),
    # calibrate, record, stream: readable files -> exit 0
    Case("calibrate-corrupt_middle", media.make_corrupt_middle, "calibrate", 0,
         "could not be decoded", profile_written, slow=True),
    Case("record-unicode_path", media.make_unicode_path, "record", 0, "recorded",
         session_written, slow=True),
    Case("stream-vfr", media.make_vfr, "stream", 0, "stream ended", json_lines_only,
         slow=True),
]


def _param(case: Case) -> Any:
    marks = [pytest.mark.slow, pytest.mark.mediapipe] if case.slow else []
    if case.make_file in (media.make_png, media.make_one_frame):
        marks.append(pytest.mark.mediapipe)
    return pytest.param(case, id=case.name, marks=marks)


@pytest.mark.parametrize("case", [_param(case) for case in CASES])
def test_video_file(case: Case, tmp_path: Path) -> None:
    inputs, work, tmp = tmp_path / "inputs", tmp_path / "work", tmp_path / "tmp"
    for folder in (inputs, work, tmp):
        folder.mkdir()
    video = case.make_file(inputs)

    result = run_cli(command_args(case.command, video, work), TIMEOUT_S,
                     env={"TMPDIR": str(tmp)})

    outcome = Outcome(video, work, result)
    if case.exit_code == 0:
        assert_success(result)
        assert case.message in result.stderr, result.stderr
        assert not [p for p in listing(work) if "partial" in p], listing(work)
    else:
        assert_one_line_error(result, case.exit_code, case.message)
        last_line = result.stderr.strip().splitlines()[-1]
        assert video.name in last_line, "the error does not name the file"
        assert listing(work) == set(), "half-written output left behind"
    assert listing(tmp) == set(), "temporary files left behind"
    if case.check is not None:
        case.check(outcome)
