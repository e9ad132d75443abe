"""Tables and figures of the power study (``bench/power.py``): CSV, Markdown, PNG.

Rates are rejections at alpha = 0.05 (p < alpha) with a 95 % Wilson interval. Lag errors
are taken at coupling >= 0.6 over the movement dyads; "sign right" counts a dyad whose true
lag is not 0 when the estimate has the true sign and is at least one grid sample from 0.
Sign convention: lag > 0 means A leads, B follows.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from bench.power_stats import LAG_ESTIMATORS, STATISTICS, TODAY_LAG, TODAY_STATISTIC  # noqa: E402

ALPHA = 0.05
LAG_MIN_COUPLING = 0.6
LEADER_MIN_LAG_S = 0.5
MARKERS = ("o", "s", "^", "D", "v")


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion k / n (NaN, NaN when n = 0)."""
    if n == 0:
        return math.nan, math.nan
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def one_row_per_dyad(pairs: pd.DataFrame) -> pd.DataFrame:
    """The dyad-level columns (truth, lags) once per dyad, whatever the schemes."""
    return pairs.drop_duplicates(["seed", "duration_s", "style", "coupling", "lag_s"])


def rejection_rates(pairs: pd.DataFrame) -> pd.DataFrame:
    """Rejection rate per (statistic, scheme, duration, style, coupling)."""
    out = []
    keys = ["scheme", "duration_s", "style", "coupling"]
    for key, grp in pairs.groupby(keys):
        for name in STATISTICS:
            p = grp[f"p_{name}"].to_numpy(float)
            n = int(np.isfinite(p).sum())
            k = int((p < ALPHA).sum())
            lo, hi = wilson(k, n)
            out.append(dict(zip(keys, key, strict=True), statistic=name, n=n, rejected=k,
                            rate=k / n if n else math.nan, ci_low=lo, ci_high=hi))
    return pd.DataFrame(out)


def lag_errors(pairs: pd.DataFrame) -> pd.DataFrame:
    """Bias, median absolute error and sign accuracy per (estimator, duration, true lag)."""
    coupled = pairs[(pairs["coupling"] >= LAG_MIN_COUPLING) & (pairs["style"] == "movement")]
    coupled = one_row_per_dyad(coupled)
    out = []
    for (duration, lag), grp in list(coupled.groupby(["duration_s", "lag_s"])) + [
            ((d, "all"), g) for d, g in coupled.groupby("duration_s")]:
        for name in LAG_ESTIMATORS:
            est = grp[name].to_numpy(float)
            truth = grp["lag_s"].to_numpy(float)
            ok = np.isfinite(est)
            err = est[ok] - truth[ok]
            signed = ok & (truth != 0)
            right = (np.sign(est[signed]) == np.sign(truth[signed])) & (
                np.abs(est[signed]) >= 0.05 - 1e-9)
            out.append(dict(estimator=name, duration_s=duration, lag_s=lag, n=len(est),
                            n_missing=int((~ok).sum()),
                            bias_s=float(err.mean()) if err.size else math.nan,
                            median_abs_error_s=float(np.median(np.abs(err))) if err.size
                            else math.nan,
                            sign_right=float(right.mean()) if right.size else math.nan))
    return pd.DataFrame(out)


def leader_right(pairs: pd.DataFrame) -> pd.DataFrame:
    """Fraction of coupled dyads (c >= 0.6, |lag| >= 0.5 s) where the product's leader rule
    (p < 0.05 and the lag at least one sample from 0) names the true leader."""
    sel = pairs[(pairs["coupling"] >= LAG_MIN_COUPLING)
                & (pairs["lag_s"].abs() >= LEADER_MIN_LAG_S)]
    out = []
    for (scheme, duration), grp in sel.groupby(["scheme", "duration_s"]):
        truth = np.sign(grp["lag_s"].to_numpy(float))
        for name in STATISTICS:
            significant = grp[f"p_{name}"].to_numpy(float) < ALPHA
            row = dict(scheme=scheme, duration_s=duration, statistic=name, n=len(grp))
            for est_name in LAG_ESTIMATORS:
                est = grp[est_name].to_numpy(float)
                with np.errstate(invalid="ignore"):
                    right = significant & (np.abs(est) >= 0.05 - 1e-9) & (np.sign(est) == truth)
                row[est_name] = float(right.mean()) if len(grp) else math.nan
            out.append(row)
    return pd.DataFrame(out)


