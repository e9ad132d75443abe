"""Plots drawn here and in a helper process (:mod:`synchrony.render.jobs`, ``plot_helper``).

The helper is a real second Python; waits are on its answers, bounded, never on sleeps.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from synchrony.render.jobs import PlotJob, run_plot_jobs, send_early
from synchrony.render.plot_helper import PlotHelper
from synchrony.render.plots import analysis_plot_jobs, write_analysis_plots
from tests.unit.render.test_plots import _case


def _write_text(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _fail(path: Path) -> Path:
    raise ValueError(f"cannot draw {path.name}")


def _warm(helper: PlotHelper) -> None:
    """Wait (bounded) until the helper has imported matplotlib and says it is ready."""
    answer = helper._take(block=True)  # noqa: SLF001 - the ready message
    assert answer is not None
    assert answer[0] == "ready"
    assert helper.idle()


def test_helper_and_this_process_draw_the_same_files(tmp_path: Path) -> None:
    """case -> expected: the three plots of one signal with and without a helper -> the
    same three files, byte for byte, and the helper drew at least one of them."""
    analysis, signals = _case("synchronous")
    alone = write_analysis_plots({"body": analysis}, signals, tmp_path / "alone")
    with PlotHelper() as helper:
        _warm(helper)
        drawn_away: list[Path] = []
        start = helper.start

        def counting(job: PlotJob) -> None:
            drawn_away.append(job.args[-1])
            start(job)

        helper.start = counting  # type: ignore[method-assign]
        both = run_plot_jobs(analysis_plot_jobs({"body": analysis}, signals,
                                                tmp_path / "both"), helper)
    assert [p.name for p in both] == [p.name for p in alone]
    assert drawn_away
    for a, b in zip(alone, both, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_a_job_the_helper_fails_on_is_drawn_here_and_raises_here(tmp_path: Path) -> None:
    """case -> expected: a helper answers 'failed' -> the job runs in this process, so a
    real error is raised here with its own message."""
    with PlotHelper() as helper:
        _warm(helper)
        with pytest.raises(ValueError, match="cannot draw bad.png"):
            run_plot_jobs([PlotJob(_write_text, (tmp_path / "a.txt", "a")),
                           PlotJob(_fail, (tmp_path / "bad.png",))], helper)


def test_a_helper_that_dies_leaves_its_jobs_to_this_process(tmp_path: Path) -> None:
    """case -> expected: the helper is killed before the jobs -> every file is still written
    (here), in order, and the helper is closed."""
    helper = PlotHelper()
    _warm(helper)
    assert helper._proc is not None  # noqa: SLF001
    helper._proc.kill()  # noqa: SLF001
    helper._proc.wait(timeout=10)  # noqa: SLF001
    jobs = [PlotJob(_write_text, (tmp_path / f"{k}.txt", str(k))) for k in range(5)]
    paths = run_plot_jobs(jobs, helper)
    assert [p.read_text() for p in paths] == [str(k) for k in range(5)]
    helper.close()
    assert not helper.idle()


def test_the_helper_ignores_ctrl_c_and_ends_when_its_input_closes(tmp_path: Path) -> None:
    """case -> expected: SIGINT to the helper (as a terminal's Ctrl-C reaches the whole
    process group) -> it still draws the next job itself; closing it -> exit status 0."""
    helper = PlotHelper()
    _warm(helper)
    proc = helper._proc  # noqa: SLF001
    assert proc is not None
    proc.send_signal(signal.SIGINT)
    helper.start(PlotJob(_write_text, (tmp_path / "after.txt", "drawn")))
    assert helper.wait() == tmp_path / "after.txt"  # None would mean: drawn here
    assert (tmp_path / "after.txt").read_text() == "drawn"
    helper.close()
    assert proc.returncode == 0


def _write_pid(path: Path) -> Path:
    import os

    path.write_text(str(os.getpid()))
    return path


def test_an_early_batch_is_drawn_by_the_helper_and_awaited_with_the_rest(
        tmp_path: Path) -> None:
    """case -> expected: three jobs sent early as one batch, two more later -> all five
    files, the early ones first, the batch drawn in the helper's process."""
    import os

    with PlotHelper() as helper:
        _warm(helper)
        early = [PlotJob(_write_pid, (tmp_path / f"early{k}.txt",)) for k in range(3)]
        assert send_early(early, helper) == early
        assert not helper.idle()  # busy with the batch
        assert send_early(early, helper) == []  # only an idle helper takes a batch
        later = [PlotJob(_write_text, (tmp_path / f"later{k}.txt", "x")) for k in range(2)]
        paths = run_plot_jobs(later, helper, early)
    assert [p.name for p in paths] == ["early0.txt", "early1.txt", "early2.txt",
                                       "later0.txt", "later1.txt"]
    pids = {(tmp_path / f"early{k}.txt").read_text() for k in range(3)}
    assert pids != {str(os.getpid())}
    assert len(pids) == 1


def test_an_early_batch_the_helper_fails_on_is_drawn_here(tmp_path: Path) -> None:
    """case -> expected: the batch's second job fails in the helper -> the whole batch is
    drawn here, so the error is raised here; with a helper killed mid-batch, every
    file is still written."""
    with PlotHelper() as helper:
        _warm(helper)
        early = [PlotJob(_write_text, (tmp_path / "a.txt", "a")),
                 PlotJob(_fail, (tmp_path / "bad.png",))]
        send_early(early, helper)
        with pytest.raises(ValueError, match="cannot draw bad.png"):
            run_plot_jobs([], helper, early)
    helper = PlotHelper()
    _warm(helper)
    early = [PlotJob(_write_text, (tmp_path / f"{k}.txt", str(k))) for k in range(3)]
    send_early(early, helper)
    assert helper._proc is not None  # noqa: SLF001
    helper._proc.kill()  # noqa: SLF001
    helper._proc.wait(timeout=10)  # noqa: SLF001
    paths = run_plot_jobs([PlotJob(_write_text, (tmp_path / "late.txt", "late"))], helper,
                          early)
    assert [p.read_text() for p in paths] == ["0", "1", "2", "late"]
    helper.close()


def test_without_a_helper_nothing_is_sent_early(tmp_path: Path) -> None:
    assert send_early([PlotJob(_write_text, (tmp_path / "a.txt", "a"))], None) == []
