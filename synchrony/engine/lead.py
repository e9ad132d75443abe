"""The lag sign convention in words, for the UI, exports and reports.

lag > 0: A leads and B follows (B's movement resembles A's earlier movement).
"""

from __future__ import annotations

import math

SIGN_CONVENTION = "lag > 0: A leads, B follows; lag < 0: B leads, A follows"


def leader_of(lag_s: float, *, tolerance_s: float = 0.0) -> str:
    """Return ``"A"`` for lag > tolerance, ``"B"`` for lag < -tolerance, else ``"none"``."""
    if lag_s is None or not math.isfinite(lag_s) or abs(lag_s) <= tolerance_s:
        return "none"
    return "A" if lag_s > 0 else "B"


def describe_lag(lag_s: float, *, tolerance_s: float = 0.0, names: tuple[str, str] = ("A", "B")
                 ) -> str:
    """Say who leads in words, e.g. ``"B follows A by 0.40 s"``.

    ``names`` replaces the person labels (e.g. roles: ``("therapist", "client")``).
    """
    a, b = names
    if lag_s is None or not math.isfinite(lag_s):
        return "no clear peak"
    if abs(lag_s) <= tolerance_s:
        return f"{a} and {b} move together (lag 0 s)"
    if lag_s > 0:
        return f"{b} follows {a} by {lag_s:.2f} s"
    return f"{a} follows {b} by {-lag_s:.2f} s"
