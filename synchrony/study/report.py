"""``report.html``: one self-contained file (figures embedded as PNG) that opens offline.

Per signal: genuine vs pseudo-dyad distributions of the session statistic, the mean lag
profiles of genuine and pseudo-dyads (as rMEA's lag plot; lag > 0: A leads and B follows),
the study statistics (means, Cohen's d with its 95 % interval, permutation p); then the
per-dyad table and the failures.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from synchrony.engine.lead import SIGN_CONVENTION

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:0.9em}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f0f0f0} td.t{text-align:left}
.fig{display:flex;gap:1em;flex-wrap:wrap} .note{color:#555;font-size:0.9em}
.failed{color:#a00}
"""


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if not math.isfinite(value) else f"{value:.{digits}f}"
    return html.escape(str(value))


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    return ("<img alt='figure' src='data:image/png;base64,"
            f"{base64.b64encode(buf.getvalue()).decode()}'>")


def _figures(signal: str, genuine: Sequence[float], pseudo: Sequence[float],
             block: Mapping[str, Any]) -> str:
    from matplotlib.figure import Figure

    out = []
    fig = Figure(figsize=(5, 3.2))
    ax = fig.add_subplot()
    values = [v for v in (*genuine, *pseudo) if math.isfinite(v)]
    if values:
        bins = np.linspace(min(values), max(values) + 1e-9, 25).tolist()
        if pseudo:
            ax.hist(pseudo, bins=bins, density=True, alpha=0.5, color="grey",
                    label=f"pseudo-dyads (n = {len(pseudo)})")
        ax.hist(genuine, bins=bins, density=True, alpha=0.6, color="tab:blue",
                label=f"genuine dyads (n = {len(genuine)})")
        ax.legend(fontsize=8)
    ax.set_xlabel("strength (lag-profile peak, mean Fisher z)")
    ax.set_ylabel("density")
    ax.set_title(f"{signal}: genuine vs pseudo")
    out.append(_png(fig))
    lags = np.asarray(block.get("lags_s", []), dtype=float)
    fig = Figure(figsize=(5, 3.2))
    ax = fig.add_subplot()
    for key, label, color in (("genuine_profile_z", "genuine", "tab:blue"),
                              ("pseudo_profile_z", "pseudo", "grey")):
        prof = np.asarray(block.get(key, []), dtype=float)
        if prof.size and prof.size == lags.size:
            ax.plot(lags, prof, color=color, label=label)
    ax.axvline(0, color="k", lw=0.5)
    ax.set_xlabel("lag (s)   < B leads | A leads >")
    ax.set_ylabel("mean Fisher z")
    ax.set_title(f"{signal}: lag profile")
    ax.legend(fontsize=8)
    out.append(_png(fig))
    return "<div class='fig'>" + "".join(out) + "</div>"


def _stats_table(block: Mapping[str, Any]) -> str:
    head = ("<tr><th>measure</th><th>genuine mean (SD)</th><th>pseudo mean (SD)</th>"
            "<th>n genuine / pseudo</th><th>Cohen's d [95 % CI]</th><th>permutation p</th></tr>")
    body = []
    for key in ("strength", "grand_average"):
        s = block.get(key) or {}
        ci = s.get("d_ci95") or [math.nan, math.nan]
        body.append(
            f"<tr><td class='t'>{key}</td><td>{_fmt(s.get('genuine_mean'))} "
            f"({_fmt(s.get('genuine_sd'))})</td><td>{_fmt(s.get('pseudo_mean'))} "
            f"({_fmt(s.get('pseudo_sd'))})</td><td>{s.get('n_genuine', 0)} / "
            f"{s.get('n_pseudo', 0)}</td><td>{_fmt(s.get('d'), 2)} [{_fmt(ci[0], 2)}, "
            f"{_fmt(ci[1], 2)}]</td><td>{_fmt(s.get('p_permutation'), 4)}</td></tr>")
    return f"<table>{head}{''.join(body)}</table>"


DYAD_COLUMNS = ("id", "dyad", "session", "signal", "strength", "lag_s", "who_leads", "p",
                "pseudo_percentile", "grand_average", "n_windows", "status")


