#!/usr/bin/python3
"""Standard plots of hsweep results files, as PNG (matplotlib, Agg backend).

    /usr/bin/python3 analysis/hsweep_plot.py axis    FILE... --sweep S --x T --metric div_frac [--hue A] -o a.png
    /usr/bin/python3 analysis/hsweep_plot.py heatmap FILE... --sweep S --x gamma --y ridge --metric lambda_hat -o h.png
    /usr/bin/python3 analysis/hsweep_plot.py heatmap FILE... --sweep S --x gamma --y ridge --metric frac_nonfinite -o r.png
    /usr/bin/python3 analysis/hsweep_plot.py heatmap FILE... --sweep S --x gamma --y ridge --metric lambda_hat_cv --ref 4.93 -o d.png
    /usr/bin/python3 analysis/hsweep_plot.py traces  FILE... --sweep S --trace loss [--color lr --style batch_size] -o t.png

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
import matplotlib.colors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
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
    """Metric against axis x: mean per x (line), each task (dots), min-max over seeds (band).

    Returns (fig, summary) with one row per (hue, x): mean, min, max, n values, n missing.
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
    if hue is not None:
        ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig, pd.concat(rows, ignore_index=True)


def cell_digits(values, lo=3, hi=17):
    """Fewest significant digits (at least lo) at which the distinct finite values
    print distinct, so that a heatmap shows the differences it is about."""
    v = np.unique(np.asarray([x for x in values if np.isfinite(x)], dtype=float))
    for d in range(lo, hi + 1):
        if len({f"{x:.{d}g}" for x in v}) == len(v):
            return d
    return hi


def _luminance(rgba):
    r, g, b = rgba[:3]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def plot_heatmap(df, x, y, metric, agg="mean", title=None, ref=None):
    """Heatmap of agg(metric) over axes x (columns) and y (rows); frac_<status> gives rates.

    Tick labels print axis values as hsweep's tables do (hr.num_format); cell
    labels carry as many digits as it takes to tell different cells apart
    (cell_digits); where every cell holds the same value the colour scale is
    centred on it, not degenerate.  ref: a reference value -- a diverging
    colour scale centred on it (above: red, below: blue), marked on the colour
    bar.  Returns (fig, table) with the aggregated values (NaN: no value in the cell).
    """
    d = df[df.status != "pending"].assign(_v=hr.values(df, metric))
    g = d.groupby([y, x], sort=True)["_v"]
    val = g.agg(agg).unstack(x)
    na = (g.size() - g.count()).unstack(x).reindex_like(val)
    fig, ax = plt.subplots(figsize=(1.2 * val.shape[1] + 3.0, 0.8 * val.shape[0] + 2.0))
    arr = val.to_numpy(dtype=float)
    z = np.ma.masked_invalid(arr)
    lo, hi = (float(z.min()), float(z.max())) if z.count() else (0.0, 1.0)
    equal = z.count() > 1 and lo == hi
    if ref is not None:
        ref = float(ref)
        span = max(abs(hi - ref), abs(ref - lo)) or (abs(ref) * 0.01 or 1.0)
        norm = matplotlib.colors.TwoSlopeNorm(vcenter=ref, vmin=ref - span, vmax=ref + span)
        cmap = plt.get_cmap("RdBu_r").copy()
    else:
        if lo == hi:  # every cell equal: a scale around the value, the cells mid-colour
            half = abs(lo) * 0.01 or 1.0
            lo, hi = lo - half, hi + half
        norm = matplotlib.colors.Normalize(vmin=lo, vmax=hi)
        cmap = plt.get_cmap("viridis").copy()
    cmap.set_bad("#d9d9d9")
    im = ax.imshow(z, cmap=cmap, norm=norm, aspect="auto", origin="lower")
    clabel = f"{agg} {_label(metric)}" if not metric.startswith("frac_") else _label(metric)
    if ref is not None:
        clabel += f" (line: reference {hr.num_format(ref)})"
    cbar = fig.colorbar(im, ax=ax, label=clabel)
    if ref is not None:
        cbar.ax.axhline(ref, color="black", lw=1.5)
    digits = cell_digits(arr.ravel())
    for (r, c), v in np.ndenumerate(arr):
        n_na = na.iat[r, c]
        if np.isnan(v):
            ax.add_patch(plt.Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, hatch="//", color="grey"))
            txt = "n/a" if pd.isna(n_na) or n_na == 0 else f"n/a\n({int(n_na)})"
            colour = "black"
        else:
            txt = f"{v:.{digits}g}" + ("" if metric.startswith("frac_") or not n_na else f"\n({int(n_na)} n/a)")
            colour = "white" if _luminance(cmap(norm(v))) < 0.45 else "black"
        ax.text(c, r, txt, ha="center", va="center", fontsize=8, color=colour)
    xt = [hr.num_format(v) for v in val.columns]
    ax.set_xticks(range(val.shape[1]), xt)
    ax.set_yticks(range(val.shape[0]), [hr.num_format(v) for v in val.index])
    if len(xt) > 6 or max((len(t) for t in xt), default=0) > 7:
        plt.setp(ax.get_xticklabels(), rotation=40, ha="right", rotation_mode="anchor")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(title or f"{df.attrs.get('sweep', '')}: {_label(metric)}"
                 + ("" if metric.startswith("frac_") else f" ({agg})")
                 + ("" if ref is None else f", reference {hr.num_format(ref)}")
                 + (f"; every cell {float(z.min()):.{digits}g}" if equal else ""))
    fig.tight_layout()
    return fig, val


