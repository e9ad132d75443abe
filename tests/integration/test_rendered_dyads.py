"""``synchrony analyze`` on rendered two-person clips with a known leader and lag (issue 10).

Each clip comes from the product's generator (``sample_videos/make_dyad_clip.py``) at
coupling 0.8, is tracked through MediaPipe once (module-scoped fixture) and analysed for
``body`` and ``head``. For both signals the session result must name the true leader, put
``lag_s`` within ±0.1 s of the truth and reject independence (``surrogate.p`` < 0.05).

Clips are 60 s at 10 fps. At 30 s the test is not reliable: on 8 such clips (16 signal
results, lags ±0.6 and ±1.5 s, seeds 1-2, both layouts) p was >= 0.05 in 11 (up to 0.24)
and |lag_s - truth| > 0.1 s in 3 (up to 0.19 s). The module takes about 3.5 min here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from synchrony.cli import main
from tests.shared import load_generator, model_dir

pytestmark = [pytest.mark.mediapipe, pytest.mark.slow]

DURATION_S = 60.0
FPS = 10.0
COUPLING = 0.8
SIZE_PX = (320, 240)
#: Lossless H.264 (x264 CRF 0): the x264 build here encodes the same frames differently from
#: run to run (its output depends on where the frames sit in memory; 5 distinct outputs of
#: 5 encodes at CRF 23, one thread), so lossy clips made the test's material, and its lag
#: readings, vary between runs (e.g. head -1.493 to -1.527 s, once -1.637 s, for a true
#: -1.5 s). Lossless clips decode to the rendered frames exactly: the same result every run.
CRF = 0
#: Largest accepted |lag_s - truth| in seconds (issue 10, Done when), at every lag. On the
#: lossless clips (seeds and lags below) the errors are 0.003-0.061 s.
LAG_TOLERANCE_S = 0.1
ALPHA = 0.05
SIGNALS = ("body", "head")

#: The generator's default places its person A (astronaut) left at 0.26 and B right at 0.76.
#: ``swapped`` puts the generator's A on the right and its B on the left.
LAYOUTS: dict[str, dict[str, dict[str, float]] | None] = {
    "default": None,
    "swapped": {"A": {"center_x": 0.76}, "B": {"center_x": 0.26}},
}


@dataclass(frozen=True)
class Case:
    """One rendered clip: the generator's lag (its A leads if > 0), seed and layout."""

    generator_lag_s: float
    seed: int
    layout: str

    @property
    def truth_lag_s(self) -> float:
        """The lag the product should report (lag > 0: the *left* person, product A, leads).

        The product always calls the left person A. In the default layout that is the
        generator's A, so the truth is the generator's lag. In the swapped layout the left
        person is the generator's B, so the roles swap and the truth is minus that lag.
        """
        return -self.generator_lag_s if self.layout == "swapped" else self.generator_lag_s

    @property
    def truth_leader(self) -> str:
        """Product label of the leader: "A" (left) if the truth lag is positive, else "B"."""
        return "A" if self.truth_lag_s > 0 else "B"

    @property
    def id(self) -> str:
        return f"lag{self.generator_lag_s:+g}s-seed{self.seed}-{self.layout}"


#: Generator lags +0.6, +1.5, -1.5 and -0.6 s; two seeds; each layout twice, once with each
#: sign of the generator's lag. Truths (product convention): -0.6, +1.5, -1.5, +0.6 s.
CASES = [
    Case(+0.6, seed=1, layout="swapped"),
    Case(+1.5, seed=2, layout="default"),
    Case(-1.5, seed=1, layout="default"),
    Case(-0.6, seed=2, layout="swapped"),
]


@pytest.fixture(scope="module", params=CASES, ids=[case.id for case in CASES])
def analysed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[Case, dict]:
    """Render, track and analyse one case once; return it with its ``summary.json``."""
    case: Case = request.param
    folder = tmp_path_factory.mktemp(case.id)
    clip = folder / "dyad.mp4"
    load_generator().make_dyad_clip(
        clip, duration_s=DURATION_S, fps=FPS, lag_s=case.generator_lag_s, coupling=COUPLING,
        seed=case.seed, size=SIZE_PX, layout=LAYOUTS[case.layout], crf=CRF)
    out = folder / "out"
    code = main(["analyze", str(clip), "--out", str(out), "--model-dir", str(model_dir()),
                 "--signals", ",".join(SIGNALS), "--no-progress"])
    assert code == 0
    return case, json.loads((out / "summary.json").read_text())


@pytest.mark.parametrize("signal", SIGNALS)
def test_leader_lag_and_p(analysed: tuple[Case, dict], signal: str) -> None:
    case, summary = analysed
    block = summary["signals"][signal]
    got = (f"{signal}: truth {case.truth_lag_s:+.2f} s, lag_s {block['lag_s']:+.3f} s, "
           f"p {block['surrogate']['p']:.4f}, leader {block['leader']}")
    assert block["surrogate"]["p"] < ALPHA, got
    assert block["leader"] == case.truth_leader, got
    print(got)
    assert abs(block["lag_s"] - case.truth_lag_s) <= LAG_TOLERANCE_S, got
