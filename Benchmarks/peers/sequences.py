#!/usr/bin/env python3
"""Time netc-bench's `lstm b32` and `attention b32` networks in PyTorch eager, single thread.

The network of Benchmarks/netc-bench/Models/LSTMB32.net: a one-channel
sequence of 50 steps through nn.LSTM(1, 64), its last state through
nn.Linear(64, 2); that of Models/AttentionB32.net: 64 channels over 32
positions through nn.MultiheadAttention(64, 4), averaged over the positions,
through nn.Linear(64, 2). Both: softmax cross-entropy, SGD with momentum 0.9,
batch 32. Prints the median of 7 rounds of 100 training steps (and of
predictions, in eval mode), to set beside
`swift run -c release netc-bench --only "lstm b32"` (and "attention b32").
Optional: CI does not run it. PyTorch on Linux:
pip install torch --index-url https://download.pytorch.org/whl/cpu
"""
import time

try:
    import torch
    import torch.nn as nn
except ImportError:
    print("sequences.py: skipped (torch is not installed)")
    raise SystemExit(0)

torch.set_num_threads(1)


class LSTMB32(nn.Module):
    def __init__(self):
        super().__init__()
        self.memory = nn.LSTM(1, 64, batch_first=True)
        self.logits = nn.Linear(64, 2)

    def forward(self, x):
        return self.logits(self.memory(x.transpose(1, 2))[0][:, -1])


class AttentionB32(nn.Module):
    def __init__(self):
        super().__init__()
        self.mixer = nn.MultiheadAttention(64, 4, batch_first=True)
        self.logits = nn.Linear(64, 2)

    def forward(self, x):
        s = x.transpose(1, 2)
        return self.logits(self.mixer(s, s, s, need_weights=False)[0].mean(1))


def median_seconds(body, rounds=7, repeats=100):
    for _ in range(20):
        body()
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(repeats):
            body()
        times.append((time.perf_counter() - start) / repeats)
    return sorted(times)[rounds // 2]


def main():
    torch.manual_seed(0)
    time_network("lstm b32", LSTMB32(), torch.randn(32, 1, 50))
    time_network("attention b32", AttentionB32(), torch.randn(32, 64, 32))


def time_network(name, model, x):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    y = torch.randint(0, 2, (x.shape[0],))

    def step():
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()

    def predict():
        with torch.no_grad():
            model(x)

    model.train()
    training = median_seconds(step)
    model.eval()
    inference = median_seconds(predict)
    print(f"{name}, PyTorch {torch.__version__} eager, 1 thread: "
          f"inference {inference * 1e3:.2f} ms, train step {training * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
