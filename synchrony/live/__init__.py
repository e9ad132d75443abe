"""Live synchrony for the dashboard (Qt-free): mailbox, statistics, state and the pipeline.

See :mod:`synchrony.live.pipeline` for how tracked frames become live synchrony.
"""

from synchrony.live.pipeline import LivePipeline
from synchrony.live.state import DashboardState, LiveParameters
from synchrony.live.threads import (
    CapturedFrame,
    LatestFrameMailbox,
    PipelineStats,
    RateMeter,
    limit_blas_threads,
)

__all__ = ["CapturedFrame", "DashboardState", "LatestFrameMailbox", "LiveParameters",
           "LivePipeline", "PipelineStats", "RateMeter", "limit_blas_threads"]