def nominal_level(n_surrogates: int, alpha: float = ALPHA) -> float:
    """P(p < alpha) of an exact test with ``n_surrogates``: p takes the values k / (n + 1)."""
    return (math.ceil(alpha * (n_surrogates + 1)) - 1) / (n_surrogates + 1)


def nominal_markdown(pairs: pd.DataFrame) -> str:
    """One line: the nominal false-positive rate of each (scheme, duration) at its median n."""
    parts = []
    for (scheme, duration), grp in pairs.groupby(["scheme", "duration_s"]):
        n = int(np.median(grp[f"n_{TODAY_STATISTIC}"]))
        level = ALPHA if str(scheme).endswith("_t") else nominal_level(n)
        parts.append(f"{scheme} {duration:g} s: {_pct(level)} % (n = {n})")
    return ("Nominal rate of an exact test (p = (1 + k) / (n + 1) takes few values): "
            + "; ".join(parts) + ".")


def _pct(x: float) -> str:
    return "–" if not math.isfinite(x) else f"{100 * x:.0f}" if x >= 0.095 else f"{100 * x:.1f}"


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _stat_label(name: str) -> str:
    return f"{name} (first version)" if name in (TODAY_STATISTIC, TODAY_LAG) else name


def fpr_markdown(rates: pd.DataFrame, pooled: pd.DataFrame) -> str:
    """False-positive rates (%) with 95 % intervals, per statistic and scheme."""
    null = rates[rates["coupling"] == 0]
    cols = sorted({(d, s) for d, s in zip(null["duration_s"], null["style"], strict=True)})
    durations = sorted(null["duration_s"].unique())
    header = ["statistic", "scheme"] + [f"{d:g} s {s}" for d, s in cols] + [
        f"{d:g} s all" for d in durations]
    rows = []
    for name in STATISTICS:
        for scheme in sorted(null["scheme"].unique()):
            cells = []
            for d, s in cols:
                hit = null[(null["statistic"] == name) & (null["scheme"] == scheme)
                           & (null["duration_s"] == d) & (null["style"] == s)]
                cells.append(_pct(float(hit["rate"].iloc[0])) if len(hit) else "–")
            for d in durations:
                hit = pooled[(pooled["statistic"] == name) & (pooled["scheme"] == scheme)
                             & (pooled["duration_s"] == d)]
                if hit.empty:
                    cells.append("–")
                    continue
                r = hit.iloc[0]
                cells.append(f"{_pct(r['rate'])} ({_pct(r['ci_low'])}–{_pct(r['ci_high'])}), "
                             f"n = {int(r['n'])}")
            rows.append([_stat_label(name), scheme] + cells)
    ns = {f"{d:g} s {s}": int(null[(null['duration_s'] == d) & (null['style'] == s)]['n'].max())
          for d, s in cols}
    note = "Independent pairs per column (at most): " + ", ".join(
        f"{k}: {v}" for k, v in ns.items())
    return _md_table(header, rows) + "\n\n" + note + "; rates in %, 95 % Wilson interval."


