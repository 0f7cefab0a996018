#!/usr/bin/python3
"""Regenerates the tables of bench/README.md from the logs in bench/results/.

  bench/tables.py              rewrite every table of bench/README.md
  bench/tables.py --check      exit 1 (and show the difference) when README's
                               tables differ from what the logs give
  bench/tables.py --import NAME FILE --commit TEXT
                               wrap a log a bench script wrote before run_all.sh
                               kept logs (its lines kept verbatim, as stdout of
                               one section NAME) into bench/results/
  --readme PATH, --results DIR  other files than bench/README.md, bench/results/

A table is the text between `<!-- table:NAME -->` and `<!-- /table -->` in
the README; everything between is replaced.  The logs are those bench/run_all.sh
writes (format in its header).  For each benchmark the newest section that
exited 0 counts (logs ordered by their `# date:`, sections by position); a
benchmark with no such section gives a table that says so, and fails --check
only if the README shows figures there.  Every table names the log, commit and
machine its figures come from.  Standard library only.
"""
import argparse
import difflib
import glob
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MARK = "@@bench "
RESULT = re.compile(r"^([A-Za-z][A-Za-z0-9_]*): (.*)$")
RATIO = re.compile(r"\(ratio ([-+0-9.eE]+|nan|inf) (?:(fewer|faster) )?vs ([^()]*)\)(.*)$")


# ---------------------------------------------------------------- logs
class Section:
    def __init__(self, log, name):
        self.log, self.name = log, name
        self.meta, self.stdout, self.stderr = {}, [], []
        self.rc = None
        self.seconds = None

    def results(self):
        """name -> (value text, ratio float or None, against text, [detail lines])"""
        out = {}
        for line in self.stdout:
            m = RESULT.match(line)
            if not m:
                continue
            name, text = m.groups()
            r = RATIO.search(text)
            row = out.setdefault(name, {"value": None, "ratio": None, "vs": None, "detail": []})
            if r:
                row["value"] = text[: r.start()].strip()
                row["ratio"] = float(r.group(1))
                row["vs"] = ((r.group(2) + " " if r.group(2) else "") + "vs " + r.group(3)).strip()
                if r.group(4).strip():
                    row["detail"].append(r.group(4).strip())
            else:
                row["detail"].append(text)
        for row in out.values():
            if row["value"] is None and row["detail"]:
                row["value"] = row["detail"].pop(0)
        return out

    def source(self):
        h = self.log.header
        commit = h.get("commit", "unknown")
        if h.get("dirty", "no") != "no":
            commit += " with uncommitted changes"
        env = self.meta.get("env", "")
        parts = ["`%s`" % self.log.rel, "hsweep at %s" % commit, self.meta.get("start", h.get("date", "no date")),
                 h.get("machine", "unknown machine")]
        load = self.meta.get("load before")
        if load:
            parts.append("load %s" % load)
        # the settings that change what is measured (the log also has HSWEEP, BENCH_WORK)
        env = re.sub(r"(^| )(HSWEEP|BENCH_WORK)=(\"[^\"]*\"|\S*)", "", env).strip()
        if env and env != "(defaults)":
            parts.append("settings: `%s`" % env)
        return ", ".join(parts)


