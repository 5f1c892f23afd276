#!/usr/bin/env python3
"""Time the netc-bench networks in NumPy, PyTorch eager and JAX (jit), single thread by default.

Same networks, batches, losses, optimizer (SGD, momentum 0.9 except xor) and
FLOP counts as `swift run -c release netc-bench`, so the numbers line up with
its table. Frameworks that are not installed are skipped. Optional: CI does
not run it.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
    XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1" \
    python3 Benchmarks/peers/peers.py

With `--threads N` (N > 1): PyTorch with torch.set_num_threads(N) and its
BLAS on N threads, JAX with its default (multi-threaded) XLA, NumPy's BLAS
on N threads — beside `netc-bench --threads 1,N`:

    python3 Benchmarks/peers/peers.py --threads 2

PyTorch on Linux: pip install torch --index-url https://download.pytorch.org/whl/cpu
JAX: pip install jax
"""
import os
import sys
import time

THREADS = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 1
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, str(THREADS))
if THREADS == 1:
    os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

import numpy as np

# name, layer sizes, batch, xor-style (sigmoid + half squared error, plain SGD)
CONFIGS = [
    ("xor b1", [2, 4, 1], 1, True),
    ("iris b1", [4, 16, 16, 3], 1, False),
    ("iris b16", [4, 16, 16, 3], 16, False),
    ("mnist b1", [784, 128, 64, 10], 1, False),
    ("mnist b32", [784, 128, 64, 10], 32, False),
    ("mnist b128", [784, 128, 64, 10], 128, False),
]
LR, MOMENTUM = 0.01, 0.9


def training_flops(sizes, batch):
    """Forward + parameter gradient + input gradient (not into the first layer), as netc counts."""
    total = 0
    for layer, (n, m) in enumerate(zip(sizes, sizes[1:])):
        total += 2 * n * m + m  # forward with bias
        total += 2 * n * m + m  # dW, db
        if layer > 0:
            total += 2 * n * m  # dx
    return total * batch


def best_time(step, budget=0.5):
    step()
    n = 1
    while True:
        t = time.perf_counter()
        for _ in range(n):
            step()
        if time.perf_counter() - t > budget / 5 or n > 1 << 20:
            break
        n *= 2
    best = float("inf")
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(n):
            step()
        best = min(best, (time.perf_counter() - t) / n)
    return best


def data(sizes, batch):
    rng = np.random.default_rng(7)
    x = rng.random((batch, sizes[0]), dtype=np.float32)
    t = np.zeros((batch, sizes[-1]), dtype=np.float32)
    t[np.arange(batch), np.arange(batch) % sizes[-1]] = 1
    return x, t


def init(sizes):
    rng = np.random.default_rng(1)
    return [(rng.standard_normal((m, n), dtype=np.float32) * np.sqrt(2 / n), np.zeros(m, np.float32))
            for n, m in zip(sizes, sizes[1:])]


def numpy_step(sizes, batch, xor):
    params = init(sizes)
    velocity = [(np.zeros_like(w), np.zeros_like(b)) for w, b in params]
    x, t = data(sizes, batch)
    momentum = 0.0 if xor else MOMENTUM

    def step():
        acts = [x]
        for k, (w, b) in enumerate(params):
            z = acts[-1] @ w.T + b
            last = k == len(params) - 1
            if xor:
                z = 1 / (1 + np.exp(-z))
            elif not last:
                z = np.maximum(z, 0)
            acts.append(z)
        y = acts[-1]
        if xor:
            delta = (y - t) * y * (1 - y) / batch
        else:
            e = np.exp(y - y.max(axis=1, keepdims=True))
            delta = (e / e.sum(axis=1, keepdims=True) - t) / batch
        for k in reversed(range(len(params))):
            w, b = params[k]
            gw, gb = delta.T @ acts[k], delta.sum(axis=0)
            if k > 0:
                a = acts[k]
                delta = (delta @ w) * (a * (1 - a) if xor else (a > 0))
            vw, vb = velocity[k]
            vw *= momentum; vw += gw; vb *= momentum; vb += gb
            w -= LR * vw; b -= LR * vb

    return step


def torch_step(sizes, batch, xor):
    import torch
    torch.set_num_threads(THREADS)
    layers = []
    for k, (n, m) in enumerate(zip(sizes, sizes[1:])):
        layers.append(torch.nn.Linear(n, m))
        if xor:
            layers.append(torch.nn.Sigmoid())
        elif k < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=0.0 if xor else MOMENTUM)
    x, t = (torch.from_numpy(a) for a in data(sizes, batch))
    loss_fn = (lambda y: 0.5 * ((y - t) ** 2).sum() / batch) if xor else \
        (lambda y: torch.nn.functional.cross_entropy(y, t.argmax(dim=1)))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x))
        loss.backward()
        opt.step()

    return step


def jax_step(sizes, batch, xor):
    import jax
    import jax.numpy as jnp
    params = [(jnp.asarray(w), jnp.asarray(b)) for w, b in init(sizes)]
    velocity = jax.tree_util.tree_map(jnp.zeros_like, params)
    x, t = (jnp.asarray(a) for a in data(sizes, batch))
    momentum = 0.0 if xor else MOMENTUM

    def loss(params):
        h = x
        for k, (w, b) in enumerate(params):
            h = h @ w.T + b
            if xor:
                h = jax.nn.sigmoid(h)
            elif k < len(params) - 1:
                h = jax.nn.relu(h)
        if xor:
            return 0.5 * jnp.sum((h - t) ** 2) / batch
        return -jnp.mean(jnp.sum(t * jax.nn.log_softmax(h), axis=1))

    @jax.jit
    def update(params, velocity):
        g = jax.grad(loss)(params)
        velocity = jax.tree_util.tree_map(lambda v, g: momentum * v + g, velocity, g)
        params = jax.tree_util.tree_map(lambda p, v: p - LR * v, params, velocity)
        return params, velocity

    state = [params, velocity]

    def step():
        state[0], state[1] = update(state[0], state[1])
        jax.block_until_ready(state[0])

    return step


def main():
    print(f"| network | framework | threads | train step | GFLOP/s |")
    print("|---|---|---:|---:|---:|")
    for name, sizes, batch, xor in CONFIGS:
        flops = training_flops(sizes, batch)
        jax_name = "JAX jit" if THREADS == 1 else "JAX jit (default threads)"
        for framework, make in (("NumPy", numpy_step), ("PyTorch eager", torch_step), (jax_name, jax_step)):
            try:
                step = make(sizes, batch, xor)
            except ImportError:
                continue
            seconds = best_time(step)
            print(f"| {name} | {framework} | {THREADS} | {seconds * 1e6:.2f} µs | {flops / seconds / 1e9:.2f} |")


if __name__ == "__main__":
    main()
