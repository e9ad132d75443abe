"""Throughput of ``synchrony study`` on 1 and 2 local workers and on a real Dask cluster.

    python bench/study.py --out /tmp/study_bench          # about 25 min on 2 idle cores
    python bench/study.py --quick --out /tmp/study_quick  # a few minutes: a smoke run

Workloads (``--workloads``):

``mea``    the 20 rMEA dyads (``../shared/reference_data/rmea/extdata``: two-column MEA
           tables, 10 min each at 25 fps) with ``analyze``'s defaults: window 5 s, step
           0.5 s, lags +-2 s, 200 circular-shift surrogates (they dominate the cost);
           pseudo-dyads ``--pseudo 10``.
``video``  four copies of the bundled sample clip's first 30 s (two people; the whole clip
           was 30 s until 2026-12-02, so the figures stay comparable) through one manifest:
           MediaPipe tracking, four signals, the same WCC settings and surrogates.
``video-long``  one item of those 30 s looped six times (3 min), on one worker: how a
           worker's memory grows with a video's length (tracking keeps every frame).

``mea`` and ``video`` also run once with 0 surrogates on one worker: the difference is what
the surrogate tests cost, the rest is tracking (videos), signals, WCC, tables and plots.

Executors: a local Dask cluster of 1 and of 2 worker processes (the default of
``synchrony study --workers N``) and a real ``dask scheduler`` with two ``dask worker``
processes on 127.0.0.1 (``--scheduler``), started and stopped here within bounds. Each
executor runs the study twice into a fresh folder: first the items alone (``--pseudo 0``),
then again with the pseudo-dyads (the items are reused from the first pass), so the two
costs are measured apart. What :func:`synchrony.study.run.run_study` (the function
``synchrony study`` calls) does is timed; starting the executor is timed apart.

Per (workload, executor): items per minute and seconds of recording per second (wall),
the workers' CPU seconds per minute of recording (``getrusage`` in each worker: every
thread, MediaPipe's included), parallel efficiency (throughput / (workers x 1-worker
throughput), measured in the same run), the pseudo-dyads' cost per pair, and the peak RSS
of each worker process (the kernel's high-water mark, ``ru_maxrss``). The machine is
shared: the load average before and after each executor is kept in ``results.json``.

Writes ``DIR/report.md`` (printed as well) and ``DIR/results.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import math
import os
import platform
import resource
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from synchrony.analysis.pair import AnalysisParameters  # noqa: E402
from synchrony.study.executors import ExecutorSpec, open_client  # noqa: E402
from synchrony.study.item import StudyOptions  # noqa: E402
from synchrony.study.manifest import StudyItem, read_manifest  # noqa: E402
from synchrony.study.run import PseudoSpec, StudyResult, run_study  # noqa: E402
from tests.fixtures.dask_cluster import START_TIMEOUT_S, dask_cluster  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SYNCHRONY_SHARED_DIR", REPO.parent / "shared"))
MEA_DIR = SHARED / "reference_data" / "rmea" / "extdata"
CLIP = REPO / "sample_videos" / "demo_dyad_a_leads_0.5s.mp4"
MEA_FPS = 25.0
EXECUTORS = ("local-1", "local-2", "dask-2")
WORKLOADS = ("mea", "video", "video-long")


@dataclass(frozen=True)
class Workload:
    """Items, options and pseudo-dyads of one measured study."""

    name: str
    items: list[StudyItem]
    duration_s: dict[str, float]  # item id -> recording length (s)
    options: StudyOptions
    pseudo: PseudoSpec

    @property
    def minutes(self) -> float:
        return sum(self.duration_s.values()) / 60.0


@dataclass(frozen=True)
class Quick:
    """Sizes of a run (the full one, or ``--quick``)."""

    n_mea: int = 20
    mea_s: float | None = None  # None: whole tables
    n_videos: int = 4
    video_s: float | None = 30.0  # the clip's first seconds (None: the whole clip)
    surrogates: int = 200
    long_loops: int = 6  # video-long: the clip this many times in one item (memory growth)


FULL = Quick()
QUICK = Quick(n_mea=4, mea_s=60.0, n_videos=2, video_s=10.0, surrogates=19, long_loops=3)


# ---------------------------------------------------------------- inputs
def _write_manifest(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _trimmed_table(src: Path, dst: Path, seconds: float) -> Path:
    """The header and the first ``seconds`` of a MEA table (``--quick``)."""
    lines = src.read_text(encoding="utf-8-sig").splitlines()
    dst.write_text("\n".join(lines[:1 + int(seconds * MEA_FPS)]) + "\n")
    return dst


def _clip_copy(dst: Path, seconds: float | None, loops: int = 1) -> Path:
    """The sample clip's first ``seconds`` (None: all), ``loops`` times in a row, re-encoded."""
    from synchrony.capture.sources import VideoFileSource, probe_video
    from synchrony.io.h264 import H264Writer

    info = probe_video(CLIP)
    period_s = min(seconds or math.inf, info.duration_s or math.inf)
    with H264Writer(dst, size_px=(info.width, info.height), fps_hint=info.fps) as out:
        for k in range(loops):
            with VideoFileSource(CLIP) as src:
                while (frame := src.read()) is not None and frame.timestamp_s < period_s:
                    out.write(frame.image_rgb, k * period_s + frame.timestamp_s)
    return dst


