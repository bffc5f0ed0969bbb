"""Simulation-study throughput: replications per second on 1 and 2 Dask workers, and at 64 cores.

    .venv/bin/python benchmarks/bench_study.py            # 48 replications per run (~1.5 min)
    .venv/bin/python benchmarks/bench_study.py --quick    # 16 replications per run

One LocalCluster of worker *processes* (one thread each, as on a real cluster), scaled to 1 and
then 2 workers, runs the same `sem.study` (same seed: the tables must be identical, which is
checked). The scaling to 64 cores is worked out, not guessed, from two measured costs:

- ``c``: seconds of one replication on one worker (from the 1-worker run);
- ``o``: the cost of one Dask task that does nothing (scheduler + transport + worker), measured
  by mapping 400 empty tasks, which the scheduler hands out one at a time.

With ``b`` replications per task and ``W`` workers, a task costs ``b*c + o`` on its worker and the
scheduler can start at most ``1/o`` tasks per second, so the throughput is
``min(W * b / (b*c + o), b / o)`` replications per second.
"""
from __future__ import annotations

import argparse
import os
import time

MODEL = "X =~ x1 + x2 + x3; M =~ m1 + m2 + m3; Y =~ y1 + y2 + y3; M ~ X; Y ~ M + X"
DESIGN = {"n": 200, "loadings": 0.7, "paths": 0.3}
ESTIMATORS = ["PLS", "PLSc", "ML"]


def _noop(i: int) -> int:
    return i


def _spin(i: int) -> float:
    """A fixed amount of pure computation: what one core gives, to calibrate the machine."""
    import numpy as np

    x = 0.0
    for _ in range(40):
        x += float(np.sort(np.random.default_rng(i).random(200_000))[100])
    return x


def _warm() -> None:
    """Import the estimators and fit once on a worker, outside the timing."""
    from crm_analysis import sem

    sem.study(MODEL, {"n": 60}, ESTIMATORS, replications=1, bootstrap=10)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    from distributed import Client, LocalCluster

    from crm_analysis import sem

    reps = 16 if args.quick else 48
    kw = dict(replications=reps, seed=7, bootstrap=100)
    _warm()  # imports and first fits outside the timing, as on the workers
    t = time.perf_counter()
    serial = sem.study(MODEL, DESIGN, ESTIMATORS, **kw)
    t_serial = time.perf_counter() - t
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other jobs share them)")
    print(f"design: n=200, 3 constructs, estimators {ESTIMATORS}, PLS bootstrap 100; {reps} replications")
    print(f"in-process (client=None): {t_serial:6.2f} s  {reps / t_serial:5.2f} replications/s")

    rounds = 2 if args.quick else 3
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        times, spin, same = {1: [], 2: []}, {1: [], 2: []}, True
        batch = 4
        # 1 and 2 workers alternate, several rounds, best of each: other jobs share this machine
        for r in range(rounds):
            for workers in (1, 2):
                cluster.scale(workers)
                while len(client.scheduler_info()["workers"]) != workers:
                    time.sleep(0.1)
                client.run(_warm)  # imports and first fits outside the timing
                t = time.perf_counter()
                client.gather(client.map(_spin, range(8), pure=False))
                spin[workers].append(time.perf_counter() - t)
                t = time.perf_counter()
                table = sem.study(MODEL, DESIGN, ESTIMATORS, client=client, batch_size=batch, **kw)
                times[workers].append(time.perf_counter() - t)
                same = same and table.equals(serial)
                print(f"round {r + 1}, Dask, {workers} worker(s), {reps // batch} tasks of {batch}: "
                      f"{times[workers][-1]:6.2f} s  {reps / times[workers][-1]:5.2f} replications/s  "
                      f"(load average {os.getloadavg()[0]:.1f})")
        rates = {w: reps / min(v) for w, v in times.items()}
        print(f"tables identical (serial and every Dask run): {same}")
        ratio = rates[2] / rates[1]
        print(f"best of {rounds}: 1 worker {rates[1]:.2f}, 2 workers {rates[2]:.2f} replications/s: "
              f"{ratio:.2f}x (goal >= 1.7x); per round: "
              + ", ".join(f"{a / b:.2f}x" for a, b in zip(times[1], times[2])))
        print(f"control, same run: 8 fixed numpy tasks on 2 workers vs 1 (best of {rounds}): "
              f"{min(spin[1]) / min(spin[2]):.2f}x (what the shared machine's 2 cores gave)")

        cluster.scale(1)
        client.wait_for_workers(1)
        n_noop = 400
        client.gather(client.map(_noop, range(20), pure=False))  # warm
        t = time.perf_counter()
        client.gather(client.map(_noop, range(n_noop), pure=False))
        o = (time.perf_counter() - t) / n_noop
    c = 1 / rates[1] - o / batch  # seconds of one replication's work on one worker
    print(f"measured: c = {c * 1000:.0f} ms per replication on one worker, o = {o * 1000:.2f} ms per Dask task")
    for b in (1, 4, 16):
        for w in (2, 64):
            rate = min(w * b / (b * c + o), b / o)
            print(f"  expected with {w:2d} workers, {b:2d} replications per task: {rate:8.1f} replications/s "
                  f"({rate / (1 / c):5.1f}x one core; {'scheduler-bound' if b / o < w * b / (b * c + o) else 'compute-bound'})")
    print("(the study's default batch is about four tasks per worker thread: at 64 workers and 10,000 "
          "replications that is 40 replications per task, far into the compute-bound region)")


if __name__ == "__main__":
    main()
