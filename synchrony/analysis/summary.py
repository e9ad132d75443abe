"""``summary.json`` (contract): who was in view, parameters and the per-signal results.

Also decides whether anybody was in view long enough to be real (see
``MIN_DETECTED_*``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from synchrony import __version__
from synchrony.analysis.pair import (
    AnalysisParameters,
    SignalAnalysis,
)
from synchrony.capture.video import TrackingRun
from synchrony.records import PERSONS, TrackedFrame
from synchrony.signals.extract import SignalSet

#: A person seen in fewer frames than this fraction, and than this many seconds' worth of
#: frames, counts as never in view (MediaPipe now and then "finds" a face in an empty scene
#: and tracks it for a few frames).
MIN_DETECTED_FRACTION = 0.02
MIN_DETECTED_S = 1.0
#: Fewer effectively independent surrogates than this (a session under ~50 s with the
#: default 5 s windows and 2 s lags) draws a "session too short" warning.
MIN_EFFECTIVE_SURROGATES = 5.0
SUMMARY_SCHEMA = "synchrony.summary/2"
"""/2: ``strength`` is the lag-profile peak (``strength_statistic`` ``profile_peak_z``, was
``mean_abs_peak_r``) and ``surrogate.p`` the prediction reading (was the permutation
p-value, now ``surrogate.p_permutation``); every /1 key is still there."""


def nobody_in_view(frames: Sequence[TrackedFrame]) -> bool:
    """Return True if neither person was seen long enough to be real (see MIN_DETECTED_*)."""
    if len(frames) < 2:
        return not any(p.has_pose or p.has_face for f in frames for p in f.people)
    fps = (len(frames) - 1) / max(frames[-1].timestamp_s - frames[0].timestamp_s, 1e-9)
    need = max(MIN_DETECTED_FRACTION * len(frames), MIN_DETECTED_S * fps)
    seen = [sum(f.people[i].has_pose or f.people[i].has_face for f in frames) for i in range(2)]
    return max(seen) < need


def people_report(frames: Sequence[TrackedFrame], signals: SignalSet,
                  roles: dict[str, str | None] | None = None) -> tuple[dict[str, Any], list[str]]:
    """Build the ``people`` block of summary.json and warnings about who was (not) in view."""
    people: dict[str, Any] = {}
    warnings: list[str] = []
    for i, person in enumerate(PERSONS):
        seen = np.array([f.people[i].has_pose or f.people[i].has_face for f in frames])
        people[person] = {
            "position": "left" if person == "A" else "right",
            "detected_fraction": float(seen.mean()),
            "detected_fraction_pose": signals.detected_fraction[person]["pose"],
            "detected_fraction_face": signals.detected_fraction[person]["face"],
            "role": (roles or {}).get(person),
            "region_norm": frames[0].regions[i].as_list(),
        }
        marked = {k.split("_", 1)[1]: v for k, v in signals.no_movement_fraction.items()
                  if k.startswith(f"{person}_")}
        if marked:
            people[person]["no_movement_fraction"] = marked
            for name, fraction in marked.items():
                if fraction > 0.5:
                    warnings.append(f"{person}'s {name} stayed below the calibration noise floor "
                                    f"{100 * fraction:.0f} % of the time (marked as no "
                                    "movement, not correlated)")
        if seen.mean() < 0.5:
            warnings.append(f"person {person} ({people[person]['position']}) was found in only "
                            f"{100 * seen.mean():.0f} % of frames")
    counts = [f.n_people_in_view for f in frames if f.n_people_in_view is not None]
    if counts:
        crowd = float(np.mean(np.array(counts) >= 3))
        people["in_view"] = {"checks": len(counts), "max_people": int(max(counts)),
                             "fraction_3_or_more": crowd,
                             "fraction_1_or_fewer": float(np.mean(np.array(counts) <= 1))}
        if crowd > 0.1:
            warnings.append(f"3 or more people were in view in {100 * crowd:.0f} % of checks; "
                            "A and B are the people in the left and right regions")
        alone = people["in_view"]["fraction_1_or_fewer"]
        if alone > 0.5:
            warnings.append(f"only one person (or nobody) was in view in {100 * alone:.0f} % of "
                            "checks (faces counted in both regions)")
    return people, warnings


def build_summary(run: TrackingRun, signals: SignalSet, analyses: dict[str, SignalAnalysis],
                  params: AnalysisParameters, *, extra_parameters: dict[str, Any] | None = None,
                  roles: dict[str, str | None] | None = None) -> dict[str, Any]:
    """``summary.json`` (contract: schema synchrony.summary/2)."""
    people, warnings = people_report(run.frames, signals, roles)
    if 0 < params.n_surrogates < 19:
        warnings.append(f"with {params.n_surrogates} surrogates the chance level rests on few "
                        "values: use at least 99")
    n_eff = [a.surrogate.n_effective for a in analyses.values()
             if a.surrogate is not None and math.isfinite(a.surrogate.n_effective)]
    if n_eff and min(n_eff) < MIN_EFFECTIVE_SURROGATES:
        warnings.append(
            f"the session is short for the surrogate test: about "
            f"{min(n_eff):.1f} independent surrogate pairs (window + "
            f"lag = {params.window_s + params.max_lag_s:g} s each); p-values are valid but "
            "only strong coupling can reach p < 0.05 (record at least 60 s)")
    parameters = params.as_dict() | {"grid_hz": signals.grid_hz} | (extra_parameters or {})
    return {
        "schema": SUMMARY_SCHEMA,
        "software": {"name": "synchrony", "version": __version__},
        "source": run.source,
        "people": people,
        "parameters": parameters,
        "signals": {name: a.summary_with_methods for name, a in analyses.items()},
        "warnings": warnings,
    }