class Log:
    def __init__(self, path, rel):
        self.path, self.rel = path, rel
        self.header, self.sections = {}, []
        cur, part = None, None
        with open(path, encoding="utf-8", errors="replace") as f:
            for raw in f:
                line = raw.rstrip("\n")
                if line.startswith(MARK):
                    words = line[len(MARK):].split()
                    if words[:1] == ["begin"] and len(words) == 2:
                        cur, part = Section(self, words[1]), "meta"
                        continue
                    if cur and words[:1] == ["stdout"]:
                        part = "stdout"
                        continue
                    if cur and words[:1] == ["stderr"]:
                        part = "stderr"
                        continue
                    if cur and words[:2] == ["end", cur.name]:
                        kv = dict(w.split("=", 1) for w in words[2:] if "=" in w)
                        cur.rc = int(kv.get("rc", "1"))
                        cur.seconds = kv.get("seconds")
                        self.sections.append(cur)
                        cur, part = None, None
                        continue
                if cur is None:
                    m = re.match(r"^# ([a-z ]+): (.*)$", line)
                    if m:
                        self.header[m.group(1)] = m.group(2)
                elif part == "meta":
                    m = re.match(r"^# ([a-z ]+): (.*)$", line)
                    if m:
                        cur.meta[m.group(1)] = m.group(2)
                elif part == "stdout":
                    cur.stdout.append(line)
                elif part == "stderr":
                    cur.stderr.append(line)
        # a section cut off (no end marker) is not a result


def load_logs(results):
    logs = []
    base = os.path.dirname(HERE)
    for p in sorted(glob.glob(os.path.join(results, "*.log"))):
        rel = os.path.relpath(p, base) if os.path.abspath(p).startswith(base + os.sep) else p
        logs.append(Log(p, rel))
    logs.sort(key=lambda l: (l.header.get("date", ""), l.rel))
    return logs


def newest(logs, bench, pred=None):
    """The newest section of BENCH that exited 0 (and satisfies PRED)."""
    best = None
    for log in logs:
        for s in log.sections:
            if s.name == bench and s.rc == 0 and (pred is None or pred(s)):
                best = s
    return best


# ---------------------------------------------------------------- formatting
def num(x):
    if x is None:
        return ""
    if x != x:
        return "nan"
    a = abs(x)
    if a >= 100:
        return "%.0f" % x
    return "%.3g" % x


def md(header, rows, align=None):
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join(align or ["---"] * len(header)) + "|"]
    for r in rows:
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |")
    return out


def missing(bench, how):
    return ["No log of `bench/%s.sh` yet: `%s`." % (bench, how)]


def sources(secs):
    """'From LOG (...)' for one section, a list for several."""
    uniq = []
    for s in secs:
        if s is not None and s not in uniq:
            uniq.append(s)
    if len(uniq) == 1:
        return ["", "From " + uniq[0].source() + "."]
    return [""] + ["- [%d] %s (`bench/%s.sh`)." % (i + 1, s.source(), s.name) for i, s in enumerate(uniq)]


# ---------------------------------------------------------------- tables
def t_results(logs, bench, how):
    """Every result line of BENCH: figure, value, ratio, against, detail."""
    s = newest(logs, bench)
    if s is None:
        return missing(bench, how)
    rows = []
    for name, r in s.results().items():
        rows.append([name, r["value"] or "", num(r["ratio"]), r["vs"] or "", "; ".join(r["detail"])])
    if not rows:
        return ["`bench/%s.sh` printed no result line in its newest log." % bench] + sources([s])
    return md(["figure", "value", "ratio", "against", "detail"], rows,
              ["---", "---", "---:", "---", "---"]) + sources([s])


def verbatim_md(logs, bench, how):
    """The Markdown table a script prints itself (rows starting with '|'), and its summary."""
    s = newest(logs, bench)
    if s is None:
        return missing(bench, how)
    lines = [l for l in s.stdout if l.startswith("|")]
    summary = [l for l in s.stdout if RESULT.match(l) and RATIO.search(l)]
    return lines + ([""] + summary if summary else []) + sources([s])


def t_stan(logs):
    """stan_vs_hsweep.sh's plain table (header line `target side ...`) as Markdown."""
    s = newest(logs, "stan_vs_hsweep")
    if s is None:
        return missing("stan_vs_hsweep", "bench/run_all.sh stan_vs_hsweep")
    rows, on = [], False
    for l in s.stdout:
        w = l.split()
        if w[:2] == ["target", "side"]:
            on = True
        elif on and len(w) == 14 and not l.startswith("#"):
            rows.append([w[0], "**hsweep/Stan**" if w[1] == "hsweep/stan" else w[1]] + w[5:13])
    if not rows:
        return ["`bench/stan_vs_hsweep.sh` printed no table in its newest log."] + sources([s])
    return md(["target", "side", "grads", "CPU s", "grads/s", "bulk ESS (min)", "ESS/grad", "ESS/s",
               "divergent", "µs/grad"], rows, ["---", "---"] + ["---:"] * 8) + sources([s])


