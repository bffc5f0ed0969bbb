"""CSI speed: group comparison and CB-SEM against the PyPI seminr package and plain semopy
(one CB-SEM fit against R lavaan: bench_cbsem.py).

    .venv/bin/python benchmarks/bench_csi.py            # B = 1000 bootstrap resamples per group
    .venv/bin/python benchmarks/bench_csi.py --quick    # B = 200

Both on the ECSI model of ``../shared/data/ecsi_satisfaction.csv`` (6 constructs, 27 indicators,
250 respondents: 148 women, 102 men). Method and figures: benchmarks/README_csi.md.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.peers import seminr_model  # noqa: E402
from crm_analysis import csi  # noqa: E402
from crm_analysis.sem.cbsem import estimate_cbsem  # noqa: E402

ECSI = csi.satisfaction_model()  # the model of the data (R plspm's satisfaction layout)


def best_of(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="200 instead of 1000 resamples per group")
    args = ap.parse_args()
    B = 200 if args.quick else 1000
    shared = ROOT.parent / "shared" / "data" / "ecsi_satisfaction.csv"
    if not shared.exists():
        print(f"needs {shared}", file=sys.stderr)
        return 1
    data = pd.read_csv(shared, index_col=0)
    items = [c for c in data.columns if c != "gender"]
    try:
        import seminr
    except ImportError:
        seminr = None
        print("PyPI seminr not installed: peer figures skipped (pip install seminr)")

    print(f"\n1. PLS multigroup analysis by gender, {B} bootstrap resamples per group")
    ours = best_of(lambda: csi.compare_groups(data, ECSI, "gender", permutations=B, bootstrap=B, seed=1), 3)
    print(f"   ours  (Henseler MGA + permutation test with {B} permutations): {ours:8.2f} s")
    if seminr is not None:
        mm, sm = seminr_model(seminr, ECSI)
        full = seminr.estimate_pls(data[items], mm, sm)
        cond = (data["gender"] == "female").to_numpy()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            peer = best_of(lambda: seminr.estimate_pls_mga(full, cond, nboot=B, seed=1), 1)
        print(f"   seminr estimate_pls_mga (Henseler MGA only):               {peer:8.2f} s")
        print(f"   ratio seminr / ours: {peer / ours:6.1f}x")

    print("\n2. CB-SEM, one maximum-likelihood fit with fit measures and standardised solution")
    import semopy

    def ours_fit():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            estimate_cbsem(data, ECSI)

    def semopy_fit():
        m = semopy.Model(ECSI.to_text())
        m.fit(data[items])
        m.inspect(std_est=True)
        semopy.calc_stats(m)

    t_ours = statistics.median([best_of(ours_fit, 1) for _ in range(5)])
    t_semopy = statistics.median([best_of(semopy_fit, 1) for _ in range(5)])
    print(f"   ours (own ML, lavaan's optimum, fit measures + checks):     {t_ours * 1000:8.1f} ms")
    print(f"   semopy alone (default tolerance, its own calc_stats):        {t_semopy * 1000:8.1f} ms"
          f"   ratio {t_semopy / t_ours:5.2f}x")
    if seminr is not None:
        mm, sm = seminr_model(seminr, ECSI, reflective=True)
        t_seminr = statistics.median([best_of(lambda: seminr.estimate_cbsem(data[items], mm, sm, estimator="ML"), 1)
                                      for _ in range(3)])
        print(f"   seminr estimate_cbsem (ML):                                   {t_seminr * 1000:8.1f} ms"
              f"   ratio seminr / ours {t_seminr / t_ours:5.1f}x")

    print("\n3. CB-SEM measurement invariance by gender (configural, metric, scalar)")
    t_inv = best_of(lambda: csi.compare_groups(data, ECSI, "gender", estimator="cbsem"), 3)
    print(f"   ours (three multigroup ML fits, own RAM engine):             {t_inv:8.2f} s   (no peer in Python)")

    print("\n4. 0-100 index with bootstrap intervals from a bootstrapped PLS fit")
    from crm_analysis import sem

    fit = sem.estimate_pls(data, ECSI, bootstrap=5000, seed=1)
    t_idx = best_of(lambda: csi.index(fit, scale=(0, 10), data=data), 5)
    print(f"   ours, 5000 resamples:                                        {t_idx * 1000:8.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
