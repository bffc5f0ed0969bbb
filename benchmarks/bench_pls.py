"""PLS-SEM speed: our engine against PyPI plspm and PyPI seminr, same model, same machine, one run.

    .venv/bin/python benchmarks/bench_pls.py                # everything (creates the plspm venv)
    .venv/bin/python benchmarks/bench_pls.py --quick        # fewer peer resamples
    .venv/bin/python benchmarks/bench_pls.py --no-peers     # our figures only

Method and figures: benchmarks/README_pls.md.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.peers import seminr_model  # noqa: E402
from crm_analysis import csi, sem  # noqa: E402

PLSPM_VENV = ROOT / "benchmarks" / ".venv-plspm"

# The ECSI model of the mobi data (PEERS.md): 7 constructs, 24 indicators, all mode A.
ECSI = csi.preset("ecsi")

PLSPM_SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    import pandas as pd
    import plspm.config as c
    from plspm.plspm import Plspm
    from plspm.scheme import Scheme
    from plspm.mode import Mode
    data = pd.read_csv(sys.argv[1], index_col=0)
    resamples, processes = int(sys.argv[2]), int(sys.argv[3])
    s = c.Structure()
    s.add_path(["Image"], ["Expectation", "Satisfaction", "Loyalty"])
    s.add_path(["Expectation"], ["Quality", "Value", "Satisfaction"])
    s.add_path(["Quality"], ["Value", "Satisfaction"])
    s.add_path(["Value"], ["Satisfaction"])
    s.add_path(["Satisfaction"], ["Complaints", "Loyalty"])
    s.add_path(["Complaints"], ["Loyalty"])
    cfg = c.Config(s.path(), scaled=True)
    for lv, prefix in [("Image", "IMAG"), ("Expectation", "CUEX"), ("Quality", "PERQ"),
                       ("Value", "PERV"), ("Satisfaction", "CUSA"), ("Loyalty", "CUSL")]:
        cfg.add_lv_with_columns_named(lv, Mode.A, data, prefix)
    cfg.add_lv("Complaints", Mode.A, c.MV("CUSCO"))
    t = time.perf_counter(); Plspm(data, cfg, Scheme.PATH, 300, 1e-7); fit = time.perf_counter() - t
    t = time.perf_counter()
    Plspm(data, cfg, Scheme.PATH, 300, 1e-7, bootstrap=True, bootstrap_iterations=resamples,
          processes=processes)
    boot = time.perf_counter() - t
    print(json.dumps({"fit": fit, "boot": boot, "resamples": resamples, "processes": processes}))
    """
)


def load_mobi() -> pd.DataFrame:
    shared = Path(os.environ.get("CRM_ANALYSIS_SHARED", ROOT.parent / "shared"))
    path = shared / "data" / "ecsi_mobi.csv"
    if path.exists():
        return pd.read_csv(path, index_col=0)
    from seminr.datasets import load_mobi as seminr_mobi  # the same data, shipped with seminr

    d = seminr_mobi()
    return pd.DataFrame(d.to_numpy(), columns=list(d.columns))


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def ensure_plspm_venv() -> Path | None:
    python = PLSPM_VENV / "bin" / "python"
    if python.exists():
        return python
    print(f"creating {PLSPM_VENV.relative_to(ROOT)} (plspm needs pandas<3) ...", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(PLSPM_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "plspm==0.5.7", "pandas<3"],
                       check=True)
    except subprocess.CalledProcessError as exc:
        print(f"  could not create the plspm environment: {exc}")
        return None
    return python


