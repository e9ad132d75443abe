"""One plot per synchrony method and signal: ``<method>_<signal>.png``.

A method ``m`` draws its result with ``synchrony.render.<m>_plot.plot(result, out_png, *,
title)``; WCC's heatmap and lag profile are :mod:`synchrony.render.plots`. A method without
a plot module (a plug-in) is skipped, with a debug message.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping
from pathlib import Path

from synchrony.analysis.pair import SignalAnalysis
from synchrony.render.jobs import PlotJob

log = logging.getLogger(__name__)

#: Methods whose plots live in :mod:`synchrony.render.plots`.
DRAWN_ELSEWHERE = frozenset({"wcc"})


def method_plot_jobs(analyses: Mapping[str, SignalAnalysis], out_dir: str | Path
                     ) -> list[PlotJob]:
    """List the plots :func:`write_method_plots` draws, as jobs any process can run."""
    out = Path(out_dir)
    jobs = []
    for signal, analysis in analyses.items():
        for method, result in analysis.results.items():
            if method in DRAWN_ELSEWHERE:
                continue
            name = f"synchrony.render.{method}_plot"
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name != name:
                    raise
                log.debug("no plot module for method %s; no %s_%s.png", method, method, signal)
                continue
            jobs.append(PlotJob(module.plot, (result, out / f"{method}_{signal}.png"),
                                {"title": f"{signal}: {method}"}))
    return jobs


def write_method_plots(analyses: Mapping[str, SignalAnalysis], out_dir: str | Path
                       ) -> list[Path]:
    """Write ``<method>_<signal>.png`` for every method but WCC; return the files written."""
    return [job.run() for job in method_plot_jobs(analyses, out_dir)]