def mea_workload(inputs: Path, sizes: Quick) -> Workload:
    files = sorted(MEA_DIR.glob("*/*.txt"))[:sizes.n_mea]
    if len(files) < sizes.n_mea:
        raise SystemExit(f"expected {sizes.n_mea} MEA tables under {MEA_DIR}, found "
                         f"{len(files)}")
    if sizes.mea_s is not None:
        files = [_trimmed_table(f, inputs / f.name, sizes.mea_s) for f in files]
    rows = [{"path": str(f), "fps": f"{MEA_FPS:g}", "id": f"d{f.stem}",
             "group": f.parent.name} for f in files]
    items = read_manifest(_write_manifest(inputs / "mea.csv", rows))
    n = {f"d{f.stem}": len(f.read_text(encoding="utf-8-sig").splitlines()) - 1
         for f in files}
    params = AnalysisParameters(n_surrogates=sizes.surrogates)
    return Workload("mea", items, {k: v / MEA_FPS for k, v in n.items()},
                    StudyOptions(params=params), PseudoSpec(n_per_item=10))


def video_workload(inputs: Path, sizes: Quick, model_dir: str | None, *,
                   long: bool = False) -> Workload:
    """``video``: copies of the clip; ``long`` (``video-long``): one item of the clip looped."""
    from synchrony.capture.sources import probe_video

    if long:
        clip = _clip_copy(inputs / "long.mp4", sizes.video_s, sizes.long_loops)
    else:
        clip = CLIP if sizes.video_s is None else _clip_copy(inputs / "clip.mp4", sizes.video_s)
    name = "video-long" if long else "video"
    rows = [{"path": str(clip), "id": f"clip{k + 1}"}
            for k in range(1 if long else sizes.n_videos)]
    items = read_manifest(_write_manifest(inputs / f"{name}.csv", rows))
    duration_s = probe_video(clip).duration_s
    assert duration_s is not None, f"{clip}: no duration"
    params = AnalysisParameters(n_surrogates=sizes.surrogates)
    return Workload(name, items, {it.id: duration_s for it in items},
                    StudyOptions(params=params, model_dir=model_dir), PseudoSpec(n_per_item=10))


# ---------------------------------------------------------------- executors
@contextlib.contextmanager
def dask_processes(folder: Path, n_workers: int) -> Iterator[Any]:
    """A ``dask scheduler`` and ``n_workers`` ``dask worker`` processes; yield a Client."""
    from distributed import Client

    folder.mkdir(parents=True, exist_ok=True)
    with dask_cluster(folder, n_workers) as cluster, \
            Client(cluster.address, timeout=f"{START_TIMEOUT_S}s") as client:
        yield client


@contextlib.contextmanager
def executor(name: str, folder: Path) -> Iterator[Any]:
    """A connected Client for ``local-N`` (LocalCluster) or ``dask-N`` (real processes)."""
    kind, n = name.split("-")
    if kind == "local":
        with open_client(ExecutorSpec(kind="local", workers=int(n))) as client:
            yield client
    else:
        with dask_processes(folder, int(n)) as client:
            yield client


def worker_usage(client: Any) -> dict[str, tuple[float, float]]:
    """Per worker: (CPU s used so far, every thread; peak RSS in MB so far)."""
    usage = client.run(resource.getrusage, resource.RUSAGE_SELF)
    return {w: (u.ru_utime + u.ru_stime, u.ru_maxrss / 1024) for w, u in usage.items()}


def _cpu_s(before: dict[str, tuple[float, float]], after: dict[str, tuple[float, float]]
           ) -> float:
    return sum(after[w][0] - before[w][0] for w in after)


# ---------------------------------------------------------------- measurement
def _study(w: Workload, out: Path, client: Any, pseudo: PseudoSpec, options: StudyOptions,
           *, force: bool) -> StudyResult:
    result = run_study(w.items, out, options=options, executor=ExecutorSpec(), pseudo=pseudo,
                       force=force, progress=False, client=client)
    if result.failures:
        raise SystemExit(f"{w.name}: {len(result.failures)} items failed: "
                         f"{result.failures[0]['reason']}")
    return result