def dask_rows(s):
    rows = []
    head = False
    for l in s.stdout:
        w = l.split()
        if w[:2] == ["tool", "t_ms"]:
            head = True
            continue
        if head and len(w) == 6 and not l.startswith("#"):
            try:
                rows.append((w[0], int(w[1]), int(w[2]), float(w[3]), float(w[4]), float(w[5])))
            except ValueError:
                pass
    return rows


def dask_sections(logs):
    """For each task time t, the newest vs_dask section that ran it."""
    ts = sorted({r[1] for log in logs for s in log.sections if s.name == "vs_dask" and s.rc == 0
                 for r in dask_rows(s)})
    return {t: newest(logs, "vs_dask", lambda s, t=t: any(r[1] == t for r in dask_rows(s))) for t in ts}


def dask_best(s, t):
    """(tool, M) -> best (shortest wall) row of task time t in section s."""
    best = {}
    for r in dask_rows(s):
        if r[1] == t and ((r[0], r[2]) not in best or r[3] < best[(r[0], r[2])][3]):
            best[(r[0], r[2])] = r
    return best


def dask_ratios(logs):
    """[(t, M, peer, warm/peer throughput ratio, section)]"""
    out = []
    for t, s in dask_sections(logs).items():
        b = dask_best(s, t)
        for (tool, m), r in sorted(b.items()):
            if tool != "hsweep-warm" and ("hsweep-warm", m) in b:
                out.append((t, m, tool, r[3] / b[("hsweep-warm", m)][3], s))
    return out


def t_vs_dask(logs):
    secs = dask_sections(logs)
    if not secs:
        return missing("vs_dask", "PYTHON3=/usr/bin/python3 bench/run_all.sh vs_dask")
    order = list(dict.fromkeys(secs.values()))
    rows = []
    for t, s in secs.items():
        for r in dask_rows(s):
            if r[1] == t:
                rows.append(["%d" % t, r[0], "%d" % r[2], num(r[3]), num(r[4]), num(r[5]),
                             "[%d]" % (order.index(s) + 1)])
    out = md(["t ms", "tool", "M", "wall s", "tasks/s", "overhead ms/task", "log"], rows,
             ["---:", "---", "---:", "---:", "---:", "---:", "---"])
    out += ["", "Throughput of `hsweep-warm` over each peer on the same tasks (same t and M, "
            "one invocation; best row of each tool):", ""]
    rat = [["%d" % t, "%d" % m, p, num(x), "[%d]" % (order.index(s) + 1)]
           for t, m, p, x, s in dask_ratios(logs)]
    out += md(["t ms", "M", "peer", "warm / peer", "log"], rat, ["---:", "---:", "---", "---:", "---"])
    out += [""] + ["- [%d] %s." % (i + 1, s.source()) for i, s in enumerate(order)]
    return out


def t_eig(logs):
    s = newest(logs, "eig_bench")
    if s is None:
        return missing("eig_bench", "bench/run_all.sh eig_bench")
    out, tab = [], False
    rows = []
    for l in s.stdout:
        if l.startswith("N ") and "zheevd(1)" in l:
            tab = True
            continue
        if tab:
            w = l.split()
            if len(w) == 5 and w[0].isdigit():
                rows.append(w)
                continue
            tab = False
        if l.startswith("crossover") or RESULT.match(l):
            out.append(l)
    res = md(["N", "zheevd, 1 rank s", "pzheevd, 1 rank s", "pzheevd, 2 ranks s", "pzheevd, 4 ranks s"],
             rows, ["---:"] * 5)
    return res + [""] + ["- " + l for l in out] + sources([s])


