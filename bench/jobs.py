"""Run a benchmark's independent jobs in worker processes, logging progress with an ETA."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from multiprocessing import Pool
from typing import Any, TypeVar

J = TypeVar("J")
R = TypeVar("R")


def run_jobs(jobs: Sequence[J], run_job: Callable[[J], list[R]], *, workers: int,
             log: logging.Logger, unit: str, chunksize: int = 2,
             initializer: Callable[..., Any] | None = None, initargs: tuple[Any, ...] = (),
             every: int = 20) -> list[R]:
    """Every job's rows in job order; ``workers`` > 1 runs them in a process pool.

    ``initializer(*initargs)`` runs once in each worker process. Progress goes to ``log``
    every ``every`` jobs, as ``done/total <unit>``.
    """
    rows: list[R] = []
    t0 = time.perf_counter()

    def progress(done: int) -> None:
        if done % every == 0 or done == len(jobs):
            spent = time.perf_counter() - t0
            log.info("%d/%d %s, %.0f s, about %.0f s left", done, len(jobs), unit, spent,
                     spent / done * (len(jobs) - done))

    if workers > 1:
        with Pool(workers, initializer=initializer, initargs=initargs) as pool:
            for i, job_rows in enumerate(pool.imap(run_job, jobs, chunksize=chunksize), 1):
                rows.extend(job_rows)
                progress(i)
    else:
        for i, job in enumerate(jobs, 1):
            rows.extend(run_job(job))
            progress(i)
    return rows
