"""Bad numbers and names on the command line (issue 13): NaN, inf, negative, zero, huge,
window < step, lag >= window, unknown signal -- for every command that takes them.

Each case is one line on stderr with exit 2 naming the argument, given *before* anything
is opened: the tests run the command in this process with video decoding, MediaPipe and
the study executor replaced by traps, so a case that got as far as opening its input fails
loudly. Nothing is written (the working folder is unchanged).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.robustness import sessions as s
from tests.robustness.conftest import assert_one_line_error, listing, run_cli
from tests.shared import REPO_ROOT

CLIP = REPO_ROOT / "sample_videos" / "demo_dyad_a_leads_0.5s.mp4"
STEP_GT_WINDOW = ("--window-s", "2", "--step-s", "3", "--max-lag-s", "1")
WCC = ("--window-s", "5", "--step-s", "1", "--max-lag-s", "2")
"""Valid wcc window options; a case's own options come after and win."""

# (case id, command line with {clip} {table} {manifest} {session} {out}, message fragment)
CASES: list[tuple[str, tuple[str, ...], str]] = [
    # analyze, a video
    ("analyze window NaN", ("analyze", "{clip}", "--out", "{out}", "--window-s", "nan"),
     "window_s must be finite"),
    ("analyze window inf", ("analyze", "{clip}", "--out", "{out}", "--window-s", "inf"),
     "window_s must be finite"),
    ("analyze window zero", ("analyze", "{clip}", "--out", "{out}", "--window-s", "0"),
     "window_s must be > 0"),
    ("analyze window huge", ("analyze", "{clip}", "--out", "{out}", "--window-s", "1e308"),
     "window_s is too large"),
    ("analyze window 1e12 s", ("analyze", "{clip}", "--out", "{out}", "--window-s", "1e12"),
     "at least one window plus the maximum lag"),
    ("analyze step negative", ("analyze", "{clip}", "--out", "{out}", "--step-s", "-1"),
     "step_s must be > 0"),
    ("analyze window < step", ("analyze", "{clip}", "--out", "{out}", *STEP_GT_WINDOW),
     "step_s must not exceed window_s"),
    ("analyze lag = window", ("analyze", "{clip}", "--out", "{out}", "--max-lag-s", "5"),
     "max_lag_s must be shorter than window_s"),
    ("analyze lag > window", ("analyze", "{clip}", "--out", "{out}", "--max-lag-s", "9"),
     "max_lag_s must be shorter than window_s"),
    ("analyze lag negative", ("analyze", "{clip}", "--out", "{out}", "--max-lag-s", "-0.5"),
     "max_lag_s must be >= 0"),
    ("analyze lag NaN", ("analyze", "{clip}", "--out", "{out}", "--max-lag-s", "nan"),
     "max_lag_s must be finite"),
    ("analyze unknown signal", ("analyze", "{clip}", "--out", "{out}", "--signals", "gaze"),
     "--signals must be a comma-separated subset"),
    ("analyze no signal", ("analyze", "{clip}", "--out", "{out}", "--signals", ","),
     "--signals must be a comma-separated subset"),
    ("analyze surrogates negative",
     ("analyze", "{clip}", "--out", "{out}", "--surrogates", "-1"), "--surrogates must be >= 0"),
    ("analyze surrogates not whole",
     ("analyze", "{clip}", "--out", "{out}", "--surrogates", "1e9"),
     "argument --surrogates: invalid int value"),
    ("analyze grid zero", ("analyze", "{clip}", "--out", "{out}", "--grid-hz", "0"),
     "grid_hz must be > 0"),
    ("analyze grid NaN", ("analyze", "{clip}", "--out", "{out}", "--grid-hz", "nan"),
     "grid_hz must be finite"),
    ("analyze grid huge", ("analyze", "{clip}", "--out", "{out}", "--grid-hz", "1e308"),
     "is too large"),
    # analyze, a session
    ("analyze session window NaN",
     ("analyze", "{session}", "--out", "{out}", "--window-s", "nan"), "window_s must be finite"),
    ("analyze session unknown signal",
     ("analyze", "{session}", "--out", "{out}", "--signals", "body,gaze"), "--signals"),
    # wcc, a two-column table
    ("wcc fps NaN", ("wcc", "{table}", "--out", "{out}", *WCC, "--fps", "nan"),
     "--fps must be > 0 and finite"),
    ("wcc fps inf", ("wcc", "{table}", "--out", "{out}", *WCC, "--fps", "inf"),
     "--fps must be > 0 and finite"),
    ("wcc fps zero", ("wcc", "{table}", "--out", "{out}", *WCC, "--fps", "0"),
     "--fps must be > 0 and finite"),
    ("wcc fps negative", ("wcc", "{table}", "--out", "{out}", *WCC, "--fps", "-10"),
     "--fps must be > 0 and finite"),
    ("wcc window NaN", ("wcc", "{table}", "--out", "{out}", "--fps", "10", *WCC,
                        "--window-s", "nan"), "window_s must be finite"),
    ("wcc window huge", ("wcc", "{table}", "--out", "{out}", "--fps", "10", *WCC,
                         "--window-s", "1e308"), "window_s is too large"),
    ("wcc step zero", ("wcc", "{table}", "--out", "{out}", "--fps", "10", *WCC,
                       "--step-s", "0"), "step_s must be > 0"),
    ("wcc window < step", ("wcc", "{table}", "--out", "{out}", "--fps", "10", *WCC,
                           *STEP_GT_WINDOW), "step_s must not exceed window_s"),
    ("wcc lag = window", ("wcc", "{table}", "--out", "{out}", "--fps", "10", *WCC,
                          "--max-lag-s", "5"), "max_lag_s must be shorter than window_s"),
    ("wcc smooth zero", ("wcc", "{table}", "--out", "{out}", "--fps", "10", *WCC,
                         "--smooth-s", "0"), "--smooth-s must be > 0 and finite"),
    ("wcc smooth negative", ("wcc", "{table}", "--out", "{out}", "--fps", "10", *WCC,
                             "--smooth-s", "-1"), "--smooth-s must be > 0 and finite"),
    ("wcc smooth NaN", ("wcc", "{table}", "--out", "{out}", "--fps", "10", *WCC,
                        "--smooth-s", "nan"), "--smooth-s must be > 0 and finite"),
    ("wcc smooth inf", ("wcc", "{table}", "--out", "{out}", "--fps", "10", *WCC,
                        "--smooth-s", "inf"), "--smooth-s must be > 0 and finite"),
    ("wcc columns zero", ("wcc", "{table}", "--out", "{out}", "--fps", "10", *WCC,
                          "--columns", "0,1"), "--columns must be two 1-based integers"),
    # study, a manifest of two tables
    ("study pseudo negative", ("study", "{manifest}", "--out", "{out}", "--pseudo", "-1"),
     "--pseudo must be 'all' or a number >= 0"),
    ("study pseudo word", ("study", "{manifest}", "--out", "{out}", "--pseudo", "foo"),
     "--pseudo must be 'all' or a number >= 0"),
    ("study smooth zero", ("study", "{manifest}", "--out", "{out}", "--smooth-s", "0"),
     "--smooth-s must be > 0"),
    ("study window NaN", ("study", "{manifest}", "--out", "{out}", "--window-s", "nan"),
     "window_s must be finite"),
    ("study window huge", ("study", "{manifest}", "--out", "{out}", "--window-s", "1e308"),
     "window_s is too large"),
    ("study window < step", ("study", "{manifest}", "--out", "{out}", *STEP_GT_WINDOW),
     "step_s must not exceed window_s"),
    ("study lag = window", ("study", "{manifest}", "--out", "{out}", "--max-lag-s", "5"),
     "max_lag_s must be shorter than window_s"),
    ("study unknown signal", ("study", "{manifest}", "--out", "{out}", "--signals", "gaze"),
     "--signals"),
    ("study surrogates negative",
     ("study", "{manifest}", "--out", "{out}", "--surrogates", "-3"), "--surrogates must be >= 0"),
    ("study workers zero", ("study", "{manifest}", "--out", "{out}", "--workers", "0"),
     "--workers must be >= 1"),
    # stream, headless
    ("stream window NaN", ("stream", "{clip}", "--jsonl", "{out}", "--window-s", "nan"),
     "window_s must be finite"),
    ("stream window zero", ("stream", "{clip}", "--jsonl", "{out}", "--window-s", "0"),
     "window_s must be > 0"),
    ("stream window huge", ("stream", "{clip}", "--jsonl", "{out}", "--window-s", "1e308"),
     "window_s is too large"),
    ("stream step negative", ("stream", "{clip}", "--jsonl", "{out}", "--step-s", "-1"),
     "step_s must be > 0"),
    ("stream window < step", ("stream", "{clip}", "--jsonl", "{out}", *STEP_GT_WINDOW),
     "step_s must not exceed window_s"),
    ("stream lag > window", ("stream", "{clip}", "--jsonl", "{out}", "--max-lag-s", "6"),
     "max_lag_s must be shorter than window_s"),
    ("stream exit-after NaN", ("stream", "{clip}", "--jsonl", "{out}", "--exit-after-s",
                               "nan"), "--exit-after-s must be > 0"),
    ("stream exit-after negative", ("stream", "{clip}", "--jsonl", "{out}", "--exit-after-s",
                                    "-1"), "--exit-after-s must be > 0"),
    # calibrate
    ("calibrate search NaN", ("calibrate", "{clip}", "--out", "{out}", "--search-s", "nan"),
     "--search-s must be > 0 and finite"),
    ("calibrate search zero", ("calibrate", "{clip}", "--out", "{out}", "--search-s", "0"),
     "--search-s must be > 0 and finite"),
    ("calibrate search inf", ("calibrate", "{clip}", "--out", "{out}", "--search-s", "inf"),
     "--search-s must be > 0 and finite"),
    ("calibrate baseline-s negative",
     ("calibrate", "{clip}", "--out", "{out}", "--baseline-s", "-1"),
     "--baseline-s must be >= 0 and finite"),
    ("calibrate baseline-s inf",
     ("calibrate", "{clip}", "--out", "{out}", "--baseline-s", "inf"),
     "--baseline-s must be >= 0 and finite"),
    ("calibrate baseline reversed",
     ("calibrate", "{clip}", "--out", "{out}", "--baseline", "5:2"), "END must be after START"),
    ("calibrate baseline words",
     ("calibrate", "{clip}", "--out", "{out}", "--baseline", "a:b"), "--baseline must be"),
    ("calibrate baseline NaN",
     ("calibrate", "{clip}", "--out", "{out}", "--baseline", "0:nan"), "finite seconds"),
    ("calibrate baseline-search zero",
     ("calibrate", "{clip}", "--out", "{out}", "--baseline-search-s", "0"),
     "--baseline-search-s must be > 0 and finite"),
    ("calibrate baseline-search inf",
     ("calibrate", "{clip}", "--out", "{out}", "--baseline-search-s", "inf"),
     "--baseline-search-s must be > 0 and finite"),
    # record
    ("record duration NaN", ("record", "{clip}", "--out", "{out}", "--duration-s", "nan"),
     "--duration-s must be > 0"),
    ("record duration negative",
     ("record", "{clip}", "--out", "{out}", "--duration-s", "-1"), "--duration-s must be > 0"),
    # replay (open only: these fail before the session or a window is opened)
    ("replay speed NaN", ("replay", "{session}", "--speed", "nan"), "--speed must be between"),
    ("replay speed zero", ("replay", "{session}", "--speed", "0"), "--speed must be between"),
    ("replay start NaN", ("replay", "{session}", "--start-s", "nan"),
     "--start-s must be >= 0 and finite"),
    ("replay start negative", ("replay", "{session}", "--start-s", "-1"),
     "--start-s must be >= 0 and finite"),
    ("replay exit-after NaN", ("replay", "{session}", "--exit-after-s", "nan"),
     "--exit-after-s must be > 0 and finite"),
]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Valid inputs: the sample clip, a two-column table, a manifest of two, a session."""
    folder = tmp_path_factory.mktemp("inputs")
    table = folder / "dyad.txt"
    rows = np.random.default_rng(0).normal(size=(300, 2))
    table.write_text('"pat" "th"\n' + "".join(f"{a:.4f} {b:.4f}\n" for a, b in rows))
    manifest = folder / "study.csv"
    manifest.write_text(f"path,fps,id,dyad\n{table},10,d1,d1\n{table},10,d2,d2\n")
    return {"clip": CLIP, "table": table, "manifest": manifest,
            "session": s.make_good(folder / "session")}


@pytest.fixture(autouse=True)
def _traps(monkeypatch: pytest.MonkeyPatch) -> None:
    s.trap_inputs(monkeypatch)


@pytest.mark.parametrize(("argv", "message"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_a_bad_parameter_is_one_line_before_anything_opens(
        argv: tuple[str, ...], message: str, inputs: dict[str, Path], tmp_path: Path,
        capfd: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "result"
    args = [a.format(out=out, **inputs) for a in argv]
    before = listing(tmp_path)
    result = s.run_main(args, capfd)
    assert_one_line_error(result, 2, message)
    assert listing(tmp_path) == before, "a refused command wrote something"


def test_a_real_process_refuses_bad_parameters_at_once(inputs: dict[str, Path],
                                                       tmp_path: Path) -> None:
    """The same from ``python -m synchrony`` (no traps): refused before a video is opened."""
    for argv, message in [
        (("analyze", CLIP, "--out", tmp_path / "a", "--window-s", "nan"), "window_s"),
        (("stream", CLIP, "--jsonl", tmp_path / "j", *STEP_GT_WINDOW), "step_s"),
        (("calibrate", CLIP, "--out", tmp_path / "p.json", "--baseline-s", "inf"),
         "--baseline-s"),
    ]:
        assert_one_line_error(run_cli(argv, timeout_s=60), 2, message)
    assert not any(tmp_path.iterdir())
