"""The short text report of an analysis, one line per signal (for the command line)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def summary_lines(summary: dict[str, Any], out: Path) -> list[str]:
    """One line per signal, one per warning, then where the results are.

    Parameters
    ----------
    summary : the ``summary.json`` record (schema ``synchrony.summary/2``).
    out : the output directory, named in the last line.

    Returns
    -------
    Lines without newlines, e.g. ``"  head: strength 0.94 z, lag +0.51 s, p = 0.035:
    B follows A by 0.51 s"`` (strength: the lag-profile peak, ``summary.json``'s
    ``strength``).
    """
    lines = []
    for name, block in summary["signals"].items():
        if not block["n_windows"]:
            lines.append(f"{name:>6}: {block['who_leads']}")
            continue
        lines.append(f"{name:>6}: strength {block['strength']:.2f} z, "
                     f"lag {block.get('lag_s', block['median_peak_lag_s']):+.2f} s, "
                     f"p = {block['surrogate']['p']:.3f}: {block['who_leads']}")
        for method, other in (block.get("methods") or {}).items():
            if method == "wcc":
                continue
            lines.append(f"{'':>6}  {method}: {other['strength_statistic']} "
                         f"{other['strength']:.2f}, lag {other['lag_s']:+.2f} s, "
                         f"p = {other['surrogate']['p']:.3f}: {other['who_leads']}")
    lines.extend(f"warning: {warning}" for warning in summary["warnings"])
    lines.append(f"results in {out}")
    return lines
