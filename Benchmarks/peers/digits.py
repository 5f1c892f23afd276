#!/usr/bin/env python3
"""Train Examples/Digits' network the way Examples/Digits does, in scikit-learn's
MLPClassifier and (when installed) PyTorch on one thread, and time netc's
Digits beside them in the same run.

The same data (Examples/Data/digits.csv, pixels / 16), the same stratified
80/20 split (SplitMix64, seed 2024, Fisher–Yates, as DataSet.split draws it), the same
network (64 → 64 relu → 10, softmax cross-entropy), Adam with learning rate
0.001, batches of 32, 50 epochs, no weight decay. Only training is timed.

    python3 Benchmarks/peers/digits.py        # builds Examples/Digits first (swift build -c release)

Then the same for the convolutional network of Specs/digits-cnn.net (DigitsCNN),
against PyTorch.

Needs numpy and scikit-learn (pip install scikit-learn); PyTorch is optional.
"""
import math
import os
import subprocess
import sys
import time
import warnings

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import numpy as np

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)


def shuffled(indices, rng):
    order = list(indices)
    for i in range(len(order) - 1, 0, -1):
        j = rng.next() % (i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def load():
    data = np.loadtxt(os.path.join(ROOT, "Examples/Data/digits.csv"), delimiter=",", skiprows=1, dtype=np.int64)
    return (data[:, :64] / 16).astype(np.float32), data[:, 64]


def split(y):
    """DataSet.split([0.8], seed: 2024): per class (in order), its members
    shuffled and the first round(0.8 n) kept for training; then each part shuffled."""
    rng = SplitMix64(2024)
    train, test = [], []
    for c in range(int(y.max()) + 1):
        members = shuffled([i for i in range(len(y)) if y[i] == c], rng)
        take = min(math.floor(len(members) * 0.8 + 0.5), len(members))
        train += members[:take]
        test += members[take:]
    return np.array(shuffled(train, rng)), np.array(shuffled(test, rng))


def sklearn_run(x, y, train, test):
    from sklearn.neural_network import MLPClassifier
    from sklearn.exceptions import ConvergenceWarning
    model = MLPClassifier(hidden_layer_sizes=(64,), activation="relu", solver="adam", alpha=0.0, batch_size=32,
                          learning_rate_init=0.001, max_iter=50, tol=0.0, n_iter_no_change=50, shuffle=True,
                          random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        model.fit(x[train], y[train])
        seconds = time.perf_counter() - start
    return seconds, (model.predict(x[test]) == y[test]).mean()


def torch_run(x, y, train, test):
    import torch
    torch.set_num_threads(1)
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    optimizer = torch.optim.Adam(net.parameters(), lr=0.001)
    loss_fn = torch.nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x[train]), torch.from_numpy(y[train])
    generator = torch.Generator().manual_seed(0)
    start = time.perf_counter()
    for _ in range(50):
        order = torch.randperm(len(train), generator=generator)
        for first in range(0, len(train) - 31, 32):  # the last partial batch is dropped, as in Digits
            idx = order[first:first + 32]
            optimizer.zero_grad()
            loss_fn(net(xt[idx]), yt[idx]).backward()
            optimizer.step()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        predicted = net(torch.from_numpy(x[test])).argmax(1).numpy()
    return seconds, (predicted == y[test]).mean()


def torch_cnn_run(x, y, train, test):
    """Specs/digits-cnn.net in PyTorch: conv 16 3×3 same, relu, max pool 2, conv 32, relu, max pool 2, linear 128 → 10."""
    import torch
    torch.set_num_threads(1)
    torch.manual_seed(0)
    nn = torch.nn
    net = nn.Sequential(nn.Conv2d(1, 16, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(16, 32, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(128, 10))
    optimizer = torch.optim.Adam(net.parameters(), lr=0.003)
    loss_fn = nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x[train]).reshape(-1, 1, 8, 8), torch.from_numpy(y[train])
    generator = torch.Generator().manual_seed(0)
    start = time.perf_counter()
    for _ in range(30):
        order = torch.randperm(len(train), generator=generator)
        for first in range(0, len(train) - 31, 32):
            idx = order[first:first + 32]
            optimizer.zero_grad()
            loss_fn(net(xt[idx]), yt[idx]).backward()
            optimizer.step()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        predicted = net(torch.from_numpy(x[test]).reshape(-1, 1, 8, 8)).argmax(1).numpy()
    return seconds, (predicted == y[test]).mean()


def netc_run(product="Digits"):
    package = os.path.join(ROOT, "Examples/Digits")
    subprocess.run(["swift", "build", "-c", "release"], cwd=package, check=True, stdout=subprocess.DEVNULL)
    out = subprocess.run([os.path.join(package, ".build/release", product)], cwd=package, check=True, capture_output=True,
                         text=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("trained"))
    milliseconds = float(line.split(" in ")[1].split(" ms")[0])
    accuracy = float(line.rsplit(" ", 1)[1])
    kernels = out.splitlines()[0].rsplit("kernels: ", 1)[1] if "kernels: " in out else ""
    return milliseconds / 1000, accuracy, kernels


def main():
    x, y = load()
    train, test = split(y)
    rows = []
    seconds, accuracy, kernels = netc_run()
    rows.append((f"netc (swift build -c release; kernels {kernels})", seconds, accuracy))
    rows.append(("scikit-learn MLPClassifier", *sklearn_run(x, y, train, test)))
    try:
        rows.append(("PyTorch eager, 1 thread", *torch_run(x, y, train, test)))
    except ImportError:
        print("(PyTorch not installed: skipped)", file=sys.stderr)
    netc_seconds = rows[0][1]
    print(f"Digits: {len(train)} training, {len(test)} test images; 50 epochs, batch 32, Adam 0.001\n")
    print("| implementation | training time | test accuracy | netc faster by |")
    print("|---|---:|---:|---:|")
    for name, seconds, accuracy in rows:
        ratio = "—" if seconds == netc_seconds else f"{seconds / netc_seconds:.0f}×"
        print(f"| {name} | {seconds * 1000:.0f} ms | {accuracy:.4f} | {ratio} |")

    # The convolutional network of Specs/digits-cnn.net (Examples/Digits' DigitsCNN), 30 epochs.
    seconds, accuracy, _ = netc_run("DigitsCNN")
    rows = [("netc DigitsCNN (swift build -c release)", seconds, accuracy)]
    try:
        rows.append(("PyTorch eager, 1 thread", *torch_cnn_run(x, y, train, test)))
    except ImportError:
        pass
    print("\nDigits CNN (Specs/digits-cnn.net): 30 epochs, batch 32, Adam 0.003\n")
    print("| implementation | training time | test accuracy | netc faster by |")
    print("|---|---:|---:|---:|")
    for name, s, a in rows:
        ratio = "—" if s == seconds else f"{s / seconds:.1f}×"
        print(f"| {name} | {s * 1000:.0f} ms | {a:.4f} | {ratio} |")


if __name__ == "__main__":
    main()
