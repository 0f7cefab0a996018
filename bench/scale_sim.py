#!/usr/bin/python3
"""Discrete-event model of an hsweep run at scale (docs/scale.md).

  bench/scale_sim.py run --inputs FILE [--design a|b|c] --ranks R --dur S
                        [--dist fixed|lognormal] [--tpw T] [--fs local|pfs]
                        [--lock SECONDS] [--cores C] [--ppn P] [--seed N]
                        [--zero]                  one point, one JSON line
  bench/scale_sim.py grid --inputs FILE [...]     scale_predict.sh's table
  bench/scale_sim.py check                        closed forms (tests/mpi/scale_sim.sh)

What is modelled (every cost comes from the inputs file, written by
bench/scale_validate.sh's calibration runs, or is an assumption named there):

  rank 0        one FIFO server.  A request costs coord_a + coord_b * k
                + coord_c * W seconds of CPU (k tasks in the batch it hands
                out); the batch is chosen by take() below, a copy of
                hs_sched_queue_take (src/core/sched_queue.c): a quarter of
                the remaining tasks per worker, at most HS_MAX_BATCH, and
                no more once the batch's expected seconds pass
                HS_SCHED_BATCH_SECONDS; the worker may prefetch its next
                batch when the batch is shorter than that.  Tasks are
                queued longest expected first; the expected time is the
                task's duration (exact hints, as the sleep kernel gives).
  idle waits    rank 0 and waiting workers poll with a doubling sleep
                (2 us .. 0.512 ms, then 1 ms; src/core/sched.c lazy_wait and
                coordinator_loop); each sleep lasts its request plus
                `sleep_slack` (the kernel's timer slack and wake-up).
  messages      one-way latency: lat_intra within a node, lat_inter between
                nodes (ranks_per_node ranks a node).
  a worker      per batch wk_batch, per task wk_task seconds of its own CPU
                (the task process round trip, the row's HDF5 writes at local
                disk speed, the request), then the task's own duration
                (a sleep: no CPU in the validation runs).  Its first task
                costs wk_first seconds more, wk_first_cpu of them CPU (the
                first task in a fresh task process, --isolation fork; the
                fork itself is start-up.  At scale, in grid: part of
                start-up too; with shared cores, read at the worker
                count from task_start_points when the inputs have them,
                or from first_task_points, fitted to the calibration's
                runs of one task a worker, in place of wk_first).  Each
                task's CPU grows there by task_cpu_points (from runs of
                several tasks a worker).
                With shared cores and first_request_points, the i-th of W
                workers first asks at quantile (i + 1) / W of the measured
                spread (0, the median worker's time, the last one's),
                not at once.
  the file      (fs = pfs) a pool of fs_servers FIFO servers, one write
                costing `lock` (an extent-lock round trip on a shared file:
                an assumption) + bytes / fs_bw.  Design a: each worker's
                writes_per_task small writes wait there, the worker blocked.
                Designs b and c: a writer rank per node gathers its node's
                rows (sent at lat_intra) and writes everything pending as one
                block whenever it is not writing already; workers do not wait.
                fs = local: writes cost what wk_task already holds.
  cores         (--cores C) all CPU work of all ranks shares C cores
                (processor sharing), as on an oversubscribed machine; without
                it every rank has a core of its own.  How a woken process's
                short burst is served beside busy ones (wake_share) and how
                long it waits for its first slice (wake_floor, by the count
                of runnable processes) are measured by bench/scale_wake.c.
                Each task is three wake-ups (the task process for the task
                and at its end, then the worker for the result), each reply
                one, rank 0 one when it was idle.  The CPU of polling is
                spent beside the waiting process, not in its way, and fewer
                polls fit a wait when wake-ups are slow.

Designs: a = today (rank 0 + per-rank writes); b = rank 0 + one writer rank
per node (--writers node); c = rank 0 serves one sub-coordinator rank per
node, which also writes its node's rows and serves its node's workers with
the same policy (rank 0 hands a node up to HS_MAX_BATCH tasks per local worker,
at least one per local worker, HS_SCHED_BATCH_SECONDS per local worker; a node
asks again once fewer tasks than local workers are left locally).

Efficiency of the dispatch phase (rank 0's loop: from its start until the last
result is written and rank 0 has released every worker): E_ranks = sum of task seconds / (ranks x makespan); E_workers = the
same over the worker ranks only (not rank 0, writers, sub-coordinators).
E0 is E_workers of the same tasks with every overhead and latency zero (the
tasks' own imbalance); E_workers / E0 is what overheads cost.
Standard library and numpy only.
"""
import argparse
import bisect
import heapq
import json
import math
import sys

HS_SCHED_BATCH_SECONDS = 0.05
HS_MAX_BATCH = 256


# ---------------------------------------------------------------- batch policy
def take(costs, lq, nxt, workers, maxb, budget=HS_SCHED_BATCH_SECONDS, min_k=1, left=None, cap=None):
    """hs_sched_queue_take on the queue lq[nxt:] (indices into costs).
    Returns (k, expected seconds, prefetch).  min_k > 1, left: design c's
    variants (a node's batch from rank 0; a node counting rank 0's tasks)."""
    if len(lq) - nxt <= 0:
        return 0, 0.0, False
    if left is None:
        left = len(lq) - nxt
    if cap is None:
        cap = left // (4 * workers)
    cap = min_k if cap < min_k else (maxb if cap > maxb else cap)
    s = 0.0
    k = 0
    n = len(lq)
    while k < cap and nxt + k < n:
        c = costs[lq[nxt + k]]
        if k >= min_k and s + c > budget:
            break
        s += c
        k += 1
    return k, s, s < budget


# ---------------------------------------------------------------- polling
class Poll:
    """When a rank that started waiting at t0 sees a message that arrived at ta."""

    def __init__(self, slack, enabled=True):
        self.enabled = enabled
        self.steps = []
        ns, acc = 2000, 0.0
        while True:
            acc += ns * 1e-9 + slack
            self.steps.append(acc)
            if ns >= 500000:
                break
            ns *= 2
        self.tail = 1e-3 + slack

    def __call__(self, t0, ta):
        if ta <= t0 or not self.enabled:
            return max(t0, ta)
        e = ta - t0
        i = bisect.bisect_left(self.steps, e)
        if i < len(self.steps):
            return t0 + self.steps[i]
        last = self.steps[-1]
        return t0 + last + math.ceil((e - last) / self.tail) * self.tail


