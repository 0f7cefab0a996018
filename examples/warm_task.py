"""An hsweep exec task in Python, for either protocol (see analysis/hsweep_worker.py).

    command = ["/usr/bin/python3", "examples/warm_task.py"]; protocol = "jsonl";
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "analysis"))
import hsweep_worker  # noqa: E402


@hsweep_worker.task
def run(a, b, seed, seed32):
    # seed32: the seed folded to 32 bits, for numpy.random.seed and the like
    return {"y": a * b + seed, "s32": seed32}
