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
import math
import re
import warnings

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
# which comparison results (-1 below, 0 matches, 1 above, 2 unordered) each operator accepts
_HOLDS = {"lt": (-1,), "le": (-1, 0), "gt": (1,), "ge": (0, 1), "eq": (0,), "ne": (-1, 1, 2)}
# significant digits tables print real parameter values with (HS_TABLE_DIGITS, "%.6g")
TABLE_DIGITS = 6
_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _typed_digits(text):
    """Significant digits written in a plain decimal (leading zeros not counted,
    trailing ones counted: "0.0100" has 3); -1 for anything else (inf, nan)."""
    if not _DECIMAL.fullmatch(text):
        return -1
    return len(re.split("[eE]", text)[0].lstrip("+-").replace(".", "").lstrip("0"))


def num_cmp(x, text):
    """Compare a stored real x with a number typed as `text`, as hsweep's filters do
    (hs_num_cmp): 0 when they match -- the same double, or x rounded to
    max(digits typed, 6) significant digits is the typed decimal, so a value typed as
    a table ("%.6g") or an exec template (shortest round trip) prints it matches --
    else -1 or 1 as x is below or above it (2 when either is NaN)."""
    typed = float(text)
    x = float(x)
    if math.isnan(x) or math.isnan(typed):
        return 2
    if x == typed:
        return 0
    d = _typed_digits(text)
    if d >= 0 and math.isfinite(x) and math.isfinite(typed):
        p = min(max(d, TABLE_DIGITS), 17) - 1
        if f"{x:.{p}e}" == f"{typed:.{p}e}":
            return 0
    return -1 if x < typed else 1


def num_format(v):
    """A parameter value as hsweep's tables print it: reals with "%.6g" (hs_num_format,
    so 10**-3.5 is 0.000316228 and 1e-05 stays short), anything else as str."""
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.{TABLE_DIGITS}g}"
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, bytes):
        return v.decode(errors="replace")
    return str(v)


def _values_text(col):
    u = pd.unique(col.dropna())
    try:
        u = sorted(u)
    except TypeError:
        pass
    shown = [f"{v:.6g}" if isinstance(v, float) else str(v) for v in u[:12]]
    return ", ".join(shown) + (", ..." if len(u) > 12 else "") if shown else "no values"


def select(df, where):
    """Rows matching `where`: hsweep's condition syntax ("T>=200 and use_mixture=true",
    "lengths = free"; conditions joined by and, && or a comma), else a pandas query.

    Numbers compare as in `hsweep collate --where` and a rule's `when`: a real column
    matches a number typed as the tables print it (num_cmp: "lr=0.1", "x=0.000316228");
    <= and >= include such matches, < and > exclude them; integers compare exactly.
    A condition that matches no row (or conditions that together match none) gives a
    warning naming it and the values its column has."""
    if not where:
        return df
    conds = [c for c in re.split(r"\s+and\s+|&&|,", where.strip()) if c.strip()]
    mask = pd.Series(True, index=df.index)
    for c in conds:
        m = re.fullmatch(r"\s*(\w+)\s*(<=|>=|!=|==|=|<|>)\s*(.+?)\s*", c)
        if not m or m.group(1) not in df.columns:
            return df.query(where)
        name, op, val = m.group(1), _OPS[m.group(2)], m.group(3).strip("\"'")
        col = df[name]
        if col.dtype != bool and pd.api.types.is_numeric_dtype(col):
            try:
                float(val)
            except ValueError:
                raise ValueError(f"condition \"{c.strip()}\": {name} is a number, got \"{val}\"") from None
        if col.dtype == bool:
            if val not in ("true", "false", "True", "False"):
                raise ValueError(f"condition \"{c}\": {name} is true or false")
            hit = getattr(col, op)(val in ("true", "True"))
        elif pd.api.types.is_float_dtype(col):
            hit = col.map(lambda x: num_cmp(x, val) in _HOLDS[op]).astype(bool)
        elif pd.api.types.is_numeric_dtype(col):
            hit = getattr(col, op)(float(val))
        else:
            hit = getattr(col, op)(val)
        if not hit.any():
            warnings.warn(f"select: condition \"{c.strip()}\" matches no row "
                          f"({name} has {_values_text(col)})", stacklevel=2)
        mask &= hit
    if len(conds) > 1 and not mask.any() and len(df):
        warnings.warn(f"select: the conditions \"{where}\" together match no row", stacklevel=2)
    return df[mask]
