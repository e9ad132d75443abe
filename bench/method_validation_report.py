"""Tables of the method validation (``bench/method_validation.py``): CSV, Markdown, text.

- **False-positive rate**: share of independent pairs with p < 0.05, per method and style
  and pooled, with a 95 % Wilson interval.
- **Power**: share of coupled pairs with p < 0.05, per method, coupling c and true lag tau
  (and pooled over tau), with a Wilson interval.
- **Leader right**: share of coupled pairs whose reported ``leader`` (significant and the
  session lag at least one grid sample from 0, the product's rule) is the true leader.
- **Lag error** ``lag_s - tau`` over the coupled pairs with a finite session lag: bias
  (mean), median |error|, and the share of *all* coupled pairs with |error| <= 0.15 s
  (a missing lag counts as a miss).

Sign convention: lag > 0 means A leads and B follows.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.power_report import _md_table, _pct, wilson

ALPHA = 0.05
LAG_TOLERANCE_S = 0.15
#: Couplings pooled in the short table's leader and lag columns (the issue's 0.6-0.8).
STRONG_COUPLING = 0.6


def _rate(flags: np.ndarray) -> dict[str, float]:
    """n, k, rate and Wilson interval of a boolean array."""
    n, k = len(flags), int(np.sum(flags))
    lo, hi = wilson(k, n)
    return {"n": n, "k": k, "rate": k / n if n else math.nan, "ci_low": lo, "ci_high": hi}


def _lag_stats(grp: pd.DataFrame) -> dict[str, float]:
    """Leader right, lag bias, median |error| and share within the tolerance of a group."""
    err = grp["lag_s"].to_numpy(float) - grp["lag_s_true"].to_numpy(float)
    ok = np.isfinite(err)
    return {
        "leader_right": float(np.mean(grp["leader"] == grp["true_leader"])) if len(grp)
        else math.nan,
        "lag_bias_s": float(err[ok].mean()) if ok.any() else math.nan,
        "lag_median_abs_error_s": float(np.median(np.abs(err[ok]))) if ok.any() else math.nan,
        "lag_within_tolerance": float(np.mean(ok & (np.abs(np.where(ok, err, 0.0))
                                                    <= LAG_TOLERANCE_S + 1e-9)))
        if len(grp) else math.nan,
        "n_lag_missing": int((~ok).sum()),
    }


def _groups(frame: pd.DataFrame, keys: list[str]) -> Iterable[tuple[tuple[Any, ...], pd.DataFrame]]:
    for key, grp in frame.groupby(keys, sort=True):
        yield (key if isinstance(key, tuple) else (key,)), grp


def rates_table(pairs: pd.DataFrame) -> pd.DataFrame:
    """``rates.csv``: false positives per (method, style) and pooled; power, leader and lag
    per (method, c, tau) and pooled over tau ("all")."""
    out: list[dict[str, Any]] = []
    null = pairs[pairs["coupling"] == 0]
    for (method, style), grp in list(_groups(null, ["method", "style"])) + [
            ((m, "all"), g) for (m,), g in _groups(null, ["method"])]:
        out.append({"measure": "false_positive", "method": method, "style": style,
                    "coupling": 0.0, "lag_s_true": 0.0, **_rate(grp["significant"].to_numpy(bool))})
    coupled = pairs[pairs["coupling"] > 0]
    cells = list(_groups(coupled, ["method", "coupling", "lag_s_true"])) + [
        ((m, c, "all"), g) for (m, c), g in _groups(coupled, ["method", "coupling"])]
    for (method, c, lag), grp in cells:
        out.append({"measure": "power", "method": method, "style": "coupled", "coupling": c,
                    "lag_s_true": lag, **_rate(grp["significant"].to_numpy(bool)),
                    **_lag_stats(grp)})
    return pd.DataFrame(out)


def short_table(pairs: pd.DataFrame, rates: pd.DataFrame, run: dict[str, Any]) -> pd.DataFrame:
    """One row per method: pooled false positives, power per c, leader and lag at c >= 0.6."""
    rows = []
    for method in dict.fromkeys(pairs["method"]):
        row: dict[str, Any] = {"method": method}
        fp = rates[(rates["measure"] == "false_positive") & (rates["method"] == method)
                   & (rates["style"] == "all")]
        if len(fp):
            r = fp.iloc[0]
            row["false_positive_%"] = (f"{_pct(r['rate'])} ({_pct(r['ci_low'])}-"
                                       f"{_pct(r['ci_high'])}) n={int(r['n'])}")
        pw = rates[(rates["measure"] == "power") & (rates["method"] == method)
                   & (rates["lag_s_true"] == "all")]
        for _, r in pw.iterrows():
            row[f"power_c{r['coupling']:g}_%"] = _pct(r["rate"])
        strong = pairs[(pairs["method"] == method) & (pairs["coupling"] >= STRONG_COUPLING)]
        if len(strong):
            stats = _lag_stats(strong)
            row["leader_right_%"] = _pct(stats["leader_right"])
            row["lag_median_abs_err_s"] = f"{stats['lag_median_abs_error_s']:.3f}"
            row[f"lag_within_{LAG_TOLERANCE_S:g}s_%"] = _pct(stats["lag_within_tolerance"])
        cost = run.get("seconds_per_method", {}).get(method, {})
        row["cpu_s_per_pair"] = f"{cost.get('cpu_s_per_pair', math.nan):.2f}"
        row["errors"] = int(cost.get("errors", 0))
        rows.append(row)
    return pd.DataFrame(rows)


def print_table(short: pd.DataFrame) -> str:
    """The short table as aligned text."""
    return short.fillna("–").to_string(index=False)


def _fp_markdown(rates: pd.DataFrame) -> str:
    fp = rates[rates["measure"] == "false_positive"]
    styles = [s for s in dict.fromkeys(fp["style"]) if s != "all"]
    rows = []
    for method in dict.fromkeys(fp["method"]):
        mine = fp[fp["method"] == method].set_index("style")
        cells = [_pct(mine.loc[s, "rate"]) if s in mine.index else "–" for s in styles]
        r = mine.loc["all"]
        cells.append(f"{_pct(r['rate'])} ({_pct(r['ci_low'])}–{_pct(r['ci_high'])}), "
                     f"n = {int(r['n'])}")
        rows.append([str(method)] + cells)
    ns = ", ".join(f"{s}: {int(fp[fp['style'] == s]['n'].max())}" for s in styles)
    return (_md_table(["method"] + styles + ["all (95 % CI)"], rows)
            + f"\n\nIndependent pairs per style: {ns}; rates in %.")


def _cell_markdown(rates: pd.DataFrame, fmt: Any, title: str) -> str:
    """Rows (method, tau incl. "all"), columns c; cells ``fmt(row)``."""
    pw = rates[rates["measure"] == "power"]
    couplings = sorted(pw["coupling"].unique())
    rows = []
    for method in dict.fromkeys(pw["method"]):
        mine = pw[pw["method"] == method]
        lags = [x for x in dict.fromkeys(mine["lag_s_true"]) if x != "all"] + ["all"]
        for lag in lags:
            cells = []
            for c in couplings:
                hit = mine[(mine["coupling"] == c) & (mine["lag_s_true"] == lag)]
                cells.append(fmt(hit.iloc[0]) if len(hit) else "–")
            tau = "all" if lag == "all" else f"{float(lag):+g} s"
            rows.append([str(method), tau] + cells)
    return _md_table(["method", "τ"] + [f"{title} c = {c:g}" for c in couplings], rows)


def _power_cell(r: pd.Series) -> str:
    return f"{_pct(r['rate'])} ({_pct(r['ci_low'])}–{_pct(r['ci_high'])})"


def _lag_cell(r: pd.Series) -> str:
    bias, mae = r["lag_bias_s"], r["lag_median_abs_error_s"]
    if not math.isfinite(mae):
        return "–"
    return f"{bias:+.2f} / {mae:.2f} / {_pct(r['lag_within_tolerance'])}"


def report_markdown(rates: pd.DataFrame, short: pd.DataFrame, run: dict[str, Any]) -> str:
    """``report.md``: the tables, ready to paste into docs/validation.md."""
    cfg = run["config"]
    cost = run.get("seconds_per_method", {})
    cost_rows = [[m, f"{v['cpu_s_per_pair']:.2f}", f"{v['cpu_s'] / 60:.1f}", str(v["errors"])]
                 for m, v in cost.items()]
    short_md = _md_table(list(short.columns),
                         [[str(x) for x in r] for r in short.fillna("–").to_numpy()])
    return "\n".join([
        f"# Method validation ({run['run']} run)", "",
        f"Command: `{run['command']}`; wall time {float(run['wall_s']):.0f} s with "
        f"{run['workers']} worker(s). Pairs of {cfg['duration_s']:g} s at 20 Hz, "
        f"{cfg['n_surrogates']} circular-shift surrogates, default analysis parameters; "
        f"coupled noise: {cfg['noise']}. p < {ALPHA:g} is significant (the product's "
        "t-prediction reading of the surrogate test).", "",
        "## Summary", "", short_md, "",
        f"Leader and lag columns: coupled pairs with c >= {STRONG_COUPLING:g}, all τ.", "",
        f"## False-positive rate (%) at alpha = {ALPHA:g}", "", _fp_markdown(rates), "",
        "## Power (%) on coupled pairs (95 % Wilson interval)", "",
        _cell_markdown(rates, _power_cell, "power"), "",
        "## Leader named right (%) (significant, and the right sign)", "",
        _cell_markdown(rates, lambda r: _pct(r["leader_right"]), "leader"), "",
        f"## Session lag error: bias / median |error| (s) / within {LAG_TOLERANCE_S:g} s (%)",
        "", _cell_markdown(rates, _lag_cell, "lag"), "",
        "## Cost", "", _md_table(["method", "CPU s per pair", "CPU min in all", "errors"],
                                 cost_rows), "",
    ])


def write_outputs(rows: list[dict[str, Any]], run: dict[str, Any], out: Path) -> pd.DataFrame:
    """Write pairs.csv, rates.csv, report.md and run.json; return the short table."""
    pairs = pd.DataFrame(rows)
    pairs.to_csv(out / "pairs.csv", index=False)
    rates = rates_table(pairs)
    rates.to_csv(out / "rates.csv", index=False)
    short = short_table(pairs, rates, run)
    (out / "report.md").write_text(report_markdown(rates, short, run))
    (out / "run.json").write_text(json.dumps(run, indent=2, default=str) + "\n")
    return short
