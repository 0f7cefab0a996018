#!/usr/bin/python3
"""Standard plots of hsweep results files, as PNG (matplotlib, Agg backend).

    /usr/bin/python3 analysis/hsweep_plot.py axis    FILE... --sweep S --x T --metric div_frac [--hue A] -o a.png
    /usr/bin/python3 analysis/hsweep_plot.py heatmap FILE... --sweep S --x gamma --y ridge --metric lambda_hat -o h.png
    /usr/bin/python3 analysis/hsweep_plot.py heatmap FILE... --sweep S --x gamma --y ridge --metric frac_nonfinite -o r.png
    /usr/bin/python3 analysis/hsweep_plot.py traces  FILE... --sweep S --trace loss [--label lr,batch_size] -o t.png

Missing values are drawn as such: tasks without a value (failed, timeout,
crashed, NaN/inf; see hsweep_results.values) are counted on the plot, never
averaged in; heatmap cells without any value are hatched grey "n/a"; traces
that turn non-finite end in a red cross, tasks without a trace are listed.
Each plot function returns (figure, data) so that callers (and the tests)
can check what was drawn.
"""
import argparse
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hsweep_results as hr  # noqa: E402


def _log_scale(v):
    v = np.asarray([x for x in v if isinstance(x, (int, float, np.number))], dtype=float)
    return len(v) > 2 and np.all(v > 0) and v.max() / v.min() > 50


def _label(metric):
    return metric.replace("frac_", "fraction ") if metric.startswith("frac_") else metric


def plot_axis(df, x, metric, hue=None, title=None):
    """Metric against axis x: mean per x (line), each task (dots), min-max over seeds (band);
    tasks that refinement added (origin >= 1) are marked with open diamonds.

    Returns (fig, summary) with one row per (hue, x): mean, min, max, n values, n missing
    (and, for a sweep with refine blocks, refined: the tasks refinement added there).
    """
    d = df[df.status != "pending"].assign(_v=hr.values(df, metric))
    groups = [(None, d)] if hue is None else list(d.groupby(hue, sort=True))
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    rows = []
    for i, (h, sub) in enumerate(groups):
        color = f"C{i}"
        g = sub.groupby(x, sort=True)["_v"]
        s = pd.DataFrame({"mean": g.mean(), "min": g.min(), "max": g.max(),
                          "n": g.count(), "n_na": g.size() - g.count()})
        lab = None if hue is None else f"{hue}={h}"
        ax.plot(s.index, s["mean"], "-o", color=color, label=lab)
        ax.fill_between(s.index, s["min"], s["max"], color=color, alpha=0.2, linewidth=0)
        ax.scatter(sub[x], sub["_v"], s=10, color=color, alpha=0.6)
        if "origin" in sub:  # points added by refinement (origin = round >= 1)
            r = sub[sub["origin"] >= 1]
            ax.scatter(r[x], r["_v"], s=36, marker="D", facecolors="none", edgecolors="k",
                       linewidths=0.8, label="refined" if i == 0 and len(r) else None)
            s["refined"] = r.groupby(x).size().reindex(s.index, fill_value=0)
        for xv, n_na in s["n_na"].items():
            if n_na:
                ax.annotate(f"{n_na} n/a", (xv, 0.03 + 0.05 * i), xycoords=("data", "axes fraction"),
                            color=color, ha="center", fontsize=8)
                ax.plot([xv], [0.0], "x", color="red", transform=ax.get_xaxis_transform(),
                        clip_on=False)
        s = s.reset_index().assign(**({} if hue is None else {hue: h}))
        rows.append(s)
    if _log_scale(d[x].unique()):
        ax.set_xscale("log")
    ax.set_xlabel(x)
    ax.set_ylabel(_label(metric))
    ax.set_title(title or f"{df.attrs.get('sweep', '')}: {_label(metric)} vs {x} (mean, min-max over seeds)")
    if hue is not None or ("origin" in d and (d["origin"] >= 1).any()):
        ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig, pd.concat(rows, ignore_index=True)


def plot_heatmap(df, x, y, metric, agg="mean", title=None):
    """Heatmap of agg(metric) over axes x (columns) and y (rows); frac_<status> gives rates.

    Returns (fig, table) with the aggregated values (NaN: no value in the cell).
    """
    d = df[df.status != "pending"].assign(_v=hr.values(df, metric))
    g = d.groupby([y, x], sort=True)["_v"]
    val = g.agg(agg).unstack(x)
    na = (g.size() - g.count()).unstack(x).reindex_like(val)
    fig, ax = plt.subplots(figsize=(1.2 * val.shape[1] + 2.5, 0.8 * val.shape[0] + 1.8))
    z = np.ma.masked_invalid(val.to_numpy(dtype=float))
    cmap = plt.get_cmap("viridis").copy()
    cmap.set_bad("#d9d9d9")
    im = ax.imshow(z, cmap=cmap, aspect="auto", origin="lower")
    fig.colorbar(im, ax=ax, label=f"{agg} {_label(metric)}" if not metric.startswith("frac_") else _label(metric))
    mid = (np.nanmin(z) + np.nanmax(z)) / 2 if z.count() else 0
    for (r, c), v in np.ndenumerate(val.to_numpy(dtype=float)):
        n_na = na.iat[r, c]
        if np.isnan(v):
            ax.add_patch(plt.Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, hatch="//", color="grey"))
            txt = "n/a" if pd.isna(n_na) or n_na == 0 else f"n/a\n({int(n_na)})"
        else:
            txt = f"{v:.3g}" + ("" if metric.startswith("frac_") or not n_na else f"\n({int(n_na)} n/a)")
        dark = not np.isnan(v) and v <= mid  # viridis: dark at the low end
        ax.text(c, r, txt, ha="center", va="center", fontsize=8, color="white" if dark else "black")
    ax.set_xticks(range(val.shape[1]), [str(v) for v in val.columns])
    ax.set_yticks(range(val.shape[0]), [str(v) for v in val.index])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(title or f"{df.attrs.get('sweep', '')}: {_label(metric)}"
                 + ("" if metric.startswith("frac_") else f" ({agg})"))
    fig.tight_layout()
    return fig, val


