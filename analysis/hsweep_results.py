"""Load hsweep results files into pandas.

Needs only Debian's python3-h5py, python3-numpy and python3-pandas.  The
layout read here is the one in README.md ("The results file"):
/<sweep>/tasks is a compound table, one row per task; /<sweep>/traces/<name>
is a NaN-padded [n_tasks, max_len] array whose row lengths are in the
tasks' <name>_len column.

    import hsweep_results as hr
    df = hr.load("results/quickstart.h5", "quick_echo", traces=True)
    df[df.status == "ok"].groupby("x").xk.mean()

The value policy matches `hsweep collate`: a task contributes a metric value
when its status is ok, nonfinite or diverged and the value is finite
(`values(df, metric)`); failed, timed-out and crashed tasks and NaN/inf
values are counted as missing, never averaged in.
"""
import h5py
import numpy as np
import pandas as pd

STATUS_NAMES = ["pending", "ok", "nonfinite", "diverged", "failed", "timeout", "crashed"]
# statuses whose metrics are results (the kernel ran to the end and reported them)
VALUE_STATUSES = ("ok", "nonfinite", "diverged")


def sweeps(path):
    """Names of the sweeps in a results file (groups holding a `tasks` table)."""
    with h5py.File(path, "r") as f:
        names = []
        try:  # creation order (the sweep file's order) when the file tracks it
            f.id.links.iterate(lambda n: names.append(n.decode()), idx_type=h5py.h5.INDEX_CRT_ORDER)
        except (ValueError, RuntimeError, KeyError):
            names = list(f.keys())
        return [k for k in names if isinstance(f[k], h5py.Group) and "tasks" in f[k]]


def _strs(attr):
    if attr is None or isinstance(attr, h5py.Empty):
        return []
    return [a.decode() if isinstance(a, bytes) else str(a) for a in np.atleast_1d(attr)]


def _choose_sweep(path, sweep):
    names = sweeps(path)
    if sweep is None:
        if len(names) != 1:
            raise ValueError(f"{path}: holds {len(names)} sweeps ({', '.join(names)}); choose one")
        return names[0]
    if sweep not in names:
        raise ValueError(f"{path}: has no sweep '{sweep}' (it holds: {', '.join(names)})")
    return sweep


def _load_one(path, sweep, traces):
    with h5py.File(path, "r") as f:
        g = f[sweep]
        ds = g["tasks"]
        arr = ds[:]
        df = pd.DataFrame({n: arr[n] for n in arr.dtype.names})
        for n in arr.dtype.names:
            if arr.dtype[n].kind == "S":
                df[n] = [v.rstrip(b"\0").decode("utf-8", "replace") for v in arr[n]]
        codes = h5py.check_enum_dtype(ds.dtype["status"]) or {s: i for i, s in enumerate(STATUS_NAMES)}
        names = {v: k for k, v in codes.items()}
        df["status"] = pd.Categorical([names.get(int(s), str(s)) for s in arr["status"]],
                                      categories=STATUS_NAMES)
        meta = {
            "sweep": sweep,
            "kernel": str(g.attrs.get("kernel", "")),
            "axes": _strs(g.attrs.get("axes")),
            "params": _strs(g.attrs.get("param_names")),
            "metrics": _strs(g.attrs.get("metric_names")),
            "traces": _strs(g.attrs.get("trace_names")),
            "table_columns": list(arr.dtype.names),
        }
        if traces:
            for t in meta["traces"]:
                data = g["traces"][t][:]
                lens = arr[t + "_len"]
                col = "trace_" + t if t in arr.dtype.names else t
                df[col] = [data[i, : max(int(lens[i]), 0)].copy() if df.status.iat[i] != "pending"
                           else np.empty(0) for i in range(len(df))]
    df["file"] = path
    return df, meta


