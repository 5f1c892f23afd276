#!/usr/bin/env python3
"""Specs/mnist-cnn.net's training step (batch 32, SGD with momentum 0.9, softmax
cross-entropy) in PyTorch eager on one thread, beside netc's from netc-bench,
interleaved in one run; medians.

    python3 Benchmarks/peers/mnist_cnn.py     # builds netc-bench (swift build -c release) first

Needs PyTorch (pip install torch); exits 0 with a message when it is missing.
"""
import os
import statistics
import subprocess
import sys
import time

for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")
try:
    import torch
except ImportError:
    print("PyTorch is not installed: nothing to compare (pip install torch)")
    sys.exit(0)

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))


def torch_step_seconds(repeats=200):
    torch.set_num_threads(1)
    torch.manual_seed(0)
    nn = torch.nn
    net = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    x, y = torch.rand(32, 1, 28, 28), torch.randint(0, 10, (32,))
    for _ in range(20):
        optimizer.zero_grad(); loss_fn(net(x), y).backward(); optimizer.step()
    start = time.perf_counter()
    for _ in range(repeats):
        optimizer.zero_grad(); loss_fn(net(x), y).backward(); optimizer.step()
    return (time.perf_counter() - start) / repeats


def netc_step_seconds(bench):
    out = subprocess.run([bench, "--only", "mnist-cnn b32", "--generated-only", "--passes", "1"], check=True,
                         capture_output=True, text=True).stdout
    cell = next(l for l in out.splitlines() if l.startswith("| mnist-cnn b32 | (a)")).split("|")[4].split()
    return float(cell[0]) * {"ns": 1e-9, "µs": 1e-6, "ms": 1e-3, "s": 1}[cell[1]]


def main():
    subprocess.run(["swift", "build", "-c", "release", "--product", "netc-bench"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    bench = os.path.join(ROOT, ".build/release/netc-bench")
    netc, pytorch = [], []
    for _ in range(5):
        netc.append(netc_step_seconds(bench))
        pytorch.append(torch_step_seconds())
    n, p = statistics.median(netc), statistics.median(pytorch)
    print("mnist-cnn b32 training step, one thread, medians of 5 interleaved rounds\n")
    print("| implementation | train step | netc faster by |")
    print("|---|---:|---:|")
    print(f"| netc (swift build -c release) | {n * 1e3:.2f} ms | — |")
    print(f"| PyTorch {torch.__version__} eager, 1 thread | {p * 1e3:.2f} ms | {p / n:.1f}× |")


if __name__ == "__main__":
    main()