# ---------------------------------------------------------------- engine
class Sim:
    """Processes are generators yielding ('at', t): resume at global time t
    (before touching shared state); ('cpu', t, work[, long]): run work seconds
    of CPU from local time t (resumed with the end time); ('spend', t, work):
    the same CPU, used while the process went on (what it spent polling
    while it waited), as a long burst no one waits for; ('wait',): until
    woken.

    With shared cores (cores=C), CPU work is served by processor sharing in
    two classes: short bursts (a request, a row: what a process does after
    waking) and long ones (starting a task process, the CPU of polling).
    `share` (wake_share) is what a short burst counts a long one as: with 0,
    short bursts have preemptive priority (share C among themselves, long
    ones share what is left); with 1, every runnable burst gets an equal share
    of C, as Linux's EEVDF scheduler gives them (bench/scale_wake.c measures
    it).  `background` runnable processes of others count as long bursts.
    A burst that starts with a wake-up ('cpu', t, work, long, True) also ends
    no sooner than `floor(n)` after it starts, n the processes runnable then
    (wake_floor: the latency of a woken process's first slice, measured by
    bench/scale_wake.c)."""

    def __init__(self, cores=None, background=0.0, share=0.0, floor=None):
        self.background = background
        self.share = share
        self.floor = floor  # n runnable -> seconds; None: no floor
        self.held = 0       # woken bursts done with their CPU, waiting out their floor
        self.now = 0.0
        self.heap = []
        self.seq = 0
        self.cores = cores
        # per class (0 short, 1 long): virtual time, jobs keyed by virtual finish
        self.V = [0.0, 0.0]
        self.ps = [[], []]
        self.ps_t = 0.0
        self.cpu_s = 0.0

    def wake_latency(self):
        """wake_floor at the processes runnable now (0 without a floor)."""
        if self.floor is None:
            return 0.0
        return self.floor(len(self.ps[0]) + len(self.ps[1]) + self.background + self.held)

    def push(self, t, proc, val=None, kind=0):
        self.seq += 1
        heapq.heappush(self.heap, (t, self.seq, proc, val, kind))

    def _rates(self):
        ns, nl = len(self.ps[0]), len(self.ps[1])
        C, bg = self.cores, self.background
        d = ns + self.share * (nl + bg)
        rs = 1.0 if d <= C else C / d
        free = max(0.0, C - ns * rs)
        rl = 0.0 if nl == 0 else min(1.0, free / (nl + bg))
        return rs, rl

    def _advance(self, t):
        rs, rl = self._rates()
        dt = t - self.ps_t
        self.V[0] += dt * rs
        self.V[1] += dt * rl
        self.ps_t = t

    def _ps_add(self, proc, job):
        work, cls, wake = job
        self._advance(self.now)
        self.seq += 1
        due = self.now + self.wake_latency() if wake else 0.0
        heapq.heappush(self.ps[cls], (self.V[cls] + work, self.seq, proc, due))

    def step(self, proc, val):
        while True:
            try:
                cmd = proc.send(val)
            except StopIteration:
                return
            op = cmd[0]
            if op == "spend":
                self.cpu_s += cmd[2]
                if self.cores is not None and cmd[2] > 0:
                    if cmd[1] > self.now:
                        self.push(cmd[1], None, (cmd[2], 1, False), 1)
                    else:
                        self._ps_add(None, (cmd[2], 1, False))
                val = cmd[1]
                continue
            if op == "cpu":
                self.cpu_s += cmd[2]
                if self.cores is None:
                    val = cmd[1] + cmd[2]
                    continue
                job = (cmd[2], 1 if len(cmd) > 3 and cmd[3] else 0, len(cmd) > 4 and cmd[4])
                if cmd[1] > self.now:
                    self.push(cmd[1], proc, job, 1)
                else:
                    self._ps_add(proc, job)
                return
            if op == "at":
                if cmd[1] <= self.now:
                    val = self.now
                    continue
                self.push(cmd[1], proc, cmd[1])
                return
            return  # wait

    def start(self, proc, t=0.0):
        self.push(t, proc, None)

    def _next_ps(self):
        rs, rl = self._rates()
        best, cls = math.inf, -1
        for c, r in ((0, rs), (1, rl)):
            if self.ps[c] and r > 0:
                t = self.ps_t + max(0.0, self.ps[c][0][0] - self.V[c]) / r
                if t < best:
                    best, cls = t, c
        return best, cls

    def run(self):
        heap = self.heap
        while heap or self.ps[0] or self.ps[1]:
            t_ps, cls = self._next_ps() if (self.ps[0] or self.ps[1]) else (math.inf, -1)
            if heap and heap[0][0] < t_ps:
                t, _, proc, val, kind = heapq.heappop(heap)
                self.now = t
                if kind == 1:
                    self._ps_add(proc, val)
                    continue
                if kind == 3:  # a woken burst's floor is over
                    self.held -= 1
                    self.step(proc, val)
                    continue
                if kind == 2:  # proc is an Inbox: wake its process unless superseded
                    box, token = proc, val
                    if token != box.token or box.idle_since is None:
                        continue
                    proc, val = box.proc, box.wake_at
                self.step(proc, val)
            else:
                if cls < 0:
                    raise RuntimeError("scale_sim: CPU work that can never run")
                self.now = t_ps
                self._advance(t_ps)
                _, _, proc, due = heapq.heappop(self.ps[cls])
                if proc is None:  # CPU spent while its process went on
                    continue
                if due > t_ps:
                    self.held += 1
                    self.push(due, proc, due, 3)
                    continue
                self.step(proc, t_ps)


class Inbox:
    """Messages to one rank, by arrival time; wakes its process when waiting."""

    def __init__(self, sim, poll):
        self.sim, self.poll = sim, poll
        self.q = []
        self.seq = 0
        self.proc = None
        self.idle_since = None  # waiting since (None: not waiting)
        self.wake_at = math.inf
        self.token = 0

    def wake(self, d):
        self.wake_at = d
        self.token += 1
        self.sim.push(d, self, self.token, 2)

    def put(self, ta, msg):
        self.seq += 1
        heapq.heappush(self.q, (ta, self.seq, msg))
        if self.idle_since is not None:
            d = self.poll(self.idle_since, ta)
            if d < self.wake_at:
                self.wake(d)