def load(paths, sweep=None, traces=False, pending=True):
    """One sweep of one or more results files as a DataFrame, one row per task.

    Columns: task_id, seed, rng_seed, one per parameter (strings decoded,
    bools as bool), status (categorical names), attempts, rank, host, wall_s,
    started_unix, peak_rss_kb, one per metric (NaN when unset), <trace>_len,
    detail, file; with traces=True one column per trace (named as the trace,
    or trace_<name> if a table column has that name: trace_column()) holding
    each task's trace as a 1-D array of its own length.  Several files (e.g. one per
    Slurm job) must hold the same sweep run by the same kernel; a task
    finished in several files is kept once (the first file's), a task
    pending in one file but finished in another is kept as finished.
    pending=False drops tasks that have not run.  df.attrs holds sweep,
    kernel, axes, params, metrics, traces and files.
    """
    if isinstance(paths, str):
        paths = [paths]
    frames, meta = [], None
    for p in paths:
        sw = _choose_sweep(p, sweep if meta is None else meta["sweep"])
        df, m = _load_one(p, sw, traces)
        if meta is None:
            meta = m
        else:
            if m["kernel"] != meta["kernel"]:
                raise ValueError(f"cannot merge {paths[0]} and {p}: sweep '{sw}' ran kernel "
                                 f"'{meta['kernel']}' in {paths[0]} but '{m['kernel']}' in {p}")
            if m["params"] != meta["params"] or m["metrics"] != meta["metrics"]:
                raise ValueError(f"cannot merge {paths[0]} and {p}: sweep '{sw}' has different "
                                 f"parameters or metrics")
            for a in m["axes"]:
                if a not in meta["axes"]:
                    meta["axes"].insert(len(meta["axes"]) - ("seed" in meta["axes"]), a)
        frames.append(df)
    df = pd.concat(frames, ignore_index=True)
    if len(paths) > 1:
        order = df.status.eq("pending").astype(int)
        keep = (df.assign(_p=order).sort_values("_p", kind="stable")
                .drop_duplicates(subset=meta["params"] + ["seed"], keep="first").index)
        df = df.loc[sorted(keep)].reset_index(drop=True)
    if not pending:
        df = df[df.status != "pending"].reset_index(drop=True)
    df.attrs.update(meta)
    df.attrs["files"] = list(paths)
    return df


def trace_column(df, name):
    """The column holding trace `name`: its name, or trace_<name> if the task table has that name."""
    return "trace_" + name if name in df.attrs.get("table_columns", df.columns) else name


def values(df, metric):
    """The values a task contributes to aggregates of `metric`, NaN where missing.

    frac_ok and frac_<status> give 1.0/0.0 per finished task (pending: NaN).
    """
    st = df.status.astype(str)
    if metric.startswith("frac_") and metric[5:] in STATUS_NAMES:
        return (st == metric[5:]).astype(float).where(st != "pending")
    v = pd.to_numeric(df[metric], errors="coerce").astype(float)
    ok = st.isin(VALUE_STATUSES) & np.isfinite(v)
    return v.where(ok)


def axes(df):
    """The sweep's axes except seed."""
    return [a for a in df.attrs.get("axes", []) if a != "seed"]


_OPS = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge", "=": "eq", "==": "eq", "!=": "ne"}


def select(df, where):
    """Rows matching `where`: hsweep's condition syntax ("T>=200 and use_mixture=true",
    "lengths = free"; conditions joined by and, && or a comma), else a pandas query."""
    if not where:
        return df
    import re
    conds = [c for c in re.split(r"\s+and\s+|&&|,", where.strip()) if c.strip()]
    mask = pd.Series(True, index=df.index)
    for c in conds:
        m = re.fullmatch(r"\s*(\w+)\s*(<=|>=|!=|==|=|<|>)\s*(.+?)\s*", c)
        if not m or m.group(1) not in df.columns:
            return df.query(where)
        col, op, val = df[m.group(1)], _OPS[m.group(2)], m.group(3).strip("\"'")
        if col.dtype == bool:
            if val not in ("true", "false", "True", "False"):
                raise ValueError(f"condition \"{c}\": {m.group(1)} is true or false")
            val = val in ("true", "True")
        elif pd.api.types.is_numeric_dtype(col):
            val = float(val)
        mask &= getattr(col, op)(val)
    return df[mask]