def power_markdown(rates: pd.DataFrame, pairs: pd.DataFrame) -> str:
    """Power (%) per coupling, per statistic and scheme (movement dyads, all lags pooled)."""
    mv = rates[(rates["style"] == "movement") & (rates["coupling"] > 0)]
    cols = sorted({(d, c) for d, c in zip(mv["duration_s"], mv["coupling"], strict=True)})
    if not cols:
        return "(no coupled dyads)"
    header = ["statistic", "scheme"] + [f"{d:g} s c={c:g}" for d, c in cols]
    rows = []
    for name in STATISTICS:
        for scheme in sorted(mv["scheme"].unique()):
            cells = []
            for d, c in cols:
                hit = mv[(mv["statistic"] == name) & (mv["scheme"] == scheme)
                         & (mv["duration_s"] == d) & (mv["coupling"] == c)]
                cells.append(_pct(float(hit["rate"].iloc[0])) if len(hit) else "–")
            rows.append([_stat_label(name), scheme] + cells)
    first = one_row_per_dyad(pairs)
    speed, ns = [], set()
    for d, c in cols:
        sel = first[(first["duration_s"] == d) & (first["coupling"] == c)]
        speed.append(f"{sel['speed_r_at_lag'].mean():.2f}")
        ns.add(len(sel))
    rows.append(["speed r at the true lag (mean)", ""] + speed)
    return _md_table(header, rows) + (
        f"\n\nCoupled dyads per column: {', '.join(map(str, sorted(ns)))} (all true lags).")


def lag_markdown(lags: pd.DataFrame) -> str:
    """Lag bias / median absolute error (s) per true lag, and pooled, at coupling >= 0.6."""
    if lags.empty:
        return "(no coupled dyads)"
    true_lags = sorted(x for x in lags["lag_s"].unique() if x != "all")
    header = ["duration", "estimator"] + [f"{x:+g} s" for x in true_lags] + [
        "bias (all)", "MAE (all)", "sign right", "missing"]
    rows = []
    for d in sorted(lags["duration_s"].unique()):
        for name in LAG_ESTIMATORS:
            sel = lags[(lags["duration_s"] == d) & (lags["estimator"] == name)]
            cells = []
            for x in true_lags:
                hit = sel[sel["lag_s"] == x]
                cells.append("–" if hit.empty else
                             f"{hit['bias_s'].iloc[0]:+.2f} / "
                             f"{hit['median_abs_error_s'].iloc[0]:.2f}")
            r = sel[sel["lag_s"] == "all"].iloc[0]
            rows.append([f"{d:g} s", _stat_label(name)] + cells + [
                f"{r['bias_s']:+.3f}", f"{r['median_abs_error_s']:.3f}", _pct(r["sign_right"]),
                f"{int(r['n_missing'])}/{int(r['n'])}"])
    return _md_table(header, rows) + "\n\nCells: bias / median absolute error in seconds."


def leader_markdown(leader: pd.DataFrame) -> str:
    """Leader named right (%) per statistic (for significance) and lag estimator."""
    header = ["duration", "scheme", "statistic"] + [_stat_label(e) for e in LAG_ESTIMATORS]
    rows = [[f"{r['duration_s']:g} s", r["scheme"], _stat_label(r["statistic"])]
            + [_pct(r[e]) for e in LAG_ESTIMATORS] for _, r in leader.iterrows()]
    return _md_table(header, rows)