# line styles for --style, distinct in print and to colour-blind readers
_STYLES = ["-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 3)), (0, (8, 3)), (0, (3, 1, 3, 1, 1, 1))]


def _levels(col):
    u = pd.unique(col.dropna())
    try:
        return sorted(u)
    except TypeError:
        return list(u)


def plot_traces(df, trace, label=None, logy=False, max_tasks=40, title=None, color=None, style=None):
    """One curve per task of trace `trace` (df loaded with traces=True).

    color / style: an axis whose values set each curve's colour / line style
    (the legend then names the values, not the tasks); label: axes naming each
    curve otherwise (default: every axis).  The legend sits right of the
    axes, off the curves.  Non-finite tails are cut and marked with a red
    cross at the last finite point (the title says so only if a trace did);
    tasks without a trace (failed, or pending) and tasks left out by max_tasks
    are noted under the title.  Returns (fig, drawn) with one row per task
    drawn or listed: task_id, status, points drawn, non-finite entries.
    """
    col = hr.trace_column(df, trace)
    if trace not in df.attrs.get("traces", []) or col not in df.columns:
        raise ValueError(f"sweep '{df.attrs.get('sweep')}' has no trace '{trace}' loaded "
                         f"(traces: {', '.join(df.attrs.get('traces', [])) or 'none'}; load with traces=True)")
    for a in (color, style):
        if a is not None and a not in df.columns:
            raise ValueError(f"sweep '{df.attrs.get('sweep')}' has no axis '{a}' "
                             f"(axes: {', '.join(df.attrs.get('axes', []))})")
    label = label or [a for a in df.attrs.get("axes", []) if a in df.columns and a not in (color, style)]
    shown = df.head(max_tasks)
    colours = {v: f"C{i % 10}" for i, v in enumerate(_levels(shown[color]))} if color else {}
    if color and len(colours) > 10:  # more values than distinct cycle colours: a sequential map
        cm = plt.get_cmap("viridis")
        colours = {v: cm(i / (len(colours) - 1)) for i, v in enumerate(colours)}
    styles = {v: _STYLES[i % len(_STYLES)] for i, v in enumerate(_levels(shown[style]))} if style else {}
    fig, ax = plt.subplots(figsize=(8.4, 4.6))
    drawn, missing, crossed = [], [], False
    for i, (_, r) in enumerate(shown.iterrows()):
        t = np.asarray(r[col], dtype=float)
        name = " ".join(f"{a}={hr.num_format(r[a])}" for a in label)
        fin = np.isfinite(t)
        if len(t) == 0 or not fin.any():
            missing.append(f"{name or 'task ' + str(r['task_id'])} ({r['status']})")
            drawn.append((int(r["task_id"]), str(r["status"]), 0, int((~fin).sum())))
            continue
        last = len(t) - 1 if fin.all() else int(np.argmin(fin)) - 1
        steps = np.arange(len(t))
        kw = {"lw": 1.2}
        if color:
            kw["color"] = colours[r[color]]
        if style:
            kw["linestyle"] = styles[r[style]]
        ax.plot(steps[: last + 1], t[: last + 1],
                        label=None if color or style else
                        name + ("" if r["status"] == "ok" else f" [{r['status']}]"), **kw)
        if not fin.all() and last >= 0:
            ax.plot([last], [t[last]], "x", color="red", ms=9, mew=2)
            crossed = True
        drawn.append((int(r["task_id"]), str(r["status"]), last + 1, int((~fin).sum())))
    notes = []
    if len(df) > len(shown):
        notes.append(f"showing the first {len(shown)} of {len(df)} tasks (max_tasks / --max)")
    if missing:
        notes.append("no trace: " + "; ".join(missing[:4]) + (f" and {len(missing) - 4} more" if len(missing) > 4 else ""))
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel(trace)
    head = title or (f"{df.attrs.get('sweep', '')}: {trace} per task"
                     + ("; x: became non-finite" if crossed else ""))
    ax.set_title("\n".join([head] + notes), fontsize=10 if notes else 12)
    handles = []
    if color:
        handles += [Line2D([], [], color=c, lw=2, label=f"{color}={hr.num_format(v)}") for v, c in colours.items()]
    if style:
        handles += [Line2D([], [], color="black", lw=1.2, linestyle=st, label=f"{style}={hr.num_format(v)}")
                    for v, st in styles.items()]
    if handles and crossed:
        handles.append(Line2D([], [], color="red", marker="x", ms=8, mew=2, lw=0, label="became non-finite"))
    n_curves = len(drawn) - len(missing)
    if handles or 0 < n_curves <= 24:
        ax.legend(handles=handles or None, loc="upper left", bbox_to_anchor=(1.02, 1.0),
                  borderaxespad=0.0, fontsize=7, frameon=False)
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
    h.add_argument("--ref", type=float, help="reference value: a diverging colour scale centred on it")
    t = sub.add_parser("traces", parents=[common], help="trace curves of selected tasks")
    t.add_argument("--trace", required=True)
    t.add_argument("--label", help="axes naming each curve, comma-separated (default: all)")
    t.add_argument("--color", help="colour curves by this axis's values (legend: the values)")
    t.add_argument("--style", help="line style by this axis's values (legend: the values)")
    t.add_argument("--logy", action="store_true")
    t.add_argument("--max", type=int, default=40, help="at most this many tasks (default 40)")
    o = p.parse_args(argv)
    try:
        df = hr.select(hr.load(o.files, o.sweep, traces=o.cmd == "traces"), o.where)
        if o.cmd == "axis":
            fig, _ = plot_axis(df, o.x, o.metric, hue=o.hue, title=o.title)
        elif o.cmd == "heatmap":
            fig, _ = plot_heatmap(df, o.x, o.y, o.metric, agg=o.agg, title=o.title, ref=o.ref)
        else:
            fig, _ = plot_traces(df, o.trace, label=o.label.split(",") if o.label else None,
                                 logy=o.logy, max_tasks=o.max, title=o.title, color=o.color, style=o.style)
    except (ValueError, KeyError, OSError) as e:
        print(f"hsweep_plot: {e}", file=sys.stderr)
        return 2
    fig.savefig(o.output, dpi=100, bbox_inches="tight")
    print(o.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
