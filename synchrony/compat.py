"""rMEA-compatible pre-processing, at its documented import path (a public contract).

The code lives in :mod:`synchrony.engine.compat`.
"""

from synchrony.engine.compat import (
    nanmean_rows,
    rmea_scale,
    rmea_smooth,
    rmea_window_summary,
)

__all__ = ["nanmean_rows", "rmea_scale", "rmea_smooth", "rmea_window_summary"]