def _dyad_table(rows: Sequence[Mapping[str, Any]]) -> str:
    head = "".join(f"<th>{c}</th>" for c in DYAD_COLUMNS)
    body = []
    for r in rows:
        cls = " class='failed'" if r.get("status") != "ok" else ""
        cells = "".join(f"<td class='t'>{_fmt(r.get(c))}</td>" if c in (
            "id", "dyad", "session", "signal", "who_leads", "status")
            else f"<td>{_fmt(r.get(c))}</td>" for c in DYAD_COLUMNS)
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _convergence_table(rows: Sequence[Mapping[str, Any]]) -> str:
    head = ("<tr><th>signal</th><th>methods</th><th>items</th><th>Spearman ρ of the session "
            "statistics (p)</th><th>same leader</th><th>same leader where one is named (n)"
            "</th></tr>")
    body = "".join(
        f"<tr><td class='t'>{_fmt(r['signal'])}</td><td class='t'>{_fmt(r['method_a'])} vs "
        f"{_fmt(r['method_b'])}</td><td>{r['n_items']}</td><td>{_fmt(r['spearman_rho'], 2)} "
        f"({_fmt(r['spearman_p'], 3)})</td><td>{_fmt(r['leader_agreement'], 2)}</td><td>"
        f"{_fmt(r['leader_agreement_named'], 2)} ({r['n_leader_named']})</td></tr>"
        for r in rows)
    note = ("<p class='note'>Each method's own session statistic; ranks are compared "
            "(Spearman), since the methods' units differ. A leader is named only where that "
            "method's surrogate test is significant.</p>")
    return f"<table>{head}{body}</table>{note}"


def render_report(rows: Sequence[Mapping[str, Any]], summary: Mapping[str, Any],
                  failures: Sequence[Mapping[str, Any]]) -> str:
    """Return the report's HTML text."""
    params = summary.get("options", {}).get("params", {})
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>synchrony study</title><style>{_STYLE}</style></head><body>",
        "<h1>Synchrony study</h1>",
        f"<p>{summary.get('n_items', 0)} items, {summary.get('n_failed', 0)} failed; "
        f"{summary.get('pseudo', {}).get('n_pairs', 0)} pseudo-dyads. WCC window "
        f"{_fmt(params.get('window_s'), 2)} s, step {_fmt(params.get('step_s'), 2)} s, lags up "
        f"to ±{_fmt(params.get('max_lag_s'), 2)} s, windowing "
        f"{html.escape(str(params.get('windowing', '')))}.</p>",
        f"<p class='note'>{html.escape(str(summary.get('statistic', '')))}. "
        f"{html.escape(SIGN_CONVENTION)}. Cohen's d = (genuine mean − pseudo mean) / pooled "
        "SD (rMEA prints its absolute value); its interval resamples items; the permutation "
        "p is one-sided (genuine above pseudo).</p>",
    ]
    for signal, block in summary.get("signals", {}).items():
        genuine = [float(r["strength"]) for r in rows if r.get("signal") == signal
                   and r.get("status") == "ok" and r.get("strength") is not None
                   and math.isfinite(float(r["strength"]))]
        pseudo = block.get("_pseudo_strengths", [])
        parts += [f"<h2>{html.escape(signal)}</h2>", _stats_table(block),
                  _figures(signal, genuine, pseudo, block)]
    if len(summary.get("methods", [])) > 1:
        parts += ["<h2>Do the methods agree?</h2>", _convergence_table(
            summary.get("convergence", []))]
    parts += ["<h2>Dyads</h2>", _dyad_table(rows), "<h2>Failures</h2>"]
    if failures:
        parts.append("<table><tr><th>id</th><th>path</th><th>reason</th></tr>" + "".join(
            f"<tr class='failed'><td class='t'>{_fmt(f['id'])}</td><td class='t'>"
            f"{_fmt(f['path'])}</td><td class='t'>{_fmt(f['reason'])}</td></tr>"
            for f in failures) + "</table>")
    else:
        parts.append("<p>None.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_report(path: Path, rows: Sequence[Mapping[str, Any]], summary: Mapping[str, Any],
                 failures: Sequence[Mapping[str, Any]],
                 pseudo_strengths: Mapping[str, Sequence[float]] | None = None) -> None:
    """Write ``report.html`` (``pseudo_strengths``: signal -> pseudo-dyad strengths)."""
    signals = {s: {**b, "_pseudo_strengths": list((pseudo_strengths or {}).get(s, []))}
               for s, b in summary.get("signals", {}).items()}
    path.write_text(render_report(rows, {**summary, "signals": signals}, failures),
                    encoding="utf-8")
