#!/usr/bin/env python3
"""Specs/mnist-cnn.net's training step (SGD with momentum 0.9, softmax
cross-entropy) at batch 1, 32 and 128 in PyTorch eager and JAX jit, one
thread each, beside netc's from netc-bench, interleaved in one run: each
round times netc, then every peer, at every batch; the table shows medians
of the rounds and how many times faster netc is than the fastest peer.

    python3 Benchmarks/peers/mnist_cnn.py [--rounds N]   # builds netc-bench (swift build -c release) first

Needs PyTorch (pip install torch) and/or JAX (pip install jax); a peer that is
not installed is left out, and with neither it exits 0 with a message.
"""
import os
import statistics
import subprocess
import sys
import time

for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(var, "1")
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
BATCHES = (1, 32, 128)
LR, MOMENTUM = 0.05, 0.9


def best_time(step, budget=0.4):
    """The fastest of repeated timings of `step`, each long enough to measure."""
    step()
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            step()
        if time.perf_counter() - start > 0.02:
            break
        n *= 2
    best, end = float("inf"), time.perf_counter() + budget
    while time.perf_counter() < end:
        start = time.perf_counter()
        for _ in range(n):
            step()
        best = min(best, (time.perf_counter() - start) / n)
    return best


def torch_step(batch):
    import torch
    torch.set_num_threads(1)
    torch.manual_seed(0)
    nn = torch.nn
    net = nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    optimizer = torch.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM)
    loss_fn = nn.CrossEntropyLoss()
    x, y = torch.rand(batch, 1, 28, 28), torch.randint(0, 10, (batch,))

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss_fn(net(x), y).backward()
        optimizer.step()
    return step


def jax_step(batch):
    import jax
    import jax.numpy as jnp
    keys = jax.random.split(jax.random.PRNGKey(0), 8)
    params = {"c1": jax.random.normal(keys[0], (6, 1, 5, 5)) * 0.2, "b1": jnp.zeros(6),
              "c2": jax.random.normal(keys[1], (16, 6, 5, 5)) * 0.1, "b2": jnp.zeros(16),
              "f1": jax.random.normal(keys[2], (120, 256)) * 0.05, "fb1": jnp.zeros(120),
              "f2": jax.random.normal(keys[3], (84, 120)) * 0.1, "fb2": jnp.zeros(84),
              "f3": jax.random.normal(keys[4], (10, 84)) * 0.1, "fb3": jnp.zeros(10)}
    velocity = jax.tree_util.tree_map(jnp.zeros_like, params)
    x = jax.random.uniform(keys[5], (batch, 1, 28, 28))
    t = jax.nn.one_hot(jax.random.randint(keys[6], (batch,), 0, 10), 10)

    def conv(h, w, b):
        return jax.lax.conv_general_dilated(h, w, (1, 1), "VALID", dimension_numbers=("NCHW", "OIHW", "NCHW")) + b[None, :, None, None]

    def pool(h):
        return jax.lax.reduce_window(h, -jnp.inf, jax.lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")

    def loss(p):
        h = pool(jax.nn.relu(conv(x, p["c1"], p["b1"])))
        h = pool(jax.nn.relu(conv(h, p["c2"], p["b2"]))).reshape(batch, -1)
        h = jax.nn.relu(h @ p["f1"].T + p["fb1"])
        h = jax.nn.relu(h @ p["f2"].T + p["fb2"])
        h = h @ p["f3"].T + p["fb3"]
        return -jnp.mean(jnp.sum(t * jax.nn.log_softmax(h), axis=1))

    @jax.jit
    def update(p, v):
        g = jax.grad(loss)(p)
        v = jax.tree_util.tree_map(lambda v, g: MOMENTUM * v + g, v, g)
        return jax.tree_util.tree_map(lambda p, v: p - LR * v, p, v), v

    state = [params, velocity]

    def step():
        state[0], state[1] = update(state[0], state[1])
        jax.block_until_ready(state[0])
    return step


def netc_steps(bench):
    """netc's train step per batch, from one pass of netc-bench."""
    out = subprocess.run([bench, "--only", "mnist-cnn", "--generated-only", "--passes", "1", "--threads", "1"], check=True,
                         capture_output=True, text=True).stdout
    steps = {}
    for line in out.splitlines():
        if line.startswith("| mnist-cnn b") and "| (a)" in line:
            cells = line.split("|")
            value, unit = cells[5].split()
            steps[int(cells[1].split("b")[-1])] = float(value) * {"ns": 1e-9, "µs": 1e-6, "ms": 1e-3, "s": 1}[unit]
    return steps


def fmt(seconds):
    return f"{seconds * 1e6:.1f} µs" if seconds < 1e-3 else f"{seconds * 1e3:.2f} ms"


def main():
    rounds = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 5
    peers = []
    for name, make in (("PyTorch eager", torch_step), ("JAX jit", jax_step)):
        try:
            peers.append((name, {b: make(b) for b in BATCHES}))
        except ImportError:
            print(f"({name}: not installed, left out)")
    if not peers:
        print("Neither PyTorch nor JAX is installed: nothing to compare (pip install torch jax)")
        return
    subprocess.run(["swift", "build", "-c", "release", "--product", "netc-bench"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    bench = os.path.join(ROOT, ".build/release/netc-bench")
    times = {(name, b): [] for name in ["netc"] + [p[0] for p in peers] for b in BATCHES}
    for _ in range(rounds):
        for b, seconds in netc_steps(bench).items():
            times[("netc", b)].append(seconds)
        for name, steps in peers:
            for b in BATCHES:
                times[(name, b)].append(best_time(steps[b]))
    print(f"mnist-cnn training step, one thread, medians of {rounds} interleaved rounds\n")
    print("| batch | netc | " + " | ".join(p[0] for p in peers) + " | netc faster than the fastest peer by |")
    print("|---:|---:|" + "---:|" * len(peers) + "---:|")
    for b in BATCHES:
        netc = statistics.median(times[("netc", b)])
        medians = [statistics.median(times[(p[0], b)]) for p in peers]
        cells = " | ".join(fmt(m) for m in medians)
        print(f"| {b} | {fmt(netc)} | {cells} | {min(medians) / netc:.1f}× |")


if __name__ == "__main__":
    main()