def run_plspm(data: pd.DataFrame, resamples: int, processes: int) -> dict | None:
    python = ensure_plspm_venv()
    if python is None:
        return None
    script = PLSPM_VENV / "bench_plspm_child.py"  # inside the git-ignored venv folder
    script.write_text(PLSPM_SCRIPT)
    data_csv = PLSPM_VENV / "mobi.csv"
    data.to_csv(data_csv)
    proc = subprocess.run([str(python), str(script), str(data_csv), str(resamples), str(processes)],
                          capture_output=True, text=True, timeout=3600)
    if proc.returncode != 0:
        print("  plspm failed:", proc.stderr.strip().splitlines()[-1:] or proc.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_seminr(data: pd.DataFrame, resamples: int) -> dict | None:
    try:
        import seminr
    except ImportError:
        return None
    mm, sm = seminr_model(seminr, ECSI)
    fit = min(timed(lambda: seminr.estimate_pls(data, mm, sm), 3))
    model = seminr.estimate_pls(data, mm, sm)
    boot = timed(lambda: seminr.bootstrap_model(model, nboot=resamples, seed=1, cores=1), 1)[0]
    scaling = {}
    for n in (10**4, 10**5):
        big = sem.simulate(ECSI, n=n, seed=n, scale=(1, 10))
        scaling[n] = min(timed(lambda: seminr.estimate_pls(big, mm, sm), 1))
    return {"fit": fit, "boot": boot, "resamples": resamples, "scaling": scaling}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--resamples", type=int, default=5000)
    ap.add_argument("--plspm-resamples", type=int, default=200)
    ap.add_argument("--seminr-resamples", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="20 plspm and 20 seminr resamples")
    ap.add_argument("--no-peers", action="store_true")
    args = ap.parse_args(argv)
    if args.quick:
        args.plspm_resamples, args.seminr_resamples, args.repeat = 20, 20, 3

    data = load_mobi()
    B = args.resamples
    print(f"ECSI model on mobi: {len(data)} respondents, 24 indicators, 7 constructs, path scheme; "
          f"{os.cpu_count()} cores; numpy {np.__version__}, pandas {pd.__version__}")
    sem.estimate_pls(data, ECSI, bootstrap=20, seed=0)  # warm-up (imports, caches)

    fit = timed(lambda: sem.estimate_pls(data, ECSI), args.repeat)
    full = timed(lambda: sem.estimate_pls(data, ECSI, bootstrap=B, seed=1), args.repeat)
    rng = np.random.default_rng(1)
    idx = rng.integers(0, len(data), size=(B, len(data)))
    batch = timed(lambda: sem.pls_batch(data, ECSI, indices=idx), args.repeat)
    ours_boot = statistics.median(full)
    print("\nours (crm_analysis.sem)")
    print(f"  fit                                   {1000 * min(fit):8.1f} ms")
    print(f"  {B} resamples, estimate_pls(bootstrap=) {statistics.median(full):8.3f} s median "
          f"(min {min(full):.3f}, max {max(full):.3f}; incl. BCa jackknife, all CIs and tables)")
    print(f"  {B} resamples, pls_batch (paths, weights, loadings, R²) "
          f"{statistics.median(batch):.3f} s median (min {min(batch):.3f})")
    print(f"  goal <= 1 s for {B} resamples: {'met' if ours_boot <= 1 else 'NOT met'}")

    print("\nscaling in respondents (simulated ECSI data, 10-point items, one fit)")
    ours_scaling = {}
    for n in (10**4, 10**5, 10**6):
        big = sem.simulate(ECSI, n=n, seed=n, scale=(1, 10))
        ours_scaling[n] = min(timed(lambda: sem.estimate_pls(big, ECSI), 3 if n < 10**6 else 2))
        print(f"  n = {n:>9,}  {ours_scaling[n]:8.3f} s")
    print(f"  goal 10^6 under 5 s: {'met' if ours_scaling[10**6] < 5 else 'NOT met'}")

    extra = bench_issue14(data, B, args)

    if args.no_peers:
        return
    print("\npeers (same model, same data, this run)")
    pp = run_plspm(data, args.plspm_resamples, processes=2)
    if pp:
        per = pp["boot"] / pp["resamples"]
        print(f"  plspm 0.5.7 (pandas<3 venv): fit {1000 * pp['fit']:.0f} ms; {pp['resamples']} resamples "
              f"({pp['processes']} processes) {pp['boot']:.1f} s = {per:.3f} s/resample "
              f"-> {B} resamples ~ {per * B:.0f} s (extrapolated)")
        print(f"  ratio bootstrap plspm / ours: {per * B / ours_boot:,.0f}x   "
              f"(goal >= 100x)")
        print(f"  ratio fit plspm / ours: {pp['fit'] / min(fit):,.0f}x")
    else:
        print("  plspm: not available")
    sr = run_seminr(data, args.seminr_resamples)
    if sr:
        per = sr["boot"] / sr["resamples"]
        print(f"  seminr 0.2.1 (PyPI): fit {1000 * sr['fit']:.1f} ms; {sr['resamples']} resamples "
              f"(1 process) {sr['boot']:.1f} s = {per:.3f} s/resample -> {B} ~ {per * B:.0f} s (extrapolated)")
        print(f"  ratio bootstrap seminr / ours: {per * B / ours_boot:,.0f}x")
        print(f"  ratio fit seminr / ours: {sr['fit'] / min(fit):,.1f}x")
        for n, t in sr["scaling"].items():
            print(f"  seminr fit n = {n:>9,}  {t:8.3f} s  (ours {ours_scaling[n]:.3f} s, "
                  f"ratio {t / ours_scaling[n]:,.0f}x)")
    else:
        print("  seminr: not installed (pip install seminr)")
    peers_issue14(data, extra, args)


def bench_issue14(data: pd.DataFrame, B: int, args) -> dict:
    """Ours: PLSc bootstrap, PLSpredict 10 folds x 10 repetitions, MICOM with 5000 permutations."""
    print("\nPLSc, PLSpredict, MICOM (ours)")
    plsc = timed(lambda: sem.estimate_pls(data, ECSI, consistent=True, bootstrap=B, seed=1), args.repeat)
    print(f"  PLSc, {B} resamples, estimate_pls(consistent=True, bootstrap=)  {statistics.median(plsc):8.3f} s "
          f"median (min {min(plsc):.3f}); goal <= 2 s: {'met' if statistics.median(plsc) <= 2 else 'NOT met'}")
    pred = timed(lambda: sem.predict_pls(data, ECSI, k=10, repetitions=10, seed=1), args.repeat)
    print(f"  PLSpredict 10 folds x 10 repetitions (100 training fits)  {statistics.median(pred):8.3f} s median")
    grouped = data.assign(_g=np.where(np.arange(len(data)) % 2 == 0, "a", "b"))
    mic = timed(lambda: sem.micom(grouped, ECSI, group="_g", permutations=5000, seed=1), max(1, args.repeat // 2))
    print(f"  MICOM, 5000 permutations (10,000 group fits)  {statistics.median(mic):8.3f} s median")
    return {"plsc": statistics.median(plsc), "predict": statistics.median(pred), "micom": statistics.median(mic),
            "B": B}


def peers_issue14(data: pd.DataFrame, ours: dict, args) -> None:
    """seminr's PLSc bootstrap and predict_pls on the same model; MICOM (not in seminr) as the
    equivalent number of seminr fits."""
    try:
        import seminr
    except ImportError:
        return
    print("\npeers, PLSc / PLSpredict / MICOM (seminr 0.2.1, this run)")
    mm, sm = seminr_model(seminr, ECSI, reflective=True)
    refl = seminr.estimate_pls(data, mm, sm)
    nb = args.seminr_resamples
    t = timed(lambda: seminr.bootstrap_model(refl, nboot=nb, seed=1, cores=1), 1)[0]
    est = t / nb * ours["B"]
    print(f"  PLSc bootstrap: {nb} resamples {t:.1f} s -> {ours['B']} ~ {est:.0f} s (extrapolated); "
          f"ratio seminr / ours {est / ours['plsc']:,.0f}x")
    mm, sm = seminr_model(seminr, ECSI)
    plain = seminr.estimate_pls(data, mm, sm)
    reps = 10 if not args.quick else 2
    t = timed(lambda: [seminr.predict_pls(plain, no_folds=10, seed=r) for r in range(reps)], 1)[0]
    est = t / reps * 10
    print(f"  PLSpredict 10 folds x {reps} repetitions (one predict_pls call each) {t:.1f} s"
          + (f" -> 10 repetitions ~ {est:.1f} s (extrapolated)" if reps != 10 else "")
          + f"; ratio seminr / ours {est / ours['predict']:,.0f}x")
    fit = min(timed(lambda: seminr.estimate_pls(data.iloc[::2], mm, sm), 3))
    est = fit * 2 * 5000
    print(f"  MICOM: seminr has none; 10,000 group fits at {1000 * fit:.1f} ms each ~ {est:.0f} s "
          f"(extrapolated); ratio {est / ours['micom']:,.0f}x")


if __name__ == "__main__":
    main()
