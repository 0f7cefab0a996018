"""The task of bench/vs_dask.sh and the Python ends of its peers.

    python3 vs_dask.py task T_MS I        one task, its JSON line on stdout (parallel, Snakemake)
    python3 vs_dask.py                    under hsweep exec (HSWEEP_TASK or protocol = "jsonl")
    python3 vs_dask.py dask M T_MS CSV    M tasks on a Dask LocalCluster (2 single-threaded workers)
    python3 vs_dask.py merge CSV DIR      one table from the JSON files in DIR

The task imports numpy and computes (16 x 16 matrix products) for T_MS
milliseconds of wall time; its result y depends only on I.
"""
import csv
import json
import os
import sys
import time

import numpy as np


def work(t_ms, i):
    rng = np.random.default_rng(i)
    a = rng.standard_normal((16, 16))
    end = time.perf_counter() + t_ms / 1e3
    while time.perf_counter() < end:
        a = a @ a
        a /= np.abs(a).max()
    return {"i": i, "y": float(rng.standard_normal(4).sum())}


def write_table(path, rows):
    rows = sorted(rows, key=lambda r: r["i"])
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["i", "y"])
        w.writeheader()
        w.writerows(rows)


def run_dask(m, t_ms, out):
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        futures = client.map(work, [t_ms] * m, range(1, m + 1), pure=False)
        write_table(out, client.gather(futures))


def merge(out, d):
    rows = []
    for name in os.listdir(d):
        with open(os.path.join(d, name)) as f:
            rows.append(json.loads(f.readline()))
    write_table(out, rows)


if __name__ == "__main__":
    if "HSWEEP_TASK" in os.environ or os.environ.get("HSWEEP_PROTOCOL"):
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "analysis"))
        import hsweep_worker

        hsweep_worker.serve(lambda t_ms, i: work(t_ms, i))
    elif sys.argv[1] == "task":
        print(json.dumps(work(float(sys.argv[2]), int(sys.argv[3]))))
    elif sys.argv[1] == "dask":
        run_dask(int(sys.argv[2]), float(sys.argv[3]), sys.argv[4])
    elif sys.argv[1] == "merge":
        merge(sys.argv[2], sys.argv[3])
