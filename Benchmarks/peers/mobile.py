#!/usr/bin/env python3
"""Time netc-bench's `mobile b32` network in PyTorch eager, single thread.

The network of Benchmarks/netc-bench/Models/MobileB32.net: 32 channels of
16 × 16 through a depthwise nn.Conv2d(32, 32, 3, padding=1, groups=32,
bias=False) and a pointwise nn.Conv2d(32, 64, 1), each with ReLU6, averaged
over the positions, through nn.Linear(64, 10); softmax cross-entropy, SGD
with momentum 0.9, batch 32. Prints the median of 7 rounds of 100 training
steps (and of predictions, in eval mode), to set beside
`swift run -c release netc-bench --only "mobile b32"`.
Optional: CI does not run it. PyTorch on Linux:
pip install torch --index-url https://download.pytorch.org/whl/cpu
"""
try:
    import torch
    import torch.nn as nn
except ImportError:
    print("mobile.py: skipped (torch is not installed)")
    raise SystemExit(0)

from sequences import time_network

torch.set_num_threads(1)


class MobileB32(nn.Module):
    def __init__(self):
        super().__init__()
        self.dw = nn.Conv2d(32, 32, 3, padding=1, groups=32, bias=False)
        self.pw = nn.Conv2d(32, 64, 1)
        self.logits = nn.Linear(64, 10)

    def forward(self, x):
        h = nn.functional.relu6(self.pw(nn.functional.relu6(self.dw(x))))
        return self.logits(h.mean((2, 3)))


if __name__ == "__main__":
    torch.manual_seed(0)
    time_network("mobile b32", MobileB32(), torch.randn(32, 32, 16, 16))
