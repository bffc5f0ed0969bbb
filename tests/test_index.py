"""reports/index.html: runs grouped by client, each client's index trend over its waves (issue 12, point 6)."""
import json

from crm_analysis.reporting.index import client_trend, collect_runs, write_index


def _run(folder, notebook, started, params, results):
    folder.mkdir(parents=True)
    (folder / "provenance.json").write_text(json.dumps({"notebook": notebook, "started": started, "status": "ok",
                                                        "parameters": params}), "utf-8")
    (folder / "results.json").write_text(json.dumps(results), "utf-8")
    (folder / "report.html").write_text("<html></html>", "utf-8")


def _csi(index, lo, hi):
    return {"index": [{"construct": "Image", "index": 50.0, "ci_low": 49.0, "ci_high": 51.0},
                      {"construct": "Satisfaction", "index": index, "ci_low": lo, "ci_high": hi}],
            "headline": f"index {index}", "summary": {"title": "CSI"}}


def test_runs_grouped_by_client_with_the_index_trend_over_waves(tmp_path):
    _run(tmp_path / "csi-a1", "csi", "2026-01-05T10:00", {"client": "ACME", "wave": "2025 Q4", "target": "Satisfaction"},
         _csi(70.2, 68.9, 71.5))
    _run(tmp_path / "csi-a2", "csi", "2026-04-05T10:00", {"client": "ACME", "wave": "2026 Q1", "target": "Satisfaction"},
         _csi(72.5, 70.8, 74.4))
    _run(tmp_path / "csi-b", "csi", "2026-03-01T10:00", {"client": "Beta", "wave": "2026 Q1"}, _csi(65.0, 63.0, 67.0))
    _run(tmp_path / "tour-x", "tour", "2026-05-01T10:00", {"title": None}, {"headline": "tour",
                                                                             "summary": {"title": "Tour"}})
    runs = collect_runs(tmp_path)
    acme = [r for r in runs if r["parameters"].get("client") == "ACME"]
    trend = client_trend(acme)
    assert [(p["wave"], p["index"]) for p in trend] == [("2025 Q4", 70.2), ("2026 Q1", 72.5)]  # oldest first
    page = write_index(tmp_path).read_text("utf-8")
    # one section per client, runs without a client last; the trend only where there are two waves
    assert page.index("<h2>ACME") < page.index("<h2>Beta") < page.index("Runs without a client")
    acme_part = page[page.index("<h2>ACME"):page.index("<h2>Beta")]
    assert "<svg" in acme_part and "2025 Q4: <b>70.2</b> [68.9, 71.5] → 2026 Q1: <b>72.5</b> [70.8, 74.4]" in acme_part
    assert "<svg" not in page[page.index("<h2>Beta"):]
    assert "Tour" in page  # a run's title falls back to its summary's


def test_a_tracking_run_gives_the_whole_series(tmp_path):
    waves = [{"wave": "w1", "n": 300, "index": 70.0, "ci_low": 69.0, "ci_high": 71.0},
             {"wave": "w2", "n": 310, "index": 71.5, "ci_low": 70.4, "ci_high": 72.6},
             {"wave": "w3", "n": 305, "index": 69.9, "ci_low": 68.7, "ci_high": 71.1}]
    _run(tmp_path / "tracking-1", "tracking", "2026-06-01T10:00", {"client": "ACME"}, {"waves": waves})
    _run(tmp_path / "csi-1", "csi", "2026-06-02T10:00", {"client": "ACME", "wave": "w3"}, _csi(69.9, 68.7, 71.1))
    trend = client_trend(collect_runs(tmp_path))
    assert [p["wave"] for p in trend] == ["w1", "w2", "w3"]
    assert "w2: <b>71.5</b> [70.4, 72.6]" in write_index(tmp_path).read_text("utf-8")
