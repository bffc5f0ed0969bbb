"""RFM + holdout evaluation on Parquet transactions: DuckDB out of core against the pandas path.

    .venv/bin/python benchmarks/bench_outofcore.py             # 10^7 transactions, 10^6 customers
    .venv/bin/python benchmarks/bench_outofcore.py --quick     # 10^6 transactions, 10^5 customers
    .venv/bin/python benchmarks/bench_outofcore.py --rows 100000000 --customers 1000000 --memory-limit 2GB

The data are written once by ``segment.simulate_parquet`` (chunks of 500,000 customers, one
Parquet file each) into ``benchmarks/.data/`` (git-ignored). Each task then runs in a fresh
interpreter, so each has its own peak memory (``ru_maxrss``, the DuckDB buffers included):

- **duckdb**: ``segment.open_transactions(folder, memory_limit=...)`` (what ``read_transactions``
  does with a folder; checks and counts in SQL), ``segment.rfm``
  and ``segment.evaluate`` with all five schemes: DuckDB aggregates, one row per customer
  reaches pandas;
- **pandas**: ``pyarrow.parquet.read_table(folder).to_pandas(date_as_object=False)`` then the same ``segment.rfm`` and
  ``segment.evaluate`` on the DataFrame (our numpy engine; the rows are in memory).

Both print the evaluation's captured revenue, lift and AUC per scheme: they must agree.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / ".data"

WORKER = textwrap.dedent(r'''
    import json, resource, sys, time
    folder, engine, limit = sys.argv[1], sys.argv[2], sys.argv[3]
    import pandas as pd
    from crm_analysis import segment
    t = time.perf_counter()
    if engine == "duckdb":
        tx = segment.open_transactions(folder, memory_limit=limit or None)
    else:  # dates as datetime64, not Python date objects (pyarrow's default for a DATE column)
        import pyarrow.parquet as pq
        tx = pq.read_table(folder).to_pandas(date_as_object=False)
    t_read = time.perf_counter() - t
    t1 = time.perf_counter()
    table = segment.rfm(tx)
    ev = segment.evaluate(tx, calibration_end="1997-09-30", holdout_end="1998-06-30")
    t_work = time.perf_counter() - t1
    check = ev.table.set_index("scheme")[["captured_revenue", "lift", "auc"]].round(6).to_dict("index")
    print(json.dumps({"read": t_read, "work": t_work, "total": time.perf_counter() - t,
                      "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6,
                      "customers": len(table), "check": check}))
''')


def run(folder: Path, engine: str, memory_limit: str = "") -> dict:
    out = subprocess.run([sys.executable, "-c", WORKER, str(folder), engine, memory_limit], capture_output=True,
                         text=True, cwd=ROOT)
    if out.returncode:
        raise SystemExit(f"{engine} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10^6 rows, 10^5 customers")
    ap.add_argument("--rows", type=int, default=None)
    ap.add_argument("--customers", type=int, default=None)
    ap.add_argument("--no-pandas", action="store_true", help="DuckDB only (data too large for memory)")
    ap.add_argument("--memory-limit", default="", help="DuckDB's memory limit, e.g. 2GB (default: DuckDB's, "
                                                         "80%% of RAM); past it DuckDB spills to disk")
    args = ap.parse_args()
    rows = args.rows or (1_000_000 if args.quick else 10_000_000)
    customers = args.customers or rows // 10
    from crm_analysis import segment

    DATA.mkdir(parents=True, exist_ok=True)
    (DATA / ".gitignore").write_text("*\n")  # generated data stay out of git
    folder = DATA / f"tx-{rows}-{customers}"
    if not (folder / "part-00000.parquet").exists():
        t = time.perf_counter()
        segment.simulate_parquet(folder, customers, rows, chunk_customers=500_000, seed=0)
        print(f"wrote {rows:,} transactions of {customers:,} customers to {folder.relative_to(ROOT)} "
              f"in {time.perf_counter() - t:.1f} s")
    size = sum(p.stat().st_size for p in folder.glob("*.parquet")) / 1e6
    print(f"data: {rows:,} transactions, {customers:,} customers, {size:.0f} MB of Parquet; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if args.memory_limit:
        print(f"DuckDB memory limit: {args.memory_limit}")
    results = {"duckdb": run(folder, "duckdb", args.memory_limit)}
    if not args.no_pandas:
        results["pandas"] = run(folder, "pandas")
    print(f"{'path':8s} {'read s':>7s} {'rfm+evaluate s':>15s} {'total s':>8s} {'peak GB':>8s}")
    for name, r in results.items():
        print(f"{name:8s} {r['read']:7.2f} {r['work']:15.2f} {r['total']:8.2f} {r['peak_gb']:8.2f}")
    if "pandas" in results:
        d, p = results["duckdb"], results["pandas"]
        print(f"DuckDB / pandas, same run: time {d['total'] / p['total']:.2f}x, peak memory "
              f"{d['peak_gb'] / p['peak_gb']:.2f}x")
        print(f"same customers and evaluation (captured revenue, lift, AUC per scheme): "
              f"{d['customers'] == p['customers'] and d['check'] == p['check']}")
    for scheme, v in results["duckdb"]["check"].items():
        print(f"  {scheme:10s} captured {v['captured_revenue']:.4f}  lift {v['lift']:.3f}  AUC {v['auc']:.4f}")


if __name__ == "__main__":
    main()
