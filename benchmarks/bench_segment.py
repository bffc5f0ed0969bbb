"""RFM and holdout evaluation at scale: our engine against a plain pandas groupby and lifetimes.

    .venv/bin/python benchmarks/bench_segment.py               # 10 million transactions, 1 million customers
    .venv/bin/python benchmarks/bench_segment.py --quick       # 1 million transactions, 100,000 customers
    .venv/bin/python benchmarks/bench_segment.py --no-peers    # our figures only
    .venv/bin/python benchmarks/bench_segment.py --engines     # also polars and DuckDB (in benchmarks/.venv-engines)

Every task runs in a fresh interpreter that loads the same seeded data from .npy files, so each
figure has its own peak memory (ru_maxrss, data included; "data GB" is the peak after loading the
data, before the task). lifetimes runs in this interpreter
when it imports and works here (it does on pandas 3 as of lifetimes 0.11.3), otherwise in
``benchmarks/.venv-lifetimes`` (pandas < 3), created on first use. Method and figures:
benchmarks/README_segment.md.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIFETIMES_VENV = ROOT / "benchmarks" / ".venv-lifetimes"
ENGINES_VENV = ROOT / "benchmarks" / ".venv-engines"
CALIBRATION_END = "1997-09-30"  # simulated data start 1997-01-01 and span 546 days, as CDNOW
HOLDOUT_END = "1998-06-30"
LIMIT_SECONDS, LIMIT_GB = 10.0, 4.0

# Runs in any interpreter with numpy + pandas: loads the data and times one task.
WORKER = textwrap.dedent(
    r'''
    import json, resource, sys, time
    import numpy as np, pandas as pd
    folder, task, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
    tx = pd.DataFrame({"customer_id": np.load(folder + "/customer.npy"),
                       "date": np.load(folder + "/day.npy").astype("datetime64[D]").astype("datetime64[ns]"),
                       "dollar_value": np.load(folder + "/amount.npy")})
    CAL, HOLD = pd.Timestamp("%(cal)s"), pd.Timestamp("%(hold)s")
    rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6

    def pandas_rfm():
        # what a pandas user writes: one groupby, recency from the last date
        asof = tx["date"].max() + pd.Timedelta(days=1)
        r = tx.groupby("customer_id").agg(last=("date", "max"), frequency=("date", "size"),
                                           monetary=("dollar_value", "sum"))
        r["recency"] = (asof - r["last"]).dt.days
        return r

    def pandas_evaluate():
        # the same for one scheme (the 8-class mean split) judged on the holdout
        from sklearn.metrics import roc_auc_score
        cal = tx[tx["date"] <= CAL]
        r = cal.groupby("customer_id").agg(last=("date", "max"), frequency=("date", "size"),
                                            monetary=("dollar_value", "sum"))
        r["recency"] = (CAL + pd.Timedelta(days=1) - r["last"]).dt.days
        code = ((r["monetary"] <= r["monetary"].mean()) * 4 + (r["recency"] >= r["recency"].mean()) * 2
                + (r["frequency"] <= r["frequency"].mean()))
        hold = tx[(tx["date"] > CAL) & (tx["date"] <= HOLD)].groupby("customer_id")["dollar_value"].agg(["sum", "size"])
        r = r.join(hold).fillna({"sum": 0.0, "size": 0})
        top = code == code.min()
        captured = r.loc[top, "sum"].sum() / r["sum"].sum()
        lift = captured / top.mean()
        auc = roc_auc_score(r["size"] > 0, -code)
        return captured, lift, auc

    def lifetimes_summary():
        from lifetimes.utils import summary_data_from_transaction_data
        return summary_data_from_transaction_data(tx, "customer_id", "date", "dollar_value",
                                                  observation_period_end=CAL, freq="D")

    def lifetimes_calibration_holdout():
        from lifetimes.utils import calibration_and_holdout_data
        return calibration_and_holdout_data(tx, "customer_id", "date", calibration_period_end=CAL,
                                            observation_period_end=HOLD, freq="D", monetary_value_col="dollar_value")

    def polars_rfm():
        import polars as pl
        df = pl.from_pandas(tx)
        out = df.group_by("customer_id").agg(pl.col("date").max().alias("last"), pl.len().alias("frequency"),
                                             pl.col("dollar_value").sum().alias("monetary"))
        return out

    def duckdb_rfm():
        import duckdb
        return duckdb.sql("select customer_id, max(date) as last, count(*) as frequency, "
                          "sum(dollar_value) as monetary from tx group by customer_id").df()

    def ours_rfm():
        from crm_analysis import segment
        return segment.rfm(tx)

    def ours_evaluate():
        from crm_analysis import segment
        return segment.evaluate(tx, calibration_end=CAL, holdout_end=HOLD)

    def ours_evaluate_mean_split():
        from crm_analysis import segment
        return segment.evaluate(tx, calibration_end=CAL, holdout_end=HOLD, schemes=["mean_split"])

    fn = globals()[task]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    extra = {}
    if task == "ours_evaluate":
        extra = {"auc": dict(zip(result.table["scheme"], result.table["auc"].round(4)))}
    if task == "pandas_evaluate":
        extra = {"captured": round(float(result[0]), 4), "lift": round(float(result[1]), 4), "auc": round(float(result[2]), 4)}
    if task == "ours_evaluate_mean_split":
        row = result.table.iloc[0]
        extra = {"captured": round(float(row["captured_revenue"]), 4), "lift": round(float(row["lift"]), 4),
                 "auc": round(float(row["auc"]), 4)}
    print(json.dumps({"task": task, "seconds": min(times), "all": times, "rss_loaded_gb": rss_loaded,
                      "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, **extra}))
    '''
) % {"cal": CALIBRATION_END, "hold": HOLDOUT_END}


def generate(n_customers: int, n_transactions: int, folder: Path, seed: int = 0) -> None:
    import numpy as np

    sys.path.insert(0, str(ROOT))
    from crm_analysis.segment import simulate_transactions

    tx = simulate_transactions(n_customers, n_transactions, seed=seed)
    np.save(folder / "customer.npy", tx["customer_id"].to_numpy())
    np.save(folder / "day.npy", tx["date"].to_numpy().astype("datetime64[D]").astype("int64"))
    np.save(folder / "amount.npy", tx["dollar_value"].to_numpy())


def run(python: str, folder: Path, task: str, repeat: int, timeout: float = 1800) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([python, "-c", WORKER, str(folder), task, str(repeat)], capture_output=True, text=True,
                          env=env, timeout=timeout, cwd=ROOT)
    if proc.returncode != 0:
        return {"task": task, "error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _works(python: str, module: str) -> bool:
    return subprocess.run([python, "-c", f"import {module}"], capture_output=True).returncode == 0


def lifetimes_python() -> str | None:
    """An interpreter where lifetimes imports: this one, else benchmarks/.venv-lifetimes (created on demand)."""
    if _works(sys.executable, "lifetimes"):
        return sys.executable
    py = LIFETIMES_VENV / "bin" / "python"
    if not py.exists():
        print(f"creating {LIFETIMES_VENV} (lifetimes needs pandas < 3) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(LIFETIMES_VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", "lifetimes==0.11.3", "pandas<3", "numpy<2",
                        "scikit-learn"], check=True)
    return str(py) if _works(str(py), "lifetimes") else None


def engines_python() -> str | None:
    py = ENGINES_VENV / "bin" / "python"
    if not py.exists():
        print(f"creating {ENGINES_VENV} (polars, DuckDB) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(ENGINES_VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "--quiet", "polars", "duckdb", "pandas", "numpy"], check=True)
    return str(py) if _works(str(py), "polars") else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="1 million transactions, 100,000 customers")
    ap.add_argument("--no-peers", action="store_true", help="skip the pandas baseline and lifetimes")
    ap.add_argument("--engines", action="store_true", help="also time the RFM group-by in polars and DuckDB")
    ap.add_argument("--repeat", type=int, default=3, help="timed repetitions of our tasks (best is reported)")
    args = ap.parse_args(argv)
    n_tx, n_cust = (1_000_000, 100_000) if args.quick else (10_000_000, 1_000_000)
    with tempfile.TemporaryDirectory(prefix="bench_segment_") as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        generate(n_cust, n_tx, folder)
        print(f"data: {n_tx:,} transactions of {n_cust:,} customers (simulate_transactions, seed 0), "
              f"generated in {time.perf_counter() - t:.1f} s; calibration to {CALIBRATION_END}, holdout to {HOLDOUT_END}")
        results = {}
        for task in ("ours_rfm", "ours_evaluate_mean_split", "ours_evaluate"):
            results[task] = run(sys.executable, folder, task, args.repeat)
        if not args.no_peers:
            for task in ("pandas_rfm", "pandas_evaluate"):
                results[task] = run(sys.executable, folder, task, args.repeat)
            py = lifetimes_python()
            if py is None:
                print("lifetimes could not be installed: its figures are missing", file=sys.stderr)
            else:
                results["lifetimes_summary"] = run(py, folder, "lifetimes_summary", 1)
                results["lifetimes_calibration_holdout"] = run(py, folder, "lifetimes_calibration_holdout", 1)
        if args.engines:
            py = engines_python()
            if py:
                for task in ("polars_rfm", "duckdb_rfm"):
                    results[task] = run(py, folder, task, args.repeat)
                results["pandas_rfm_engines_venv"] = run(py, folder, "pandas_rfm", args.repeat)

    rows = [
        ("ours_rfm", "segment.rfm: R, F, M, mean split, quintile scores and names", "ours_rfm"),
        ("pandas_rfm", "plain pandas groupby: last date, count, sum (no segments)", "ours_rfm"),
        ("polars_rfm", "polars group_by: last date, count, sum", "ours_rfm"),
        ("duckdb_rfm", "DuckDB SQL group by: last date, count, sum", "ours_rfm"),
        ("pandas_rfm_engines_venv", "plain pandas groupby in the engines venv", "ours_rfm"),
        ("lifetimes_summary", "lifetimes summary_data_from_transaction_data (calibration)", "ours_rfm"),
        ("ours_evaluate_mean_split", "segment.evaluate, mean split only (all metrics, stability)", "ours_evaluate_mean_split"),
        ("pandas_evaluate", "plain pandas: mean split + holdout join + captured, lift, AUC", "ours_evaluate_mean_split"),
        ("lifetimes_calibration_holdout", "lifetimes calibration_and_holdout_data (no segments)", "ours_evaluate_mean_split"),
        ("ours_evaluate", "segment.evaluate, all 5 schemes incl. BG/NBD + Gamma-Gamma fits", "ours_evaluate"),
    ]
    print(f"\n{'task':<32} {'seconds':>8} {'peak GB':>8} {'data GB':>8} {'vs ours':>8}  what")
    for key, what, ref in rows:
        r = results.get(key)
        if r is None:
            continue
        if "error" in r:
            print(f"{key:<32} {'error':>8} {'':>8} {'':>8} {'':>8}  {what}: {r['error']}")
            continue
        base = results.get(ref, {}).get("seconds")
        ratio = f"{r['seconds'] / base:.1f}x" if base and key != ref else ""
        print(f"{key:<32} {r['seconds']:>8.2f} {r['peak_gb']:>8.2f} {r['rss_loaded_gb']:>8.2f} {ratio:>8}  {what}")
    for key in ("ours_evaluate_mean_split", "pandas_evaluate"):
        r = results.get(key, {})
        if "auc" in r:
            print(f"  {key}: captured {r['captured']}, lift {r['lift']}, AUC {r['auc']} (same numbers expected)")
    ours = results.get("ours_evaluate", {})
    if "seconds" in ours:
        print(f"  ours_evaluate AUC by scheme: {ours.get('auc')}")
        full = not args.quick
        ok = ours["seconds"] <= LIMIT_SECONDS and ours["peak_gb"] <= LIMIT_GB
        print(f"\nRFM + holdout evaluation (all schemes) on {n_tx:,} transactions: {ours['seconds']:.2f} s, "
              f"{ours['peak_gb']:.2f} GB peak -> {'within' if ok else 'OVER'} the {LIMIT_SECONDS:g} s / {LIMIT_GB:g} GB "
              f"target{'' if full else ' (quick run: the target is for the full size)'}")
        return 0 if ok or not full else 1
    return 1


if __name__ == "__main__":
    sys.exit(main())
