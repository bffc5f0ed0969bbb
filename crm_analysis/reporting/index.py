"""``reports/index.html``: one row per run with its date, notebook, parameters and headline."""
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
            "headline": results.get("headline") or (error_path.read_text("utf-8").strip().splitlines()[0]
                                                    if error_path.exists() else ""),
            "files": [p.name for p in sorted(folder.iterdir())
                      if p.suffix in {".html", ".ipynb", ".json", ".txt", ".pdf", ".xlsx", ".pptx"}],
        })
    runs.sort(key=lambda r: (r["started"], r["folder"]), reverse=True)
    return runs


def write_index(reports_dir: Path) -> Path:
    """Write ``index.html`` in ``reports_dir`` linking every run; returns its path."""
    reports_dir = Path(reports_dir)
    rows = []
    for run in collect_runs(reports_dir):
        name = html.escape(run["folder"])
        params = "<br>".join(f"{html.escape(k)} = {html.escape(shown_value(v))}" for k, v in run["parameters"].items())
        p = run["parameters"]
        report = "<br>".join(html.escape(str(v)) for v in (p.get("title"), " · ".join(
            str(x) for x in (p.get("client"), p.get("wave"), p.get("author")) if x)) if v)
        links = " · ".join(f'<a href="{name}/{html.escape(f)}">{html.escape(f)}</a>' for f in run["files"])
        status = "✔" if run["status"] == "ok" else '<span style="color:#b8404a">✘ failed</span>'
        main_link = f'<a href="{name}/report.html">{name}</a>' if "report.html" in run["files"] else name
        rows.append(f"<tr><td>{html.escape(run['started'][:16].replace('T', ' '))}</td>"
                    f"<td>{html.escape(run['notebook'])}</td><td>{main_link}</td><td>{report}</td><td>{status}</td>"
                    f"<td>{html.escape(str(run['headline']))}</td><td class=p>{params}</td><td>{links}</td></tr>")
    body = ("<table><thead><tr><th>Date 日期</th><th>Notebook 笔记本</th><th>Run 运行</th><th>Report 报告</th><th>Status</th>"
            "<th>Headline 主要结果</th><th>Parameters 参数</th><th>Files 文件</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>") if rows else "<p>No runs yet. 尚无运行记录。</p>"
    page = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>crm-analysis reports</title>"
            f"<style>{_CSS} td.p {{ font-size:.78rem; }} td, th {{ text-align:left; }}</style></head>"
            "<body><header class=\"report\"><h1>crm-analysis reports · 报告</h1>"
            f"<div class=\"meta\">{len(rows)} run(s) · 次运行</div></header><main>{body}</main></body></html>\n")
    path = reports_dir / "index.html"
    tmp = reports_dir / ".index.html.tmp"
    tmp.write_text(page, "utf-8")
    os.replace(tmp, path)
    return path
