"""Turn a Python function into an hsweep exec task program.

    import hsweep_worker

    @hsweep_worker.task
    def run(x, n, seed32):           # the sweep's parameters, plus any of
        ...                          # seed, seed32, task_id, sweep_seed, deadline
        return {"loss": 0.1, "curve": [1.0, 0.5]}

The same file serves both exec protocols, with identical results:

- protocol = "jsonl" (hsweep sets HSWEEP_PROTOCOL=jsonl): the program is
  started once per worker, reads one task per line of its standard input
  and writes one JSON line per task to its standard output;
- the default, one process per task: the task is read from the
  HSWEEP_TASK environment variable (the same JSON object) and answered once.

The function's keyword arguments are the task's parameters; `seed`,
`seed32` (the seed folded to 32 bits, as {seed32}: for numpy and
scikit-learn), `task_id`, `sweep_seed` and `deadline` (Unix time, or None)
are passed too when the function names them.  Whatever the function prints goes to
standard error, so that only answers reach standard output.  An exception
is not caught: the program ends with its traceback on standard error and
the task is failed with it, as it would be run alone; hsweep starts a
fresh program for the next task.  numpy scalars and arrays in the result
are written as numbers and lists.

Use /usr/bin/python3; only the standard library is needed.
"""

import inspect
import json
import os
import sys

EXTRAS = ("seed", "seed32", "task_id", "sweep_seed", "deadline")


def _plain(o):
    """json.dumps fallback: numpy scalars and arrays as Python numbers and lists."""
    if hasattr(o, "tolist"):
        return o.tolist()
    if hasattr(o, "item"):
        return o.item()
    raise TypeError(f"result value {o!r} is not a number, list or string")


def _call(fn, names, task):
    kw = dict(task["params"])
    for name in EXTRAS:
        if name in names:
            kw[name] = task.get(name)
    result = fn(**kw)
    if not isinstance(result, dict):
        raise TypeError(f"{fn.__name__} returned {type(result).__name__}, not a dict")
    # Naming the task lets hsweep tell an answer from a late extra one.
    return json.dumps({**result, "task_id": task["task_id"]}, default=_plain)


def serve(fn):
    """Run fn on hsweep's tasks until its input ends (jsonl) or once (per task)."""
    names = set(inspect.signature(fn).parameters)
    answers = sys.stdout
    sys.stdout = sys.stderr  # the task's prints must not look like answers
    if os.environ.get("HSWEEP_PROTOCOL") == "jsonl":
        for line in sys.stdin:
            if line.strip():
                answers.write(_call(fn, names, json.loads(line)) + "\n")
                answers.flush()
    else:
        task = os.environ.get("HSWEEP_TASK")
        if task is None:
            sys.exit("hsweep_worker: no task (run by hsweep's exec kernel: HSWEEP_TASK is unset)")
        answers.write(_call(fn, names, json.loads(task)) + "\n")
        answers.flush()
    return fn


def task(fn):
    """Decorator: when the defining file is the program being run, serve fn."""
    if fn.__module__ == "__main__":
        serve(fn)
    return fn