def measure(w: Workload, name: str, folder: Path, *, surrogates: bool = True) -> dict[str, Any]:
    """One executor on one workload: the items pass, then the pseudo-dyads pass."""
    options = w.options if surrogates else replace(
        w.options, params=replace(w.options.params, n_surrogates=0))
    label = name if surrogates else f"{name}, 0 surrogates"
    print(f"  {w.name} on {label} ...", file=sys.stderr, flush=True)
    row: dict[str, Any] = {"workload": w.name, "executor": name, "surrogates":
                           options.params.n_surrogates, "items": len(w.items),
                           "recording_min": w.minutes, "load_before": os.getloadavg()}
    t0 = time.perf_counter()
    with executor(name, folder / "cluster") as client:
        row["start_s"] = time.perf_counter() - t0
        u0 = worker_usage(client)
        first = _study(w, folder / "study", client, PseudoSpec(n_per_item=0), options,
                       force=True)
        u1 = worker_usage(client)
        if surrogates:
            second = _study(w, folder / "study", client, w.pseudo, options, force=False)
            u2 = worker_usage(client)
            if second.n_reused != len(w.items):
                raise SystemExit(f"{w.name}: the pseudo pass redid items instead of reusing "
                                 f"them ({second.n_reused} of {len(w.items)} reused)")
            n_pairs = len(second.pseudo_rows)
            row |= {"pseudo_pairs": n_pairs, "pseudo_s": second.timings_s["pseudo_s"],
                    "pseudo_cpu_s": _cpu_s(u1, u2),
                    "pseudo_min": sum(r["duration_s"] for r in second.pseudo_rows) / 60,
                    "tables_report_s": second.timings_s["total_s"]
                    - second.timings_s["pseudo_s"] - second.timings_s["items_s"]
                    - second.timings_s["start_s"]}
        peak = worker_usage(client)
    row |= {"workers": len(u0), "items_s": first.timings_s["items_s"],
            "items_cpu_s": _cpu_s(u0, u1),
            "peak_rss_mb": max(v[1] for v in peak.values()), "load_after": os.getloadavg()}
    row["items_per_min"] = 60 * row["items"] / row["items_s"]
    row["rec_s_per_s"] = 60 * row["recording_min"] / row["items_s"]
    row["cpu_s_per_rec_min"] = row["items_cpu_s"] / row["recording_min"]
    row["busy"] = row["items_cpu_s"] / (row["workers"] * row["items_s"])
    return row


def efficiency(rows: list[dict[str, Any]]) -> None:
    """Add ``efficiency``: throughput / (workers x the 1-worker throughput of the run)."""
    for r in rows:
        base = next((b for b in rows if b["workload"] == r["workload"]
                     and b["executor"] == "local-1" and b["surrogates"] == r["surrogates"]),
                    None)
        if base is not None:
            r["efficiency"] = r["items_per_min"] / (r["workers"] * base["items_per_min"])


# ---------------------------------------------------------------- report
COLUMNS = (
    ("workload", "workload", "{}"), ("executor", "executor", "{}"),
    ("surrogates", "surrogates", "{}"), ("items", "items", "{}"),
    ("recording_min", "recording (min)", "{:.1f}"), ("start_s", "start (s)", "{:.1f}"),
    ("items_s", "items wall (s)", "{:.1f}"), ("items_per_min", "items/min", "{:.2f}"),
    ("rec_s_per_s", "recording s/s", "{:.1f}"),
    ("cpu_s_per_rec_min", "worker CPU s / rec. min", "{:.2f}"),
    ("efficiency", "parallel efficiency", "{:.2f}"),
    ("busy", "workers' CPU busy", "{:.0%}"),
    ("pseudo_pairs", "pseudo pairs", "{}"), ("pseudo_ms_per_pair", "pseudo wall ms/pair",
                                            "{:.0f}"),
    ("pseudo_cpu_ms_per_pair_min", "pseudo CPU ms / pair-min", "{:.1f}"),
    ("peak_rss_mb", "peak RSS / worker (MB)", "{:.0f}"),
)


def table(rows: list[dict[str, Any]]) -> str:
    """The Markdown table of every measured row."""
    lines = ["| " + " | ".join(h for _, h, _ in COLUMNS) + " |",
             "|" + "---|" * len(COLUMNS)]
    for r in rows:
        r = dict(r)
        if r.get("pseudo_pairs"):
            r["pseudo_ms_per_pair"] = 1000 * r["pseudo_s"] / r["pseudo_pairs"]
            r["pseudo_cpu_ms_per_pair_min"] = 1000 * r["pseudo_cpu_s"] / r["pseudo_min"]
        lines.append("| " + " | ".join(fmt.format(r[k]) if r.get(k) is not None else "–"
                                       for k, _, fmt in COLUMNS) + " |")
    return "\n".join(lines)


