"""Ruptures and repairs end to end: a scheduled clip rendered, tracked and analysed (issue 10).

The product's generator renders a clip whose coupling follows a schedule (coupled,
independent, coupled; B follows A by 0.5 s while coupled; the truth file lists the rupture
and the repair). ``synchrony analyze`` tracks it through MediaPipe and writes
``episodes.csv``; the test holds each signal's one rupture and one repair near the truth.

This guards the whole chain (schedule -> pictures -> landmarks -> signals -> timeline ->
episodes) on one clip: schedule seed 2 of ``bench/episodes_tracked.py``, whose stretches
(30.5 s coupled, 31.9 s independent, 52.6 s coupled) the signals show clearly (errors
there: body -0.7 / -2.2 s, head -0.3 / -1.2 s for rupture / repair). It does not measure
the hit rate: on other clips the rupture can be placed 10-20 s early where the leader
pauses before the true rupture; the rates over many clips are in ``docs/validation.md``
(``bench/episodes_tracked.py``). The clip is lossless (x264 CRF 0), so it decodes to the
same frames on every run.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from bench.episodes_tracked import FPS, SIZE_PX, schedule_for
from synchrony.cli import main
from tests.shared import load_generator, model_dir

pytestmark = [pytest.mark.mediapipe, pytest.mark.slow]

SEED = 2
LAG_S = 0.5
SIGNALS = ("body", "head")
#: Accepted |found - truth| in seconds. The issue's target is 3 s; this clip's errors are
#: 0.3-2.2 s, and 5 s leaves room for small differences of tracking between CPUs.
TOLERANCE_S = 5.0


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, pd.DataFrame]:
    """Render, track and analyse the scheduled clip once: its truth and ``episodes.csv``."""
    schedule, duration_s, _, _ = schedule_for("schedule", SEED, 0.0)
    folder = tmp_path_factory.mktemp("scheduled")
    clip = folder / "scheduled.mp4"
    truth = load_generator().make_dyad_clip(clip, duration_s=duration_s, fps=FPS,
                                            lag_s=LAG_S, coupling=schedule, seed=SEED,
                                            size=SIZE_PX, crf=0)
    out = folder / "out"
    code = main(["analyze", str(clip), "--out", str(out), "--model-dir", str(model_dir()),
                 "--signals", ",".join(SIGNALS), "--no-progress"])
    assert code == 0
    return truth, pd.read_csv(Path(out) / "episodes.csv")


def test_the_truth_lists_one_rupture_and_one_repair(analysed: tuple[dict, pd.DataFrame]
                                                    ) -> None:
    truth, _ = analysed
    assert [e["kind"] for e in truth["events"]] == ["rupture", "repair"]
    assert truth["lead"] == "A"


@pytest.mark.parametrize("signal", SIGNALS)
def test_one_rupture_and_one_repair_near_the_truth(analysed: tuple[dict, pd.DataFrame],
                                                   signal: str) -> None:
    truth, episodes = analysed
    times = {e["kind"]: e["time_s"] for e in truth["events"]}
    mine = episodes[episodes.signal == signal]
    got = mine[["kind", "start_s", "end_s"]].to_string(index=False)
    assert list(mine.kind) == ["synchrony", "rupture", "repair"], got
    for kind in ("rupture", "repair"):
        found = float(mine.start_s[mine.kind == kind].iloc[0])
        assert abs(found - times[kind]) <= TOLERANCE_S, f"{kind}: truth {times[kind]:.1f} s\n{got}"
