"""Where a study's items run: local processes, a Dask scheduler, or SLURM/PBS via dask-jobqueue.

Every executor is a :class:`distributed.Client`; the study submits the same tasks to it,
so the tables do not depend on which one ran them (each item is deterministic in its
input, options and seed, and results are sorted before they are written).

- ``local`` (default): a :class:`distributed.LocalCluster` of ``workers`` processes (one
  thread each) on 127.0.0.1, each limited to ``memory`` (default: the machine's memory
  shared evenly; a worker that exceeds it is restarted and its item reported as failed);
- ``scheduler``: an existing cluster, ``tcp://HOST:PORT`` (``dask scheduler`` and
  ``dask worker`` processes started by the lab);
- ``slurm`` / ``pbs``: :class:`dask_jobqueue.SLURMCluster` / ``PBSCluster`` with ``jobs``
  batch jobs of ``cores`` cores and ``memory`` each (``pip install synchrony[cluster]``).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from synchrony.errors import InputError
from synchrony.progress import ProgressBar

EXECUTORS = ("local", "scheduler", "slurm", "pbs")
CONNECT_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class ExecutorSpec:
    """Which executor runs the study, and its size.

    Attributes
    ----------
    kind : one of :data:`EXECUTORS`.
    workers : local worker processes (default: the number of cores).
    address : the scheduler's address (``tcp://HOST:PORT``) for ``scheduler``.
    jobs, cores, memory : batch jobs, cores per job and memory per job (``"16GB"``) for
        ``slurm``/``pbs``; ``memory`` is also the per-worker limit of ``local``.
    queue, walltime, account : passed to the batch system (None: its default).
    """

    kind: str = "local"
    workers: int | None = None
    address: str | None = None
    jobs: int = 1
    cores: int = 1
    memory: str | None = None
    queue: str | None = None
    walltime: str | None = None
    account: str | None = None

    def check(self) -> None:
        """Raise InputError on an impossible combination (before anything runs)."""
        if self.kind not in EXECUTORS:
            raise InputError(f"executor must be one of {', '.join(EXECUTORS)}, got {self.kind!r}")
        if self.kind == "scheduler" and not self.address:
            raise InputError("--scheduler needs an address like tcp://HOST:PORT")
        if self.workers is not None and self.workers < 1:
            raise InputError(f"--workers must be >= 1, got {self.workers}")
        if self.jobs < 1 or self.cores < 1:
            raise InputError(f"--jobs and --cores must be >= 1, got {self.jobs} and "
                             f"{self.cores}")

    def describe(self) -> str:
        """In words, for the study summary."""
        if self.kind == "local":
            return f"local processes ({self.n_local_workers()} workers)"
        if self.kind == "scheduler":
            return f"Dask scheduler {self.address}"
        return f"{self.kind.upper()} via dask-jobqueue ({self.jobs} jobs x {self.cores} cores)"

    def n_local_workers(self) -> int:
        """Local worker processes: ``workers``, else the number of usable cores."""
        if self.workers:
            return self.workers
        if hasattr(os, "sched_getaffinity"):
            return len(os.sched_getaffinity(0))
        return os.cpu_count() or 1


def jobqueue_cluster(spec: ExecutorSpec) -> Any:
    """Return the dask-jobqueue cluster of a ``slurm``/``pbs`` spec (not yet scaled)."""
    try:
        import dask_jobqueue
    except ImportError:
        raise InputError(f"--cluster {spec.kind} needs dask-jobqueue: pip install "
                         "'synchrony[cluster]'") from None
    cls = dask_jobqueue.SLURMCluster if spec.kind == "slurm" else dask_jobqueue.PBSCluster
    extra: dict[str, Any] = {k: v for k, v in (("queue", spec.queue), ("walltime", spec.walltime),
                               ("account", spec.account)) if v}
    return cls(cores=spec.cores, processes=spec.cores, memory=spec.memory or "4GB", **extra)


@contextlib.contextmanager
def open_client(spec: ExecutorSpec) -> Iterator[Any]:
    """Yield a connected :class:`distributed.Client`; close it (and its cluster) on exit.

    Raises InputError (one line) when a scheduler cannot be reached.
    """
    from distributed import Client, LocalCluster

    spec.check()
    cluster: Any = None
    if spec.kind == "scheduler":
        try:
            client = Client(spec.address, timeout=f"{CONNECT_TIMEOUT_S}s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(f"cannot reach the Dask scheduler at {spec.address}: "
                             f"{' '.join(str(exc).split()) or type(exc).__name__}") from None
    else:
        if spec.kind == "local":
            cluster = LocalCluster(n_workers=spec.n_local_workers(), threads_per_worker=1,
                                   processes=True, host="127.0.0.1",
                                   dashboard_address="127.0.0.1:0",  # any free local port
                                   memory_limit=spec.memory or "auto",
                                   silence_logs=logging.ERROR)
        else:
            cluster = jobqueue_cluster(spec)
            cluster.scale(jobs=spec.jobs)
        client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def run_tasks(client: Any, fn: Callable[..., dict[str, Any]], args: Sequence[tuple[Any, ...]],
              *, label: str, on_error: Callable[[tuple[Any, ...], BaseException],
                                                dict[str, Any]],
              progress: bool = True) -> list[dict[str, Any]]:
    """Run ``fn(*a)`` for every ``a`` in ``args`` on ``client``; results in ``args`` order.

    A task that fails on the worker side (a crashed or killed worker) gives
    ``on_error(a, exc)`` instead of stopping the others.
    """
    from distributed import as_completed

    if not args:
        return []
    futures = [client.submit(fn, *a, pure=False) for a in args]
    index = {f.key: i for i, f in enumerate(futures)}
    out: list[dict[str, Any] | None] = [None] * len(futures)
    bar = ProgressBar(label, len(futures)) if progress else None
    for fut in as_completed(futures):
        i = index[fut.key]
        try:
            out[i] = fut.result()
        except Exception as exc:  # the worker died: this task failed, the others go on
            out[i] = on_error(args[i], exc)
        fut.release()
        if bar:
            bar.update()
    if bar:
        bar.close()
    return [r for r in out if r is not None]