def plot_power(rates: pd.DataFrame, path: Path) -> None:
    """Power curves: rejection rate against coupling (0 = movement null), per duration x scheme."""
    mv = rates[rates["style"] == "movement"]
    durations = sorted(mv["duration_s"].unique())
    schemes = sorted(mv["scheme"].unique())
    fig, axes = plt.subplots(len(durations), len(schemes), figsize=(5 * len(schemes),
                             3.6 * len(durations)), squeeze=False, sharey=True)
    for i, d in enumerate(durations):
        for j, scheme in enumerate(schemes):
            ax = axes[i][j]
            for name, marker in zip(STATISTICS, MARKERS, strict=False):
                sel = mv[(mv["duration_s"] == d) & (mv["scheme"] == scheme)
                         & (mv["statistic"] == name)].sort_values("coupling")
                ax.plot(sel["coupling"], sel["rate"], marker=marker, label=_stat_label(name),
                        lw=2.5 if name == TODAY_STATISTIC else 1.5,
                        ls="--" if name == TODAY_STATISTIC else "-")
            ax.axhline(ALPHA, color="grey", lw=0.8, ls=":")
            ax.axhline(0.9, color="grey", lw=0.8, ls=":")
            ax.set_title(f"{d:g} s, {scheme}")
            ax.set_xlabel("coupling c (0 = independent)")
            ax.set_ylim(-0.02, 1.02)
            ax.set_xlim(-0.03, max(0.8, float(mv["coupling"].max())) + 0.03)
            if j == 0:
                ax.set_ylabel(f"P(p < {ALPHA:g})")
    axes[0][-1].legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_lag_error(lags: pd.DataFrame, path: Path) -> None:
    """Median absolute lag error against the true lag, per estimator and duration."""
    per = lags[lags["lag_s"] != "all"]
    durations = sorted(per["duration_s"].unique())
    fig, axes = plt.subplots(1, max(1, len(durations)), figsize=(5 * max(1, len(durations)), 3.6),
                             squeeze=False, sharey=True)
    for j, d in enumerate(durations):
        ax = axes[0][j]
        for name, marker in zip(LAG_ESTIMATORS, MARKERS, strict=False):
            sel = per[(per["duration_s"] == d) & (per["estimator"] == name)]
            sel = sel.assign(lag=sel["lag_s"].astype(float)).sort_values("lag")
            ax.plot(sel["lag"], sel["median_abs_error_s"], marker=marker, alpha=0.8,
                    label=_stat_label(name))
        ax.axhline(0.1, color="grey", lw=0.8, ls=":")
        ax.set_title(f"{d:g} s, coupling >= {LAG_MIN_COUPLING:g}")
        ax.set_xlabel("true lag (s, > 0: A leads)")
        if j == 0:
            ax.set_ylabel("median |error| (s)")
    axes[0][-1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_outputs(rows: list[dict[str, Any]], run: dict[str, Any], out: Path) -> None:
    """Write pairs.csv, rates.csv, lag_errors.csv, leader.csv, report.md, PNGs and run.json."""
    pairs = pd.DataFrame(rows)
    pairs.to_csv(out / "pairs.csv", index=False)
    rates = rejection_rates(pairs)
    null = pairs[pairs["coupling"] == 0].assign(style="all")
    pooled = rejection_rates(null)
    pd.concat([rates, pooled]).to_csv(out / "rates.csv", index=False)
    lags = lag_errors(pairs)
    lags.to_csv(out / "lag_errors.csv", index=False)
    leader = leader_right(pairs)
    leader.to_csv(out / "leader.csv", index=False)
    if (rates["style"] == "movement").any():  # power curves need movement pairs
        plot_power(rates, out / "power.png")
    if not lags.empty:
        plot_lag_error(lags, out / "lag_error.png")
    (out / "run.json").write_text(json.dumps(run, indent=2, default=str) + "\n")
    proj = run["projected_full_single_core_s"]
    text = [
        f"# Power study ({run['run']} run)", "",
        f"Command: `{run['command']}`; wall time {float(run['wall_s']):.0f} s "
        f"with {run['workers']} worker(s); projected full study on one core: "
        f"{proj['total'] / 3600:.1f} h.", "",
        f"## False-positive rate (%) at alpha = {ALPHA:g}", "", fpr_markdown(rates, pooled), "",
        nominal_markdown(pairs), "",
        "## Power (%) on coupled movement dyads", "", power_markdown(rates, pairs), "",
        f"## Lag error at coupling >= {LAG_MIN_COUPLING:g}", "", lag_markdown(lags), "",
        f"## Leader named right (%) (c >= {LAG_MIN_COUPLING:g}, |lag| >= "
        f"{LEADER_MIN_LAG_S:g} s; p < {ALPHA:g} and the right sign)", "",
        leader_markdown(leader), "",
    ]
    (out / "report.md").write_text("\n".join(text))
