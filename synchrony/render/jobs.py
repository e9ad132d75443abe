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
    """

    function: Callable[..., Path]
    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)

    def run(self) -> Path:
        """Draw the figure in this process."""
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


def run_plot_jobs(jobs: Sequence[PlotJob], helper: Helper | None = None) -> list[Path]:
    """Draw every job, here and in ``helper``; return the paths in the order of ``jobs``.

    A job the helper could not draw (it failed or died) is drawn here, so its error, if it
    has one, is raised from this process.
    """
    paths: list[Path | None] = [None] * len(jobs)
    todo = deque(range(len(jobs)))
    away: int | None = None

    def settle(path: Path | None) -> None:
        nonlocal away
        assert away is not None
        paths[away] = path if path is not None else jobs[away].run()
        away = None

    while todo or away is not None:
        if away is not None:
            done, path = helper.poll()  # type: ignore[union-attr]
            if done:
                settle(path)
        if away is None and todo and helper is not None and helper.idle():
            away = todo.pop()  # the helper takes from the end, this process from the front
            helper.start(jobs[away])
        if todo:
            k = todo.popleft()
            paths[k] = jobs[k].run()
        elif away is not None:
            settle(helper.wait())  # type: ignore[union-attr]
    return [p for p in paths if p is not None]
