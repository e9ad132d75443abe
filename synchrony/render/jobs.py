"""Plots as jobs: drawn here, or here and in a helper process side by side.

Drawing an analysis's PNGs (matplotlib, Agg, PNG compression) takes about 0.5 s of one
core per figure -- 7 s for the 12 figures of four signals on the demo -- while after
tracking the second core is idle. :func:`run_plot_jobs` hands a
:class:`~synchrony.render.plot_helper.PlotHelper` one figure at a time whenever it is
free and draws the others in this process, so a helper that is slow to start only takes
fewer figures and never delays the output. This module imports no matplotlib.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class PlotJob:
    """One figure to draw: ``function(*args, **kwargs)`` writes it and returns its path.

    ``function`` is a module-level function, so the job can be sent to another process.
    A batch (:func:`run_batch`) returns the list of its figures' paths.
    """

    function: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)

    def run(self) -> Any:
        """Draw the figure (a batch: the figures) in this process; the path(s)."""
        return self.function(*self.args, **self.kwargs)


class Helper(Protocol):
    """What :func:`run_plot_jobs` needs of a helper process (see ``PlotHelper``)."""

    def idle(self) -> bool:
        """Tell whether the helper is running, warm and without a job."""
        ...

    def start(self, job: PlotJob) -> None:
        """Send one job (only when :meth:`idle`)."""
        ...

    def poll(self) -> tuple[bool, Path | None]:
        """(done?, path) of the job sent last; path None if the helper could not draw it."""
        ...

    def wait(self) -> Path | None:
        """Wait for the job sent last; its path, or None if the helper could not draw it."""
        ...


def run_batch(jobs: Sequence[PlotJob]) -> list[Path]:
    """Draw ``jobs`` one after another; their paths (a job the helper can run as one)."""
    return [job.run() for job in jobs]


def send_early(jobs: Sequence[PlotJob], helper: Helper | None) -> list[PlotJob]:
    """Hand ``jobs`` to ``helper`` as one batch now, if it is warm and idle; return those sent.

    Figures that need only what is known early (the signals' plots, before the surrogate
    tests) are then drawn while this process computes; pass the returned list to
    :func:`run_plot_jobs` as ``early``.
    """
    if helper is None or not jobs or not helper.idle():
        return []
    helper.start(PlotJob(run_batch, (list(jobs),)))
    return list(jobs)


def run_plot_jobs(jobs: Sequence[PlotJob], helper: Helper | None = None,
                  early: Sequence[PlotJob] = ()) -> list[Path]:
    """Draw every job, here and in ``helper``; return the paths in the order of ``jobs``.

    ``early``: a batch already sent to ``helper`` by :func:`send_early`, awaited here
    (their paths come first). A job the helper could not draw (it failed or died) is drawn
    here, so its error, if it has one, is raised from this process.
    """
    everything = [*early, *jobs]
    paths: list[Path | None] = [None] * len(everything)
    todo = deque(range(len(early), len(everything)))
    away: list[int] = list(range(len(early)))  # with the helper: the early batch, or one job
    batch_away = bool(early)

    def settle(answer: Any) -> None:
        """Take the helper's answer; draw here what it could not (answer None)."""
        nonlocal batch_away
        if not batch_away:
            got = [answer]
        elif answer is None:  # the batch failed or the helper died: all of it is drawn here
            got = [None] * len(away)
        else:
            got = answer
        for k, path in zip(away, got, strict=True):
            paths[k] = path if path is not None else everything[k].run()
        away.clear()
        batch_away = False

    while todo or away:
        if away:
            done, path = helper.poll()  # type: ignore[union-attr]
            if done:
                settle(path)
        if not away and todo and helper is not None and helper.idle():
            away.append(todo.pop())  # the helper takes from the end, this process the front
            helper.start(everything[away[0]])
        if todo:
            k = todo.popleft()
            paths[k] = everything[k].run()
        elif away:
            settle(helper.wait())  # type: ignore[union-attr]
    return [p for p in paths if p is not None]
