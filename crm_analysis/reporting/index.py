"""``reports/index.html``: the runs grouped by client (newest first within a client), one row per
run with its date, notebook, title, headline, parameters and files, and for a client with several
waves the trend of its satisfaction index (from tracking runs, else from its csi runs)."""
from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

from .html import _CSS, shown_value


def collect_runs(reports_dir: Path) -> list[dict[str, Any]]:
    """Every run folder under ``reports_dir`` (newest first), read from its provenance and results."""
    runs = []
    for prov_path in reports_dir.glob("*/provenance.json"):
        folder = prov_path.parent
        if folder.name.startswith("."):
            continue
        try:
            prov = json.loads(prov_path.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        results_path = folder / "results.json"
        try:
            results = json.loads(results_path.read_text("utf-8")) if results_path.exists() else {}
        except ValueError:
            results = {}
        error_path = folder / "error.txt"
        runs.append({
            "folder": folder.name,
            "notebook": prov.get("notebook", "?"),
            "started": prov.get("started", ""),
            "status": prov.get("status", "?"),
            "parameters": prov.get("parameters", {}),
            "summary": results.get("summary") or {},
            "trend": _trend_points(prov, results),
            "headline": results.get("headline") or (error_path.read_text("utf-8").strip().splitlines()[0]
                                                    if error_path.exists() else ""),
            "files": [p.name for p in sorted(folder.iterdir())
                      if p.suffix in {".html", ".ipynb", ".json", ".txt", ".pdf", ".xlsx", ".pptx"}],
        })
    runs.sort(key=lambda r: (r["started"], r["folder"]), reverse=True)
    return runs


def _trend_points(prov: dict[str, Any], results: dict[str, Any]) -> list[dict[str, Any]]:
    """The satisfaction-index points a run contributes to its client's trend: every wave of a
    tracking run, or the target construct's index of a csi run (labelled by its wave, else date)."""
    params = prov.get("parameters") or {}
    waves = results.get("waves")
    if prov.get("notebook") == "tracking" and isinstance(waves, list):
        return [{"wave": str(w.get("wave", w.get("name", ""))), "index": w.get("index"), "ci_low": w.get("ci_low"),
                 "ci_high": w.get("ci_high"), "started": prov.get("started", ""), "series": True}
                for w in waves if isinstance(w, dict) and isinstance(w.get("index"), (int, float))]
    index = results.get("index")
    if prov.get("notebook") == "csi" and isinstance(index, list):
        target = params.get("target") or "Satisfaction"
        for row in index:
            if isinstance(row, dict) and row.get("construct") == target and isinstance(row.get("index"), (int, float)):
                return [{"wave": str(params.get("wave") or prov.get("started", "")[:10]), "index": row["index"],
                         "ci_low": row.get("ci_low"), "ci_high": row.get("ci_high"),
                         "started": prov.get("started", ""), "series": False}]
    return []


def client_trend(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A client's index over its waves: the newest tracking run's waves when there is one, else one
    point per csi run (oldest first; a wave run twice counts once, the newest run)."""
    series = [r for r in runs if any(p["series"] for p in r["trend"])]
    if series:
        return max(series, key=lambda r: r["started"])["trend"]
    by_wave: dict[str, dict[str, Any]] = {}
    for run in sorted(runs, key=lambda r: r["started"]):
        for point in run["trend"]:
            by_wave[point["wave"]] = point
    return sorted(by_wave.values(), key=lambda p: p["started"])


def _sparkline(points: list[dict[str, Any]]) -> str:
    """A small inline SVG of the index with its intervals (no script, no external file)."""
    w, h, pad = 220, 60, 8
    lows = [p["ci_low"] if isinstance(p.get("ci_low"), (int, float)) else p["index"] for p in points]
    highs = [p["ci_high"] if isinstance(p.get("ci_high"), (int, float)) else p["index"] for p in points]
    lo, hi = min(lows), max(highs)
    span = (hi - lo) or 1.0

    def xy(i: int, v: float) -> tuple[float, float]:
        x = pad + (w - 2 * pad) * (i / (len(points) - 1) if len(points) > 1 else 0.5)
        return x, h - pad - (h - 2 * pad) * (v - lo) / span

    bars = "".join(f'<line x1="{xy(i, a)[0]:.1f}" y1="{xy(i, a)[1]:.1f}" x2="{xy(i, b)[0]:.1f}" y2="{xy(i, b)[1]:.1f}" '
                   'stroke="#9bb3cf" stroke-width="3"/>' for i, (a, b) in enumerate(zip(lows, highs)))
    line = " ".join(f"{xy(i, p['index'])[0]:.1f},{xy(i, p['index'])[1]:.1f}" for i, p in enumerate(points))
    dots = "".join(f'<circle cx="{xy(i, p["index"])[0]:.1f}" cy="{xy(i, p["index"])[1]:.1f}" r="2.5" fill="#1f4e89"/>'
                   for i, p in enumerate(points))
    return (f'<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="index trend">{bars}'
            f'<polyline points="{line}" fill="none" stroke="#1f4e89" stroke-width="1.5"/>{dots}</svg>')


def _trend_html(points: list[dict[str, Any]]) -> str:
    if len(points) < 2:
        return ""

    def one(p: dict[str, Any]) -> str:
        ci = (f" [{p['ci_low']:.1f}, {p['ci_high']:.1f}]" if isinstance(p.get("ci_low"), (int, float))
              and isinstance(p.get("ci_high"), (int, float)) else "")
        return f"{html.escape(p['wave'])}: <b>{p['index']:.1f}</b>{ci}"

    return (f'<div class="trend">{_sparkline(points)}<div class="meta">Satisfaction index by wave · 各期满意度指数: '
            + " → ".join(one(p) for p in points) + "</div></div>")


def _row(run: dict[str, Any]) -> str:
    name = html.escape(run["folder"])
    params = "<br>".join(f"{html.escape(k)} = {html.escape(shown_value(v))}" for k, v in run["parameters"].items())
    p, summary = run["parameters"], run["summary"]
    title = p.get("title") or summary.get("title")
    report = "<br>".join(html.escape(str(v)) for v in (title, " · ".join(
        str(x) for x in (p.get("wave"), p.get("author")) if x)) if v)
    links = " · ".join(f'<a href="{name}/{html.escape(f)}">{html.escape(f)}</a>' for f in run["files"])
    status = "✔" if run["status"] == "ok" else '<span style="color:#b8404a">✘ failed</span>'
    main_link = f'<a href="{name}/report.html">{name}</a>' if "report.html" in run["files"] else name
    return (f"<tr><td>{html.escape(run['started'][:16].replace('T', ' '))}</td>"
            f"<td>{html.escape(run['notebook'])}</td><td>{main_link}</td><td>{report}</td><td>{status}</td>"
            f"<td>{html.escape(str(run['headline']))}</td><td class=p>{params}</td><td>{links}</td></tr>")


_HEAD = ("<table><thead><tr><th>Date 日期</th><th>Notebook 笔记本</th><th>Run 运行</th><th>Report 报告</th>"
         "<th>Status</th><th>Headline 主要结果</th><th>Parameters 参数</th><th>Files 文件</th></tr></thead><tbody>")


def write_index(reports_dir: Path) -> Path:
    """Write ``index.html`` in ``reports_dir`` linking every run, grouped by client; returns its path."""
    reports_dir = Path(reports_dir)
    runs = collect_runs(reports_dir)
    groups: dict[str | None, list[dict[str, Any]]] = {}
    for run in runs:  # newest first; a client's group sits where its newest run is
        client = run["parameters"].get("client") or run["summary"].get("client")
        groups.setdefault(str(client) if client else None, []).append(run)
    sections = []
    for client in sorted(groups, key=lambda c: c is None):  # runs without a client last
        members = groups[client]
        heading = html.escape(client) if client else "Runs without a client · 未指定客户的运行"
        sections.append(f"<h2>{heading} <small>({len(members)})</small></h2>"
                        + (_trend_html(client_trend(members)) if client else "")
                        + _HEAD + "".join(_row(r) for r in members) + "</tbody></table>")
    body = "".join(sections) if runs else "<p>No runs yet. 尚无运行记录。</p>"
    page = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>crm-analysis reports</title>"
            f"<style>{_CSS} td.p {{ font-size:.78rem; }} td, th {{ text-align:left; }} h2 small {{ color:#777; }}"
            # a bilingual header breaks between its two words, never inside 笔记本 or 主要结果
            " th { word-break: keep-all; }"
            " div.trend { display:flex; gap:1rem; align-items:center; margin:.3rem 0 .6rem 0; }</style></head>"
            "<body><header class=\"report\"><h1>crm-analysis reports · 报告</h1>"
            f"<div class=\"meta\">{len(runs)} run(s) · 次运行</div></header><main>{body}</main></body></html>\n")
    path = reports_dir / "index.html"
    tmp = reports_dir / ".index.html.tmp"
    tmp.write_text(page, "utf-8")
    os.replace(tmp, path)
    return path