# Targets: (what, bench, result names (regex), op, threshold or None).
TARGETS = [
    ("issue 10 item 1: dispatch ≥ 0.5 × a minimal MPI + HDF5 loop", "dispatch", r"dispatch_n\d+.*", ">=", 0.5),
    ("issue 10 item 2: ≥ 5× GNU parallel + merge", "vs_parallel", r"vs_parallel_.*", ">=", 5),
    ("issue 10 item 3: results I/O ≥ 0.7 × `dd conv=fsync`", "io", r"io_traces.*", ">=", 0.7),
    ("issue 10 item 4: scaling near the ideal (no number set)", "scaling", r"scaling_n\d+", None, None),
    ("issue 10 item 5: memory linear in tasks and small (ratio to 8 B/task)", "memory", r"memory_.*", None, None),
    ("issue 18 §5: calibrated cost estimates closer than the hints (ratio: hint / actual)",
     "cost_calibration", r"cost_calibration", None, None),
    ("issue 21: refinement ≥ 20× fewer tasks than a uniform grid at 1/1000 of the range",
     "refine", r"refine_tasks_step", ">=", 20),
    ("`train`: ≥ 3× PyTorch CPU, 1 thread, at batch 10", "train_bench", r"train_updates_b10_.*", ">=", 3),
    ("`train`: ≥ 1× PyTorch CPU, 1 thread, at batch 256", "train_bench", r"train_updates_b256_.*", ">=", 1),
    ("`spectral`: zheevd against zgemm's GFLOP/s (no number set)", "eig_bench", r"zheevd_gflops", None, None),
    ("`vi`: one 5000-step fit on the d = 45 MLP < 0.5 s (ratio: time / 0.5 s)", "llc_bench",
     r"vi_fit_mlp_d45", "<=", 1.0),
    ("`nuts` pose: T = 1800, full model, ≤ 300 s CPU (ratio: time / 300 s)", "pose_bench",
     r"pose_T1800.*_seconds", "<=", 1.0),
    ("past one machine: coordinator CPU per request, most ranks against fewest (no number set)",
     "coord_service", r"coord_service_growth_.*", None, None),
    ("docs/scale.md: scale_sim.py within 20 % of the measured dispatch-phase efficiency (ratio: largest error)",
     "scale_validate", r"scale_validate", "<=", 0.2),
    ("docs/scale.md: ≥ 90 % worker efficiency at 10^4 ranks, 1 s tasks (modelled), design a (today)",
     "scale_predict", r"scale_goal_a_fixed_.*", ">=", 0.9),
    ("docs/scale.md: the same, design b (rank 0 + node writers)", "scale_predict", r"scale_goal_b_fixed_.*",
     ">=", 0.9),
    ("docs/scale.md: the same, design c (node sub-coordinators + node writers)", "scale_predict",
     r"scale_goal_c_fixed_.*", ">=", 0.9),
    ("NUTS against Stan, side by side", "stan_vs_hsweep", r".*", None, None),
]


def met(op, thr, ratios):
    if op is None or not ratios:
        return "–"
    ok = all(r >= thr if op == ">=" else r <= thr for r in ratios)
    return "yes" if ok else "no"


