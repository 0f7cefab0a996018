"""Merge one-JSON-line-per-task files (from `hsweep task`) into one CSV table.

    python3 bench/merge_json.py OUT.csv FILE.json...   (or a directory)

The merge step of bench/vs_parallel.sh's GNU parallel pipeline: what a user
running single tasks by hand has to write after the fact.
"""
import csv
import json
import os
import sys


def rows(paths):
    for p in paths:
        with open(p) as f:
            d = json.loads(f.readline())
        r = {"kernel": d["kernel"], "seed": d["seed"], "status": d["status"], "wall_s": d["wall_s"]}
        r.update(d["params"])
        r.update(d["metrics"])
        yield r


def main():
    out, args = sys.argv[1], sys.argv[2:]
    if len(args) == 1 and os.path.isdir(args[0]):
        args = [os.path.join(args[0], n) for n in sorted(os.listdir(args[0]))]
    table = list(rows(args))
    with open(out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(table[0].keys()))
        w.writeheader()
        w.writerows(table)
    print(f"{len(table)} rows -> {out}", file=sys.stderr)


main()
