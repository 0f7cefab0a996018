"""The flow_ssc model of kernel `train` written in PyTorch (the same layers,
loss, EMA statistics, clipping and Adam), timed on one thread.
Usage: python3 train_bench.py BATCH MIN_SECONDS -> "updates_per_s <value>".
Run through train_bench.sh."""
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
torch.manual_seed(0)

D, H, HC, L, N = 65, 128, 128, 3, 1566


class Conditioner(nn.Module):
    """nflows ResidualNet on the context alone (1-D flow: no identity features)."""

    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(D + 2, H)
        self.blocks = nn.ModuleList(
            nn.ModuleList([nn.Linear(H, H), nn.Linear(H, H), nn.Linear(D + 2, H)])
            for _ in range(2))
        self.out = nn.Linear(H, 2)

    def forward(self, c):
        h = self.inp(c)
        for a, b, g in self.blocks:
            v = b(F.relu(a(F.relu(h))))
            h = h + F.glu(torch.cat((v, g(c)), dim=1), dim=1)
        return self.out(h)


class FlowSSC(nn.Module):
    def __init__(self):
        super().__init__()
        self.conds = nn.ModuleList(Conditioner() for _ in range(L))
        self.clf = nn.Sequential(nn.Linear(D, HC), nn.ReLU(), nn.Linear(HC, HC), nn.ReLU(),
                                 nn.Linear(HC, 2))
        self.register_buffer("xs", torch.zeros(1, D))
        self.register_buffer("xsc", torch.ones(1, D))
        self.register_buffer("ys", torch.zeros(1))
        self.register_buffer("ysc", torch.ones(1))
        self.init = False

    def update_stats(self, x, y):
        with torch.no_grad():
            mx, sx = x.mean(0, keepdim=True), x.std(0, keepdim=True, unbiased=False).clamp_min(1e-6)
            my, sy = y.mean(0, keepdim=True), y.std(0, keepdim=True, unbiased=False).clamp_min(1e-6)
            if not self.init:
                self.xs.copy_(mx), self.xsc.copy_(sx), self.ys.copy_(my), self.ysc.copy_(sy)
                self.init = True
            else:
                for buf, v in ((self.xs, mx), (self.xsc, sx), (self.ys, my), (self.ysc, sy)):
                    buf.mul_(0.95).add_(v * 0.05)

    def loss(self, x, y, t):
        self.update_stats(x, y)
        xn, yn = (x - self.xs) / self.xsc, (y - self.ys) / self.ysc
        ctx = torch.cat([xn, F.one_hot(t, 2).float()], dim=-1)
        u, lds = yn, 0.0
        for net in self.conds:
            raw = net(ctx)
            s = torch.sigmoid(raw[:, 1] + 2) + 1e-3
            u = u * s + 5 * torch.tanh(raw[:, 0])
            lds = lds + torch.log(s)
        ll = (-0.5 * u * u - 0.5 * math.log(2 * math.pi) + lds).clamp(min=-100.0)
        return -ll.mean() + F.cross_entropy(self.clf(xn), t)


def main():
    batch, min_s = int(sys.argv[1]), float(sys.argv[2])
    x = torch.randn(N, D)
    y = 8 * torch.randn(N)
    t = (torch.rand(N) < 0.26).long()
    n_train = (N - 6) // batch * batch
    model = FlowSSC()
    opt = torch.optim.Adam(model.parameters(), lr=5e-4)
    params = list(model.parameters())

    def epoch():
        perm = torch.randperm(n_train)
        for b0 in range(0, n_train, batch):
            idx = perm[b0:b0 + batch]
            opt.zero_grad()
            loss = model.loss(x[idx], y[idx], t[idx])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
        return n_train // batch

    epoch()  # warm-up
    # CPU seconds of this process, as train_bench.c measures (shared machines)
    updates, t0 = 0, time.process_time()
    while time.process_time() - t0 < min_s:
        updates += epoch()
    print("updates_per_s %.6g" % (updates / (time.process_time() - t0)))


if __name__ == "__main__":
    main()
