"""Report-suite throughput: the same 16 runs with ``--jobs 1`` (serial, the peer) and ``--jobs 2``.

    .venv/bin/python benchmarks/bench_suite.py              # 16 runs of the real notebooks (~10 min here)
    .venv/bin/python benchmarks/bench_suite.py --runs 4     # a quick look

The suite cycles through the report notebooks (tour, csi, frameworks, maturity, tracking) with
their small test parameters, in English and Chinese, each run in its own folder. It runs once
serially in this process (``run_suite(jobs=1)``: today's path) and once on a LocalCluster of
two worker processes (``run_suite(jobs=2)``, the cluster's start included in the time, as the
user waits for it); every ``results.json`` of the two must be identical (checked). A warm-up run
before the timing fills the file caches for both. Because other jobs share this machine, a fixed
pure-numpy task set is also timed on 1 and 2 worker processes (the *control*): what the second
core was worth at that moment.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import tempfile
import time
from pathlib import Path

NOTEBOOKS = ("tour", "csi", "frameworks", "maturity", "tracking")


def _spin(i: int) -> float:
    """A fixed amount of pure computation (as in bench_study.py)."""
    import numpy as np

    x = 0.0
    for _ in range(40):
        x += float(np.sort(np.random.default_rng(i).random(200_000))[100])
    return x


def _runs(n: int) -> list[dict]:
    from crm_analysis.reporting.notebooks import get_notebook

    runs = []
    for i, (lang, name) in zip(range(n), itertools.cycle(itertools.product(("en", "zh"), NOTEBOOKS))):
        params = dict(get_notebook(name).test_parameters)
        params.pop("lang", None)
        runs.append({"notebook": name, "name": f"bench-{i:02d}", "lang": lang, "parameters": params})
    return runs


def _suite(runs: list[dict], reports: Path, jobs: int) -> tuple[float, dict[str, dict]]:
    from crm_analysis.reporting.suite import prepare_suite, run_suite

    requests = prepare_suite(runs, base_dir=Path.cwd(), reports_dir=reports)
    t = time.perf_counter()
    outcomes = run_suite(requests, jobs=jobs, progress=True)
    elapsed = time.perf_counter() - t
    failed = [o.error for o in outcomes if not o.ok]
    if failed:
        raise SystemExit(f"--jobs {jobs}: {len(failed)} run(s) failed: {failed}")
    return elapsed, {o.output_dir.name: json.loads((o.output_dir / "results.json").read_text("utf-8"))
                     for o in outcomes}


def _control() -> tuple[float, float]:
    """Seconds for 8 fixed numpy tasks on 1 worker process, then on 2."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      scheduler_kwargs={"dashboard_address": ":0"}) as cluster, Client(cluster) as client:
        client.wait_for_workers(2)
        one = sorted(client.scheduler_info()["workers"])[:1]
        client.gather(client.map(_spin, range(2), pure=False))  # imports
        t = time.perf_counter()
        client.gather(client.map(_spin, range(8), workers=one, pure=False))
        t1 = time.perf_counter() - t
        t = time.perf_counter()
        client.gather(client.map(_spin, range(8), pure=False))
        t2 = time.perf_counter() - t
    return t1, t2


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=16, help="runs in the suite (default 16)")
    args = ap.parse_args()
    from crm_analysis.reporting.suite import prepare_suite, run_suite

    runs = _runs(args.runs)
    print(f"suite: {args.runs} runs of {', '.join(NOTEBOOKS)} (test parameters, en and zh); "
          f"{os.cpu_count()} cores shared with other jobs")
    with tempfile.TemporaryDirectory(prefix="bench-suite-") as tmp:
        tmp = Path(tmp)
        run_suite(prepare_suite(runs[:1], base_dir=Path.cwd(), reports_dir=tmp / "warm"), progress=False)
        load = [os.getloadavg()[0]]
        t1, serial = _suite(runs, tmp / "jobs1", 1)
        load.append(os.getloadavg()[0])
        print(f"--jobs 1 (serial, the peer): {t1:7.1f} s  {60 * len(runs) / t1:5.2f} runs/min  "
              f"(load average {load[0]:.1f} -> {load[1]:.1f})", flush=True)
        t2, parallel = _suite(runs, tmp / "jobs2", 2)
        load.append(os.getloadavg()[0])
        print(f"--jobs 2 (LocalCluster):     {t2:7.1f} s  {60 * len(runs) / t2:5.2f} runs/min  "
              f"(load average {load[1]:.1f} -> {load[2]:.1f}; the cluster's start included)", flush=True)
    same = serial == parallel
    print(f"results.json identical, run by run: {same}")
    print(f"--jobs 2 / --jobs 1: {t1 / t2:.2f}x faster (goal >= 1.7x)")
    c1, c2 = _control()
    print(f"control, same session: 8 fixed numpy tasks on 2 worker processes vs 1: {c1 / c2:.2f}x "
          f"({c1:.1f} s vs {c2:.1f} s; what the shared machine's second core gave; load {os.getloadavg()[0]:.1f})")
    if not same:
        raise SystemExit("results.json differ between --jobs 1 and --jobs 2")


if __name__ == "__main__":
    main()
