"""Do the synchrony methods agree? The study's convergence table (``convergence.csv``).

Per signal and pair of methods, over the study's items (sessions): the Spearman rank
correlation of the two methods' session statistics (``strength``: each method's own
statistic, so ranks, not values, are compared), and agreement on the leader: the fraction
of items where both name the same leader (``"A"``, ``"B"`` or ``"none"``), and the same
among the items where at least one of them names a leader. As Schoenherr et al. (2019)
did across seven methods on 84 dyads.

``study.csv`` holds WCC's values in ``strength``, ``lag_s``, ``leader``, ``p`` and every
other method's in ``<method>_strength``, ``<method>_lag_s``, ``<method>_leader``,
``<method>_p``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy.stats import spearmanr

CONVERGENCE_COLUMNS = ("signal", "method_a", "method_b", "n_items", "spearman_rho",
                       "spearman_p", "leader_agreement", "n_leader_named",
                       "leader_agreement_named")
METHOD_FIELDS = ("strength", "lag_s", "leader", "p")
"""Per-method columns of ``study.csv`` (WCC's without a prefix)."""


def method_column(method: str, field: str) -> str:
    """Return the ``study.csv`` column of ``field`` for ``method`` (WCC's: no prefix)."""
    return field if method == "wcc" else f"{method}_{field}"


def method_columns(methods: Sequence[str]) -> list[str]:
    """Return the prefixed per-method columns of every method but WCC, in order."""
    return [method_column(m, f) for m in methods if m != "wcc" for f in METHOD_FIELDS]


def method_fields(block: Mapping[str, Any]) -> dict[str, Any]:
    """Return the prefixed per-method columns of one signal's block (its ``methods``)."""
    out: dict[str, Any] = {}
    for method, sub in (block.get("methods") or {}).items():
        if method == "wcc":
            continue
        out[method_column(method, "strength")] = sub.get("strength")
        out[method_column(method, "lag_s")] = sub.get("lag_s")
        out[method_column(method, "leader")] = sub.get("leader") or "none"
        out[method_column(method, "p")] = (sub.get("surrogate") or {}).get("p")
    return out


def _float(value: Any) -> float:
    try:
        return math.nan if value is None else float(value)
    except (TypeError, ValueError):
        return math.nan


def convergence_rows(rows: Sequence[Mapping[str, Any]], methods: Sequence[str]
                     ) -> list[dict[str, Any]]:
    """One row per signal and pair of methods (:data:`CONVERGENCE_COLUMNS`).

    ``rows``: the ok rows of ``study.csv`` (one per item and signal). A correlation needs
    three items with both statistics finite (else NaN).
    """
    out = []
    for signal in sorted({str(r["signal"]) for r in rows}):
        mine = [r for r in rows if r["signal"] == signal]
        for a, b in itertools.combinations(methods, 2):
            x = np.array([_float(r.get(method_column(a, "strength"))) for r in mine])
            y = np.array([_float(r.get(method_column(b, "strength"))) for r in mine])
            both = np.isfinite(x) & np.isfinite(y)
            rho = p = math.nan
            if both.sum() >= 3 and np.ptp(x[both]) > 0 and np.ptp(y[both]) > 0:
                result = spearmanr(x[both], y[both])
                rho, p = float(result.statistic), float(result.pvalue)
            la = [str(r.get(method_column(a, "leader")) or "none") for r in mine]
            lb = [str(r.get(method_column(b, "leader")) or "none") for r in mine]
            same = [u == v for u, v in zip(la, lb, strict=True)]
            named = [s for s, u, v in zip(same, la, lb, strict=True)
                     if u != "none" or v != "none"]
            out.append({
                "signal": signal, "method_a": a, "method_b": b, "n_items": int(both.sum()),
                "spearman_rho": rho, "spearman_p": p,
                "leader_agreement": float(np.mean(same)) if same else math.nan,
                "n_leader_named": len(named),
                "leader_agreement_named": float(np.mean(named)) if named else math.nan,
            })
    return out
