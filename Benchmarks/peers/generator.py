#!/usr/bin/env python3
"""Time netc-bench's `generator b32` network in PyTorch eager, single thread.

The network of Benchmarks/netc-bench/Models/GeneratorB32.net: 64 channels of
8 × 8 through nn.ConvTranspose2d(64, 32, 4, 2, 1), ReLU,
nn.ConvTranspose2d(32, 16, 4, 2, 1), ReLU and nn.ConvTranspose2d(16, 3, 4, 2, 1)
to 3 × 64 × 64; mean squared error, Adam, batch 32. Prints the median of 7
rounds of 10 training steps (and of predictions, in eval mode), to set
beside `swift run -c release netc-bench --only "generator b32"`.
Optional: CI does not run it. PyTorch on Linux:
pip install torch --index-url https://download.pytorch.org/whl/cpu
"""
try:
    import torch
    import torch.nn as nn
except ImportError:
    print("generator.py: skipped (torch is not installed)")
    raise SystemExit(0)

from sequences import median_seconds

torch.set_num_threads(1)


def main():
    torch.manual_seed(0)
    model = nn.Sequential(nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(32, 16, 4, 2, 1), nn.ReLU(),
                          nn.ConvTranspose2d(16, 3, 4, 2, 1))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    x, t = torch.randn(32, 64, 8, 8), torch.randn(32, 3, 64, 64)

    def step():
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x), t).backward()
        optimizer.step()

    def predict():
        with torch.no_grad():
            model(x)

    training = median_seconds(step, repeats=10)
    inference = median_seconds(predict, repeats=10)
    print(f"generator b32, PyTorch {torch.__version__} eager, 1 thread: "
          f"inference {inference * 1e3:.2f} ms, train step {training * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