def t_targets(logs):
    rows, secs = [], []
    for what, bench, pat, op, thr in TARGETS[:-1]:
        s = newest(logs, bench)
        if s is None:
            rows.append([what, "no log yet", "", "–", ""])
            continue
        secs.append(s)
        figs, ratios = [], []
        for name, r in s.results().items():
            if re.fullmatch(pat, name) and r["ratio"] is not None:
                figs.append("%s %s (%s)" % (name, num(r["ratio"]), r["value"]))
                ratios.append(r["ratio"])
        worst = num(min(ratios) if op == ">=" else max(ratios)) if ratios and op else ""
        rows.append([what, ", ".join(figs) or "no ratio in the log", worst, met(op, thr, ratios),
                     "`%s`" % s.log.rel])
    # issue 22 item 3, from vs_dask's rows
    rat = dask_ratios(logs)
    for what, pick, thr in [
            ("issue 22 item 3: warm exec (`protocol = \"jsonl\"`) ≥ Dask at every task time",
             lambda t, p: p == "dask", 1.0),
            ("issue 22 item 3: warm exec ≥ 10× Snakemake and GNU parallel at t = 10 ms",
             lambda t, p: t == 10 and p in ("snakemake", "parallel"), 10.0)]:
        sel = [(t, m, p, x, s) for t, m, p, x, s in rat if pick(t, p)]
        if not sel:
            rows.append([what, "no log yet", "", "–", ""])
            continue
        figs = ", ".join("%s t=%d M=%d %s" % (p, t, m, num(x)) for t, m, p, x, s in sel)
        logs_used = list(dict.fromkeys("`%s`" % s.log.rel for *_, s in sel))
        secs += [s for *_, s in sel]
        rows.append([what, figs, num(min(x for *_, x, _ in sel)), met(">=", thr, [x for *_, x, _ in sel]),
                     ", ".join(logs_used)])
    for what, bench, pat, op, thr in TARGETS[-1:]:
        s = newest(logs, bench)
        figs = ["%s %s (%s)" % (n, num(r["ratio"]), r["value"]) for n, r in (s.results().items() if s else [])
                if re.fullmatch(pat, n) and r["ratio"] is not None]
        rows.append([what, ", ".join(figs) or ("no log yet" if s is None else "no ratio in the log"), "",
                     "–", "`%s`" % s.log.rel if s else ""])
    out = md(["target", "ratios in the log: figure, ratio (value)", "worst", "met", "log"], rows)
    out += ["", "\"Worst\" is the ratio furthest from its target; \"–\": no number set."]
    out += ["", "Each log's commit, date, machine and settings are under the benchmark's own table below."]
    return out


def t_scale_validate(logs):
    """scale_validate.sh's points: measured and predicted efficiency and wall time."""
    s = newest(logs, "scale_validate")
    if s is None:
        return missing("scale_validate", "bench/run_all.sh scale_validate")
    pt = re.compile(r"^scale_validate_n(\d+)_(s[0-9.]+|heavy)(_wall)?: measured ([-0-9.e+]+)( s)?"
                    r"(?: \(median of \d+ runs: ([-0-9.e+]+) \.\.\. ([-0-9.e+]+)\))?, predicted "
                    r"([-0-9.e+]+)( s)?, error ([-0-9.e+]+)%(?: \((?:dispatch-phase efficiency; ([0-9.]+) runnable.*|whole run)\))?$")
    rows, pos = {}, []
    for l in s.stdout:
        m = pt.match(l)
        if not m:
            f = re.match(r"^scale_validate_n(\d+)_(s[0-9.]+|heavy): run failed", l)
            if f:
                rows[(f.group(1), f.group(2))] = {"failed": True}
                pos.append((f.group(1), f.group(2)))
            continue
        key = (m.group(1), m.group(2))
        if key not in rows:
            rows[key] = {}
            pos.append(key)
        part = "wall" if m.group(3) else "eff"
        rows[key][part] = (m.group(4), m.group(8), m.group(10))
        if m.group(6):
            rows[key]["range"] = "%s … %s" % (num(float(m.group(6))), num(float(m.group(7))))
        if m.group(11):
            rows[key]["bg"] = m.group(11)
    out = []
    for key in pos:
        r = rows[key]
        task = "lognormal σ 1.5" if key[1] == "heavy" else key[1][1:] + " s"
        if r.get("failed"):
            out.append([key[0], task, "run failed", "", "", "", "", "", "", ""])
            continue
        e, w = r.get("eff", ("", "", "")), r.get("wall", ("", "", ""))
        out.append([key[0], task, num(float(e[0])), r.get("range", "one run"), num(float(e[1])),
                    "%+.1f" % float(e[2]), num(float(w[0])), num(float(w[1])), "%+.1f" % float(w[2]),
                    r.get("bg", "")])
    res = md(["ranks", "tasks", "efficiency measured", "runs' range", "predicted", "error %", "wall s measured",
              "predicted", "error %", "others' runnable processes"], out,
             ["---:", "---", "---:", "---", "---:", "---:", "---:", "---:", "---:", "---:"])
    summary = [l for l in s.stdout if l.startswith("scale_validate: ")]
    return res + [""] + summary + sources([s])


