"""SUSY and surrogate tests, at their documented import path (a public contract).

The code lives in :mod:`synchrony.engine.susy` (SUSY 0.1.0) and
:mod:`synchrony.engine.surrogates` (session-level surrogate tests).
"""

from synchrony.engine.surrogates import (
    SURROGATE_METHODS,
    SurrogateMethod,
    SurrogateTest,
    mean_abs_peak_r_statistic,
    prediction_p,
    profile_peak_z_statistic,
    rearrangements,
    surrogate_test,
)
from synchrony.engine.susy import SusyLagProfile, susy, susy_lag_profile, susy_summary

__all__ = [
    "SURROGATE_METHODS", "SurrogateMethod", "SurrogateTest", "SusyLagProfile",
    "mean_abs_peak_r_statistic", "prediction_p", "profile_peak_z_statistic", "rearrangements",
    "surrogate_test", "susy", "susy_lag_profile", "susy_summary",
]