def derived(rows: list[dict[str, Any]]) -> list[str]:
    """Per-session costs in words (the inputs of docs/scaling.md)."""
    out = []
    for name in sorted({r["workload"] for r in rows}):
        one = {r["surrogates"]: r for r in rows if r["workload"] == name
               and r["executor"] == "local-1"}
        with_s = max(one) if one else None
        if with_s is None:
            continue
        full = one[with_s]["cpu_s_per_rec_min"]
        text = f"- {name}: {full:.2f} worker CPU s per minute of recording with {with_s} " \
               "surrogates"
        if 0 in one and with_s:
            bare = one[0]["cpu_s_per_rec_min"]
            text += (f", {bare:.2f} with none (surrogates: {100 * (full - bare) / full:.0f} % "
                     "of the item cost)")
        out.append(text + f"; peak RSS per worker {one[with_s]['peak_rss_mb']:.0f} MB.")
    short, long = (next((r for r in rows if r["workload"] == n and r["executor"] == "local-1"
                         and r["surrogates"] > 0), None) for n in ("video", "video-long"))
    if short and long:
        minutes = [r["recording_min"] / r["items"] for r in (short, long)]
        slope = (long["peak_rss_mb"] - short["peak_rss_mb"]) / (minutes[1] - minutes[0])
        out.append(f"- peak RSS of one video item: {short['peak_rss_mb']:.0f} MB at "
                   f"{minutes[0]:.1f} min, {long['peak_rss_mb']:.0f} MB at {minutes[1]:.1f} min: "
                   f"{slope:.0f} MB more per minute of video.")
    return out


def write_report(out: Path, rows: list[dict[str, Any]], sizes: Quick, label: str) -> str:
    """Write ``report.md`` and ``results.json``; return the report's text."""
    import distributed

    loads = [r["load_before"][0] for r in rows] + [r["load_after"][0] for r in rows]
    text = "\n".join([
        "# `synchrony study` throughput (bench/study.py)", "",
        f"Run: {label}; {os.cpu_count()} cores "
        f"({platform.machine()}), Python {platform.python_version()}, Dask distributed "
        f"{distributed.__version__}; 1-min load average {min(loads):.1f} to {max(loads):.1f} "
        "during the run (a shared machine: other processes compete for the cores).", "",
        table(rows), "",
        "Items wall: the items pass of run_study (executor already started); recording s/s: "
        "seconds of recording analysed per wall second; worker CPU: getrusage of every "
        "worker (all threads) over the items pass; parallel efficiency: items/min over "
        "workers x the local-1 items/min of this run; workers' CPU busy: their CPU seconds "
        "over workers x wall seconds (well below 100 %: the workers waited for the cores, "
        "shared with other processes, or for I/O); pseudo: the second pass (items "
        "reused), CPU per pair and minute of the shorter series; peak RSS: ru_maxrss of "
        "the worker processes.", "",
        *derived(rows), ""])
    (out / "report.md").write_text(text)
    (out / "results.json").write_text(json.dumps({"sizes": sizes.__dict__, "rows": rows},
                                                 indent=1))
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--quick", action="store_true",
                        help="4 one-minute MEA dyads and 2 ten-second clips, 19 surrogates")
    parser.add_argument("--workloads", nargs="+", choices=WORKLOADS, default=list(WORKLOADS))
    parser.add_argument("--long-loops", type=int, default=None,
                        help="video-long: the clip this many times in one item (default 6; "
                        "--quick: 3 times its 10 s)")
    parser.add_argument("--model-dir", default=os.environ.get("SYNCHRONY_MODEL_DIR"),
                        help="MediaPipe bundles (default $SYNCHRONY_MODEL_DIR)")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.long_loops is not None:
        if args.long_loops < 1:
            parser.error(f"--long-loops must be >= 1, got {args.long_loops}")
        sizes = replace(sizes, long_loops=args.long_loops)
    inputs = args.out / "inputs"
    inputs.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in args.workloads:
        w = mea_workload(inputs, sizes) if name == "mea" else \
            video_workload(inputs, sizes, args.model_dir, long=name == "video-long")
        for ex in EXECUTORS if name != "video-long" else EXECUTORS[:1]:
            rows.append(measure(w, ex, args.out / "runs" / w.name / ex))
        if name != "video-long":
            rows.append(measure(w, "local-1", args.out / "runs" / w.name / "local-1-bare",
                                surrogates=False))
    efficiency(rows)
    print(write_report(args.out, rows, sizes, "quick" if args.quick else "full"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