SCALE_INPUT_DOC = {
    "coord_a": "rank 0's CPU a request, s", "coord_b": "rank 0's CPU a task in the batch, s",
    "wk_task": "worker CPU a task, s", "wk_batch": "worker CPU a batch, s",
    "wk_wait": "worker wall a batch beyond CPU and task, s", "wk_first": "a worker's first task: task process start, s",
    "wk_first_cpu": "of which CPU, s", "poll_cpu": "CPU of a polling rank, s/s",
    "task_wait_cpu": "worker CPU while its task runs, s/s", "lat_intra": "message latency within a node, s",
    "lat_inter": "message latency between nodes, s", "sleep_slack": "oversleep of a poll's sleep, s",
    "writes_per_task": "store writes a task", "bytes_per_task": "bytes written a task",
    "create_a": "file creation, fixed, s", "create_per_row": "file creation a row, s",
    "create_per_rank": "file creation a rank (oversubscribed), s", "expand_per_task": "sweep expansion a task, s",
    "local_start_a": "start-up here, fixed, s", "local_start_per_rank": "start-up here a rank (oversubscribed), s",
    "pfs_lock": "lock round trip a conflicting write, s", "fs_bw": "file server bandwidth, B/s",
    "fs_servers": "file servers a shared file's writes queue at", "ranks_per_node": "ranks a node",
    "mpi_start_a": "MPI start, fixed, s", "mpi_start_per_rank": "MPI start a rank, s", "cores": "cores here",
    "task_start_points": "the task process start's CPU, s, at each worker count (wk_first_cpu's points)",
    "local_start_points": "start-up here at each rank count (oversubscribed), s",
    "first_task_points": "a worker's first task at each worker count (shared cores), fitted, s",
    "task_cpu_points": "a task's CPU beyond the model's other terms at each worker count (shared cores), s",
    "first_request_points": "when the workers' first requests came after rank 0's loop began, s: "
                            "the median worker's, the last one's, at each worker count",
    "wake_floor": "a woken process's wait for its first slice, s, at K others runnable",
    "wake_share": "a woken burst's share beside busy processes (1: equal, 0: first)",
}


def scale_input_value(v, key=""):
    """A model input as the table shows it: a number, or [workers, seconds]
    points ([others runnable, seconds] for wake_floor)."""
    if isinstance(v, (int, float)):
        return num(v)
    if isinstance(v, list):
        x = {"wake_floor": "K", "local_start_points": "R"}.get(key, "W")
        return "; ".join("%s = %d: %s" % (x, p[0], ", ".join(num(y) for y in p[1:])) for p in v)
    return str(v)


def t_scale_inputs(logs):
    """The model's inputs from scale_validate.sh's `scale_inputs:` line: value and where it comes from."""
    import json
    s = newest(logs, "scale_validate")
    if s is None:
        return missing("scale_validate", "bench/run_all.sh scale_validate")
    line = [l for l in s.stdout if l.startswith("scale_inputs: ")]
    if not line:
        return ["`bench/scale_validate.sh` printed no inputs in its newest log."] + sources([s])
    inp = json.loads(line[-1][len("scale_inputs: "):])
    src = inp.pop("source", {})
    rows = [[k, SCALE_INPUT_DOC.get(k, ""), scale_input_value(v, k), src.get(k, "measured here (scale_validate.sh)")]
            for k, v in sorted(inp.items())]
    return md(["input", "what", "value", "from"], rows, ["---", "---", "---:", "---"]) + sources([s])


