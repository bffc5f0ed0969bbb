"""CB-SEM speed: one ECSI fit on the mobi data, ours against R lavaan and plain semopy, one run.

    .venv/bin/python benchmarks/bench_cbsem.py

The ECSI preset on ``../shared/data/ecsi_mobi.csv`` (7 constructs, 24 indicators, 250
respondents), the model whose flat likelihood made the earlier semopy-based fit stop short of
the optimum. Each line prints the time per fit and the chi-square reached, so that speed is never
bought with a worse optimum. lavaan is timed inside R (``Rscript``, when present; Debian:
``apt-get install r-base-core r-cran-lavaan``), excluding R's start-up and data loading.
Method and figures: benchmarks/README_cbsem.md.
"""
from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crm_analysis import csi  # noqa: E402
from crm_analysis.sem.cbsem import estimate_cbsem  # noqa: E402

REPEATS = 20
MOBI = ROOT.parent / "shared" / "data" / "ecsi_mobi.csv"


def timed(fn, repeats: int = REPEATS) -> tuple[float, float, object]:
    """Median wall-clock and CPU seconds per call (CPU time is what other jobs on a shared
    machine do not inflate; both engines run single-threaded)."""
    wall, cpu, out = [], [], None
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return statistics.median(wall), statistics.median(cpu), out


def lavaan_time(model_text: str) -> tuple[float, float, float] | None:
    if shutil.which("Rscript") is None:
        return None
    script = f"""
suppressPackageStartupMessages(library(lavaan))
d <- read.csv("{MOBI}")[, -1]
m <- "{model_text}"
f <- sem(m, data = d)
t <- replicate({REPEATS}, system.time(sem(m, data = d)))
cat(median(t["elapsed", ]), median(t["user.self", ] + t["sys.self", ]), fitMeasures(f, "chisq"), "\\n")
"""
    try:
        out = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        print(f"   lavaan failed: {out.stderr.strip()[:300]}")
        return None
    wall, cpu, chi2 = out.stdout.split()[:3]
    return float(wall), float(cpu), float(chi2)


def main() -> int:
    if not MOBI.exists():
        print(f"needs {MOBI}", file=sys.stderr)
        return 1
    data = pd.read_csv(MOBI, index_col=0)
    model = csi.preset("ecsi")
    print("One ML fit of the ECSI preset on the mobi data (median of "
          f"{REPEATS} warm runs; fit measures and standardised solution included)")

    def ours():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return estimate_cbsem(data, model)

    w_ours, c_ours, res = timed(ours)
    print("                                         wall ms    CPU ms   chi2")
    print(f"   ours ({len(res.starts)} starts, verified gradient): {w_ours * 1000:8.1f} {c_ours * 1000:8.1f}   "
          f"{res.fit['chi2']:.3f}")
    lav = lavaan_time(model.to_text().replace("\n", "\\n"))
    if lav is None:
        print("   lavaan: Rscript with lavaan not found, skipped")
    else:
        w_lav, c_lav, chi2_lav = lav
        print(f"   R lavaan sem() defaults:            {w_lav * 1000:8.1f} {c_lav * 1000:8.1f}   {chi2_lav:.3f}")
        print(f"   ratio lavaan / ours: {w_lav / w_ours:5.2f}x wall-clock, {c_lav / c_ours:5.2f}x CPU")
    import semopy

    items = model.all_indicators

    def semopy_fit():
        m = semopy.Model(model.to_text())
        m.fit(data[items])
        return m

    w_sem, c_sem, m = timed(semopy_fit, 5)
    chi2_sem = semopy.calc_stats(m)["chi2"].iloc[0]
    print(f"   semopy alone (its defaults):        {w_sem * 1000:8.1f} {c_sem * 1000:8.1f}   {chi2_sem:.3f}")
    print(f"   ratio semopy / ours: {w_sem / w_ours:5.2f}x wall-clock, {c_sem / c_ours:5.2f}x CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
