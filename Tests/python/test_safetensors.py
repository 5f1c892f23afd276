#!/usr/bin/env python3
"""netc's safetensors files against the reference `safetensors` package.

iris-demo trains the Iris model and saves it as safetensors; the reference
reader must load it with netc's tensor names, shapes and dtype; a file the
reference writer makes from those tensors (as float32, and as float16) must
load back into iris-demo with the same test accuracy. `.ci/run` runs this
after `pip install numpy safetensors`; without them it says so and exits 0.

    python3 Tests/python/test_safetensors.py .build/release/iris-demo
"""
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    from safetensors.numpy import load_file, save_file
except ImportError as missing:
    print(f"test_safetensors: skipped ({missing.name} is not installed)")
    sys.exit(0)

EXPECTED = {  # Specs/iris.net, PyTorch's names and shapes
    "hidden1.weight": (16, 4), "hidden1.bias": (16,),
    "hidden2.weight": (16, 16), "hidden2.bias": (16,),
    "logits.weight": (3, 16), "logits.bias": (3,),
}


def accuracy(demo, *arguments):
    out = subprocess.run([demo, *arguments], check=True, capture_output=True, text=True).stdout
    return next(line for line in out.splitlines() if line.startswith("test accuracy"))


def main():
    demo = sys.argv[1]
    with tempfile.TemporaryDirectory() as directory:
        written = os.path.join(directory, "iris.safetensors")
        trained = accuracy(demo, "--epochs", "30", "--save", written)
        tensors = load_file(written)
        assert {k: v.shape for k, v in tensors.items()} == EXPECTED, {k: v.shape for k, v in tensors.items()}
        assert all(v.dtype == np.float32 and np.isfinite(v).all() for v in tensors.values())
        assert accuracy(demo, "--load", written) == trained

        # Files the reference writer made: float32 exactly, float16 (netc widens it).
        exact = os.path.join(directory, "reference.safetensors")
        save_file({k: np.ascontiguousarray(v) for k, v in tensors.items()}, exact)
        assert accuracy(demo, "--load", exact) == trained, "a reference-written float32 file"
        half = os.path.join(directory, "half.safetensors")
        save_file({k: v.astype(np.float16) for k, v in tensors.items()}, half)
        accuracy(demo, "--load", half)  # loads (the accuracy may differ by rounding)

        # A file missing a tensor is refused, naming it.
        partial = os.path.join(directory, "partial.safetensors")
        save_file({k: v for k, v in tensors.items() if k != "logits.bias"}, partial)
        refused = subprocess.run([demo, "--load", partial], capture_output=True, text=True)
        assert refused.returncode != 0 and "missing tensor 'logits.bias'" in refused.stdout + refused.stderr, refused
    print(f"test_safetensors: ok ({trained}; reference reader and writer agree)")


if __name__ == "__main__":
    main()