def t_scale_block(logs, name):
    """One of the Markdown tables scale_predict.sh prints after `# table: NAME`."""
    s = newest(logs, "scale_predict")
    if s is None:
        return missing("scale_predict", "bench/run_all.sh scale_validate scale_predict")
    out, on = [], False
    for l in s.stdout:
        if l == "# table: " + name:
            on = True
            continue
        if on and l.startswith("|"):
            out.append(l)
        elif on:
            break
    if not out:
        return ["`bench/scale_predict.sh` printed no table %s in its newest log." % name] + sources([s])
    notes = [l[2:] for l in s.stdout if l.startswith("# inputs") or l.startswith("# ranks per node")]
    if name == "scale_predict":
        out += [""] + notes + [""] + [l for l in s.stdout if l.startswith("scale_goal_")]
    return out + sources([s])


TABLES = {
    "targets": t_targets,
    "dispatch": lambda L: t_results(L, "dispatch", "bench/run_all.sh dispatch"),
    "vs_parallel": lambda L: t_results(L, "vs_parallel", "bench/run_all.sh vs_parallel"),
    "io": lambda L: t_results(L, "io", "bench/run_all.sh io"),
    "scaling": lambda L: t_results(L, "scaling", "bench/run_all.sh scaling"),
    "memory": lambda L: t_results(L, "memory", "bench/run_all.sh memory"),
    "refine": lambda L: t_results(L, "refine", "bench/run_all.sh refine"),
    "train_bench": lambda L: t_results(L, "train_bench", "bench/run_all.sh train_bench"),
    "eig_bench": t_eig,
    "cost_calibration": lambda L: verbatim_md(L, "cost_calibration", "bench/run_all.sh cost_calibration"),
    "vs_dask": t_vs_dask,
    "stan_vs_hsweep": t_stan,
    "nuts_ref": lambda L: t_results(L, "nuts_ref", "bench/run_all.sh nuts_ref"),
    "pose_bench": lambda L: t_results(L, "pose_bench", "bench/run_all.sh pose_bench"),
    "llc_bench": lambda L: t_results(L, "llc_bench", "bench/run_all.sh llc_bench"),
    "coord_service": lambda L: t_results(L, "coord_service", "bench/run_all.sh coord_service"),
    "task_start": lambda L: t_results(L, "task_start", "bench/run_all.sh task_start"),
    "write_pattern": lambda L: t_results(L, "write_pattern", "bench/run_all.sh write_pattern"),
    "create_scale": lambda L: t_results(L, "create_scale", "bench/run_all.sh create_scale"),
    "scale_validate": t_scale_validate,
    "scale_inputs": t_scale_inputs,
    "scale_predict": lambda L: t_scale_block(L, "scale_predict"),
    "scale_predict_e0": lambda L: t_scale_block(L, "scale_predict_e0"),
    "scale_breaks": lambda L: t_scale_block(L, "scale_breaks"),
    "scale_tasks": lambda L: t_scale_block(L, "scale_tasks"),
    "scale_startup": lambda L: t_scale_block(L, "scale_startup"),
}

BLOCK = re.compile(r"(<!-- table:([A-Za-z0-9_]+) -->\n)(.*?)(<!-- /table -->)", re.S)


def regenerate(text, logs):
    errors = []

    def sub(m):
        name = m.group(2)
        if name not in TABLES:
            errors.append("unknown table '%s' (known: %s)" % (name, ", ".join(sorted(TABLES))))
            return m.group(0)
        body = "\n".join(TABLES[name](logs)) + "\n"
        return m.group(1) + body + m.group(4)

    return BLOCK.sub(sub, text), errors


