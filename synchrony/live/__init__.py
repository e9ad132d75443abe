"""Live synchrony (Qt-free): the runner, its outputs, the pipeline, mailbox and statistics.

- :mod:`~synchrony.live.runner`: :class:`LiveRunner`, the one capture loop (source ->
  one-slot mailbox -> tracking -> pipeline -> outputs) behind ``record``, ``monitor`` and
  headless streaming;
- :mod:`~synchrony.live.outputs`: the :class:`LiveOutput` protocol, :class:`OutputBase`
  and small outputs; the session recorder is :class:`synchrony.session.recorder.SessionRecorder`;
- :mod:`~synchrony.live.pipeline`: :class:`LivePipeline`, tracked frames -> dashboard state
  and synchrony rows, built from :mod:`~synchrony.live.features` (frames -> features ->
  signals), :mod:`~synchrony.live.grid` (the uniform grid), :mod:`~synchrony.live.timeline`
  (heatmap rows, :class:`SynchronyRow`) and :mod:`~synchrony.live.chance` (chance levels);
- :mod:`~synchrony.live.threads`: mailbox, rates and :class:`PipelineStats`;
  :mod:`~synchrony.live.state`: :class:`LiveParameters` and :class:`DashboardState`.
"""

from synchrony.live.outputs import LiveOutput, OutputBase, ProgressOutput
from synchrony.live.pipeline import LivePipeline
from synchrony.live.runner import LiveRunner
from synchrony.live.state import DashboardState, LiveParameters
from synchrony.live.threads import (
    CapturedFrame,
    LatestFrameMailbox,
    PipelineStats,
    ProcessingMeter,
    RateMeter,
    limit_blas_threads,
)
from synchrony.live.timeline import SynchronyRow

__all__ = ["CapturedFrame", "DashboardState", "LatestFrameMailbox", "LiveOutput",
           "LiveParameters", "LivePipeline", "LiveRunner", "OutputBase", "PipelineStats",
           "ProcessingMeter", "ProgressOutput", "RateMeter", "SynchronyRow",
           "limit_blas_threads"]
