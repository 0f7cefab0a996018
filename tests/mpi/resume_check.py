"""Checks around an interrupted run and its resumption (tests/mpi/*.sh).

  resume_check.py before FILE SWEEP     the file opens, some but not all tasks
                                        are done; prints 'TASK STARTED' for each
  resume_check.py after FILE SWEEP N BEFORE
                                        tasks 0..N-1 each once, all ok, and the
                                        ones listed in BEFORE (the output of
                                        `before`) were not run again
  resume_check.py runs FILE SWEEP N LOG MIN_RUNS
                                        a requeued job's log LOG shows at least
                                        MIN_RUNS runs; tasks 0..N-1 each ok once
                                        (attempts 1), and the tasks that started
                                        in each run are exactly the ones that run
                                        found pending
Exit 1 with the first difference."""
import calendar
import re
import sys
import time

import h5py


def tasks(path, sweep):
    return h5py.File(path, "r")[sweep + "/tasks"][:]


def all_ok(t, n):
    assert sorted(t["task_id"]) == list(range(n)), t["task_id"]
    assert (t["status"] == 1).all(), t["status"]


def before(path, sweep):
    t = tasks(path, sweep)
    done = t["status"] != 0
    assert 0 < done.sum() < len(t), done.sum()
    for i in t["task_id"][done]:
        print(int(i), repr(float(t["started_unix"][i])))


def after(path, sweep, n, before_path):
    t = tasks(path, sweep)
    all_ok(t, n)
    for line in open(before_path):
        i, s = line.split()
        assert repr(float(t["started_unix"][int(i)])) == s, (i, s)


def runs(path, sweep, n, log_path, min_runs):
    t = tasks(path, sweep)
    all_ok(t, n)
    assert (t["attempts"] == 1).all(), t["attempts"]
    log = open(log_path).read()
    starts = [calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))
              for s in re.findall(r"hsweep job \d+ run \d+ on \S+ at (\S+)", log)]
    to_run = [int(k) for k in re.findall(r"(\d+) to run", log)]
    assert len(starts) == len(to_run) >= min_runs, (starts, to_run)
    print("runs:", len(starts), "pending at each start:", to_run)
    bounds = starts[1:] + [float("inf")]
    for k, (a, b) in enumerate(zip(starts, bounds)):
        ran = int(((t["started_unix"] >= a) & (t["started_unix"] < b)).sum())
        expect = to_run[k] - (to_run[k + 1] if k + 1 < len(to_run) else 0)
        assert ran == expect, (k, ran, expect)


if __name__ == "__main__":
    a = sys.argv[1:]
    if len(a) == 3 and a[0] == "before":
        before(a[1], a[2])
    elif len(a) == 5 and a[0] == "after":
        after(a[1], a[2], int(a[3]), a[4])
    elif len(a) == 6 and a[0] == "runs":
        runs(a[1], a[2], int(a[3]), a[4], int(a[5]))
    else:
        sys.exit(__doc__)