# ---------------------------------------------------------------- ranks
class Server:
    """Rank 0, or (design c) a node's sub-coordinator: answers requests one at
    a time, in order of arrival."""

    def __init__(self, m, lq, workers, up=None, name="coord"):
        self.m, self.costs, self.lq = m, m.dur, lq
        self.nxt = 0
        self.workers = workers        # clients it serves (take()'s `workers`)
        self.up = up                  # design c: (rank 0's inbox, latency) to refill from
        self.node_policy = None       # design c, rank 0: local workers a node serves
        self.inbox = Inbox(m.sim, m.poll)
        self.busy = 0.0
        self.requests = 0
        self.batches = 0
        self.wait_sum = 0.0
        self.top_done = up is None
        self.top_left = 0             # tasks rank 0 had left at its last reply
        self.refill_out = False
        self.last_refill = 0
        self.parked = []
        self.active = workers
        self.lat_down = 0.0
        self.name = name
        self.end = 0.0  # when its last client said it is done
        self.woke = False  # its next reply is the first burst after a wake-up

    def take(self, client):
        L = getattr(client, "workers", 0) if self.node_policy else 0
        if L:
            # a node's batch: what one worker's batch would be now (the same
            # policy over all W workers), once for each of its L workers
            k1, _, pf = take(self.costs, self.lq, self.nxt, self.m.W, HS_MAX_BATCH)
            k = min(k1 * L, len(self.lq) - self.nxt)
        elif self.up is not None:
            # this node's share (by workers) of what rank 0 still holds counts as queued here
            left = len(self.lq) - self.nxt + self.top_left * self.workers // self.m.W
            k, s, pf = take(self.costs, self.lq, self.nxt, self.workers, HS_MAX_BATCH, left=left)
        else:
            k, s, pf = take(self.costs, self.lq, self.nxt, self.workers, HS_MAX_BATCH)
        batch = self.lq[self.nxt:self.nxt + k]
        self.nxt += k
        if k:
            self.batches += 1
        return batch, pf

    def proc(self):
        m, inbox = self.m, self.inbox
        t = 0.0
        yield ("at", t)
        while self.active > 0:
            if not inbox.q or inbox.q[0][0] > t:
                inbox.idle_since, inbox.wake_at = t, math.inf
                if inbox.q:
                    inbox.wake(m.poll(t, inbox.q[0][0]))
                t0 = t
                t = yield ("wait",)
                inbox.idle_since = None
                self.woke = True
                if m.poll_cpu:
                    t = yield ("spend", t, m.poll_spent(t - t0))
            ta, _, msg = heapq.heappop(inbox.q)
            kind = msg[0]
            if kind == "done":
                self.active -= 1
                self.end = max(self.end, t)
                continue
            if kind == "work":  # design c: a batch from rank 0
                self.refill_out = False
                self.top_left = msg[2]
                self.last_refill = len(msg[1])
                if not msg[1]:
                    self.top_done = True
                self.lq.extend(msg[1])
                parked, self.parked = self.parked, []
                for c, tc in parked:
                    t = yield from self.answer(t, c, tc)
                    t = yield ("at", t)
                t = yield from self.refill(t)
                continue
            self.requests += 1
            if not self.top_done and len(self.lq) - self.nxt == 0:
                self.parked.append((msg[1], ta))
                t = yield from self.refill(t)
                continue
            t = yield from self.answer(t, msg[1], ta)
            t = yield ("at", t)
            t = yield from self.refill(t)

    def answer(self, t, client, ta):
        self.wait_sum += t - ta
        batch, pf = self.take(client)
        m = self.m
        t0 = t
        t = yield ("cpu", t, m.coord_a + m.coord_b * len(batch) + m.coord_c * m.W, False, self.woke)
        self.woke = False
        self.busy += t - t0
        client.reply(t + client.lat_down, batch, pf, len(self.lq) - self.nxt)
        return t

    def refill(self, t):
        """Design c: ask rank 0 for more once fewer than max(local workers,
        half the last refill) tasks are left here."""
        if self.up is None or self.top_done or self.refill_out or \
                len(self.lq) - self.nxt >= max(self.workers, self.last_refill // 2):
            return t
        self.refill_out = True
        t = yield ("at", t)
        up, lat = self.up
        up.put(t + lat, ("req", self))
        return t

    # as a client of rank 0 (design c)
    def reply(self, ta, batch, pf, left):
        self.inbox.put(ta, ("work", batch, left))


class Worker:
    def __init__(self, m, i, server, lat, writer=None):
        self.m, self.i, self.server = m, i, server
        self.lat_up = self.lat_down = lat
        self.writer = writer
        self.got = None
        self.waiting = None
        self.busy_task = 0.0
        self.end = 0.0
        self.woke = False

    def reply(self, ta, batch, pf, left):
        self.got = (ta, batch, pf)
        if self.waiting is not None:
            d = self.m.poll(self.waiting, ta)
            self.m.sim.push(d, self.proc_, d)

    def request(self, t):
        t = yield ("at", t)
        self.server.inbox.put(t + self.lat_up, ("req", self))
        return t

    def wait_reply(self, t):
        t = yield ("at", t)
        t0 = t
        if self.got is None:
            self.waiting = t
            t = yield ("wait",)
            self.waiting = None
        else:
            t = self.m.poll(t, self.got[0])
        got, self.got = self.got, None
        self.woke = t > t0
        if self.m.poll_cpu and t > t0:  # the polls' own CPU (shared cores only)
            t = yield ("spend", t, self.m.poll_spent(t - t0))
        return t, got

    def proc(self):
        m = self.m
        costs = m.dur
        t = 0.0
        if m.first_at is not None:
            # the i-th of W workers asks first at quantile (i + 1) / W of the
            # measured spread: from 0 through its median to its largest
            p50, last = m.first_at
            q = (self.i + 1) / m.W
            t = 2 * q * p50 if q <= 0.5 else p50 + (2 * q - 1) * (last - p50)
        t = yield from self.request(t)
        t, (ta, batch, pf) = yield from self.wait_reply(t)
        if batch and m.wk_first:  # starting the task process (start-up at scale: see first=)
            t = yield ("cpu", t, m.wk_first_cpu, True)
            t += m.wk_first - m.wk_first_cpu
        while batch:
            if pf:
                t = yield from self.request(t)
            t = yield ("cpu", t, m.wk_batch, False, self.woke)
            self.woke = False
            for j in batch:
                d = costs[j]
                # the task process (--isolation fork) wakes for the task
                t = yield ("cpu", t, 0.0, False, True)
                if m.task_wait_cpu:  # what the worker spends waiting on it
                    t = yield ("spend", t, m.task_wait_cpu * d)
                t += d
                self.busy_task += d
                t = yield ("cpu", t, 0.0, False, True)  # ... and when its sleep ends
                # the worker wakes for the result
                t = yield ("cpu", t, m.wk_task, False, True)
                if m.fs_pfs and m.design == "a":
                    t = yield ("at", t)
                    t = m.fs_write(t, m.writes_per_task, m.bytes_per_task)
                elif self.writer is not None:
                    self.writer.append(t + m.lat_intra)
                m.last_result = max(m.last_result, t)
            t += m.wk_wait  # the batch's wall time beyond CPU and durations
            if not pf:
                t = yield from self.request(t)
            t, (ta, batch, pf) = yield from self.wait_reply(t)
        self.end = t
        t = yield ("at", t)
        self.server.inbox.put(t + self.lat_up, ("done", self))


# ---------------------------------------------------------------- a model run
class Model:
    def __init__(self, inp, design="a", ranks=100, dur=1.0, dist="fixed", tpw=10, fs="local",
                 lock=None, cores=None, ppn=None, seed=1, zero=False, poll=True, tasks=None, durs=None,
                 background=0.0, first=True):
        import numpy as np
        g = lambda k, d=0.0: 0.0 if zero else float(inp.get(k, d))
        self.design = design
        self.coord_a, self.coord_b, self.coord_c = g("coord_a"), g("coord_b"), g("coord_c")
        self.wk_batch, self.wk_task = g("wk_batch"), g("wk_task")
        self.wk_wait, self.wk_first = g("wk_wait"), g("wk_first") if first else 0.0
        # of wk_first, CPU (the rest is waiting); all of it when not measured
        self.wk_first_cpu = min(self.wk_first, float(inp.get("wk_first_cpu", self.wk_first)))
        # CPU of waiting (polls; the worker while its task process runs): it
        # takes a share of the cores only when they are shared
        self.poll_cpu = g("poll_cpu") if cores is not None else 0.0
        self.task_wait_cpu = g("task_wait_cpu") if cores is not None else 0.0
        self.lat_intra, self.lat_inter = g("lat_intra"), g("lat_inter")
        self.writes_per_task = float(inp.get("writes_per_task", 4))
        self.bytes_per_task = float(inp.get("bytes_per_task", 500))
        self.fs_pfs = fs == "pfs" and not zero
        self.lock = 0.0 if zero else (lock if lock is not None else float(inp.get("pfs_lock", 3e-4)))
        self.fs_bw = float(inp.get("fs_bw", 1e9))
        self.fs_free = [0.0] * int(inp.get("fs_servers", 1))
        self.fs_busy = 0.0
        self.poll = Poll(g("sleep_slack"), enabled=poll and not zero)
        ppn = int(ppn or inp.get("ranks_per_node", 64))
        if cores is not None:
            ppn = ranks  # one machine
        self.ranks = ranks
        nodes = max(1, -(-ranks // ppn))
        self.nodes = nodes
        extra = 1 + (nodes if design in ("b", "c") else 0)
        W = ranks - extra
        if W < 1:
            raise SystemExit("scale_sim: %d ranks leave no worker in design %s" % (ranks, design))
        self.W = W
        # on this machine (shared cores), the start's CPU and when the workers'
        # first requests come, both measured at each worker count
        # (task_start_points, first_request_points) and read between them
        local = cores is not None and not zero
        if local and inp.get("first_task_points"):  # fitted: all the first task costs there
            self.wk_first = self.wk_first_cpu = interp_w(inp["first_task_points"], W, 1)
        elif local and self.wk_first and inp.get("task_start_points"):
            self.wk_first_cpu = interp_w(inp["task_start_points"], W, 1)
            self.wk_first = max(self.wk_first, self.wk_first_cpu)
        # and the CPU a task costs beyond the model's terms there
        if local and inp.get("task_cpu_points"):
            self.wk_task += max(0.0, interp_w(inp["task_cpu_points"], W, 1))
        self.first_at = None
        if local and inp.get("first_request_points"):
            p50 = interp_w(inp["first_request_points"], W, 1)
            last = max(p50, interp_w(inp["first_request_points"], W, 2))
            self.first_at = (p50, last)
        # tasks, longest first (exact hints)
        n = tasks if tasks is not None else tpw * W
        if durs is not None:  # given task lengths, queued longest first
            n = len(durs)
            d = np.sort(np.asarray(durs, dtype=float))[::-1]
        elif dist == "fixed":
            d = np.full(n, dur)
        elif dist == "lognormal":
            sig = 1.5
            rng = np.random.default_rng(seed)
            d = rng.lognormal(math.log(dur) - sig * sig / 2, sig, n)
            d = np.sort(d)[::-1]
        else:
            raise SystemExit("scale_sim: unknown distribution %s" % dist)
        self.dur = d.tolist()
        self.n = n
        self.last_result = 0.0
        # how the cores are shared (bench/scale_wake.c): a woken burst's
        # share against a busy process, and its first slice's latency
        pts = sorted((float(k), float(v)) for k, v in inp.get("wake_floor", []))
        floor = None
        if cores is not None and pts and not zero:
            floor = lambda n: interp_floor(pts, n)
        self.sim = Sim(cores, background, share=0.0 if cores is None else float(inp.get("wake_share", 0.0)),
                       floor=floor)
        lat0 = self.lat_intra if nodes == 1 else self.lat_inter
        order = list(range(n))
        # which node each worker is on: rank r on node r // ppn; workers are the
        # ranks left once rank 0 and each node's first rank (b, c) are taken
        node_of = []
        r = 0
        while len(node_of) < W:
            r += 1
            if design in ("b", "c") and r % ppn == 0:
                continue
            node_of.append(min(r // ppn, nodes - 1))
        self.writers = [[] for _ in range(nodes)] if design in ("b", "c") else None
        if design == "c":
            self.top = Server(self, order, nodes, name="rank0")
            counts = [0] * nodes
            for x in node_of:
                counts[x] += 1
            self.subs = []
            for j in range(nodes):
                s = Server(self, [], max(1, counts[j]),
                           up=(self.top.inbox, self.lat_inter if nodes > 1 else self.lat_intra),
                           name="node%d" % j)
                s.lat_down = self.lat_inter if nodes > 1 else self.lat_intra
                s.active = counts[j]
                self.subs.append(s)
            self.top.node_policy = max(counts)
            self.top.active = 0  # rank 0 ends when the last node has drained (below)
            servers = self.subs
        else:
            self.top = Server(self, order, W)
            servers = None
        self.workers = []
        for i in range(W):
            if design == "c":
                srv, lat = servers[node_of[i]], self.lat_intra
            else:
                srv = self.top
                lat = self.lat_intra if node_of[i] == 0 else lat0
            wr = self.writers[node_of[i]] if self.writers is not None else None
            self.workers.append(Worker(self, i, srv, lat, wr))

    def poll_spent(self, waited):
        """CPU of polling for `waited` s: poll_cpu was read polling each
        1 ms on idle cores; each poll now also waits out the wake-up
        latency of the processes runnable, so fewer polls fit."""
        tail = self.poll.tail
        return self.poll_cpu * waited * tail / (tail + self.sim.wake_latency())

    def fs_write(self, t, writes, nbytes):
        """A FIFO write on the least busy file server; returns its end."""
        i = min(range(len(self.fs_free)), key=self.fs_free.__getitem__)
        s = max(t, self.fs_free[i])
        c = writes * self.lock + nbytes / self.fs_bw
        self.fs_free[i] = s + c
        self.fs_busy += c
        return s + c

    def writers_end(self):
        """Designs b, c: each node's writer writes what has reached it whenever
        it is not writing, one block a write; the file's servers are shared."""
        ev = []
        for j, rows in enumerate(self.writers):
            rows.sort()
            if rows:
                ev.append((rows[0], j, 0))
        heapq.heapify(ev)
        end = 0.0
        blocks = 0
        while ev:
            t, j, i = heapq.heappop(ev)
            rows = self.writers[j]
            k = bisect.bisect_right(rows, t)
            e = self.fs_write(t, 1, (k - i) * self.bytes_per_task)
            blocks += 1
            end = max(end, e)
            if k < len(rows):
                heapq.heappush(ev, (max(e, rows[k]), j, k))
        return end, blocks

    def run(self):
        sim = self.sim
        servers = [self.top] + (self.subs if self.design == "c" else [])
        for s in servers:
            p = s.proc()
            s.inbox.proc = p
            sim.start(p)
        for w in self.workers:
            p = w.proc()
            w.proc_ = p
            sim.start(p)
        if self.design == "c":
            # rank 0 ends with the run; its loop waits for requests until then
            self.top.active = 10 ** 18
        sim.run()
        if self.design == "c":
            self.top.active = 0
        # the dispatch phase ends when rank 0 (c: every node) has heard the
        # last worker leave, as hsweep's own tasks/s counts it
        ends = [s.end for s in (self.subs if self.design == "c" else [self.top])]
        makespan = max([self.last_result] + ends)
        blocks = 0
        if self.writers is not None and self.fs_pfs:
            e, blocks = self.writers_end()
            makespan = max(makespan, e)
        work = sum(self.dur)
        top = self.top
        out = {
            "design": self.design, "ranks": self.ranks, "workers": self.W, "nodes": self.nodes,
            "tasks": self.n, "task_s_mean": work / self.n, "makespan_s": makespan,
            "E_ranks": work / (self.ranks * makespan) if makespan > 0 else 1.0,
            "E_workers": work / (self.W * makespan) if makespan > 0 else 1.0,
            "coord_requests": top.requests, "coord_batches": top.batches,
            "coord_util": top.busy / makespan if makespan > 0 else 0.0,
            "coord_wait_mean_s": top.wait_sum / top.requests if top.requests else 0.0,
            "requests_per_task": top.requests / self.n,
            "fs_util": self.fs_busy / makespan / len(self.fs_free) if makespan > 0 else 0.0,
            "fs_blocks": blocks,
        }
        if self.design == "c":
            out["node_util_max"] = max(s.busy for s in self.subs) / makespan if makespan > 0 else 0.0
        return out


def interp_w(pts, W, col):
    """Column col of the rows [W, ...] of pts at worker count W: linear
    between the two rows around it, the nearest row's outside them."""
    rows = sorted(pts)
    if W <= rows[0][0]:
        return float(rows[0][col])
    for a, b in zip(rows, rows[1:]):
        if W <= b[0]:
            return a[col] + (b[col] - a[col]) * (W - a[0]) / (b[0] - a[0])
    return float(rows[-1][col])


def interp_floor(pts, n):
    """wake_floor's seconds at n runnable others: linear between the measured
    (n, seconds) points, from (0, 0) below the first, along the last
    point's proportion past it."""
    if n <= 0:
        return 0.0
    x0, y0 = 0.0, 0.0
    for x, y in pts:
        if n <= x:
            return y0 + (y - y0) * (n - x0) / (x - x0) if x > x0 else y
        x0, y0 = x, y
    return y0 * n / x0 if x0 > 0 else 0.0


def simulate(inp, **kw):
    r = Model(inp, **kw).run()
    if (kw.get("dist", "fixed") != "fixed" or kw.get("durs") is not None) and not kw.get("zero"):
        kz = dict(kw, zero=True)
        r["E0"] = Model(inp, **kz).run()["E_workers"]
    else:
        r["E0"] = 1.0 if kw.get("dist", "fixed") == "fixed" else r["E_workers"]
    return r


# ---------------------------------------------------------------- start-up
def startup(inp, ranks, tasks, local=False):
    """Seconds from mpiexec to the first request.  local: on this machine, the
    line in R measured by the calibration (mpiexec, MPI start, expansion and
    file creation together, oversubscribed).  Else at scale: MPI start (an
    assumption), sweep expansion per task and file creation per row and per
    rank (measured here)."""
    g = lambda k: float(inp.get(k, 0.0))
    if local:
        if inp.get("local_start_points"):  # measured at each rank count: read between them
            return interp_w(inp["local_start_points"], ranks, 1)
        return g("local_start_a") + g("local_start_per_rank") * ranks
    return (g("mpi_start_a") + g("mpi_start_per_rank") * ranks + g("expand_per_task") * tasks
            + g("create_a") + g("create_per_row") * tasks + g("create_per_rank") * ranks)


# ---------------------------------------------------------------- calibration
ASSUMED = {
    "lat_inter": 3e-6,        # one-way latency between nodes, InfiniBand-class (2-5 us)
    "pfs_lock": 3e-4,         # one extent-lock round trip a conflicting small write (1e-4..1e-3 s)
    "fs_bw": 1e9,             # bytes/s of one file server for block writes
    "fs_servers": 1,          # servers a shared file's writes queue at (one stripe)
    "ranks_per_node": 64,
    "mpi_start_a": 1.0,       # MPI start at scale: not measured here
    "mpi_start_per_rank": 1e-4,
}


def batches_one_worker(S, N):
    k_all, nb, lq = 0, 0, list(range(N))
    costs = [S] * N
    while True:
        k, _, _ = take(costs, lq, k_all, 1, HS_MAX_BATCH)
        if not k:
            return nb
        k_all += k
        nb += 1


def solve2(a1, b1, c1, a2, b2, c2):
    """x, y with a1 x + b1 y = c1, a2 x + b2 y = c2; y clamped at 0."""
    det = a1 * b2 - a2 * b1
    x, y = (c1 * b2 - c2 * b1) / det, (a1 * c2 - a2 * c1) / det
    if y < 0:
        y = 0.0
        x = (c1 + c2) / (a1 + a2)
    return max(x, 0.0), y


def lsq_line(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0.0
    return my - b * mx, b


def median(v):
    v = sorted(v)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def loop_wall(st, otherwise):
    """The dispatch phase's wall time: rank 0's loop (HSWEEP_STATS
    coord.loop_wall_s), from its first look for requests to the last worker
    gone; `otherwise` from an hsweep without it."""
    try:
        return float(st["coord"]["loop_wall_s"])
    except (KeyError, TypeError, ValueError):
        return otherwise


def fit(f, target, hi):
    """The x >= 0 where the increasing f(x) meets target (bisection; 0 when
    f(0) is already past it)."""
    lo = 0.0
    if f(lo) >= target:
        return 0.0
    while f(hi) < target and hi < 1.0:
        lo, hi = hi, 2 * hi
    for _ in range(12):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if f(mid) < target else (lo, mid)
    return (lo + hi) / 2


def task_start(base, loops, C):
    """What a worker's first task costs at each worker count on C shared
    cores (first_task_points), as CPU: loops[(R, N)] as for task_cpu; the
    cost that makes the model's loop of one task of 0 s a worker the
    measured one (the median run), with the first requests as measured.
    It replaces wk_first and task_start_points there.  Rows [W, s]."""
    pts = []
    for (R, N) in sorted(k for k in loops if k[1] == k[0] - 1):
        W = N

        def sim(x):
            return Model(dict(base, first_task_points=[[W, x]]), ranks=R, dur=0.0, tasks=W,
                         cores=C).run()["makespan_s"]
        pts.append([W, fit(sim, median(loops[(R, N)]), 1e-3)])
    return pts


def task_cpu(base, loops, C):
    """The CPU a task costs beyond the model's terms at each worker count on
    C shared cores: loops[(R, N)] are rank 0's loops (s) of runs of N tasks
    of 0 s on R ranks.  K tasks a worker against one, measured less modelled
    (the first task, its start and the first requests cancel): the CPU x
    that, added to each task, makes the model's difference the measured
    one (bisection: on oversubscribed cores the model's difference grows
    faster than x x tasks / cores); 0 where the model has enough.  Rows
    [W, s]."""
    pts = []
    for (R, N) in sorted(k for k in loops if k[1] != k[0] - 1):
        W = R - 1
        if (R, W) not in loops:
            continue
        dm = median(loops[(R, N)]) - median(loops[(R, W)])

        def sim(x):
            extra = dict(base, task_cpu_points=[[W, x]])
            return (Model(extra, ranks=R, dur=0.0, tasks=N, cores=C).run()["makespan_s"] -
                    Model(extra, ranks=R, dur=0.0, tasks=W, cores=C).run()["makespan_s"])
        pts.append([W, fit(sim, dm, max(1e-6, dm * C / (N - W)))])
    return pts


def inputs(raw):
    """The model's inputs from scale_validate.sh's calibration record."""
    cal, up, upk, idle, out, src, wake = {}, [], [], [], {}, {}, {}
    for line in open(raw):
        w = line.split()
        if not w:
            continue
        if w[0] == "cal":
            cal[(float(w[1]), int(w[2]))] = dict(wall=float(w[3]), rate=float(w[4]), cpu0=float(w[5]),
                                                 cpu1=float(w[6]), stats=w[7])
        elif w[0] == "up":  # N tasks of 0 s on R ranks: one a worker, or several (tasks_cpu_points)
            u = dict(R=int(w[1]), N=int(w[2]), wall=float(w[3]), rate=float(w[4]), stats=w[7],
                     iso=w[8] if len(w) > 8 else "fork")
            (up if u["N"] == u["R"] - 1 else upk).append(u)
        elif w[0] == "idle":  # seconds between two readings, then rank 0's and the others' CPU at each
            idle.append(dict(dt=float(w[1]), r0a=float(w[2]), wa=float(w[3]), r0b=float(w[4]), wb=float(w[5]),
                             W=int(w[6])))
        elif w[0] == "plan":
            out["expand_per_task"] = float(w[2]) / int(w[1])
        elif w[0] == "lat":
            out["lat_intra"] = float(w[1])
        elif w[0] == "slack":
            out["sleep_slack"] = float(w[1])
        elif w[0] == "cores":
            out["cores"] = float(w[1])
        elif w[0] == "wake_s":  # bench/scale_wake.c: K others spinning, burst, seconds beyond it
            wake.setdefault(float(w[2]), {})[int(w[1])] = float(w[3])

    if len(wake) >= 2:
        # the shortest bursts: the wait for a first slice (less the timer's
        # own lateness, at K = 0); the longest: the share a woken burst gets
        short, long_ = min(wake), max(wake)
        f = wake[short]
        out["wake_floor"] = [[k, max(0.0, f[k] - f.get(0, 0.0))] for k in sorted(f) if k > 0]
        g = wake[long_]
        C = out.get("cores", 2.0)
        bs = sorted(((g[k] - g.get(0, 0.0) + long_) * C / long_ - 1.0) / k for k in g if k > 0)
        if bs:
            out["wake_share"] = min(2.0, max(0.0, bs[len(bs) // 2]))
        src["wake_floor"] = "bench/scale_wake.c, bursts of %g s, K = %s others spinning" % (
            short, ",".join(str(k) for k in sorted(f) if k > 0))
        src["wake_share"] = "bench/scale_wake.c, bursts of %g s, K = %s: median of " \
            "((late + burst) x cores / burst - 1) / K" % (long_, ",".join(str(k) for k in sorted(g) if k > 0))

    def stats(path):
        try:
            return json.load(open(path))
        except (OSError, ValueError):
            return None

    (sa, sb) = sorted({k[0] for k in cal}, reverse=True)
    na = sorted(k[1] for k in cal if k[0] == sa)
    nb = sorted(k[1] for k in cal if k[0] == sb)
    A1, A2, B1, B2 = cal[(sa, na[0])], cal[(sa, na[1])], cal[(sb, nb[0])], cal[(sb, nb[1])]
    for (S, N), r in cal.items():
        r["sum"], r["disp"] = S * N, loop_wall(stats(r["stats"]), N / r["rate"])
    dNa, dNb = na[1] - na[0], nb[1] - nb[0]
    dBa = batches_one_worker(sa, na[1]) - batches_one_worker(sa, na[0])
    dBb = batches_one_worker(sb, nb[1]) - batches_one_worker(sb, nb[0])
    # idle: W workers each waiting on its task process, rank 0 polling; the
    # CPU they used between two readings
    i = idle[-1]
    out["poll_cpu"] = max(0.0, (i["r0b"] - i["r0a"]) / i["dt"])
    out["task_wait_cpu"] = max(0.0, (i["wb"] - i["wa"]) / i["dt"] / i["W"])
    src["poll_cpu"] = "rank 0's CPU (schedstat) over %.3g s of polling" % i["dt"]
    src["task_wait_cpu"] = "CPU (schedstat) of %d workers and their task processes over %.3g s of waiting" % (
        i["W"], i["dt"])
    for r in (A1, A2, B1, B2):  # a worker's CPU less what waiting on its task costs
        r["cpu1"] -= out["task_wait_cpu"] * r["sum"]
        r["cpu0"] -= out["poll_cpu"] * r["disp"]
    out["wk_task"], out["wk_batch"] = solve2(dNa, dBa, A2["cpu1"] - A1["cpu1"], dNb, dBb, B2["cpu1"] - B1["cpu1"])
    src["wk_task"] = src["wk_batch"] = "worker rank CPU, 1 worker, difference of two task counts"
    sA, sB = stats(A2["stats"]), stats(B2["stats"])
    if sA and sB and "coord" in sA and "coord" in sB:
        ca, cb = sA["coord"], sB["coord"]
        ka = ca["tasks_dispatched"] / ca["requests"]
        kb = cb["tasks_dispatched"] / cb["requests"]
        out["coord_a"], out["coord_b"] = solve2(1.0, ka, ca["busy_cpu_s"] / ca["requests"],
                                                1.0, kb, cb["busy_cpu_s"] / cb["requests"])
        src["coord_a"] = src["coord_b"] = "HSWEEP_STATS coord.busy_cpu_s / requests"
    else:
        # rank 0's whole CPU less its idle polling, over the extra requests
        out["coord_a"], out["coord_b"] = solve2(dBa, dNa, A2["cpu0"] - A1["cpu0"], dBb, dNb, B2["cpu0"] - B1["cpu0"])
        src["coord_a"] = src["coord_b"] = "rank 0 CPU difference less poll_cpu (no HSWEEP_STATS)"
    if sB and "store" in sB and sB["store"].get("tasks_written"):
        st = sB["store"]
        out["writes_per_task"] = st["writes"] / st["tasks_written"]
        out["bytes_per_task"] = st["bytes"] / st["tasks_written"]
        src["writes_per_task"] = src["bytes_per_task"] = "HSWEEP_STATS store"
    else:
        out["writes_per_task"], out["bytes_per_task"] = 4.0, 500.0
        src["writes_per_task"] = src["bytes_per_task"] = "assumed (no HSWEEP_STATS)"
    s1 = stats(B1["stats"])
    if s1 and sB and "create" in s1 and "create" in sB:
        c1, c2 = s1["create"], sB["create"]
        out["create_per_row"] = max(0.0, (c2["seconds"] - c1["seconds"]) / (c2["rows"] - c1["rows"]))
        src["create_per_row"] = "HSWEEP_STATS create.seconds over rows"
    ups = [u for u in up if stats(u["stats"]) and "create" in stats(u["stats"])]
    if len(ups) >= 2:
        a, b = lsq_line([u["R"] for u in ups], [stats(u["stats"])["create"]["seconds"] for u in ups])
        out["create_a"], out["create_per_rank"] = max(a, 0.0), max(b, 0.0)
        src["create_per_rank"] = "HSWEEP_STATS create.seconds over ranks (oversubscribed)"
    # what the model misses on one worker, from the same calibration runs:
    # wall per round trip (slope) and at the first task (intercept)
    ups2 = [dict(R=2, N=n, wall=cal[(S, n)]["wall"], rate=cal[(S, n)]["rate"], stats=cal[(S, n)]["stats"])
            for (S, n) in cal]
    upf = [u for u in up if u["iso"] == "fork"]
    a, b = lsq_line([u["R"] for u in upf + ups2], [u["wall"] - loop_wall(stats(u["stats"]), u["N"] / u["rate"]) for u in upf + ups2])
    out["local_start_a"], out["local_start_per_rank"] = a, b
    src["local_start_per_rank"] = "whole wall minus dispatch phase, 1-worker runs and ranks %s" % ",".join(
        str(u["R"]) for u in upf)
    # the same at each rank count (the median of its runs): start-up grows
    # faster than a line on oversubscribed cores
    pre = {}
    for u in upf + ups2:
        pre.setdefault(u["R"], []).append(u["wall"] - loop_wall(stats(u["stats"]), u["N"] / u["rate"]))
    out["local_start_points"] = [[R, median(v)] for R, v in sorted(pre.items())]
    src["local_start_points"] = "whole wall minus dispatch phase at each rank count, medians of the runs " \
        "(1-worker runs and ranks %s)" % ",".join(str(R) for R in sorted({u["R"] for u in upf}))

    def pred(S, N, **extra):
        return Model(dict(out, **extra), ranks=2, dur=S, tasks=N, cores=out.get("cores", 2)).run()["makespan_s"]

    p1, p2 = pred(sa, na[0], wk_wait=0, wk_first=0), pred(sa, na[1], wk_wait=0, wk_first=0)
    out["wk_wait"] = max(0.0, ((A2["disp"] - A1["disp"]) - (p2 - p1)) / dBa)
    q1, q2 = pred(sa, na[0], wk_first=0), pred(sa, na[1], wk_first=0)
    out["wk_first"] = max(0.0, ((A1["disp"] - q1) + (A2["disp"] - q2)) / 2)
    # the task process's start, CPU: W workers each start one at once on
    # `cores` cores; the dispatch phase (one task of 0 s a worker) with it
    # less without, the shortest of each, is W x the CPU / cores
    disp = {}
    for u in up:
        k = (u["R"], u["iso"])
        disp[k] = min(disp.get(k, math.inf), loop_wall(stats(u["stats"]), u["N"] / u["rate"]))
    pts = [(R - 1, (disp[(R, "fork")] - disp[(R, "none")]) * out.get("cores", 2.0))
           for R in sorted({R for R, _ in disp}) if (R, "fork") in disp and (R, "none") in disp]
    if pts:
        out["wk_first_cpu"] = max(0.0, sum(x * y for x, y in pts) / sum(x * x for x, _ in pts))
        out["wk_first"] = max(out["wk_first"], out["wk_first_cpu"])
        src["wk_first_cpu"] = "ranks %s, a task of 0 s a worker: dispatch wall x cores / workers, " \
            "--isolation fork less none" % ",".join(str(x + 1) for x, _ in pts)
        out["task_start_points"] = [[x, max(0.0, y / x)] for x, y in pts]
    # when the workers' first requests came (HSWEEP_STATS coord.first_request_s,
    # seconds after rank 0's loop began): the medians over the runs at each
    # worker count of the median worker's and the last one's
    fr = {}
    for u in up:
        st = stats(u["stats"])
        c = st.get("coord", {}).get("first_request_s") if st else None
        if c and c.get("n"):
            fr.setdefault(u["R"] - 1, []).append((c["p50"], c["max"]))
    if fr:
        out["first_request_points"] = [[W, median([a for a, _ in v]), median([b for _, b in v])]
                                       for W, v in sorted(fr.items())]
        src["first_request_points"] = "ranks %s, a task of 0 s a worker: HSWEEP_STATS coord.first_request_s " \
            "p50 and max, medians of the runs" % ",".join(str(W + 1) for W in sorted(fr))
    # the CPU a task costs beyond the model's at each worker count on
    # shared cores: K tasks of 0 s a worker against one, measured and
    # modelled, the difference times the cores over the extra tasks (the
    # first task, its start and the first requests cancel); 0 where the
    # model has enough.  Found by two corrections: the model run again with it.
    loops = {}
    for u in up + upk:
        if u["iso"] == "fork":
            loops.setdefault((u["R"], u["N"]), []).append(loop_wall(stats(u["stats"]), u["N"] / u["rate"]))
    if upk:
        # with several tasks a worker measured too: what the first task
        # costs at each count, fitted so that the model runs the one-task
        # runs as they ran (the median), not the fork-less difference and
        # one worker's wall beside it
        out["first_task_points"] = task_start(out, loops, out.get("cores", 2.0))
        src["first_task_points"] = "ranks %s, a task of 0 s a worker: the first task's cost (as CPU) that " \
            "gives the model the runs' loop (median), by bisection" % ",".join(
                str(W + 1) for W, _ in out["first_task_points"])
    if upk:
        pts = task_cpu(out, loops, out.get("cores", 2.0))
        if pts:
            out["task_cpu_points"] = pts
            src["task_cpu_points"] = "ranks %s, %s tasks of 0 s a worker against one: the loops' difference, " \
                "measured against modelled (bisection)" % (",".join(str(W + 1) for W, _ in pts),
                                                          ",".join(sorted({str(u["N"] // (u["R"] - 1)) for u in upk})))
    src["wk_wait"] = "1 worker, tasks of %g s: dispatch wall per round trip not in the model" % sa
    src["wk_first"] = "1 worker, tasks of %g s: dispatch wall at zero tasks not in the model (task process start)" % sa
    for k, v in ASSUMED.items():
        out.setdefault(k, v)
        src.setdefault(k, "assumed")
    out["source"] = src
    return out


# ---------------------------------------------------------------- checks
def md1(D, lam, n, seed=7):
    """Open M/D/1 through the Server: Poisson requests (rate lam), service D."""
    import numpy as np
    import types
    m = types.SimpleNamespace(sim=Sim(None), poll=Poll(0.0, enabled=False), dur=[], coord_a=D,
                              coord_b=0.0, coord_c=0.0, W=1, nodes=1, poll_cpu=0.0)
    srv = Server(m, [], 1)
    srv.active = 1  # never told "done": runs until the events run out
    arr = np.cumsum(np.random.default_rng(seed).exponential(1 / lam, n)).tolist()
    client = types.SimpleNamespace(lat_down=0.0, reply=lambda *a: None)

    def source():
        for a in arr:
            yield ("at", a)
            srv.inbox.put(a, ("req", client))

    p = srv.proc()
    srv.inbox.proc = p
    m.sim.start(p)
    m.sim.start(source())
    m.sim.run()
    return srv.wait_sum / srv.requests, srv.requests


def check():
    fails = []

    def ok(cond, what):
        print(("ok   " if cond else "FAIL ") + what)
        if not cond:
            fails.append(what)

    zero = {}
    for design, R, T, d in [("a", 5, 5, 0.5), ("a", 8, 3, 1.0), ("a", 65, 10, 0.01), ("b", 200, 7, 0.01),
                            ("b", 192, 5, 3600.0), ("c", 200, 7, 0.01), ("c", 1000, 10, 0.001),
                            ("c", 1000, 3, 1.0)]:
        r = Model(zero, design=design, ranks=R, dur=d, tpw=T, zero=True, ppn=64).run()
        ok(abs(r["E_workers"] - 1.0) < 1e-12,
           "design %s, zero overheads, W=%d divides N=%d equal tasks of %g s: E_workers = %.15f" % (
               design, r["workers"], r["tasks"], d, r["E_workers"]))
    inp = {"wk_task": 0.003, "wk_batch": 0.002, "coord_a": 1e-4, "coord_b": 1e-5, "lat_intra": 2e-6}
    for d in (0.5, 0.001):
        N = 40
        m = Model(inp, ranks=2, dur=d, tasks=N, poll=False)
        r = m.run()
        # one worker: batches from take(), each costing its round trip unless prefetched
        lq, nxt, pred, first, last_pf = list(range(N)), 0, 0.0, True, False
        while True:
            k, s, pf = take(m.dur, lq, nxt, 1, HS_MAX_BATCH)
            if k == 0:
                # the empty reply (already there if prefetched), then "done" to rank 0
                pred += inp["lat_intra"] if last_pf else 3 * inp["lat_intra"] + inp["coord_a"]
                break
            last_pf = pf
            nxt += k
            pred += s + k * inp["wk_task"] + inp["wk_batch"]
            if first or not pf:
                pred += 2 * inp["lat_intra"] + inp["coord_a"] + inp["coord_b"] * k
            first = False
        ok(abs(r["makespan_s"] - pred) < 1e-9 * pred + 1e-12,
           "one worker, %d tasks of %g s: makespan %.9f = durations + overheads + the last round trip %.9f" % (N, d, r["makespan_s"], pred))
    for rho in (0.5, 0.8):
        D, n = 1e-3, 200000
        wq, nreq = md1(D, rho / D, n)
        pk = rho * D / (2 * (1 - rho))
        ok(nreq == n and abs(wq - pk) / pk < 0.05,
           "M/D/1 rank 0 at rho=%.1f: mean wait %.4g s, Pollaczek-Khinchine %.4g s" % (rho, wq, pk))
    # processor sharing: n CPU-bound workers on C cores take n/C times as long
    inp = {"wk_task": 0.01}
    r = Model(inp, ranks=9, dur=0.0, tasks=8 * 20, cores=2, poll=False).run()
    # zero-cost hints give 256-task batches: 8 workers x 20 tasks x 10 ms shared by 2 cores
    ok(abs(r["makespan_s"] - 8 * 20 * 0.01 / 2) < 1e-9,
       "processor sharing: 8 workers x 0.2 s CPU on 2 cores: makespan %.9f = 0.8 s" % r["makespan_s"])
    r = Model(inp, ranks=3, dur=0.0, tasks=2 * 20, cores=2, poll=False).run()
    ok(abs(r["makespan_s"] - 0.2) < 1e-9,
       "processor sharing: 2 workers x 0.2 s CPU on 2 cores run unslowed: makespan %.9f = 0.2 s" % r["makespan_s"])
    # the task process's start (the calibration's reading of it): W workers
    # each start one, c of CPU, at once on C cores, then a task of 0 s
    inp = {"wk_first": 0.02, "wk_first_cpu": 0.02}
    r = Model(inp, ranks=9, dur=0.0, tasks=8, cores=2, poll=False).run()
    ok(abs(r["makespan_s"] - 8 * 0.02 / 2) < 1e-9,
       "task process start: 8 workers x 0.02 s CPU on 2 cores: makespan %.9f = 0.08 s" % r["makespan_s"])
    # ... and the calibration's fit of it: the start's CPU that gives the
    # model the measured loop of one task of 0 s a worker (0.08 s: 0.02 s)
    got = task_start({"wk_first": 0.05}, {(9, 8): [0.07, 0.08, 0.2]}, 2.0)
    ok(len(got) == 1 and got[0][0] == 8 and abs(got[0][1] - 0.02) < 5e-4,  # 2.5 %: polls' backoff
       "first_task_points fitted to a loop of 0.08 s, 8 workers on 2 cores: %s = [[8, 0.02]]" % got)
    r = Model({"wk_first": 0.05, "first_task_points": [[8, 0.02]]}, ranks=9, dur=0.0, tasks=8, cores=2,
              poll=False).run()
    ok(abs(r["makespan_s"] - 0.08) < 1e-9,
       "first_task_points replace wk_first on shared cores: 8 x 0.02 s on 2 cores, makespan %.9f = 0.08 s"
       % r["makespan_s"])
    # ... read at the worker count from task_start_points when they are given
    inp = {"wk_first": 0.02, "wk_first_cpu": 0.02, "task_start_points": [[4, 0.01], [16, 0.04]]}
    r = Model(inp, ranks=9, dur=0.0, tasks=8, cores=2, poll=False).run()
    ok(abs(r["makespan_s"] - 8 * 0.02 / 2) < 1e-9,
       "task process start read at W = 8 between 0.01 s at 4 and 0.04 s at 16 (0.02 s): "
       "makespan %.9f = 0.08 s" % r["makespan_s"])
    # a task's CPU beyond the model's terms (task_cpu_points), read at W on
    # shared cores: 8 workers x 20 tasks x (10 + 5) ms on 2 cores; none at scale
    inp = {"wk_task": 0.01, "task_cpu_points": [[4, 0.0], [12, 0.01]]}
    r = Model(inp, ranks=9, dur=0.0, tasks=8 * 20, cores=2, poll=False).run()
    ok(abs(r["makespan_s"] - 8 * 20 * 0.015 / 2) < 1e-9,
       "task CPU read at W = 8 between 0 at 4 and 0.01 s at 12: makespan %.9f = 1.2 s" % r["makespan_s"])
    r = Model(inp, ranks=9, dur=0.0, tasks=8 * 20, poll=False).run()
    ok(abs(r["makespan_s"] - 20 * 0.01) < 1e-9,
       "no extra task CPU at scale (cores not shared): makespan %.9f = 0.2 s" % r["makespan_s"])
    # ... and the calibration's reading of it: 8 workers, 11 tasks of 0 s
    # each against one, the loops 0.16 s apart; the model's 1 ms a task on
    # 2 cores gives 80 x 1 ms / 2 = 0.04 s of it, so x = 0.12 x 2 / 80
    got = task_cpu({"wk_task": 0.001}, {(9, 8): [0.1], (9, 88): [0.2, 0.26, 0.3]}, 2.0)
    ok(len(got) == 1 and got[0][0] == 8 and abs(got[0][1] - 0.003) < 3e-5,  # within 1 %: latencies
       "task_cpu_points from 11 tasks a worker against one on 9 ranks: %s = [[8, 0.003]]" % got)
    # the workers' first requests spread as measured: the i-th of W at
    # quantile (i + 1) / W, through the median to the last; the dispatch
    # phase ends with the last worker's task
    inp = {"first_request_points": [[2, 0.0, 0.0], [4, 0.1, 0.3], [8, 0.5, 0.5]]}
    r = Model(inp, ranks=5, dur=1.0, tpw=1, cores=8, poll=False).run()
    ok(abs(r["makespan_s"] - 1.3) < 1e-9,
       "first requests of 4 workers at 0.05, 0.1, 0.2, 0.3 s, tasks of 1 s: makespan %.9f = 1.3 s" % r["makespan_s"])
    r = Model(inp, ranks=7, dur=1.0, tpw=1, cores=8, poll=False).run()
    ok(abs(r["makespan_s"] - 1.4) < 1e-9,
       "first requests read at W = 6 between W = 4 and 8 (last 0.4 s): makespan %.9f = 1.4 s" % r["makespan_s"])
    r = Model(inp, ranks=5, dur=1.0, tpw=1, poll=False).run()
    ok(abs(r["makespan_s"] - 1.0) < 1e-9,
       "first requests not spread at scale (cores not shared): makespan %.9f = 1 s" % r["makespan_s"])
    ok(abs(startup({"local_start_points": [[2, 0.5], [8, 2.0]]}, 6, 10, local=True) - 1.5) < 1e-12
       and startup({"local_start_a": 1.0, "local_start_per_rank": 0.5}, 6, 10, local=True) == 4.0,
       "start-up here: read between the rank counts measured, else along the fitted line")
    ok(interp_w([[10, 1.0], [20, 3.0]], 5, 1) == 1.0 and interp_w([[10, 1.0], [20, 3.0]], 15, 1) == 2.0
       and interp_w([[10, 1.0], [20, 3.0]], 40, 1) == 3.0,
       "interp_w: the nearest row outside the rows, linear between them")
    # how the cores are shared: a short burst of 10 ms beside 6 busy processes
    # on 2 cores; wake_share 0: it runs first; 1: all 7 share equally; with
    # wake_floor it also waits for its first slice
    def burst_end(share, floor=None, wake=False):
        sim, end = Sim(cores=2, share=share, floor=floor), []

        def busy():
            yield ("cpu", 0.0, 1.0, True)

        def short():
            t = yield ("cpu", 0.0, 0.01, False, wake)
            end.append(t)
        for _ in range(6):
            sim.start(busy())
        sim.start(short(), 1e-9)
        sim.run()
        return end[0] - 1e-9
    e = burst_end(0.0)
    ok(abs(e - 0.01) < 1e-9, "wake_share 0: a 10 ms burst beside 6 busy on 2 cores ends at %.9f = 0.01 s" % e)
    e = burst_end(1.0)
    ok(abs(e - 0.01 * 7 / 2) < 1e-9, "wake_share 1: a 10 ms burst beside 6 busy on 2 cores ends at %.9f = 0.035 s" % e)
    pts = [(4.0, 0.1), (8.0, 0.3)]
    e = burst_end(1.0, lambda n: interp_floor(pts, n), wake=True)
    ok(abs(e - 0.2) < 1e-9, "wake_floor 0.1 s at 4, 0.3 s at 8: a woken burst beside 6 busy ends at %.9f = 0.2 s" % e)
    e = burst_end(1.0, lambda n: interp_floor(pts, n), wake=False)
    ok(abs(e - 0.035) < 1e-9, "wake_floor: a burst that is no wake-up ends at %.9f = 0.035 s" % e)
    # CPU spent beside a process (its polling) does not hold it up, but
    # takes its share of the cores: on 1 core, 0.1 s spent beside a busy
    # process of 0.1 s makes that one end at 0.2 s
    sim, ends = Sim(cores=1, share=1.0), {}

    def spender():
        t = yield ("spend", 0.0, 0.1)
        ends["spender"] = t

    def busy1():
        t = yield ("cpu", 0.0, 0.1, True)
        ends["busy"] = t
    sim.start(spender())
    sim.start(busy1())
    sim.run()
    ok(ends["spender"] == 0.0 and abs(ends["busy"] - 0.2) < 1e-9,
       "spent CPU: its process goes on at %.9f = 0 s, a busy one beside it ends at %.9f = 0.2 s" % (
           ends["spender"], ends["busy"]))
    v = [interp_floor(pts, n) for n in (0, 2, 6, 16)]
    ok(max(abs(a - b) for a, b in zip(v, (0.0, 0.05, 0.2, 0.6))) < 1e-12,
       "wake_floor between and past its points: %s = 0, 0.05, 0.2, 0.6" % ", ".join("%.3g" % x for x in v))
    return 1 if fails else 0


# ---------------------------------------------------------------- grid
DURS = [("1ms", 1e-3), ("10ms", 1e-2), ("100ms", 0.1), ("1s", 1.0), ("10s", 10.0), ("60s", 60.0), ("1h", 3600.0)]


def _one(a):
    inp, kw = a
    r = Model(inp, **kw).run()
    r.update(lock=kw.get("lock"), dist=kw["dist"], dur=kw["dur"], zero=kw.get("zero", False))
    return r


def fmt(x):
    return "%.3g" % x if x < 0.995 or x > 1 else ("%.3f" % x)[:4]


def workers_of(design, R, ppn):
    """Worker ranks of R: all but rank 0, and (b, c) each node's first rank."""
    return R - 1 - (-(-R // ppn) if design in ("b", "c") else 0)


def grid_tasks(W, dur, args):
    """Tasks of a grid point for W workers: TPW a worker, or more, up to
    MIN_WORK seconds of work a worker; at most MAX_TASKS (then fewer a worker,
    a whole number of them)."""
    per = max(args.tpw, math.ceil(args.min_work / dur - 1e-9))
    per = min(per, max(1, args.max_tasks // W))
    return int(per * W)


def grid(inp, args):
    """The prediction tables of scale_predict.sh (Markdown, each after a
    `# table: NAME` line) and its result lines."""
    ranks = [int(x) for x in args.ranks_list.split(",")]
    variants = [(v.split(":")[0], float(v.split(":")[1])) for v in args.variants.split(",")]
    dists = args.dists.split(",")
    durs = [d for d in DURS if d[0] in args.durs.split(",")] if args.durs else DURS
    ppn = args.ppn or int(inp.get("ranks_per_node", 64))
    jobs = []
    for dist in dists:
        for design, lock in variants:
            for name, d in durs:
                for R in ranks:
                    jobs.append(dict(design=design, ranks=R, dur=d, dist=dist, tasks=None, fs="pfs", lock=lock,
                                     ppn=ppn, seed=args.seed, tpw=args.tpw))
        if dist != "fixed":  # the tasks' own imbalance: every overhead zero
            for name, d in durs:
                for R in ranks:
                    jobs.append(dict(design="a", ranks=R, dur=d, dist=dist, ppn=ppn, seed=args.seed, tpw=args.tpw,
                                     zero=True))
    for j in jobs:
        j["tasks"] = grid_tasks(workers_of(j["design"], j["ranks"], ppn), j["dur"], args)
        j["first"] = False  # the task process's start is start-up, not dispatch
    work = [(inp, j) for j in jobs]
    if args.jobs > 1:
        import multiprocessing as mp
        with mp.Pool(args.jobs) as pool:
            rows = pool.map(_one, sorted(work, key=lambda w: -w[1]["ranks"]), chunksize=1)
    else:
        rows = [_one(w) for w in work]
    E0 = {(r["ranks"], r["dur"], r["dist"]): r["E_workers"] for r in rows if r["zero"]}
    res = {}
    for r in rows:
        if not r["zero"]:
            e = r["E_workers"]
            if r["dist"] != "fixed":
                r["E0"] = E0[(r["ranks"], r["dur"], r["dist"])]
                e = e / r["E0"]
            r["score"] = e
            res[(r["design"], r["lock"], r["dist"], r["dur"], r["ranks"])] = r
    lockname = lambda l: "none" if l == 0 else "%g ms" % (l * 1e3)
    rn = lambda R: "10^%d" % round(math.log10(R)) if R >= 100 and 10 ** round(math.log10(R)) == R else str(R)
    out = ["# table: scale_predict",
           "| design | lock | tasks | length | " + " | ".join("R = %s" % rn(R) for R in ranks) + " |",
           "|---|---|---|---|" + "---:|" * len(ranks)]
    for dist in dists:
        for design, lock in variants:
            for name, d in durs:
                cells = []
                for R in ranks:
                    r = res[(design, lock, dist, d, R)]
                    cells.append("%s · %s" % (fmt(r["score"]), fmt(r["coord_util"])))
                out.append("| %s | %s | %s | %s | %s |" % (design, lockname(lock), dist, name, " | ".join(cells)))
    out.append("")
    if any(d != "fixed" for d in dists):
        out += ["# table: scale_predict_e0",
                "| tasks | length | " + " | ".join("R = %s" % rn(R) for R in ranks) + " |",
                "|---|---|" + "---:|" * len(ranks)]
        for dist in dists:
            if dist == "fixed":
                continue
            for name, d in durs:
                out.append("| %s | %s | %s |" % (dist, name, " | ".join(fmt(E0[(R, d, dist)]) for R in ranks)))
        out.append("")
    out += ["# table: scale_breaks",
            "| design | lock | tasks | " + " | ".join(n for n, _ in durs) + " |",
            "|---|---|---|" + "---:|" * len(durs)]
    for dist in dists:
        for design, lock in variants:
            cells = []
            for name, d in durs:
                br = [R for R in ranks if res[(design, lock, dist, d, R)]["score"] < 0.9]
                cells.append("≤ %s" % rn(ranks[0]) if br and br[0] == ranks[0] else
                             (rn(br[0]) if br else "> %s" % rn(ranks[-1])))
            out.append("| %s | %s | %s | %s |" % (design, lockname(lock), dist, " | ".join(cells)))
    out.append("")
    out += ["# table: scale_tasks",
            "| length | " + " | ".join("R = %s" % rn(R) for R in ranks) + " |",
            "|---|" + "---:|" * len(ranks)]
    for name, d in durs:
        out.append("| %s | %s |" % (name, " | ".join("%d" % (grid_tasks(R - 1, d, args) / (R - 1)) for R in ranks)))
    out.append("")
    out += ["# table: scale_startup",
            "| R | tasks | expansion s | file creation s | task process start s | MPI start s (assumed) |",
            "|---:|---:|---:|---:|---:|---:|"]
    for R in ranks:
        n = grid_tasks(R - 1, 1.0, args)
        g = lambda k: float(inp.get(k, 0.0))
        cr = "%.3g" % (g("create_a") + g("create_per_row") * n + g("create_per_rank") * R) \
            if "create_per_row" in inp else "not measured"
        out.append("| %s | %d | %.3g | %s | %.3g | %.3g |" % (rn(R), n, g("expand_per_task") * n, cr, g("wk_first"),
                                                            g("mpi_start_a") + g("mpi_start_per_rank") * R))
    out.append("")
    for design, lock in variants:
        for dist in dists:
            if 10000 in ranks and any(d == 1.0 for _, d in durs):
                r = res[(design, lock, dist, 1.0, 10000)]
                out.append("scale_goal_%s_%s_lock%s: %s at 10^4 ranks, 1 s tasks (ratio %s vs target 0.9; "
                           "rank 0 utilisation %s, file %s)" % (
                               design, dist, lockname(lock).replace(" ", "").replace(".", "p"),
                               "E_workers/E0" if dist != "fixed" else "E_workers", fmt(r["score"]),
                               fmt(r["coord_util"]), fmt(r["fs_util"])))
    return out, rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("run", "grid"):
        p = sub.add_parser(name)
        p.add_argument("--inputs", required=True)
        p.add_argument("--tpw", type=int, default=10)
        p.add_argument("--fs", default="pfs", choices=["local", "pfs"])
        p.add_argument("--ppn", type=int)
        p.add_argument("--seed", type=int, default=1)
        if name == "run":
            p.add_argument("--design", default="a", choices=["a", "b", "c"])
            p.add_argument("--ranks", type=int, required=True)
            p.add_argument("--dur", type=float, default=0.0)
            p.add_argument("--dist", default="fixed", choices=["fixed", "lognormal"])
            p.add_argument("--lock", type=float)
            p.add_argument("--cores", type=float)
            p.add_argument("--tasks", type=int)
            p.add_argument("--dur-file", help="task lengths, one a line (then --dur is ignored)")
            p.add_argument("--zero", action="store_true")
            p.add_argument("--background", type=float, default=0.0,
                           help="with --cores: runnable processes of others sharing them")
        else:
            p.add_argument("--ranks-list", default="100,1000,10000,100000")
            p.add_argument("--variants", default="a:0,a:1e-4,a:1e-3,b:1e-3,c:1e-3",
                           help="design:lock seconds, comma-separated")
            p.add_argument("--dists", default="fixed,lognormal")
            p.add_argument("--durs", default="", help="names among " + ",".join(n for n, _ in DURS))
            p.add_argument("--max-tasks", type=int, default=200000)
            p.add_argument("--min-work", type=float, default=10.0,
                           help="seconds of work a worker at least (below --max-tasks)")
            p.add_argument("--jobs", type=int, default=1)
            p.add_argument("--json", help="also write every point, one JSON line each, here")
    sub.add_parser("check")
    p = sub.add_parser("inputs")
    p.add_argument("raw")
    a = ap.parse_args()
    if a.cmd == "check":
        return check()
    if a.cmd == "inputs":
        print(json.dumps(inputs(a.raw), sort_keys=True))
        return 0
    inp = json.load(open(a.inputs))
    if a.cmd == "run":
        durs = [float(x) for x in open(a.dur_file).read().split()] if a.dur_file else None
        r = simulate(inp, design=a.design, ranks=a.ranks, dur=a.dur, dist=a.dist, tpw=a.tpw, fs=a.fs,
                     lock=a.lock, cores=a.cores, ppn=a.ppn, seed=a.seed, zero=a.zero, tasks=a.tasks, durs=durs,
                     background=a.background)
        r["startup_s"] = startup(inp, a.ranks, r["tasks"], local=a.cores is not None)
        print(json.dumps(r))
        return 0
    lines, rows = grid(inp, a)
    print("\n".join(lines))
    if a.json:
        with open(a.json, "w") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
