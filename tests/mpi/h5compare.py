"""Compare two hsweep results files: every deterministic field of every task
row and every trace must be bit-identical (NaN == NaN).  Fields that depend
on where and when a task ran (rank, host, wall_s, started_unix,
peak_rss_kb, and crc32c, which covers them) are skipped.  Exit 1 with the
first difference.  `--skip F1,F2` skips more fields (a kernel's own timings).

    h5compare.py A.h5 B.h5 [--skip FIELDS]"""
import sys

import h5py
import numpy as np

RUN_FIELDS = {"rank", "host", "wall_s", "started_unix", "peak_rss_kb", "crc32c"}


def same(a, b):
    if a.dtype.kind == "f":
        return np.array_equal(a.view(np.uint64 if a.itemsize == 8 else np.uint32),
                              b.view(np.uint64 if b.itemsize == 8 else np.uint32))
    return np.array_equal(a, b)


def main(pa, pb, skip=()):
    fa, fb = h5py.File(pa, "r"), h5py.File(pb, "r")
    sa = [k for k in fa if "tasks" in fa[k]]
    sb = [k for k in fb if "tasks" in fb[k]]
    if sa != sb:
        sys.exit(f"sweeps differ: {sa} vs {sb}")
    for s in sa:
        ta, tb = fa[s]["tasks"][:], fb[s]["tasks"][:]
        if ta.dtype != tb.dtype or len(ta) != len(tb):
            sys.exit(f"{s}: table layout differs")
        for name in ta.dtype.names:
            if name not in RUN_FIELDS and name not in skip and not same(ta[name], tb[name]):
                i = int(np.nonzero(ta[name] != tb[name])[0][0]) if ta[name].dtype.kind != "f" else -1
                sys.exit(f"{s}: field {name} differs (first row {i})")
        for tr in fa[s]["traces"]:
            a, b = fa[s]["traces"][tr][:], fb[s]["traces"][tr][:]
            if a.shape != b.shape or not same(a, b):
                sys.exit(f"{s}: trace {tr} differs")
    print(f"identical: {pa} {pb} ({len(sa)} sweeps)")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[3] == "--skip":
        main(sys.argv[1], sys.argv[2], set(sys.argv[4].split(",")))
    elif len(sys.argv) == 3:
        main(sys.argv[1], sys.argv[2])
    else:
        sys.exit("usage: h5compare.py A.h5 B.h5 [--skip FIELD,...]")