def plot_traces(df, trace, label=None, logy=False, max_tasks=40, title=None):
    """One curve per task of trace `trace` (df loaded with traces=True).

    label: axes to name curves by (default: every axis).  Non-finite tails are
    cut and marked with a red cross at the last finite point; tasks without
    a trace (failed, or pending) are listed in the corner.  Returns (fig, drawn)
    with one row per task: task_id, status, points drawn, non-finite entries.
    """
    col = hr.trace_column(df, trace)
    if trace not in df.attrs.get("traces", []) or col not in df.columns:
        raise ValueError(f"sweep '{df.attrs.get('sweep')}' has no trace '{trace}' loaded "
                         f"(traces: {', '.join(df.attrs.get('traces', [])) or 'none'}; load with traces=True)")
    label = label or [a for a in df.attrs.get("axes", []) if a in df.columns]
    fig, ax = plt.subplots(figsize=(6.8, 4.4))
    drawn, missing = [], []
    for i, (_, r) in enumerate(df.head(max_tasks).iterrows()):
        t = np.asarray(r[col], dtype=float)
        name = " ".join(f"{a}={r[a]}" for a in label)
        fin = np.isfinite(t)
        if len(t) == 0 or not fin.any():
            missing.append(f"{name} ({r['status']})")
            drawn.append((int(r["task_id"]), str(r["status"]), 0, int((~fin).sum())))
            continue
        last = len(t) - 1 if fin.all() else int(np.argmin(fin)) - 1
        steps = np.arange(len(t))
        line, = ax.plot(steps[: last + 1], t[: last + 1], lw=1.2,
                        label=name + ("" if r["status"] == "ok" else f" [{r['status']}]"))
        if not fin.all() and last >= 0:
            ax.plot([last], [t[last]], "x", color="red", ms=9, mew=2)
        drawn.append((int(r["task_id"]), str(r["status"]), last + 1, int((~fin).sum())))
    if missing:
        ax.text(0.99, 0.99, "no trace: " + "; ".join(missing[:6]) + (" ..." if len(missing) > 6 else ""),
                transform=ax.transAxes, ha="right", va="top", fontsize=7, color="red", wrap=True)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel(trace)
    ax.set_title(title or f"{df.attrs.get('sweep', '')}: {trace} per task (x: became non-finite)")
    if len(drawn) - len(missing) <= 16:
        ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig, pd.DataFrame(drawn, columns=["task_id", "status", "points", "nonfinite"])


def main(argv=None):
    p = argparse.ArgumentParser(description="Plots of hsweep results files (PNG).")
    sub = p.add_subparsers(dest="cmd", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("files", nargs="+", help="results files (merged: same sweep, same kernel)")
    common.add_argument("--sweep", help="sweep name (default: the file's only sweep)")
    common.add_argument("--where", help='task selection, e.g. "T>=200 and use_mixture=true"')
    common.add_argument("-o", "--output", required=True, help="PNG file to write")
    common.add_argument("--title")
    a = sub.add_parser("axis", parents=[common], help="a metric against one axis, with seed spread")
    a.add_argument("--x", required=True)
    a.add_argument("--metric", required=True, help="a metric, or frac_ok / frac_<status>")
    a.add_argument("--hue", help="one line per value of this axis")
    h = sub.add_parser("heatmap", parents=[common], help="a metric over two axes")
    h.add_argument("--x", required=True)
    h.add_argument("--y", required=True)
    h.add_argument("--metric", required=True, help="a metric, or frac_ok / frac_<status> (e.g. frac_nonfinite)")
    h.add_argument("--agg", default="mean", choices=["mean", "median", "min", "max", "std", "count"])
    t = sub.add_parser("traces", parents=[common], help="trace curves of selected tasks")
    t.add_argument("--trace", required=True)
    t.add_argument("--label", help="axes naming each curve, comma-separated (default: all)")
    t.add_argument("--logy", action="store_true")
    t.add_argument("--max", type=int, default=40, help="at most this many tasks (default 40)")
    o = p.parse_args(argv)
    try:
        df = hr.select(hr.load(o.files, o.sweep, traces=o.cmd == "traces"), o.where)
        if o.cmd == "axis":
            fig, _ = plot_axis(df, o.x, o.metric, hue=o.hue, title=o.title)
        elif o.cmd == "heatmap":
            fig, _ = plot_heatmap(df, o.x, o.y, o.metric, agg=o.agg, title=o.title)
        else:
            fig, _ = plot_traces(df, o.trace, label=o.label.split(",") if o.label else None,
                                 logy=o.logy, max_tasks=o.max, title=o.title)
    except (ValueError, KeyError, OSError) as e:
        print(f"hsweep_plot: {e}", file=sys.stderr)
        return 2
    fig.savefig(o.output, dpi=100)
    print(o.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