# ---------------------------------------------------------------- import
def do_import(name, path, commit, results, date=None):
    lines = open(path, encoding="utf-8").read().splitlines()
    first = "\n".join(l for l in lines[:3] if l.startswith("#"))
    m = re.search(r"(\d{4}-\d\d-\d\dT\d\d:\d\dZ) (\d+ cores, [^,]*(?:, [^,l][^,]*)*), load ([0-9. ]+)", first)
    m2 = re.search(r"(\d{4}-\d\d-\d\d) (\d\d:\d\d) UTC, (\d+ cores)", first)
    if date:
        when = date
    elif m:
        when = m.group(1).replace("Z", ":00Z")
    elif m2:
        when = "%sT%s:00Z" % (m2.group(1), m2.group(2))
    else:
        sys.exit("tables.py: no date in the first lines of %s: give --date" % path)
    machine = m.group(2) if m else (m2.group(3) if m2 else "not recorded")
    load = m.group(3).strip() if m else ""
    # Logs that name their machine and load on lines of their own
    # ("# machine: ...", "# load average at start: ...").
    head = "\n".join(l for l in lines[:8] if l.startswith("#"))
    m3 = re.search(r"^# machine: ([^;\n]*)", head, re.M)
    m4 = re.search(r"^# load average at start: ([0-9. ]+)", head, re.M)
    if m3 and machine == "not recorded":
        machine = m3.group(1).strip()
    if m4 and not load:
        load = m4.group(1).strip()
    short = re.sub(r"[^0-9a-f].*", "", commit)[:7] or "unknown"
    os.makedirs(results, exist_ok=True)
    out = os.path.join(results, "%s-%s.log" % (when[:13].replace(":", "") + when[13:16].replace(":", "") + "Z",
                                               short))
    with open(out, "w", encoding="utf-8") as f:
        f.write("# hsweep bench log 1\n")
        f.write("# command: bench/tables.py --import %s %s (a log written before run_all.sh kept logs)\n"
                % (name, os.path.basename(path)))
        dirty = "yes" if commit.endswith("+changes") else "no"
        f.write("# commit: %s\n# dirty: %s\n# date: %s\n# machine: %s\n"
                % (commit.replace("+changes", ""), dirty, when, machine))
        if load:
            f.write("# load before: %s\n" % load)
        env = first.split("\n")[0].lstrip("# ").strip()
        f.write(MARK + "begin %s\n# command: see the log's first lines\n# env: %s\n"
                % (name, env if "=" in env else "(defaults)"))
        if load:
            f.write("# load before: %s\n" % load)
        f.write(MARK + "stdout\n" + "\n".join(lines) + "\n" + MARK + "stderr\n")
        f.write(MARK + "end %s rc=0\n" % name)
    print(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--readme", default=os.path.join(HERE, "README.md"))
    ap.add_argument("--results", default=os.path.join(HERE, "results"))
    ap.add_argument("--import", dest="imp", nargs=2, metavar=("NAME", "FILE"))
    ap.add_argument("--commit")
    ap.add_argument("--date")
    a = ap.parse_args()
    if a.imp:
        if not a.commit:
            ap.error("--import needs --commit (the hsweep commit the log was taken at, or how it is known)")
        do_import(a.imp[0], a.imp[1], a.commit, a.results, a.date)
        return 0
    text = open(a.readme, encoding="utf-8").read()
    new, errors = regenerate(text, load_logs(a.results))
    for e in errors:
        print("tables.py: %s: %s" % (a.readme, e), file=sys.stderr)
    if errors:
        return 2
    if a.check:
        if new != text:
            sys.stdout.writelines(difflib.unified_diff(text.splitlines(True), new.splitlines(True),
                                                       a.readme, "from the logs"))
            print("tables.py: %s: tables differ from bench/results/ (run bench/tables.py)" % a.readme,
                  file=sys.stderr)
            return 1
        return 0
    if new != text:
        with open(a.readme, "w", encoding="utf-8") as f:
            f.write(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
